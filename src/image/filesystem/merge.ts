/**
 * mergeLayers: stream every layer of an image once, bottom to top, through walkLayer into
 * a MergedTree, and label each layer with its history instruction. Content visitors (the
 * analyzers' ELF and package-database readers) ride along on the same pass.
 */
import type { Readable } from 'node:stream';
import { imageSource, type Image, type Layer, type TarChunks } from '../model.js';
import { InternalError } from '../../errors.js';
import { limit } from '../../limits.js';
import { readerThreads } from '../sources/tar-worker.js';
import { GzipSizeMeter, type CompressedMode, type GzipSize } from '../gzip-size.js';
import { mapHistory } from './history.js';
import { normaliseEntryPath } from './path.js';
import { MergedTree, type MergedTotals } from './merge-tree.js';
import { isTarChunks, openLayerTar, readHere, streamChunks, walkLayer, type Anomaly, type LayerVisitor, type WalkStats } from './walk.js';
import { LayerRecorder, replayLayer, type LayerRecord } from './record.js';
import type { LayerEntry, LayerSummary, MergedFile, WastedSummary, Whiteout } from './types.js';

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
  // Layers may be read side by side (mergeLayers' lookahead): bytes per layer, summed.
  const bytesOf = new Map<number, number>();
  let bytes = 0;
  let storedDone = 0;
  return (p) => {
    const before = bytesOf.get(p.layer) ?? 0;
    if (p.bytes > before) {
      bytes += p.bytes - before;
      bytesOf.set(p.layer, p.bytes);
    }
    if (p.done) storedDone += storedSizes[p.layer] ?? 0;
    report({ layer: p.layer, layers: p.layers, bytes, storedTotal, storedDone });
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
  /**
   * Layers read at the same time as the one merging (default: one per further reader thread;
   * 0 reads one layer at a time). The merged tree sees the same events in the same order either
   * way; content visitors may see layers' data interleaved, each entry with its layer.
   */
  lookahead?: number;
  /** Override of the limit merge.aheadEvents (events a layer read ahead holds before it waits). */
  aheadEvents?: number;
  /**
   * Called once each layer is merged, with the tree so far (lookups only: `charged` is 0 until
   * the end), so a reader can start on what the layers below already settle.
   */
  layerMerged?: (index: number, files: ReadonlyMap<string, MergedFile>) => void;
}

/** Stored bytes under which a layer read ahead does not count against the lookahead. */
const SMALL_LAYER = 1 << 20;

type LayerEvent = { kind: 'entry'; e: LayerEntry } | { kind: 'whiteout'; w: Whiteout } | { kind: 'anomaly'; a: Anomaly };

/**
 * One layer's walk, started in order but possibly before the layers below it are merged: the
 * tree must see layers bottom to top, so until its turn (`goLive`) its entries, whiteouts and
 * anomalies wait in a buffer (content sinks run as the data streams, in any order: every
 * analyzer keys what it keeps by layer). Then the buffer is applied and the rest goes straight
 * to the tree.
 */
class LayerRead {
  private buffered: LayerEvent[] = [];
  private live = false;
  private apply: ((ev: LayerEvent) => void) | undefined;
  private resume: (() => void) | undefined;
  private aborted = false;
  readonly done: Promise<{ stats: WalkStats; gz: GzipSize | undefined }>;
  /** Uncompressed bytes read so far, and when progress was last reported (progress). */
  bytes = 0;
  reported = 0;

  constructor(
    layer: Layer,
    readonly index: number,
    visitor: Pick<LayerVisitor, 'sink' | 'wantContent' | 'content'> | undefined,
    private readonly options: MergeOptions,
    onBytes: ((read: LayerRead, n: number) => void) | undefined,
    private readonly gated: boolean,
    /** Events held until its turn (limit merge.aheadEvents): past it, the read waits. */
    private readonly maxBuffered: number,
    /** Whether this is the image's largest layer read, when it has one (TarReadOptions.lead). */
    private readonly lead: boolean | undefined,
    /** Read on this thread (a small image, see smallImage), not on a reader thread. */
    private readonly here: boolean,
  ) {
    this.done = this.run(layer, visitor, onBytes);
    this.done.catch(() => {}); // surfaced when its turn comes (a lower layer's failure comes first)
  }

