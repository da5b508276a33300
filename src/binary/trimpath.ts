/**
 * The -trimpath question: absolute file names in the pclntab file table (and, when DWARF is
 * kept, in the DWARF line tables) leak the build machine's layout (GOROOT, workspace, user names,
 * module cache). `go build -trimpath` rewrites them (cmd/go: "remove all file system paths from
 * the resulting executable"): GOROOT/src/x -> x, module cache dir -> module@version, main module
 * dir -> module path.
 */

/** POSIX absolute, Windows drive-letter, or UNC path. */
export function isAbsolutePath(p: string): boolean {
  return p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\');
}

function dirOf(p: string): string {
  return p.slice(0, Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\')));
}

/** The longest common directory of `dirs` ('' when none). */
function commonDir(dirs: readonly string[]): string {
  if (dirs.length === 0) return '';
  let prefix = dirs[0]!;
  for (const d of dirs) {
    while (prefix !== '' && d !== prefix && !d.startsWith(`${prefix}/`) && !d.startsWith(`${prefix}\\`)) prefix = dirOf(prefix);
  }
  return prefix;
}

/** A dependency replaced by a local directory (`replace m => ../dir` in go.mod: build info `=> ../dir`). */
export interface LocalReplace {
  /** The module path and version the build info lists (`example.com/lib v0.1.0`). */
  path: string;
  version: string;
  /** The replacement directory as written in go.mod, relative to the main module's root or absolute. */
  dir: string;
}

function isUnder(p: string, dir: string): boolean {
  return p === dir || p.startsWith(`${dir}/`);
}

/** `dir` resolved against `root` (POSIX, `.` and `..` folded). */
function resolveDir(root: string, dir: string): string {
  const parts = (dir.startsWith('/') ? dir : `${root}/${dir}`).split('/');
  const out: string[] = [];
  for (const part of parts) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return `/${out.join('/')}`;
}

/**
 * What -trimpath turns an absolute path (a file, or a directory) into, from the leaked file names and
 * the build info:
 * - GOROOT is the prefix before `/src/runtime/` of any runtime file: `$GOROOT/src/x` -> `x`;
 * - a module cache path keeps what follows `/pkg/mod/` (`module@version/...`);
 * - a local replacement's directory becomes `module@version` (`../greetlib` -> `example.com/greetlib@v0.1.0`);
 * - anything else is the main module's and becomes its module path: `/src/app/internal/db/db.go` ->
 *   `example.com/app/internal/db/db.go`. The main module's root is the deepest directory `R` such that
 *   the main package's directory (`R` + the main package's path below the module) holds leaked files
 *   and every other local file is under `R` or under a replacement directory resolved against `R`.
 */
export function trimpathRewriter(leaked: readonly string[], mainModule: string | null, mainPackage: string | null = null, replaces: readonly LocalReplace[] = []): (p: string) => string {
  let goroot: string | undefined;
  for (const p of leaked) {
    const i = p.indexOf('/src/runtime/');
    if (i > 0) {
      goroot = p.slice(0, i + '/src/'.length);
      break;
    }
  }
  const isModCache = (p: string): boolean => p.includes('/pkg/mod/');
  const local = leaked.filter((p) => !isModCache(p) && !(goroot !== undefined && p.startsWith(goroot)));
  const dirs = [...new Set(local.map(dirOf))];
  const below = mainModule !== null && mainPackage !== null && mainPackage.startsWith(`${mainModule}/`) ? mainPackage.slice(mainModule.length) : '';
  const consistent = (root: string): boolean =>
    dirs.every((d) => isUnder(d, root) || replaces.some((r) => isUnder(d, resolveDir(root, r.dir))));
  const candidates = dirs.filter((d) => below === '' || d.endsWith(below)).map((d) => d.slice(0, d.length - below.length));
  candidates.sort((a, b) => b.length - a.length);
  const root = candidates.find(consistent) ?? commonDir(dirs);
  const replaced = root === '' ? [] : replaces.map((r) => ({ dir: resolveDir(root, r.dir), to: `${r.path}@${r.version}` }));
  return (p: string): string => {
    const mod = p.indexOf('/pkg/mod/');
    if (mod >= 0) return p.slice(mod + '/pkg/mod/'.length);
    if (goroot !== undefined && (p.startsWith(goroot) || `${p}/` === goroot)) return p.slice(goroot.length);
    const r = replaced.find((x) => isUnder(p, x.dir));
    if (r) return `${r.to}${p.slice(r.dir.length)}`;
    const rest = root !== '' && isUnder(p, root) ? p.slice(root.length) : `/${p.slice(dirOf(p).length + 1)}`;
    return mainModule ? `${mainModule}${rest}` : rest.replace(/^\//, '');
  };
}

/** The local replacements of a build's dependencies (a `=> dir` whose target is a path, not a module). */
export function localReplaces(deps: ReadonlyArray<{ path: string; version: string; replace: { path: string } | null }>): LocalReplace[] {
  return deps.flatMap((d) => (d.replace && (d.replace.path.startsWith('.') || d.replace.path.startsWith('/')) ? [{ path: d.path, version: d.version, dir: d.replace.path }] : []));
}

/** Net bytes a rewrite saves over a list of names (a name may grow: a local directory becoming `module@version`); at least 0. */
export function namesSaving(names: readonly string[], rewrite: (p: string) => string): number {
  let saved = 0;
  for (const p of names) saved += Buffer.byteLength(p) - Buffer.byteLength(rewrite(p));
  return Math.max(0, saved);
}

/** What -trimpath saves, where: the pclntab's file table, the DWARF line tables, the gdb script path. */
export interface TrimpathParts {
  pclntab: number;
  /** null when the binary has no DWARF line table goslim can read (stripped, DWARF 5, too large). */
  dwarfLine: number | null;
  gdbScripts: number;
}
