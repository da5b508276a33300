/**
 * Deterministic layer creation: a sorted USTAR stream (PAX only when a name does
 * not fit), fixed owners, modes and mtime, gzip with a pinned header, streamed to a
 * temp file while hashing both the uncompressed tar (diff_id) and the compressed
 * blob (digest). The layer never exists in memory; the finished blob lands in the
 * content-addressed cache and is served from there.
 *
 * Rules follow image-spec layer.md (no duplicate paths, parents present) and ko's
 * binary layer (pkg/build/gobuild.go tarBinary): uid/gid 0, no user/group names.
 */
import { constants as fsConstants, createReadStream, createWriteStream } from 'node:fs';
import { rm, stat, open } from 'node:fs/promises';
import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip, constants as zc } from 'node:zlib';
import tar, { type Header as Headers } from 'tar-stream';
import { asError, GoslimError, IoError, NotFoundError, NotRegularFileError, UnsafePathError, UsageError } from '../errors.js';
import { MediaType, type Compression, type Layer } from '../image/model.js';
import { DescribedLayer } from '../image/partial.js';
import { BlobCache } from './cache.js';
import { HashingStream, VerifyingStream } from '../image/digest.js';
import { GzipHeaderPin } from './gzip-header.js';

export type LayerFileType = 'file' | 'dir' | 'symlink';

/** One entry to put in a layer. */
export interface LayerFile {
  /** Path in the image; leading "/" optional. Normalised, must not contain "..". */
  path: string;
  type: LayerFileType;
  /** Host file to copy (type "file"). */
  source?: string;
  /** Permission bits (and setuid/sticky); default 0755 dirs, 0644 files, 0777 symlinks. */
  mode?: number;
  uid?: number;
  gid?: number;
  /** Symlink target, written as given. */
  linkname?: string;
}

export interface WriteLayerOptions {
  cache: BlobCache;
  /** Entry mtime, seconds since the epoch (SOURCE_DATE_EPOCH, else 0). */
  mtime?: number;
  /** zlib level 0-9; default 6 (zlib's default, what ko and crane use). */
  gzipLevel?: number;
  /** Layer media type; default the OCI gzip layer type. */
  mediaType?: string;
}

/** Mode given to parent directories we add implicitly (ko uses 0555 for /ko-app; 0755 is the norm). */
const IMPLICIT_DIR_MODE = 0o755;

/** Clean an in-image path to "a/b/c" form; rejects escapes. Pure. */
export function normaliseImagePath(p: string): string {
  const cleaned = posix.normalize(`/${p}`).replace(/^\/+/, '').replace(/\/+$/, '');
  if (cleaned === '' || cleaned === '.') throw new UnsafePathError(`"${p}" names the image root, not a file`);
  if (cleaned.split('/').includes('..')) throw new UnsafePathError(`"${p}" escapes the image root`);
  return cleaned;
}

interface PlannedEntry extends Required<Pick<LayerFile, 'type' | 'mode' | 'uid' | 'gid'>> {
  path: string;
  source?: string;
  linkname?: string;
  size: number;
}

/**
 * Order, complete and check the entries of a layer (pure except for `sizes`).
 * Adds every missing parent directory, sorts by path (which puts parents first),
 * and rejects the same path given twice with different content.
 */
