/**
 * Function name -> Go package, the rules go-size-analyzer and gore follow:
 *  1. drop generic instantiation brackets (they contain dots and slashes);
 *  2. package = text before the first '.' after the last '/';
 *  3. unescape the linker's %xx escapes in the last path element;
 *  4. compiler-generated helpers (type..eq.*, type:.hash.*, go:buildid, go.itab.*) and the linker's symbols
 *     (go.buildinfo, go.func.*) belong to no package;
 *     cgo's C functions (x_cgo_*, _cgo_*) and assembly without a package prefix get their own buckets.
 */
import type { PclnFunction } from './pclntab.js';

export const COMPILER_GENERATED = '<compiler-generated>';
export const NO_PACKAGE = '<no package>';
/** C functions cgo compiles into the binary (runtime/cgo's gcc_*.c, generated _cgo_* wrappers). */
export const CGO_C = '<cgo C code>';

export interface PackageSize {
  name: string;
  size: number;
}

export function stripGenerics(name: string): string {
  if (!name.includes('[')) return name;
  // Brackets and what they enclose are dropped (an unmatched ']' too); the rest kept, by slices
  // (this runs for every generic instantiation's name: no per-character strings).
  let out = '';
  let depth = 0;
  let from = -1;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 0x5b || c === 0x5d) {
      if (from >= 0) {
        out += name.slice(from, i);
        from = -1;
      }
      depth = c === 0x5b ? depth + 1 : Math.max(0, depth - 1);
    } else if (depth === 0 && from < 0) from = i;
  }
  return from >= 0 ? out + name.slice(from) : out;
}

export function packageOf(funcName: string): string {
  // First-character gates keep the regexes off the hot path (100k+ names in large binaries).
  const c = funcName.charCodeAt(0);
  if ((c === 0x67 /* g */ || c === 0x28 /* ( */ || c === 0x73) /* s */ && ANON_STRUCT.test(funcName)) return anonStructPackage(funcName);
  if ((c === 0x74 /* t */ || c === 0x67) /* g */ && /^(type[.:]\.|go[.:](buildid|itab|string|shape|info))/.test(funcName)) {
    return COMPILER_GENERATED;
  }
  if ((c === 0x5f /* _ */ || c === 0x78 /* x */ || c === 0x63) /* c */ && /^(_cgo_|x_cgo_|crosscall)/.test(funcName)) return CGO_C;
  const name = stripGenerics(funcName);
  const slash = name.lastIndexOf('/');
  const dot = name.indexOf('.', slash + 1);
  if (dot <= 0) return NO_PACKAGE;
  const pkg = name.slice(0, dot);
  // The linker's own symbols (go.buildinfo, go.buildinfo.ref, go.func.*, go.go; go:func.* since Go 1.21)
  // are no package's: no import path is `go` or holds a colon.
  if (pkg === 'go' || pkg.startsWith('go:')) return COMPILER_GENERATED;
  // Host-object section symbols from cgo's internal linking (`net(.text)`, `runtime/cgo(.data)`) are C.
  if (pkg.includes('(')) return CGO_C;
  return pkg.includes('%') ? unescapePath(pkg) : pkg;
}

/**
 * Methods of anonymous struct types: the compiler's wrappers for methods promoted from embedded
 * fields are named after the struct literal type, `go.struct { *bytes.Buffer; io.Closer }.Close`
 * and `go.(*struct { ... }).Close` (Go 1.19), `go:struct { ... }.Close` (Go 1.21+); type and itab
 * symbols name the type as `struct { ... }`. The literal holds package paths and dots.
 */
