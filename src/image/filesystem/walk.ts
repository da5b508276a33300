/**
 * One streaming pass over one layer tar (our TarParser: ustar, PAX `x`/`g` and GNU long
 * names are folded into the headers). Entries come out normalised; whiteouts come
 * out as Whiteout events (image-spec `layer.md`: `.wh.NAME`, opaque `.wh..wh..opq`).
 * File data is only handed to a content visitor that asked for that entry; everything
 * else is drained chunk by chunk, never buffered.
 */
import { PassThrough, pipeline, type Readable } from 'node:stream';
import { TarParser, type TarDataSink } from './tar-parser.js';

export type { TarDataSink } from './tar-parser.js';
import { asError, GoslimError, InternalError, MalformedInputError, TruncatedInputError } from '../../errors.js';
import { normaliseEntryPath, symlinkTarget, type PathIssue } from './path.js';
import type { EntryType, LayerEntry, Whiteout } from './types.js';
import type { Layer, TarChunks, TarReadOptions } from '../model.js';
import { layerReadersRunning } from '../sources/tar-worker.js';

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';

export type AnomalyKind = PathIssue | 'symlink-escape' | 'invalid-whiteout' | 'dangling-hardlink' | 'hardlink-escape';

/** Something odd (and neutralised) in a layer: reported, never fatal for analysis. */
export interface Anomaly {
  layer: number;
  kind: AnomalyKind;
  /** The raw tar name (or link target) as written. */
  raw: string;
  /** The normalised path it was treated as. */
  path: string;
}

export interface LayerVisitor {
  entry?(entry: LayerEntry): void;
  whiteout?(whiteout: Whiteout): void;
  anomaly?(anomaly: Anomaly): void;
  /**
   * The synchronous way to read data, tried first: return a sink to receive this regular
   * file's data chunk by chunk, then end(). Each chunk is valid only during write() (copy
   * what you keep): no stream, no copy and no promise per chunk (see data-sinks.ts).
   */
  sink?(entry: LayerEntry): TarDataSink | undefined;
  /** Return true to receive this regular file's bytes through `content`. */
  wantContent?(entry: LayerEntry): boolean;
  /**
   * Receives the data of an entry it asked for. It may stop reading early; the rest is
   * drained. The walk waits for the returned promise before the next entry.
   */
  content?(entry: LayerEntry, data: Readable): Promise<void>;
  /**
   * Checked before each entry: return true when the visitor has all it came for, and the walk
   * stops there (the rest of the layer is neither read nor verified). For targeted re-reads.
   */
  done?(): boolean;
}

export interface WalkStats {
  /** Tar entries seen (whiteouts included, PAX/GNU meta headers excluded). */
  entries: number;
  /** Bytes of the uncompressed tar stream. */
  tarBytes: number;
  /** Bytes of regular-file data. */
  fileBytes: number;
  /** True when the visitor's done() ended the walk before the end of the layer. */
  stopped: boolean;
}

/** Thrown inside the parser to end a walk early; never escapes walkLayer. */
const STOP = new InternalError('walk stopped by its visitor');

function entryType(typeflag: string): EntryType {
  switch (typeflag) {
    case '0':
    case '\0':
    case '7': // contiguous file
      return 'file';
    case '5':
      return 'dir';
    case '2':
      return 'symlink';
    case '1':
      return 'hardlink';
    case '3':
      return 'char';
    case '4':
      return 'block';
    case '6':
      return 'fifo';
    default:
      return 'other';
  }
}

/** Errors thrown by content visitors: passed through unchanged, they are not tar problems. */
const visitorErrors = new WeakSet<object>();

