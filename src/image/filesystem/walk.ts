/**
 * One streaming pass over one layer tar (tar-stream extract: ustar, PAX `x`/`g` and GNU
 * long names are folded into the headers). Entries come out normalised; whiteouts come
 * out as Whiteout events (image-spec `layer.md`: `.wh.NAME`, opaque `.wh..wh..opq`).
 * File data is only handed to a content visitor that asked for that entry; everything
 * else is drained chunk by chunk, never buffered.
 */
import { PassThrough, pipeline, type Readable } from 'node:stream';
import { extract, type Header } from 'tar-stream';
import { GoslimError, MalformedInputError, TruncatedInputError } from '../../errors.js';
import { normaliseEntryPath, symlinkTarget, type PathIssue } from './path.js';
import type { EntryType, LayerEntry, Whiteout } from './types.js';

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
  /** Return true to receive this regular file's bytes through `content`. */
  wantContent?(entry: LayerEntry): boolean;
  /**
   * Receives the data of an entry it asked for. It may stop reading early; the rest is
   * drained. The walk waits for the returned promise before the next entry.
   */
  content?(entry: LayerEntry, data: Readable): Promise<void>;
}

export interface WalkStats {
  /** Tar entries seen (whiteouts included, PAX/GNU meta headers excluded). */
  entries: number;
  /** Bytes of the uncompressed tar stream. */
  tarBytes: number;
  /** Bytes of regular-file data. */
  fileBytes: number;
}

function entryType(t: Header['type']): EntryType {
  switch (t) {
    case 'file':
    case 'contiguous-file':
      return 'file';
    case 'directory':
      return 'dir';
    case 'symlink':
      return 'symlink';
    case 'link':
      return 'hardlink';
    case 'character-device':
      return 'char';
    case 'block-device':
      return 'block';
    case 'fifo':
      return 'fifo';
    default:
      return 'other';
  }
}

function wrapTarError(err: Error, layer: number): Error {
  if (err instanceof GoslimError) return err;
  if (/unexpected end/i.test(err.message)) {
    return new TruncatedInputError(`layer ${layer}: tar stream ends inside an entry`, { cause: err });
  }
  if ((err as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE') {
    return new TruncatedInputError(`layer ${layer}: stream closed early`, { cause: err });
  }
  return new MalformedInputError(`layer ${layer}: invalid tar (${err.message})`, { cause: err });
}

/** Walk one uncompressed layer tar stream. Rejects typed: E_TRUNCATED, E_MALFORMED, E_DIGEST_MISMATCH. */
export function walkLayer(tar: Readable, layer: number, visitor: LayerVisitor): Promise<WalkStats> {
  const stats: WalkStats = { entries: 0, tarBytes: 0, fileBytes: 0 };
  const ex = extract();
  tar.on('data', (chunk: Buffer) => {
    stats.tarBytes += chunk.length;
  });

  ex.on('entry', (header, stream, next) => {
    stats.entries++;
    // When the archive fails, tar-stream destroys the current entry with the same error;
    // it is reported once, through the pipeline below.
    stream.on('error', () => {});
    const finish = (err?: unknown) => {
      if (err !== undefined) {
        ex.destroy(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      next();
    };
    const drain = () => {
      stream.on('end', () => finish());
      stream.resume();
    };
    try {
      const type = entryType(header.type);
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
        drain();
        return;
      }
      if (n.path === '') {
        drain(); // the root directory itself ("./")
        return;
      }
      const size = type === 'file' ? header.size ?? 0 : 0;
      stats.fileBytes += size;
      const entry: LayerEntry = {
        path: n.path,
        type,
        size,
        mode: header.mode ?? 0,
        uid: header.uid ?? 0,
        gid: header.gid ?? 0,
        layer,
      };
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
      if (type === 'file' && size > 0 && visitor.content && visitor.wantContent?.(entry)) {
        // Bridge tar-stream's (streamx) entry into a Node stream with backpressure. If the
        // visitor stops early, the remaining bytes are still read and discarded.
        const data = new PassThrough({ highWaterMark: 1 << 16 });
        let sourceEnded = false;
        let visitorDone = false;
        let failed = false;
        const maybeNext = () => {
          if (sourceEnded && visitorDone && !failed) finish();
        };
        stream.on('data', (chunk) => {
          if (data.destroyed || data.writableEnded) return;
          if (!data.write(chunk as Buffer)) {
            stream.pause();
            data.once('drain', () => stream.resume());
          }
        });
        data.on('close', () => stream.resume());
        stream.on('end', () => {
          sourceEnded = true;
          if (!data.destroyed) data.end();
          maybeNext();
        });
        visitor.content(entry, data).then(
          () => {
            visitorDone = true;
            if (!data.destroyed) data.resume();
            maybeNext();
          },
          (err: unknown) => {
            failed = true;
            data.destroy();
            finish(err ?? new Error('content visitor failed'));
          },
        );
        return;
      }
      drain();
    } catch (err) {
      stream.resume();
      finish(err);
    }
  });

  return new Promise<WalkStats>((resolve, reject) => {
    pipeline(tar, ex, (err) => {
      if (err) reject(wrapTarError(err, layer));
      else resolve(stats);
    });
  });
}
