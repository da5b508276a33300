/**
 * Path lookups in the merged (final) filesystem, resolving symlinks inside the image only —
 * never on the host (a symlink in an image is data, not a pointer into our filesystem).
 */
import { posix } from 'node:path';
import type { MergedFile } from '../image/filesystem/types.js';

/** Linux's own limit on symlinks followed in one lookup (MAXSYMLINKS, fs/namei.c). */
const MAX_SYMLINK_HOPS = 40;

export class FsIndex {
  private readonly byPath: ReadonlyMap<string, MergedFile>;

  /** From a list of files, or (without copying) from the merged tree's own path map. */
  constructor(files: Iterable<MergedFile> | ReadonlyMap<string, MergedFile>) {
    if (files instanceof Map) {
      this.byPath = files as ReadonlyMap<string, MergedFile>;
    } else {
      const m = new Map<string, MergedFile>();
      for (const f of files as Iterable<MergedFile>) m.set(f.path, f);
      this.byPath = m;
    }
  }

  get(path: string): MergedFile | undefined {
    return this.byPath.get(path);
  }

  /**
   * Resolve `path` (absolute or relative to the root) to the normalised path of what it names,
   * following symlinks in every component (and in the last one when `followLast`). Returns
   * undefined when a component is missing, loops, or escapes — `..` at the root stays at the root,
   * as the kernel does in a chroot.
   */
  resolve(path: string, followLast = true): string | undefined {
    let hops = 0;
    const pending = splitPath(path);
    const done: string[] = [];
    while (pending.length > 0) {
      const part = pending.shift() as string;
      if (part === '.' || part === '') continue;
      if (part === '..') {
        done.pop();
        continue;
      }
      const candidate = [...done, part].join('/');
      const entry = this.byPath.get(candidate);
      const isLast = pending.length === 0;
      if (entry?.type === 'symlink' && entry.linkname !== undefined && (!isLast || followLast)) {
        if (++hops > MAX_SYMLINK_HOPS) return undefined;
        const target = entry.linkname;
        if (target.startsWith('/')) done.length = 0;
        pending.unshift(...splitPath(target));
        continue;
      }
      if (entry === undefined && !isLast) {
        // A parent directory without its own entry is fine (tar layers may omit it) as long
        // as something lives beneath it; callers check the final path.
      }
      done.push(part);
    }
    return done.join('/');
  }

  /** Does `path` name an existing non-directory (following symlinks)? */
  existsFile(path: string): boolean {
    const r = this.resolve(path, true);
    if (r === undefined) return false;
    const e = this.byPath.get(r);
    return e !== undefined && e.type !== 'dir' && e.type !== 'symlink';
  }

  /** Canonical location of a path's parent directory plus its own name (last component not followed). */
  canonical(path: string): string | undefined {
    const parent = posix.dirname(`/${path}`);
    const base = posix.basename(`/${path}`);
    const dir = parent === '/' ? '' : this.resolve(parent, true);
    if (dir === undefined) return undefined;
    return dir === '' ? base : `${dir}/${base}`;
  }
}

function splitPath(p: string): string[] {
  return p.split('/').filter((s) => s !== '');
}
