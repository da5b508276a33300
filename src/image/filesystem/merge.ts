/**
 * mergeLayers: stream every layer of an image once, bottom to top, through walkLayer into
 * a MergedTree, and label each layer with its history instruction. Content visitors (the
 * analyzers' ELF and package-database readers) ride along on the same pass.
 */
import type { Image } from '../model.js';
import { GzipSizeMeter, type CompressedMode, type GzipSize } from '../gzip-size.js';
import { mapHistory } from './history.js';
import { normaliseEntryPath } from './path.js';
import { MergedTree, type MergedTotals } from './merge-tree.js';
import { openLayerTar, walkLayer, type Anomaly, type LayerVisitor, type WalkStats } from './walk.js';
import { LayerRecorder, replayLayer, type LayerRecord } from './record.js';
import type { LayerEntry, LayerSummary, MergedFile, WastedSummary } from './types.js';

export interface MergedLayerSummary extends LayerSummary {
  digest: string;
  diffId: string;
  /**
   * Compressed size: the stored blob's size, or, for a layer its source keeps uncompressed
   * and `measureCompressed` on, its gzip size as measured or estimated (see gzip-size.ts).
   */
  compressedSize: number;
  /** How compressedSize was obtained. */
  compressedMethod: 'blob' | 'measured' | 'estimated';
  /** For a measured or estimated layer: uncompressed bytes that were deflated (the rest was estimated). */
  deflatedBytes?: number;
  /** Bytes of the uncompressed tar stream, as measured. */
  tarSize: number;
  /** Bytes of regular-file data in the layer's tar headers (what dive calls the layer size). */
  fileBytes: number;
  /** Tar entries, whiteouts included. */
  entries: number;
  createdBy?: string;
  created?: string;
  comment?: string;
}

export interface MergeResult {
  files: ReadonlyMap<string, MergedFile>;
  layers: MergedLayerSummary[];
  wasted: WastedSummary;
  totals: MergedTotals & { compressedSize: number; tarSize: number };
  /** True when config history does not pair one-to-one with the layers. */
  historyMismatch: boolean;
  anomalies: Anomaly[];
  anomalyCount: number;
}

export interface MergeProgress {
  layer: number;
  layers: number;
  /** Uncompressed bytes read so far in this layer. */
  bytes: number;
  done: boolean;
}

/** Progress over a whole image: uncompressed bytes read in all layers, and the fraction by stored (compressed) bytes. */
export interface ImageReadProgress {
  /** 0-based index of the layer being read. */
  layer: number;
  layers: number;
  /** Uncompressed bytes read so far, all layers. */
  bytes: number;
  /** Stored bytes of all layers, and of the layers already finished. */
  storedTotal: number;
  storedDone: number;
}

/** Turns per-layer MergeProgress into whole-image progress, given the layers' stored sizes. */
export function imageReadProgress(storedSizes: readonly number[], report: (p: ImageReadProgress) => void): (p: MergeProgress) => void {
  const storedTotal = storedSizes.reduce((n, s) => n + s, 0);
  let bytesBefore = 0;
  let storedDone = 0;
  return (p) => {
    if (p.done) {
      bytesBefore += p.bytes;
      storedDone += storedSizes[p.layer] ?? 0;
    }
    report({ layer: p.layer, layers: p.layers, bytes: bytesBefore + (p.done ? 0 : p.bytes), storedTotal, storedDone });
  };
}

export interface MergeOptions {
  /** Analyzer hooks: entries as they stream, and file contents on request. */
  visitor?: Pick<LayerVisitor, 'entry' | 'sink' | 'wantContent' | 'content'>;
  onProgress?: (p: MergeProgress) => void;
  /** Check each layer's tar against its diff_id too (default true; see TarReadOptions). */
  verifyDiffIds?: boolean;
  /**
   * Measure the gzip size of uncompressed layers as they are walked (default false): true or
   * `estimate` samples large layers, `full` deflates every byte (see gzip-size.ts).
   */
  measureCompressed?: boolean | CompressedMode;
  /**
   * A layer already walked (the per-layer analysis cache): its recorded walk, replayed into the
   * merged tree instead of reading the layer, with its measured gzip size when it has one; or
   * undefined to read the layer. The content visitors see no data of a replayed layer.
   */
  replay?: (index: number) => { record: LayerRecord; gzip?: GzipSize } | undefined;
  /**
   * Record the walk of the layers this returns true for; `recorded` gets the record after the
   * layer's walk (undefined when the layer was too large to record).
   */
  record?: (index: number) => boolean;
  recorded?: (index: number, record: LayerRecord | undefined, gzip: GzipSize | undefined) => void;
}

