/**
 * Which Dockerfiles `goslim lint` reads: its arguments may be files, `-` (stdin), directories
 * (searched for `Dockerfile`, `*.Dockerfile`, `Dockerfile.*` and `Containerfile`, skipping `.git`,
 * `node_modules` and `vendor`) and globs quoted past the shell (`'services/**\/Dockerfile'`; see
 * src/util/glob.ts). Bounded by `discover.entries`, `discover.depth` and `discover.files`
 * (src/limits.ts). Symbolic links to files are followed; links to directories are not descended
 * (no loops). Results are sorted, deduplicated, and shown as the user would write them.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, posix, resolve } from 'node:path';
import { GoslimError, IoError, LimitExceededError, NotFoundError } from '../errors.js';
import { limit } from '../limits.js';
import { compileGlob, expandBraces, hasGlobMagic, type SegmentMatcher } from '../util/glob.js';

/** Directories a search never descends into unless a pattern names them literally. */
export const SKIPPED_DIRS: readonly string[] = ['.git', 'node_modules', 'vendor'];

/** One Dockerfile to lint: `path` null for stdin; `shownAs` is how reports name it. */
export interface LintTarget {
  path: string | null;
  shownAs: string;
}

/** `Dockerfile`, `*.Dockerfile`, `Dockerfile.*`, `Containerfile` (not their `.dockerignore` files). */
export function isDockerfileName(name: string): boolean {
  if (name.endsWith('.dockerignore')) return false;
  return name === 'Dockerfile' || name === 'Containerfile' || (name.startsWith('Dockerfile.') && name.length > 11) || (name.endsWith('.Dockerfile') && name.length > 11);
}

interface Budget {
  entries: number;
  maxEntries: number;
  maxDepth: number;
}

interface Entry {
  name: string;
  dir: boolean;
  file: boolean;
}

async function list(dir: string, budget: Budget): Promise<Entry[]> {
  let dirents;
  try {
    dirents = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw new IoError(`cannot list ${dir}: ${code ?? String(err)}`, { cause: err, details: { path: dir } });
  }
  budget.entries += dirents.length;
  if (budget.entries > budget.maxEntries) {
    throw new LimitExceededError('discover.entries', budget.maxEntries, `searching for Dockerfiles looked at more than ${budget.maxEntries} directory entries (discover.entries); name a smaller directory or a narrower glob`, { actual: budget.entries });
  }
  const out: Entry[] = [];
  for (const d of dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (d.isSymbolicLink()) {
      // Links to files count as files; links to directories are not descended (loops).
      const st = await stat(join(dir, d.name)).catch(() => undefined);
      out.push({ name: d.name, dir: false, file: st?.isFile() ?? false });
    } else out.push({ name: d.name, dir: d.isDirectory(), file: d.isFile() });
  }
  return out;
}

/** Dockerfiles under `dir` (absolute), as paths relative to it, sorted. */
async function searchDir(dir: string, budget: Budget): Promise<string[]> {
  const found: string[] = [];
  const walk = async (abs: string, rel: string, depth: number): Promise<void> => {
    for (const e of await list(abs, budget)) {
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.file && isDockerfileName(e.name)) found.push(r);
      else if (e.dir && !SKIPPED_DIRS.includes(e.name)) {
        if (depth >= budget.maxDepth) {
          throw new LimitExceededError('discover.depth', budget.maxDepth, `searching ${dir} for Dockerfiles went deeper than ${budget.maxDepth} directories (discover.depth)`);
        }
        await walk(join(abs, e.name), r, depth + 1);
      }
    }
  };
  await walk(dir, '', 0);
  return found;
}