  private push(ev: LayerEvent): void {
    if (this.live) this.apply!(ev);
    else this.buffered.push(ev);
  }

  private async run(
    layer: Layer,
    outer: Pick<LayerVisitor, 'sink' | 'wantContent' | 'content'> | undefined,
    onBytes: ((read: LayerRead, n: number) => void) | undefined,
  ): Promise<{ stats: WalkStats; gz: GzipSize | undefined }> {
    const verifyDiffId = this.options.verifyDiffIds ?? true;
    const opened = await openLayerTar(layer, { verifyDiffId, ...(this.lead !== undefined ? { lead: this.lead } : {}) }, this.here);
    const inner = !this.gated || isTarChunks(opened) ? opened : streamChunks(opened);
    // Reads pause while the buffer is full and the layer's turn has not come, and stop on abort.
    const tar: TarChunks | Readable = !this.gated || !isTarChunks(inner) ? opened : {
      read: async () => {
        if (this.aborted) throw ABORTED;
        if (!this.live && this.buffered.length >= this.maxBuffered) await new Promise<void>((r) => (this.resume = r));
        if (this.aborted) throw ABORTED;
        return inner.read();
      },
      close: () => inner.close(),
    };
    const visitor: LayerVisitor = {
      entry: (e) => this.push({ kind: 'entry', e }),
      whiteout: (w) => this.push({ kind: 'whiteout', w }),
      anomaly: (a) => this.push({ kind: 'anomaly', a }),
    };
    if (outer?.sink) visitor.sink = outer.sink;
    if (outer?.wantContent) visitor.wantContent = outer.wantContent;
    if (outer?.content) visitor.content = outer.content;
    const mode: CompressedMode | undefined =
      this.options.measureCompressed === true ? 'estimate' : this.options.measureCompressed === false ? undefined : this.options.measureCompressed;
    const meter = mode !== undefined && layer.compression() === 'none' ? new GzipSizeMeter(mode) : undefined;
    const stats = await walkLayer(tar, this.index, visitor, {
      ...(onBytes ? { onBytes: (n: number) => onBytes(this, n) } : {}),
      ...(meter ? { onChunk: (c: Buffer) => meter.feed(c) } : {}),
    });
    return { stats, gz: meter ? await meter.finish() : undefined };
  }

  /** This layer's turn: what it buffered goes to `apply` now, the rest as it comes. */
  goLive(apply: (ev: LayerEvent) => void): void {
    this.apply = apply;
    for (const ev of this.buffered) apply(ev);
    this.buffered = [];
    this.live = true;
    this.resume?.();
  }

  /** A lower layer failed: stop at the next read (the error then is ABORTED, never surfaced). */
  abort(): void {
    this.aborted = true;
    this.buffered = [];
    this.resume?.();
  }
}

const ABORTED = new InternalError('layer read abandoned: a lower layer failed');

/**
 * How many layers above the one merging are read at the same time: one per further reader
 * thread (tar-worker.ts), none for a source whose layers arrive in order from one stream
 * (docker-daemon's export). GOSLIM_LOOKAHEAD overrides.
 */
function lookahead(image: Image, option: number | undefined): number {
  if (imageSource(image).transport === 'docker-daemon') return 0;
  const env = process.env.GOSLIM_LOOKAHEAD;
  const n = option ?? (env !== undefined && env !== '' ? Number(env) : readerThreads() - 1);
  return Number.isInteger(n) && n > 0 ? Math.min(n, 4) : 0;
}

/** A small image, read on this thread while no reader thread is running (readHere in walk.ts). */
function smallImage(image: Image): boolean {
  // A docker-daemon export learns its layers' sizes as they stream, and reads them as it does.
  if (imageSource(image).transport === 'docker-daemon') return false;
  return readHere(image.layers().reduce((n, l) => n + l.size(), 0));
}

