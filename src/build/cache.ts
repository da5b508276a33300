/**
 * goslim's on-disk, content-addressed blob cache. Blobs live at
 * `<root>/blobs/sha256/<hex>` (the OCI layout convention) so a cached blob is
 * addressed by the digest it must hash to; writers always go through a temp file
 * in the same directory and rename, so a reader never sees a partial blob.
 */
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { IoError } from '../errors.js';
import { parseDigest } from '../image/digest.js';

/** `GOSLIM_CACHE`, else `$XDG_CACHE_HOME/goslim`, else `~/.cache/goslim`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GOSLIM_CACHE) return env.GOSLIM_CACHE;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'goslim');
  return join(env.HOME ?? homedir(), '.cache', 'goslim');
}

export function hexOf(digest: string): string {
  return parseDigest(digest, 'blob digest').hex;
}

export class BlobCache {
  constructor(readonly root: string) {}

  blobPath(digest: string): string {
    return join(this.root, 'blobs', 'sha256', hexOf(digest));
  }

  /** Directory for in-progress temp files (same filesystem as the blobs, so rename is atomic). */
  async tmpPath(label: string): Promise<string> {
    const dir = join(this.root, 'tmp');
    await mkdir(dir, { recursive: true });
    return join(dir, `${label}-${process.pid}-${randomBytes(6).toString('hex')}`);
  }

  /** Size of the cached blob, or undefined when it is not cached. */
  async has(digest: string): Promise<number | undefined> {
    try {
      const st = await stat(this.blobPath(digest));
      return st.isFile() ? st.size : undefined;
    } catch {
      return undefined;
    }
  }

  /** Move a fully written, already-verified temp file into place under its digest. */
  async commit(tmp: string, digest: string): Promise<string> {
    const dest = this.blobPath(digest);
    await mkdir(join(this.root, 'blobs', 'sha256'), { recursive: true });
    try {
      await rename(tmp, dest);
    } catch (err) {
      await rm(tmp, { force: true });
      throw new IoError(`cannot store blob ${digest} in the cache ${this.root}`, { cause: err });
    }
    return dest;
  }
}