/** Paths (relative to the glob's base) that match the segments: files, and directories the last segment matches. */
async function searchGlob(baseAbs: string, segments: readonly SegmentMatcher[], budget: Budget): Promise<{ files: string[]; dirs: string[] }> {
  const files = new Set<string>();
  const dirs = new Set<string>();
  const seen = new Set<string>();
  const walk = async (abs: string, rel: string, si: number, depth: number): Promise<void> => {
    const key = `${si}\0${rel}`;
    if (seen.has(key)) return;
    seen.add(key);
    const seg = segments[si];
    if (seg === undefined) return;
    const last = si === segments.length - 1;
    if (seg.globstar) {
      // Zero directories, then one more directory with `**` still to match.
      if (last) {
        dirs.add(rel);
        return;
      }
      await walk(abs, rel, si + 1, depth);
      if (depth >= budget.maxDepth) return;
      for (const e of await list(abs, budget)) {
        if (e.dir && !SKIPPED_DIRS.includes(e.name) && !e.name.startsWith('.')) {
          await walk(join(abs, e.name), rel === '' ? e.name : `${rel}/${e.name}`, si, depth + 1);
        }
      }
      return;
    }
    for (const e of await list(abs, budget)) {
      if (!seg.test(e.name)) continue;
      if (seg.literal === null && e.dir && SKIPPED_DIRS.includes(e.name)) continue;
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      if (last) {
        if (e.file) files.add(r);
        else if (e.dir) dirs.add(r);
      } else if (e.dir && depth < budget.maxDepth) await walk(join(abs, e.name), r, si + 1, depth + 1);
    }
  };
  await walk(baseAbs, '', 0, 0);
  return { files: [...files].sort(), dirs: [...dirs].sort() };
}

function shown(prefix: string, rel: string): string {
  if (rel === '') return prefix === '' ? '.' : prefix;
  if (prefix === '' || prefix === '.') return rel;
  return posix.join(prefix, rel);
}

async function kindOf(path: string): Promise<'dir' | 'other' | 'missing'> {
  try {
    return (await stat(path)).isDirectory() ? 'dir' : 'other';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'missing';
    if (err instanceof GoslimError) throw err;
    return 'other'; // let the reader report it (permissions, loops) with the file's name
  }
}

/**
 * Expand lint's arguments into Dockerfiles. A name that exists is taken as it is (a file, or a
 * directory to search), so a file whose name has `[` or `*` in it still works; a name that does
 * not exist and has glob syntax is a glob; anything else is passed on (the reader says E_NOT_FOUND).
 * A directory without Dockerfiles or a glob matching nothing is E_NOT_FOUND.
 */
export async function expandLintTargets(args: readonly string[], cwd: string): Promise<LintTarget[]> {
  const budget: Budget = { entries: 0, maxEntries: limit('discover.entries'), maxDepth: limit('discover.depth') };
  const maxFiles = limit('discover.files');
  const out: LintTarget[] = [];
  const taken = new Set<string>();
  const add = (path: string, shownAs: string): void => {
    if (taken.has(path)) return;
    taken.add(path);
    out.push({ path, shownAs });
    if (out.length > maxFiles) {
      throw new LimitExceededError('discover.files', maxFiles, `more than ${maxFiles} Dockerfiles to lint in one call (discover.files)`, { actual: out.length });
    }
  };
  const addDir = async (abs: string, prefix: string, arg: string): Promise<number> => {
    const found = await searchDir(abs, budget);
    for (const rel of found) add(join(abs, rel), shown(prefix, rel));
    if (found.length === 0 && arg !== '') {
      throw new NotFoundError(`no Dockerfile in ${arg} (looked for Dockerfile, *.Dockerfile, Dockerfile.*, Containerfile; not in ${SKIPPED_DIRS.join(', ')})`, { details: { path: arg } });
    }
    return found.length;
  };
  for (const arg of args) {
    if (arg === '-') {
      out.push({ path: null, shownAs: '-' });
      continue;
    }
    const abs = resolve(cwd, arg);
    const kind = await kindOf(abs);
    if (kind === 'dir') {
      await addDir(abs, arg.replace(/\/+$/, '') || '/', arg);
    } else if (kind === 'missing' && hasGlobMagic(arg)) {
      let matched = 0;
      for (const pattern of expandBraces(arg)) {
        const g = compileGlob(pattern);
        const baseAbs = resolve(cwd, g.base === '' ? '.' : g.base);
        const { files, dirs } = await searchGlob(baseAbs, g.segments, budget);
        for (const rel of files) {
          add(join(baseAbs, rel), shown(g.base, rel));
          matched++;
        }
        for (const rel of dirs) matched += await addDir(join(baseAbs, rel), shown(g.base, rel), '');
      }
      if (matched === 0) throw new NotFoundError(`no Dockerfile matches ${arg}`, { details: { pattern: arg } });
    } else {
      add(abs, arg);
    }
  }
  return out;
}
