/**
 * The per-layer analysis cache's store: JSON entries on disk, each checked by digest when read,
 * written atomically, evicted least-recently-used past a size cap.
 *
 * Layout: `<dir>/analysis-v<ANALYSIS_VERSION>/<kind>/<k[0..2]>/<k>.json`, where `k` is the
 * SHA-256 of what the entry is keyed by: `layer`, a layer's diff_id and the analysis variant (see
 * layer-facts.ts); `startup`, an image config digest and platform (the static startup checks);
 * `report`, a manifest digest and the inspect options (the whole report, so that inspecting an
 * image again does not even redo the analysis across its layers); `file`, a diff_id and a path
 * (a program or library the startup checks read from a layer, see CapturedFiles). An entry is one header line and a JSON body:
 *
 *     goslim-analysis-cache 1 sha256:<hex of the body> <bytes of the body>\n<body>
 *
 * Reading checks the size bound (`cache.entrySize`), the header, the body's length and digest,
 * then the caller checks the parsed body against its shape. An entry that fails any check is
 * deleted and reported as `corrupt`: it is rebuilt by the next walk of its layer, never trusted.
 *
 * Several goslim processes may share one directory (the shards of a scan): a writer renames a
 * complete, fsynced temp into place (src/util/atomic-write.ts), so a reader sees a whole entry or
 * none; eviction tolerates entries that vanish under it and never touches another process's temp.
 * "Last use" is the file's modification time, set on every hit.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readdir, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import { limit } from '../limits.js';

/**
 * Bump when what a layer's cached facts hold, or how they are computed, changes (the walk's
 * events, the package database files kept, Go binary facts, the ratio samples, the startup
 * files, the image-level startup report). Entries of other versions are never read and are
 * removed by the next eviction.
 */
export const ANALYSIS_VERSION = 4;

/** Default cap of the cache directory: 2 GiB. */
export const DEFAULT_CACHE_MAX_SIZE = 2 * 1024 * 1024 * 1024;

const MAGIC = 'goslim-analysis-cache 1';
const HEADER = /^goslim-analysis-cache 1 sha256:([0-9a-f]{64}) (\d{1,12})$/;
const ENTRY_NAME = /^[0-9a-f]{64}\.json$/;
const VERSION_DIR = /^analysis-v(\d+)$/;

export type CacheKind = 'layer' | 'startup' | 'report' | 'file';

export interface LayerCacheStats {
  /** Entries of every kind but `file` (counted in `files`). */
  hits: number;
  misses: number;
  writes: number;
  /** Entries that failed their checks (deleted; the layer was walked again). */
  corrupt: number;
  evicted: number;
  /** Writes that failed (a read-only or full disk): the run went on without caching. */
  writeErrors: number;
  /** `file` entries: programs and libraries kept for the startup checks. */
  files: { hits: number; misses: number; writes: number };
}

export interface LayerCacheOptions {
  /** Bytes the directory may hold before least-recently-used entries are removed (default 2 GiB). */
  maxSize?: number;
}

export function cacheKey(parts: readonly string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex');
}

export class LayerCache {
  readonly maxSize: number;
  readonly stats: LayerCacheStats = { hits: 0, misses: 0, writes: 0, corrupt: 0, evicted: 0, writeErrors: 0, files: { hits: 0, misses: 0, writes: 0 } };
  private readonly root: string;

  constructor(
    readonly dir: string,
    options: LayerCacheOptions = {},
  ) {
    this.maxSize = options.maxSize ?? DEFAULT_CACHE_MAX_SIZE;
    this.root = join(dir, `analysis-v${ANALYSIS_VERSION}`);
  }

  entryPath(kind: CacheKind, key: string): string {
    return join(this.root, kind, key.slice(0, 2), `${key}.json`);
  }

