/**
 * A read-only view of "files by relative path" that both an OCI layout directory and a
 * tar archive (docker-archive, oci-archive) provide. Sources walk index -> manifest ->
 * config -> layers through it; blobs are streamed, only JSON documents are read whole
 * (bounded by `limit`).
 */
import { createReadStream } from 'node:fs';
import { open, realpath, stat } from 'node:fs/promises';
import { posix, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { GoslimError, LimitExceededError, NotFoundError, UnsafePathError } from '../../errors.js';
import { checkDocumentSize } from '../documents.js';
import { indexTar, resolveTarEntry, streamTarRange, type TarIndex } from './tar-index.js';
import { parseDigest } from '../digest.js';

export interface FileStore {
  /** Where the files live (for messages). */
  readonly location: string;
  /** Size in bytes of the file at `path`, or undefined when absent. */
  size(path: string): Promise<number | undefined>;
  /**
   * Read a whole small file (JSON documents). E_NOT_FOUND when absent; E_LIMIT over `limit`
   * bytes (default: json.documentSize), checked before anything is read.
   */
  readSmall(path: string, limit?: number): Promise<Buffer>;
  /** First `n` bytes (or fewer for a short file). */
  head(path: string, n: number): Promise<Buffer>;
  open(path: string): Promise<Readable>;
  /** Where the bytes of `path` sit on disk (file and byte range), for readers on other threads. */
  locate(path: string): Promise<{ file: string; start: number; length: number } | undefined>;
}

/** Refuse a small file over `max` bytes (json.documentSize unless the caller gives its own). */
function checkSmall(bytes: number, max: number | undefined, what: string): void {
  if (max === undefined) {
    checkDocumentSize(bytes, what);
  } else if (bytes > max) {
    throw new LimitExceededError('json.documentSize', max, `${what} is ${bytes} bytes, over the limit of ${max}`, { actual: bytes });
  }
}

export function blobPath(digest: string): string {
  const { hex } = parseDigest(digest, 'blob digest');
  return `blobs/sha256/${hex}`;
}

function notFound(location: string, path: string): GoslimError {
  return new NotFoundError(`${path} is missing from ${location}`, { details: { path } });
}

export function dirStore(root: string): FileStore {
  const base = resolve(root);
  const full = (path: string): string => {
    const normal = posix.normalize(path);
    if (normal.startsWith('..') || posix.isAbsolute(normal)) {
      throw new UnsafePathError(`path ${path} escapes ${root}`);
    }
    const p = resolve(base, normal);
    if (p !== base && !p.startsWith(base + sep)) throw new UnsafePathError(`path ${path} escapes ${root}`);
    return p;
  };
  // A layout's files are read where they really are, and only inside the layout: a blob that
  // is a symlink to a host file (whose content would even match its digest) is E_UNSAFE_PATH.
  let realBase: Promise<string> | undefined;
  const inside = async (path: string): Promise<string> => {
    const p = full(path);
    let real: string;
    try {
      real = await realpath(p);
    } catch {
      return p; // absent: the caller reports E_NOT_FOUND
    }
    const rb = await (realBase ??= realpath(base).catch(() => base));
    if (real !== rb && !real.startsWith(rb + sep)) {
      throw new UnsafePathError(`${path} in ${root} is a link to ${real}, outside the layout`, { details: { path } });
    }
    return real;
  };
  return {
    location: root,
    async size(path) {
      const p = await inside(path);
      try {
        const st = await stat(p);
        return st.isFile() ? st.size : undefined;
      } catch {
        return undefined;
      }
    },
    async readSmall(path, max) {
      const size = await this.size(path);
      if (size === undefined) throw notFound(root, path);
      checkSmall(size, max, `${path} in ${root}`);
      return this.head(path, size);
    },
    async head(path, n) {
      const fh = await open(await inside(path), 'r').catch((err: unknown) => {
        throw new NotFoundError(`${path} is missing from ${root}`, { cause: err });
      });
      try {
        const buf = Buffer.alloc(n);
        let done = 0;
        while (done < n) {
          const { bytesRead } = await fh.read(buf, done, n - done, done);
          if (bytesRead === 0) break;
          done += bytesRead;
        }
        return buf.subarray(0, done);
      } finally {
        await fh.close();
      }
    },
    async open(path) {
      if ((await this.size(path)) === undefined) throw notFound(root, path);
      return createReadStream(await inside(path), { highWaterMark: 1 << 20 });
    },
    async locate(path) {
      const size = await this.size(path);
      return size === undefined ? undefined : { file: await inside(path), start: 0, length: size };
    },
  };
}

export async function tarStore(path: string, index?: TarIndex): Promise<FileStore & { index: TarIndex }> {
  const idx = index ?? (await indexTar(path));
  const lookup = (name: string) => resolveTarEntry(idx, name);
  const store: FileStore & { index: TarIndex } = {
    location: path,
    index: idx,
    async size(name) {
      return lookup(name)?.size;
    },
    async readSmall(name, max) {
      const entry = lookup(name);
      if (entry === undefined) throw notFound(path, name);
      checkSmall(entry.size, max, `${name} in ${path}`);
      return this.head(name, entry.size);
    },
    async head(name, n) {
      const entry = lookup(name);
      if (entry === undefined) throw notFound(path, name);
      const fh = await open(path, 'r');
      try {
        const len = Math.min(n, entry.size);
        const buf = Buffer.alloc(len);
        let done = 0;
        while (done < len) {
          const { bytesRead } = await fh.read(buf, done, len - done, entry.offset + done);
          if (bytesRead === 0) break;
          done += bytesRead;
        }
        return buf.subarray(0, done);
      } finally {
        await fh.close();
      }
    },
    async open(name) {
      const entry = lookup(name);
      if (entry === undefined) throw notFound(path, name);
      return streamTarRange(idx, entry);
    },
    async locate(name) {
      const entry = lookup(name);
      return entry === undefined ? undefined : { file: idx.path, start: entry.offset, length: entry.size };
    },
  };
  return store;
}