function wrapTarError(err: Error, layer: number): Error {
  if (err instanceof GoslimError || visitorErrors.has(err)) return err;
  if (/unexpected end/i.test(err.message)) {
    return new TruncatedInputError(`layer ${layer}: tar stream ends inside an entry`, { cause: err });
  }
  if ((err as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE') {
    // The source was destroyed without an error of its own.
    return new TruncatedInputError(`layer ${layer}: stream closed early`, { cause: err });
  }
  return new MalformedInputError(`layer ${layer}: invalid tar (${err.message})`, { cause: err });
}

/**
 * Stored bytes under which an image (mergeLayers) or a layer read on its own (a re-read after the
 * walk, an unpack) is read on this thread when no reader thread is running: starting one costs
 * more than it saves. Inspect alone (the library call), 4 alternated runs each, this thread
 * against the reader threads: static-debian12-nonroot (0.5 MB stored) 199-224 ms against
 * 255-286 ms, slim-four-levers (2.7 MB) 443-505 against 507-546, base-debian12-nonroot (5.3 MB)
 * 305-384 against 310-361: no gain left at 5 MB, so the line is under it.
 * GOSLIM_SMALL_IMAGE (bytes) overrides it; 0 reads everything on the reader threads.
 */
const SMALL_READ = 4 << 20;

/** Should `stored` bytes (an image's layers, or one layer) be read on this thread? See SMALL_READ. */
export function readHere(stored: number): boolean {
  const env = process.env.GOSLIM_SMALL_IMAGE;
  const n = env !== undefined && env !== '' ? Number(env) : SMALL_READ;
  const limit = Number.isFinite(n) && n >= 0 ? n : SMALL_READ;
  return stored > 0 && stored < limit && layerReadersRunning() === 0;
}

/**
 * A layer's tar: from its source's reader thread (tarChunks) when it has one, else as a stream on
 * this thread. `here`: on this thread all the same; by default, readHere(its stored size).
 */
export async function openLayerTar(layer: Layer, options: TarReadOptions = {}, here?: boolean): Promise<Readable | TarChunks> {
  if (here ?? readHere(layer.size())) return layer.uncompressed(options);
  return (await layer.tarChunks?.(options)) ?? (await layer.uncompressed(options));
}

function isStream(tar: Readable | TarChunks): tar is Readable {
  return typeof (tar as Readable).pipe === 'function';
}

export function isTarChunks(tar: Readable | TarChunks): tar is TarChunks {
  return !isStream(tar);
}

export interface WalkOptions {
  /** Called with the size of every chunk of the tar as it is parsed. */
  onBytes?: (n: number) => void;
  /**
   * Called with every chunk of the tar (valid only during the call: copy what you keep); a
   * returned promise is awaited before the next chunk (backpressure).
   */
  onChunk?: (chunk: Buffer) => Promise<void> | undefined;
}

/** A stream as reused-chunk reads (so that the walk can wait on onChunk between chunks). */
export function streamChunks(stream: Readable): TarChunks {
  const it = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  return {
    async read() {
      const r = await it.next();
      return r.done === true ? undefined : r.value;
    },
    close() {
      stream.destroy();
    },
  };
}

/**
 * Walk one uncompressed layer tar (a stream, or reused chunks from openLayerTar). Rejects
 * typed: E_TRUNCATED, E_MALFORMED, E_DIGEST_MISMATCH.
 */
export function walkLayer(tar: Readable | TarChunks, layer: number, visitor: LayerVisitor, options: WalkOptions = {}): Promise<WalkStats> {
  const stats: WalkStats = { entries: 0, tarBytes: 0, fileBytes: 0, stopped: false };
  const stream = isStream(tar);
  const parser = new TarParser((header) => {
    if (visitor.done?.() === true) {
      stats.stopped = true;
      throw STOP;
    }
    stats.entries++;
    const type = entryType(header.typeflag);
    const n = normaliseEntryPath(header.name);
    if (n.issue !== undefined) visitor.anomaly?.({ layer, kind: n.issue, raw: header.name, path: n.path });
    const slash = n.path.lastIndexOf('/');
    const base = n.path.slice(slash + 1);
    if (base.startsWith(WHITEOUT_PREFIX)) {
      const dir = slash < 0 ? '' : n.path.slice(0, slash);
      if (base === OPAQUE_MARKER) {
        visitor.whiteout?.({ layer, path: dir, opaque: true });
      } else if (base.startsWith(`${WHITEOUT_PREFIX}${WHITEOUT_PREFIX}`) || base === WHITEOUT_PREFIX) {
        // `.wh.` alone is invalid; `.wh..wh.*` other than opq are AUFS internals (plnk, aufs).
        visitor.anomaly?.({ layer, kind: 'invalid-whiteout', raw: header.name, path: n.path });
      } else {
        const name = base.slice(WHITEOUT_PREFIX.length);
        visitor.whiteout?.({ layer, path: dir ? `${dir}/${name}` : name, opaque: false });
      }
      return undefined;
    }
    if (n.path === '') return undefined; // the root directory itself ("./")
    const size = type === 'file' ? header.size : 0;
    stats.fileBytes += size;
    const entry: LayerEntry = { path: n.path, type, size, mode: header.mode, uid: header.uid, gid: header.gid, layer };
    if (type === 'symlink' && header.linkname) {
      entry.linkname = header.linkname;
      if (symlinkTarget(n.path, header.linkname).escapes) {
        visitor.anomaly?.({ layer, kind: 'symlink-escape', raw: header.linkname, path: n.path });
      }
    } else if (type === 'hardlink' && header.linkname) {
      const target = normaliseEntryPath(header.linkname);
      entry.linkname = target.path;
      if (target.issue === 'parent-escape') {
        visitor.anomaly?.({ layer, kind: 'hardlink-escape', raw: header.linkname, path: n.path });
      }
    }
    visitor.entry?.(entry);
    if (type === 'file' && size > 0 && visitor.sink) {
      const sink = visitor.sink(entry);
      if (sink !== undefined) return sink;
    }
    if (type === 'file' && size > 0 && visitor.content && visitor.wantContent?.(entry)) {
      // Chunks from reused buffers are copied for the visitor, which may keep them.
      return contentSink(entry, visitor.content, !stream);
    }
    return undefined;
  });
  if (!stream) return walkChunks(tar, parser, stats, layer, options);
  if (options.onChunk) return walkChunks(streamChunks(tar), parser, stats, layer, options);
  tar.on('data', (chunk: Buffer) => {
    stats.tarBytes += chunk.length;
    options.onBytes?.(chunk.length);
  });
  return new Promise<WalkStats>((resolve, reject) => {
    pipeline(tar, parser, (err) => {
      if (err === STOP) resolve(stats);
      else if (err) reject(wrapTarError(err, layer));
      else resolve(stats);
    });
  });
}

async function walkChunks(tar: TarChunks, parser: TarParser, stats: WalkStats, layer: number, options: WalkOptions): Promise<WalkStats> {
  try {
    for (;;) {
      const chunk = await tar.read();
      if (chunk === undefined) break;
      stats.tarBytes += chunk.length;
      options.onBytes?.(chunk.length);
      const measuring = options.onChunk?.(chunk);
      await parser.feed(chunk);
      if (measuring !== undefined) await measuring;
    }
    parser.endInput();
    return stats;
  } catch (err) {
    if (err === STOP) return stats;
    throw wrapTarError(asError(err), layer);
  } finally {
    tar.close();
  }
}

/**
 * Hand one entry's bytes to a content visitor as a Node stream with backpressure. If the
 * visitor returns before reading everything, the rest is discarded; if it throws, the
 * walk fails with its error.
 */
function contentSink(entry: LayerEntry, content: NonNullable<LayerVisitor['content']>, copy: boolean): TarDataSink {
  const data = new PassThrough({ highWaterMark: 1 << 16 });
  data.on('error', () => {}); // a visitor that destroys its stream early is not an error
  let finished = false;
  const done = content(entry, data).then(
    () => {
      finished = true;
      if (!data.destroyed) data.resume();
    },
    (err: unknown) => {
      const e = asError(err);
      visitorErrors.add(e);
      data.destroy();
      throw e;
    },
  );
  // Surface a visitor failure at the next write/end rather than as an unhandled rejection.
  done.catch(() => {});
  return {
    async write(chunk) {
      if (finished || data.destroyed) return;
      if (!data.write(copy ? Buffer.from(chunk) : chunk)) {
        // Remove both listeners once either fires: a long file waits for drain many times.
        let release = (): void => {};
        await Promise.race([
          new Promise<void>((r) => {
            release = (): void => {
              data.off('drain', release);
              data.off('close', release);
              r();
            };
            data.on('drain', release);
            data.on('close', release);
          }),
          done,
        ]);
        release();
      }
    },
    async end() {
      if (!data.destroyed && !data.writableEnded) data.end();
      await done;
    },
  };
}