/** Stored bytes from which the largest layer is a lead read. */
const LEAD_MIN = 16 << 20;

/**
 * The index of the image's largest compressed layer (by stored bytes; the first of equals) when
 * it is of LEAD_MIN or more, else -1. When the cache replays it, no read is the lead. A layer
 * stored uncompressed (docker-archive, containers-storage) is copied by its reader faster than
 * this thread walks it: a deeper ring would only hold more memory (containers-storage, fat
 * image: 189-196 MB peak RSS instead of 168-171, the same time in three runs each).
 */
function leadLayer(layers: readonly Layer[]): number {
  let best = -1;
  let size = LEAD_MIN - 1;
  for (const [i, l] of layers.entries()) {
    if (l.compression() !== 'none' && l.size() > size) {
      best = i;
      size = l.size();
    }
  }
  return best;
}

export async function mergeLayers(image: Image, options: MergeOptions = {}): Promise<MergeResult> {
  const layers = image.layers();
  const tree = new MergedTree();
  const summaries: MergedLayerSummary[] = [];
  const outer = options.visitor;
  const ahead = lookahead(image, options.lookahead);
  // Reads started and not yet merged, by layer index; a replayed layer is never read.
  const reads = new Map<number, LayerRead>();
  const onBytes = options.onProgress
    ? (read: LayerRead, n: number): void => {
        read.bytes += n;
        if (read.bytes - read.reported >= 8 << 20) {
          read.reported = read.bytes;
          options.onProgress?.({ layer: read.index, layers: layers.length, bytes: read.bytes, done: false });
        }
      }
    : undefined;
  // Asked once per layer (the caller's replay may have side effects, such as handing the layer's
  // cached facts to its analyzers).
  const replays = new Map<number, { record: LayerRecord; gzip?: GzipSize } | undefined>();
  const replayOf = (i: number): { record: LayerRecord; gzip?: GzipSize } | undefined => {
    if (!replays.has(i)) replays.set(i, options.replay?.(i));
    return replays.get(i);
  };
  // The walk waits on the largest layer's reader most: its read gets the deeper buffer.
  const lead = leadLayer(layers);
  const here = smallImage(image);
  const startRead = (i: number): void => {
    if (i >= layers.length || reads.has(i) || replayOf(i) !== undefined) return;
    reads.set(i, new LayerRead(layers[i]!, i, outer, options, onBytes, ahead > 0, limit('merge.aheadEvents', options.aheadEvents), lead >= 0 ? i === lead : undefined, here));
  };
  try {
    for (const [i, layer] of layers.entries()) {
      tree.beginLayer(i);
      const replay = replayOf(i);
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
      } else {
        startRead(i);
        // The layers above it that will be read start now too, up to `ahead` of them (small
        // ones, which take a reader thread for moments, not counted).
        for (let k = i + 1, started = 0; ahead > 0 && k < layers.length && started < ahead; k++) {
          if (replayOf(k) !== undefined) continue;
          startRead(k);
          if (layers[k]!.size() >= SMALL_LAYER) started++;
        }
        const read = reads.get(i)!;
        const recorder = options.record?.(i) === true ? new LayerRecorder() : undefined;
        read.goLive((ev) => {
          if (ev.kind === 'entry') {
            tree.applyEntry(ev.e);
            recorder?.entry(ev.e);
            outer?.entry?.(ev.e);
          } else if (ev.kind === 'whiteout') {
            tree.applyWhiteout(ev.w);
            recorder?.whiteout(ev.w);
          } else {
            tree.addAnomaly(ev.a);
            recorder?.anomaly(ev.a);
          }
        });
        ({ stats, gz } = await read.done);
        reads.delete(i);
        if (recorder) options.recorded?.(i, recorder.finish(stats), gz);
      }
      options.onProgress?.({ layer: i, layers: layers.length, bytes: stats.tarBytes, done: true });
      if (i < layers.length - 1) options.layerMerged?.(i, tree.view());
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
  } finally {
    for (const r of reads.values()) r.abort();
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