  /**
   * The parsed body of an entry, or undefined (missing, or corrupt: then deleted). `shape`
   * checks the body (it throws on a body that is not what it should be, which counts as corrupt).
   */
  async read<T>(kind: CacheKind, key: string, shape: (body: unknown) => T | undefined): Promise<T | undefined> {
    const path = this.entryPath(kind, key);
    let raw: Buffer;
    try {
      const fh = await open(path, 'r');
      try {
        const st = await fh.stat();
        if (!st.isFile() || st.size > limit('cache.entrySize')) return await this.corrupt(kind, path);
        raw = Buffer.allocUnsafe(st.size);
        let got = 0;
        while (got < raw.length) {
          const { bytesRead } = await fh.read(raw, got, raw.length - got, got);
          if (bytesRead === 0) break;
          got += bytesRead;
        }
        raw = raw.subarray(0, got);
      } finally {
        await fh.close();
      }
    } catch {
      this.count(kind).misses++;
      return undefined; // missing (or unreadable): a miss, the layer is walked
    }
    const nl = raw.indexOf(10);
    const header = HEADER.exec(nl < 0 || nl > 128 ? '' : raw.subarray(0, nl).toString('latin1'));
    if (header === null) return this.corrupt(kind, path);
    const body = raw.subarray(nl + 1);
    if (body.length !== Number(header[2]) || createHash('sha256').update(body).digest('hex') !== header[1]) return this.corrupt(kind, path);
    let value: T | undefined;
    try {
      value = shape(JSON.parse(body.toString('utf8')));
    } catch {
      return this.corrupt(kind, path);
    }
    if (value === undefined) {
      this.count(kind).misses++; // whole, but not usable here (see checkLayerFacts)
      return undefined;
    }
    this.count(kind).hits++;
    const now = new Date();
    await utimes(path, now, now).catch(() => undefined); // last use, for eviction; gone meanwhile is fine
    return value;
  }

  /** Mark an entry used now (eviction keeps recently used entries); a missing entry is fine. */
  async touch(kind: CacheKind, key: string): Promise<void> {
    const now = new Date();
    await utimes(this.entryPath(kind, key), now, now).catch(() => undefined);
  }

  private count(kind: CacheKind): { hits: number; misses: number; writes: number } {
    return kind === 'file' ? this.stats.files : this.stats;
  }

  private async corrupt(kind: CacheKind, path: string): Promise<undefined> {
    this.stats.corrupt++;
    this.count(kind).misses++;
    await rm(path, { force: true }).catch(() => undefined);
    return undefined;
  }

  /** Write an entry atomically; false (counted in stats.writeErrors) when it cannot be written or is too large. */
  async write(kind: CacheKind, key: string, value: unknown): Promise<boolean> {
    const body = Buffer.from(JSON.stringify(value), 'utf8');
    const header = Buffer.from(`${MAGIC} sha256:${createHash('sha256').update(body).digest('hex')} ${body.length}\n`, 'latin1');
    if (header.length + body.length > limit('cache.entrySize')) return false;
    const path = this.entryPath(kind, key);
    try {
      await mkdir(join(path, '..'), { recursive: true });
      await writeFileAtomic(path, Buffer.concat([header, body]), { inPlace: false });
    } catch {
      this.stats.writeErrors++;
      return false;
    }
    this.count(kind).writes++;
    return true;
  }

  /**
   * Remove entries of other analysis versions, then the least recently used entries until the
   * directory holds at most maxSize bytes. Entries removed by another process meanwhile are skipped.
   */
  async evict(): Promise<void> {
    for (const name of await readdir(this.dir).catch(() => [] as string[])) {
      const m = VERSION_DIR.exec(name);
      if (m !== null && Number(m[1]) !== ANALYSIS_VERSION) await rm(join(this.dir, name), { recursive: true, force: true }).catch(() => undefined);
    }
    const entries: Array<{ path: string; size: number; used: number }> = [];
    let total = 0;
    for (const kind of ['layer', 'startup', 'report', 'file'] as const) {
      const kindDir = join(this.root, kind);
      for (const sub of await readdir(kindDir).catch(() => [] as string[])) {
        if (!/^[0-9a-f]{2}$/.test(sub)) continue;
        for (const name of await readdir(join(kindDir, sub)).catch(() => [] as string[])) {
          if (!ENTRY_NAME.test(name)) continue; // temps of writers in progress are theirs
          const path = join(kindDir, sub, name);
          const st = await stat(path).catch(() => undefined);
          if (st === undefined) continue;
          entries.push({ path, size: st.size, used: st.mtimeMs });
          total += st.size;
        }
      }
    }
    if (total <= this.maxSize) return;
    entries.sort((a, b) => a.used - b.used || a.path.localeCompare(b.path));
    for (const e of entries) {
      if (total <= this.maxSize) break;
      await rm(e.path, { force: true }).catch(() => undefined);
      total -= e.size;
      this.stats.evicted++;
    }
  }
}
