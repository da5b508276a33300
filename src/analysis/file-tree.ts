/**
 * A compact, bounded tree of the final filesystem for the HTML report's treemap (issue 13):
 * every file that costs bytes, with its cause, OS package and layer, grouped by directory.
 * Pure: the caller hands in the merged files and the attribution; nothing is read again.
 *
 * Bounded: at most `maxFiles` files are kept one by one (the largest); every smaller file is
 * counted into a per-directory "small files" aggregate (one per cause and layer); at most
 * `maxDirs` directories are kept (the largest), a smaller one is folded into its parent. The
 * tree says which threshold it used so the page can say so.
 */
import type { CauseId } from '../vocabulary/causes.js';

/** A file kept one by one: [name, bytes, cause index, package index (-1: none), layer]. */
export type TreeFile = [string, number, number, number, number];
/** Files below the threshold, aggregated: [count, bytes, cause index, layer]. */
export type TreeSmall = [number, number, number, number];

export interface TreeDir {
  /** Directory name ("" for the root). */
  n: string;
  /** Subdirectories. */
  d?: TreeDir[];
  /** Files kept one by one. */
  f?: TreeFile[];
  /** Small files aggregated (see FileTree.smallFileBytes). */
  s?: TreeSmall[];
}

export interface FileTree {
  /** Cause ids the files' cause indexes point into. */
  causes: CauseId[];
  /** OS package names the files' package indexes point into. */
  packages: string[];
  /** Files smaller than this many bytes are aggregated per directory, cause and layer (0: none were). */
  smallFileBytes: number;
  /** How many files were aggregated, and their bytes. */
  smallFiles: { files: number; bytes: number };
  /** Bytes written by each layer that are hidden in the final filesystem: [layer (numbered as the files' layers), bytes]. */
  hidden: Array<[number, number]>;
  root: TreeDir;
}

export interface TreeInputFile {
  path: string;
  charged: number;
  layer: number;
}

export interface FileTreeOptions {
  /** Most files kept one by one (default 20000). */
  maxFiles?: number;
  /** Most directories kept (default 10000); smaller ones are folded into their parent. */
  maxDirs?: number;
  /** Cause and package of a path. */
  causeOf: (path: string) => { cause: CauseId; package?: string } | undefined;
  /** Added to each file's 0-based layer index, so the tree numbers layers as the report does (default 0). */
  layerBase?: number;
  /** Per layer (0-based index): bytes of file data it wrote (added + modified), for the hidden bytes. */
  layerWritten?: ReadonlyArray<{ index: number; written: number }>;
}

export const DEFAULT_TREE_FILES = 20000;
export const DEFAULT_TREE_DIRS = 10000;

interface BuildDir {
  name: string;
  dirs: Map<string, BuildDir>;
  files: TreeFile[];
  small: Map<string, TreeSmall>;
  bytes: number;
}

function newDir(name: string): BuildDir {
  return { name, dirs: new Map(), files: [], small: new Map(), bytes: 0 };
}

function addSmall(dir: BuildDir, count: number, bytes: number, cause: number, layer: number): void {
  const key = `${cause}:${layer}`;
  const s = dir.small.get(key);
  if (s) {
    s[0] += count;
    s[1] += bytes;
  } else {
    dir.small.set(key, [count, bytes, cause, layer]);
  }
}

/** One more than the size of the largest file that does not fit in `maxFiles`: smaller files are aggregated. */
function thresholdFor(sizes: number[], maxFiles: number): number {
  if (sizes.length <= maxFiles) return 0;
  sizes.sort((a, b) => b - a);
  // Files as large as the first one left out are aggregated too, so at most maxFiles are kept.
  return (sizes[maxFiles] ?? 0) + 1;
}