export function planLayer(files: LayerFile[], sizes: Map<string, number>): PlannedEntry[] {
  const byPath = new Map<string, PlannedEntry>();
  for (const f of files) {
    const path = normaliseImagePath(f.path);
    if (f.type === 'file' && f.source === undefined) {
      throw new UsageError(`layer file ${path} has no source`);
    }
    if (f.type === 'symlink' && !f.linkname) throw new UsageError(`symlink ${path} has no target`);
    const entry: PlannedEntry = {
      path,
      type: f.type,
      mode: f.mode ?? (f.type === 'dir' ? 0o755 : f.type === 'symlink' ? 0o777 : 0o644),
      uid: f.uid ?? 0,
      gid: f.gid ?? 0,
      size: f.type === 'file' ? (sizes.get(f.source!) ?? 0) : 0,
      ...(f.source !== undefined && f.type === 'file' ? { source: f.source } : {}),
      ...(f.linkname !== undefined && f.type === 'symlink' ? { linkname: f.linkname } : {}),
    };
    const prev = byPath.get(path);
    if (prev) {
      // A directory listed twice (e.g. explicitly and as a parent) is fine if identical.
      if (prev.type === 'dir' && entry.type === 'dir') continue;
      throw new UsageError(`path /${path} is added to the layer twice`);
    }
    byPath.set(path, entry);
  }
  for (const path of [...byPath.keys()]) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      const existing = byPath.get(parent);
      if (existing && existing.type !== 'dir') {
        throw new UsageError(`/${parent} is a ${existing.type} but /${path} is inside it`);
      }
      if (!existing) byPath.set(parent, { path: parent, type: 'dir', mode: IMPLICIT_DIR_MODE, uid: 0, gid: 0, size: 0 });
    }
  }
  // Byte-wise order, independent of locale.
  return [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** A file's bytes, verified against its digest as they stream; read errors reach the consumer. */
export function verifiedFile(file: string, digest: string, size: number): Readable {
  const source = createReadStream(file);
  const verify = new VerifyingStream(digest, `cached blob ${file}`, size);
  source.on('error', (err) => verify.destroy(err));
  return source.pipe(verify);
}

/** A layer whose compressed blob is a file on disk with known digests. */
export class FileLayer extends DescribedLayer {
  constructor(
    readonly file: string,
    d: { digest: string; diffId: string; size: number; mediaType: string },
  ) {
    super({ digest: d.digest, diffId: d.diffId, size: d.size, mediaType: d.mediaType });
  }
  async compressed(): Promise<Readable> {
    return verifiedFile(this.file, this.facts.digest, this.facts.size);
  }
  async uncompressed(): Promise<Readable> {
    const raw = await this.compressed();
    return this.compression() === 'gzip' ? raw.pipe(createGunzip()) : raw;
  }
}

/** Build the layer, stream it into the cache, and return it. */
export async function writeLayer(files: LayerFile[], opts: WriteLayerOptions): Promise<FileLayer> {
  const sizes = new Map<string, number>();
  for (const f of files) {
    if (f.type !== 'file' || f.source === undefined) continue;
    let st;
    try {
      st = await stat(f.source);
    } catch (err) {
      throw new NotFoundError(`cannot read ${f.source}`, { cause: err });
    }
    if (!st.isFile()) throw new NotRegularFileError(`${f.source} is not a regular file`, { details: { path: f.source } });
    sizes.set(f.source, st.size);
  }
  const plan = planLayer(files, sizes);
  const mtime = new Date((opts.mtime ?? 0) * 1000);
  const level = opts.gzipLevel ?? 6;
  if (!Number.isInteger(level) || level < 0 || level > 9) {
    throw new UsageError(`gzip level must be 0-9, got ${level}`);
  }
  const mediaType = opts.mediaType ?? MediaType.OciLayerGzip;

  const pack = tar.pack();
  const tarHash = new HashingStream();
  const blobHash = new HashingStream();
  const tmp = await opts.cache.tmpPath('layer');
  const feed = (async () => {
    for (const e of plan) {
      const header: Headers = {
        // Directories carry a trailing slash, as GNU tar and Go's archive/tar write them.
        name: e.type === 'dir' ? `${e.path}/` : e.path,
        mode: e.mode,
        uid: e.uid,
        gid: e.gid,
        mtime,
        type: e.type === 'dir' ? 'directory' : e.type,
        size: e.size,
        uname: '',
        gname: '',
        devmajor: 0,
        devminor: 0,
        linkname: e.linkname ?? '',
      };
      if (e.type === 'file') {
        const sink = pack.entry(header);
        // Non-blocking: a path swapped for a FIFO after the check fails instead of hanging.
        const fh = await open(e.source!, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
        await pipeline(fh.createReadStream(), sink);
      } else {
        await new Promise<void>((resolve, reject) => pack.entry(header, (err) => (err ? reject(err) : resolve())));
      }
    }
    pack.finalize();
  })();
  feed.catch((err: unknown) => pack.destroy(asError(err)));
  try {
    await Promise.all([
      feed,
      pipeline(
        pack,
        tarHash,
        createGzip({ level, strategy: zc.Z_DEFAULT_STRATEGY }),
        new GzipHeaderPin(),
        blobHash,
        createWriteStream(tmp),
      ),
    ]);
  } catch (err) {
    await rm(tmp, { force: true });
    if (err instanceof GoslimError) throw err;
    throw new IoError(`writing layer failed: ${(err as Error).message}`, { cause: err });
  }
  const digest = blobHash.digest();
  const file = await opts.cache.commit(tmp, digest);
  return new FileLayer(file, { digest, diffId: tarHash.digest(), size: blobHash.bytes, mediaType });
}