const ANON_STRUCT = /^(?:\(\*)?(?:go[.:])?(?:\(\*)?struct \{/;

/**
 * The package of an anonymous struct type's name: the package of the first package-qualified
 * type (or unexported field name) in the literal, `bytes` for `struct { *bytes.Buffer; io.Closer }`,
 * `main` for `struct { main.n int; *strings.Reader }`; none at all (fields of built-in types only):
 * compiler-generated. Field tags (quoted, may hold dots) are skipped.
 */
export function anonStructPackage(name: string): string {
  // One pass over the literal, token by token, stopping at the first qualified name (usually the
  // first field): no strings but the answer (kubectl has thousands of these wrappers).
  let depth = 0;
  let start = -1;
  for (let i = name.indexOf('{'); i < name.length; i++) {
    const c = name.charCodeAt(i);
    const sep = c === 0x20 || c === 0x3b || c === 0x2a || c === 0x7b || c === 0x7d || c === 0x5b || c === 0x5d || c === 0x28 || c === 0x29 || c === 0x2c || c === 0x22 || c === 0x09;
    if (!sep) {
      if (start < 0) start = i;
      continue;
    }
    if (start >= 0) {
      const pkg = qualifier(name, start, i);
      if (pkg !== null) return pkg;
      start = -1;
    }
    if (c === 0x22) {
      // A Go-quoted tag: skipped up to the next unescaped quote.
      i++;
      while (i < name.length && name.charCodeAt(i) !== 0x22) i += name.charCodeAt(i) === 0x5c ? 2 : 1;
    } else if (c === 0x7b) depth++;
    else if (c === 0x7d && --depth === 0) break;
  }
  return COMPILER_GENERATED;
}

/** The package of the qualified name name[a, b) (`path/pkg.Name`), or null (a field name, a built-in type, `...T`). */
function qualifier(name: string, a: number, b: number): string | null {
  let slash = -1;
  for (let k = b - 1; k >= a; k--) {
    if (name.charCodeAt(k) === 0x2f) {
      slash = k;
      break;
    }
  }
  const dot = name.indexOf('.', slash < 0 ? a : slash + 1);
  if (dot <= a || dot >= b) return null;
  const pkg = name.slice(a, dot);
  return pkg.includes('%') ? unescapePath(pkg) : pkg;
}

function unescapePath(s: string): string {
  return s.replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/** `name` is `<pkg>.<rest>` and pkg is a real package (not a `<bucket>`): such a name may seed a run's fast path. */
export function isPrefixOf(pkg: string, name: string): boolean {
  return name.length > pkg.length && name.charCodeAt(pkg.length) === 0x2e && pkg.charCodeAt(0) !== 0x3c && name.startsWith(pkg);
}

/** Accumulates code bytes per package, one function at a time. */
export class PackageTally {
  private readonly sizes = new Map<string, number>();
  // The linker lays functions out package by package, so runs of one package are long:
  // remember the current one and only touch the map when the run ends.
  private runPkg = '';
  private runPrefix = '';
  private runSize = 0;

  add(funcName: string, size: number): void {
    const p = this.runPrefix;
    if (
      p !== '' &&
      funcName.startsWith(p) &&
      funcName.charCodeAt(p.length) === 0x2e &&
      funcName.indexOf('/', p.length) < 0 &&
      funcName.indexOf('[', p.length) < 0
    ) {
      this.runSize += size;
      return;
    }
    this.flush();
    const pkg = packageOf(funcName);
    this.runPkg = pkg;
    this.runSize = size;
    // Only a plain "<pkg>.<rest>" name may seed the fast path (no escapes, brackets or synthetic buckets).
    this.runPrefix = isPrefixOf(pkg, funcName) ? pkg : '';
  }

  /** The current run's package prefix ('' when none): a name `<prefix>.<rest>` with no '/' or '[' in the rest adds to the run. */
  get prefix(): string {
    return this.runPrefix;
  }

  /** Add a function the caller knows is in the current run (`add` would take its fast path). */
  addToRun(size: number): void {
    this.runSize += size;
  }

  private flush(): void {
    if (this.runPkg !== '') this.sizes.set(this.runPkg, (this.sizes.get(this.runPkg) ?? 0) + this.runSize);
    this.runPkg = '';
    this.runSize = 0;
  }

  /** Largest first (ties by name, for stable output). */
  result(): PackageSize[] {
    this.flush();
    this.runPrefix = '';
    return sortSizes(this.sizes);
  }
}

/** Code bytes per package, largest first (ties by name, for stable output). */
export function packageSizes(functions: readonly PclnFunction[]): PackageSize[] {
  const t = new PackageTally();
  for (const f of functions) t.add(f.name, f.size);
  return t.result();
}

function sortSizes(sizes: Map<string, number>): PackageSize[] {
  return [...sizes]
    .map(([name, size]) => ({ name, size }))
    .sort((a, b) => b.size - a.size || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