export function buildFileTree(files: Iterable<TreeInputFile>, options: FileTreeOptions): FileTree {
  const maxFiles = Math.max(0, options.maxFiles ?? DEFAULT_TREE_FILES);
  const maxDirs = Math.max(0, options.maxDirs ?? DEFAULT_TREE_DIRS);
  const base = options.layerBase ?? 0;
  const list: TreeInputFile[] = [];
  for (const f of files) if (f.charged > 0) list.push(f);
  const threshold = thresholdFor(list.map((f) => f.charged), maxFiles);
  const causes: CauseId[] = [];
  const causeIndex = new Map<CauseId, number>();
  const packages: string[] = [];
  const packageIndex = new Map<string, number>();
  const indexOf = <T>(map: Map<T, number>, arr: T[], v: T): number => {
    let i = map.get(v);
    if (i === undefined) {
      i = arr.length;
      arr.push(v);
      map.set(v, i);
    }
    return i;
  };
  const root = newDir('');
  const visibleByLayer = new Map<number, number>();
  let smallCount = 0;
  let smallBytes = 0;
  for (const f of list) {
    visibleByLayer.set(f.layer, (visibleByLayer.get(f.layer) ?? 0) + f.charged);
    const parts = f.path.split('/').filter((p) => p !== '');
    const name = parts.pop() ?? f.path;
    let dir = root;
    dir.bytes += f.charged;
    for (const p of parts) {
      let next = dir.dirs.get(p);
      if (!next) {
        next = newDir(p);
        dir.dirs.set(p, next);
      }
      dir = next;
      dir.bytes += f.charged;
    }
    const fc = options.causeOf(f.path);
    const cause = indexOf(causeIndex, causes, fc?.cause ?? 'other');
    if (f.charged < threshold) {
      smallCount++;
      smallBytes += f.charged;
      addSmall(dir, 1, f.charged, cause, f.layer + base);
    } else {
      const pkg = fc?.package !== undefined ? indexOf(packageIndex, packages, fc.package) : -1;
      dir.files.push([name, f.charged, cause, pkg, f.layer + base]);
    }
  }

  // Directories are bounded too: a directory smaller than dirThreshold (at least the file threshold)
  // is folded into its parent: its aggregates merge into the parent's, and its kept files move up
  // with their relative path as name ("sub/dir/file"). A parent is never smaller than its child, so
  // at most maxDirs directories remain.
  const dirSizes: number[] = [];
  const collect = (dir: BuildDir): void => {
    for (const d of dir.dirs.values()) {
      dirSizes.push(d.bytes);
      collect(d);
    }
  };
  collect(root);
  const dirThreshold = Math.max(threshold, thresholdFor(dirSizes, maxDirs));
  const fold = (dir: BuildDir, into: BuildDir, prefix: string): void => {
    for (const s of dir.small.values()) addSmall(into, s[0], s[1], s[2], s[3]);
    for (const f of dir.files) into.files.push([`${prefix}${f[0]}`, f[1], f[2], f[3], f[4]]);
    for (const d of dir.dirs.values()) fold(d, into, `${prefix}${d.name}/`);
  };
  const emit = (dir: BuildDir): TreeDir => {
    const out: TreeDir = { n: dir.name };
    const dirs: TreeDir[] = [];
    for (const d of dir.dirs.values()) {
      if (dirThreshold > 0 && d.bytes < dirThreshold) fold(d, dir, `${d.name}/`);
      else dirs.push(emit(d));
    }
    if (dirs.length > 0) out.d = dirs.sort((a, b) => (a.n < b.n ? -1 : a.n > b.n ? 1 : 0));
    if (dir.files.length > 0) out.f = dir.files.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    if (dir.small.size > 0) out.s = [...dir.small.values()].sort((a, b) => b[1] - a[1]);
    return out;
  };
  const tree = emit(root);

  const hidden: Array<[number, number]> = [];
  for (const l of options.layerWritten ?? []) {
    const h = l.written - (visibleByLayer.get(l.index) ?? 0);
    if (h > 0) hidden.push([l.index + base, h]);
  }
  return { causes, packages, smallFileBytes: threshold, smallFiles: { files: smallCount, bytes: smallBytes }, hidden, root: tree };
}

/** Sum of the bytes in a tree (files kept one by one and aggregates). */
export function treeBytes(dir: TreeDir): number {
  let n = 0;
  for (const f of dir.f ?? []) n += f[1];
  for (const s of dir.s ?? []) n += s[1];
  for (const d of dir.d ?? []) n += treeBytes(d);
  return n;
}
