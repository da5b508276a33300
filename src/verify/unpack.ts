/**
 * Unpack an image's merged filesystem into a directory, safely: every path is resolved
 * inside the root (symlinked parents are followed *within* the root, as Docker's
 * FollowSymlinkInScope does), so no entry, link or whiteout can touch anything outside it.
 * Layers stream through once each; file data goes straight to disk.
 */
import { createWriteStream } from 'node:fs';
import { chmod, chown, lchown, link, lstat, mkdir, readdir, readlink, rm, symlink, utimes } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { UnsafePathError } from '../errors.js';
import type { Image } from '../image/model.js';
import { openLayerTar, walkLayer, type LayerEntry } from '../image/filesystem/index.js';

const MAX_HOPS = 40;

/**
 * Resolve `relPath` (no leading "/") under `root`, following symlinks of every component
 * except the last within the root. Returns the host path. Absolute link targets are
 * root-relative; ".." never climbs above the root.
 */
export async function resolveInRoot(root: string, relPath: string): Promise<string> {
  const parts = relPath.split('/').filter((p) => p !== '' && p !== '.');
  const done: string[] = [];
  let hops = 0;
  while (parts.length > 1) {
    const part = parts.shift()!;
    if (part === '..') {
      done.pop();
      continue;
    }
    const host = join(root, ...done, part);
    let st;
    try {
      st = await lstat(host);
    } catch {
      done.push(part);
      continue;
    }
    if (st.isSymbolicLink()) {
      if (++hops > MAX_HOPS) throw new UnsafePathError(`too many symbolic links resolving ${relPath}`);
      const target = await readlink(host);
      const targetParts = target.split('/').filter((p) => p !== '' && p !== '.');
      if (target.startsWith('/')) done.length = 0;
      parts.unshift(...targetParts);
      continue;
    }
    done.push(part);
  }
  const last = parts[0];
  if (last === undefined) return join(root, ...done);
  if (last === '..') throw new UnsafePathError(`path ${relPath} ends in ".."`);
  return join(root, ...done, last);
}

/**
 * Directories already known to be real directories inside the root (rel -> host path), so
 * a 40,000-file toolchain layer does not re-resolve every parent. Cleared whenever a
 * symlink, whiteout or replacement could change what a path resolves to.
 */
type DirCache = Map<string, string>;

/** Make sure directory `rel` exists, following symlinks of every component within the root. */
async function ensureDir(root: string, rel: string, cache: DirCache): Promise<string> {
  if (rel === '') return root;
  const known = cache.get(rel);
  if (known !== undefined) return known;
  const host = dirname(await resolveInRoot(root, `${rel}/.goslim`));
  const st = await lstat(host).catch(() => undefined);
  if (!st?.isDirectory()) {
    if (st) await rm(host, { force: true });
    // Every existing component of `host` was resolved inside the root; create the rest.
    await mkdir(host, { recursive: true });
  }
  cache.set(rel, host);
  return host;
}

async function prepare(root: string, rel: string, cache: DirCache): Promise<string> {
  const parent = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '';
  const name = rel.slice(rel.lastIndexOf('/') + 1);
  if (name === '..' || name === '.' || name === '') throw new UnsafePathError(`unsafe entry name ${rel}`);
  const host = join(await ensureDir(root, parent, cache), name);
  const st = await lstat(host).catch(() => undefined);
  if (st) {
    if (st.isDirectory()) cache.clear();
    await rm(host, { recursive: true, force: true });
  }
  return host;
}

export interface UnpackStats {
  files: number;
  bytes: number;
  skipped: number;
}

