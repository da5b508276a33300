/**
 * The types of inspect's options and report, apart from inspect.ts so that the cache's answer
 * (inspect-cache.ts) can name them without importing the walk. inspect.ts re-exports them.
 */
import type { ImageReadProgress } from '../image/filesystem/merge.js';
import type { ImageSource } from '../image/model.js';
import type { CompressedMode } from '../image/gzip-size.js';
import type { OpenImageOptions } from '../image/open.js';
import type { VerifyReport } from '../verify/types.js';
import type { FileTree } from './file-tree.js';
import type { LayerCache } from './layer-cache.js';
import type { CauseId, CauseTotal, Estimate, GoBinary, Lever, PackageTotal, PackedBinary } from './types.js';

/** Progress over the whole image (src/image/filesystem/merge.ts's imageReadProgress). */
export type InspectProgress = ImageReadProgress;

export interface InspectOptions extends OpenImageOptions {
  onProgress?: (p: InspectProgress) => void;
  /** How many largest files to report (default 15). */
  largest?: number;
  /**
   * Also check each layer's tar against the config's diff_id (default false). Blob digests,
   * which the manifest pins, are always checked, so tampered layers fail either way; the
   * diff_id check finds a config that disagrees with its layers, which is what a runtime
   * checks when it unpacks (goslim verify --run does). It costs a SHA-256 pass over every
   * uncompressed byte: 0.5 s of CPU on the 1.08 GB fixture image.
   */
  verifyDiffIds?: boolean;
  /**
   * Measure the compressed size of layers the source keeps uncompressed (docker-archive,
   * docker-daemon, containers-storage) by gzipping them as `docker push` would. `estimate`
   * (the default; also `true`) deflates the first 8 MiB of each layer and a strided sample past
   * it and scales the rest (within 1 % on the fixture images, see gzip-size.ts); `full` deflates
   * every byte; false reports their stored, uncompressed size, and `compressed.method` says so.
   */
  measureCompressed?: boolean | CompressedMode;
  /**
   * Add `tree`, the compact tree of every file for the HTML report's treemap (default false);
   * a number caps the files kept one by one (default 20000; smaller ones are aggregated).
   */
  fileTree?: boolean | number;
  /**
   * The per-layer analysis cache (default none): layers whose diff_id it holds are not read, and
   * the layers read are added to it (docs/cache.md). false: none.
   */
  cache?: LayerCache | false;
}

/** How `compressedSize` was obtained. */
export interface CompressedMeasure {
  /**
   * `blob`: the stored blob sizes; `measured`: gzip of uncompressed layers, every byte;
   * `estimated`: gzip of uncompressed layers, sampled (see `how`, `sampleFraction`);
   * `stored-uncompressed`: not measured.
   */
  method: 'blob' | 'measured' | 'estimated' | 'stored-uncompressed';
  /** For `measured` and `estimated`: how. */
  how?: string;
  /** Layers measured or estimated (the others are compressed blobs, counted as stored). */
  measuredLayers?: number;
  /** For `estimated`: the fraction of those layers' uncompressed bytes that was deflated (0-1). */
  sampleFraction?: number;
}

export interface InspectLayer {
  /** 1-based position in the manifest (bottom layer is 1), as the text and Markdown number it. */
  number: number;
  digest: string;
  diffId: string;
  /** Compressed bytes: the stored blob, or the measured gzip size of an uncompressed layer. */
  compressedSize: number;
  compressedMethod: 'blob' | 'measured' | 'estimated';
  /** Uncompressed tar bytes. */
  size: number;
  createdBy: string | null;
  files: number;
  added: number;
  modified: number;
  deleted: number;
  deletedBytes: number;
}

export interface InspectReport {
  image: {
    ref: string;
    /** Where the image was read from (`docker-daemon`, with the engine, ...). */
    source: ImageSource;
    digest: string;
    platform: string;
    /** What a registry stores and a pull transfers (see `compressed`). */
    compressedSize: number;
    compressed: CompressedMeasure;
    size: number;
    /** Bytes of file data in the final filesystem (each inode once). */
    fileBytes: number;
    files: number;
  };
  layers: InspectLayer[];
  causes: CauseTotal[];
  packages: PackageTotal[];
  /** Absolute paths in the image; `layer` is the 1-based number of the layer that holds the file. */
  largestFiles: Array<{ path: string; bytes: number; cause: CauseId; package?: string; layer: number }>;
  /** Go binaries with absolute paths in the image (`/usr/local/bin/app`). */
  goBinaries: GoBinary[];
  /**
   * Executables packed with UPX (absolute paths): no Go binary goslim can read, whatever they hold.
   * Each is the exe-compression hint with its numbers.
   */
  packedBinaries: PackedBinary[];
  wasted: { bytes: number; efficiency: number };
  levers: Lever[];
  headline: string;
  estimate: Estimate;
  anomalies: number;
  /** Will it start? The static checks of `goslim verify`, from the same pass. */
  startup: VerifyReport;
  /** Every file with its cause, package and layer, by directory (only with the fileTree option). */
  tree?: FileTree;
}