export async function mergeLayers(image: Image, options: MergeOptions = {}): Promise<MergeResult> {
  const layers = image.layers();
  const tree = new MergedTree();
  const summaries: MergedLayerSummary[] = [];
  const outer = options.visitor;
  for (const [i, layer] of layers.entries()) {
    tree.beginLayer(i);
    const replay = options.replay?.(i);
    let stats: WalkStats;
    let gz: GzipSize | undefined;
    if (replay !== undefined) {
      stats = replayLayer(replay.record, i, {
        entry: (e: LayerEntry) => {
          tree.applyEntry(e);
          outer?.entry?.(e);
        },
        whiteout: (w) => tree.applyWhiteout(w),
        anomaly: (a) => tree.addAnomaly(a),
      });
      gz = replay.gzip;
      options.onProgress?.({ layer: i, layers: layers.length, bytes: stats.tarBytes, done: true });
    } else {
      const recorder = options.record?.(i) === true ? new LayerRecorder() : undefined;
      const tar = await openLayerTar(layer, { verifyDiffId: options.verifyDiffIds ?? true });
      let bytes = 0;
      let last = 0;
      const onBytes = (n: number): void => {
        bytes += n;
        if (bytes - last >= 8 << 20) {
          last = bytes;
          options.onProgress?.({ layer: i, layers: layers.length, bytes, done: false });
        }
      };
      const visitor: LayerVisitor = recorder
        ? {
            entry: (e: LayerEntry) => {
              tree.applyEntry(e);
              recorder.entry(e);
              outer?.entry?.(e);
            },
            whiteout: (w) => {
              tree.applyWhiteout(w);
              recorder.whiteout(w);
            },
            anomaly: (a) => {
              tree.addAnomaly(a);
              recorder.anomaly(a);
            },
          }
        : {
            entry: (e: LayerEntry) => {
              tree.applyEntry(e);
              outer?.entry?.(e);
            },
            whiteout: (w) => tree.applyWhiteout(w),
            anomaly: (a) => tree.addAnomaly(a),
          };
      if (outer?.sink) visitor.sink = outer.sink;
      if (outer?.wantContent) visitor.wantContent = outer.wantContent;
      if (outer?.content) visitor.content = outer.content;
      const mode: CompressedMode | undefined =
        options.measureCompressed === true ? 'estimate' : options.measureCompressed === false ? undefined : options.measureCompressed;
      const meter = mode !== undefined && layer.compression() === 'none' ? new GzipSizeMeter(mode) : undefined;
      stats = await walkLayer(tar, i, visitor, {
        ...(options.onProgress ? { onBytes } : {}),
        ...(meter ? { onChunk: (c: Buffer) => meter.feed(c) } : {}),
      });
      options.onProgress?.({ layer: i, layers: layers.length, bytes: stats.tarBytes, done: true });
      gz = meter ? await meter.finish() : undefined;
      if (recorder) options.recorded?.(i, recorder.finish(stats), gz);
    }
    summaries.push({
      index: i,
      added: 0,
      modified: 0,
      deleted: 0,
      deletedBytes: 0,
      files: 0,
      digest: layer.digest(),
      diffId: layer.diffId(),
      compressedSize: gz ? gz.size : layer.size(),
      compressedMethod: gz ? gz.method : 'blob',
      ...(gz ? { deflatedBytes: gz.deflatedBytes } : {}),
      tarSize: stats.tarBytes,
      fileBytes: stats.fileBytes,
      entries: stats.entries,
    });
  }
  // History is read after the walk: a source that streams (docker-daemon) knows its config
  // only once every layer has arrived.
  const history = mapHistory(image.config().history, layers.length);
  for (const s of summaries) {
    const h = history.layers[s.index];
    if (h?.createdBy !== undefined) s.createdBy = h.createdBy;
    if (h?.created !== undefined) s.created = h.created;
    if (h?.comment !== undefined) s.comment = h.comment;
  }
  const merged = tree.finish();
  for (const s of summaries) Object.assign(s, merged.layers[s.index]);
  return {
    files: merged.files,
    layers: summaries,
    wasted: merged.wasted,
    totals: {
      ...merged.totals,
      compressedSize: summaries.reduce((a, s) => a + s.compressedSize, 0),
      tarSize: summaries.reduce((a, s) => a + s.tarSize, 0),
    },
    historyMismatch: history.mismatch,
    anomalies: merged.anomalies,
    anomalyCount: merged.anomalyCount,
  };
}

/**
 * Follow symlinks inside the merged tree (never on the host): returns the final path and
 * its file, or undefined for a dangling link or a loop (40 hops, as Linux's MAXSYMLINKS).
 */
export function resolveInTree(files: ReadonlyMap<string, MergedFile>, path: string): { path: string; file: MergedFile } | undefined {
  let current = path;
  for (let hops = 0; hops < 40; hops++) {
    // Resolve symlinked parent directories component by component.
    const parts = current.split('/');
    let prefix = '';
    let redirected = false;
    for (let k = 0; k < parts.length; k++) {
      prefix = prefix ? `${prefix}/${parts[k]}` : parts[k]!;
      const f = files.get(prefix);
      if (f?.type === 'symlink' && f.linkname !== undefined) {
        const rest = parts.slice(k + 1).join('/');
        const base = f.linkname.startsWith('/') ? f.linkname : `${prefix.slice(0, Math.max(0, prefix.lastIndexOf('/')))}/${f.linkname}`;
        const joined = rest ? `${base}/${rest}` : base;
        current = normaliseEntryPath(joined).path;
        redirected = true;
        break;
      }
    }
    if (!redirected) {
      const file = files.get(current);
      return file === undefined ? undefined : { path: current, file };
    }
  }
  return undefined;
}