export async function unpackImage(image: Image, root: string): Promise<UnpackStats> {
  const asRoot = process.getuid?.() === 0;
  const stats: UnpackStats = { files: 0, bytes: 0, skipped: 0 };
  await mkdir(root, { recursive: true });
  const dirs: DirCache = new Map();
  const dirModes: Array<[string, number, LayerEntry]> = [];
  for (const [index, layer] of image.layers().entries()) {
    // Entries and whiteouts in stream order; whiteouts only hide lower layers (image-spec layer.md).
    const pending: Array<{ kind: 'entry'; e: LayerEntry } | { kind: 'whiteout'; path: string; opaque: boolean }> = [];
    const written = new Set<string>();
    const owner = async (host: string, e: LayerEntry, isLink = false): Promise<void> => {
      if (!asRoot) return;
      await (isLink ? lchown(host, e.uid, e.gid) : chown(host, e.uid, e.gid));
    };
    await walkLayer(await openLayerTar(layer), index, {
      entry: async (e) => {
        // Synchronous visitor: directories, links and specials are applied in `content`-less order below.
        pending.push({ kind: 'entry', e });
      },
      whiteout: (w) => {
        pending.push({ kind: 'whiteout', path: w.path, opaque: w.opaque });
      },
      wantContent: (e) => e.type === 'file',
      content: async (e, data) => {
        await flush();
        const host = await prepare(root, e.path, dirs);
        await pipeline(data, createWriteStream(host, { mode: 0o600 }));
        await chmod(host, e.mode & 0o7777);
        await owner(host, e);
        stats.files++;
        stats.bytes += e.size;
      },
    });
    await flush();

    // walkLayer reports entries synchronously; apply them in order, before each file's data.
    async function flush(): Promise<void> {
      for (let item = pending.shift(); item !== undefined; item = pending.shift()) {
        if (item.kind === 'whiteout') {
          dirs.clear();
          const host = await resolveInRoot(root, item.path);
          if (item.opaque) {
            let names: string[] = [];
            try {
              names = await readdir(host);
            } catch {
              // nothing below yet
            }
            for (const name of names) {
              const child = item.path === '' ? name : `${item.path}/${name}`;
              if (!writtenUnder(written, child)) await rm(join(host, name), { recursive: true, force: true });
            }
          } else if (!written.has(item.path)) {
            await rm(host, { recursive: true, force: true });
          }
          continue;
        }
        const e = item.e;
        written.add(e.path);
        if (e.path === '') continue;
        switch (e.type) {
          case 'dir': {
            // The entry's own path is not followed: a directory replaces a lower symlink
            // (as Docker's archive.Unpack does); its parents are followed within the root.
            const parent = e.path.includes('/') ? e.path.slice(0, e.path.lastIndexOf('/')) : '';
            const host = join(await ensureDir(root, parent, dirs), e.path.slice(e.path.lastIndexOf('/') + 1));
            if (!dirs.has(e.path)) {
              const st = await lstat(host).catch(() => undefined);
              if (st && !st.isDirectory()) {
                dirs.clear();
                await rm(host, { force: true });
              }
              if (!st || !st.isDirectory()) await mkdir(host);
              dirs.set(e.path, host);
            }
            await owner(host, e);
            dirModes.push([host, e.mode & 0o7777, e]);
            break;
          }
          case 'symlink': {
            // A new link cannot change how a cached (existing) directory resolves; replacing a
            // directory clears the cache in prepare().
            const host = await prepare(root, e.path, dirs);
            await symlink(e.linkname ?? '', host);
            await owner(host, e, true);
            break;
          }
          case 'hardlink': {
            const host = await prepare(root, e.path, dirs);
            const target = await resolveInRoot(root, e.linkname ?? '');
            try {
              await link(target, host);
            } catch {
              stats.skipped++;
            }
            break;
          }
          case 'file':
            // Zero-length files carry no content event.
            if (e.size === 0) {
              const host = await prepare(root, e.path, dirs);
              await pipeline(async function* () {}, createWriteStream(host, { mode: e.mode & 0o7777 }));
              await chmod(host, e.mode & 0o7777);
              await owner(host, e);
              stats.files++;
            }
            break;
          default:
            stats.skipped++;
        }
      }
    }
  }
  // Directory modes last, so a read-only directory does not block writes into it.
  for (const [host, mode] of dirModes.reverse()) {
    await chmod(host, mode).catch(() => undefined);
    await utimes(host, 0, 0).catch(() => undefined);
  }
  return stats;
}

function writtenUnder(written: Set<string>, path: string): boolean {
  if (written.has(path)) return true;
  const prefix = `${path}/`;
  for (const w of written) if (w.startsWith(prefix)) return true;
  return false;
}
