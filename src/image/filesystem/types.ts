/**
 * The contract between the streaming layer walk (src/image/filesystem) and the
 * analyzers (src/analysis, src/verify). Entries carry metadata only; file data is
 * handed to content visitors while the tar streams, never kept.
 */
export type EntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo' | 'other';

/** One tar entry of one layer, after path normalisation (no leading "./" or "/"; never ".."). */
export interface LayerEntry {
  /** Normalised path relative to the image root, e.g. "usr/local/go/bin/go". */
  path: string;
  type: EntryType;
  /** Bytes of file data in this layer (0 for non-regular files and hardlinks). */
  size: number;
  mode: number;
  uid: number;
  gid: number;
  /** Symlink target (as written) or hardlink target (normalised path). */
  linkname?: string;
  /** Index of the layer in the image (0 = bottom). */
  layer: number;
}

/** A whiteout found in a layer: a deleted path, or an opaque directory. */
export interface Whiteout {
  layer: number;
  /** The path deleted (file whiteout) or the directory made opaque. */
  path: string;
  opaque: boolean;
}

/** A file as it exists in the final (merged) filesystem. */
export interface MergedFile extends LayerEntry {
  /**
   * Bytes this path costs in the final image. For hardlinks this is 0 unless the
   * data was charged here (the first surviving link in the layer that wrote the data).
   */
  charged: number;
}

export interface LayerSummary {
  index: number;
  /** Bytes of file data the layer adds (new paths). */
  added: number;
  /** Bytes of file data the layer writes over paths that existed below. */
  modified: number;
  /** Paths it deletes (whiteouts), and the bytes those paths had below. */
  deleted: number;
  deletedBytes: number;
  files: number;
}

export interface WastedSummary {
  /** Bytes present in lower layers that are not visible in the final filesystem. */
  bytes: number;
  /** Final visible file bytes / all file bytes written by all layers (1 = no waste). */
  efficiency: number;
}
