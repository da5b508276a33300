/**
 * Function name -> Go package, the rules go-size-analyzer and gore follow:
 *  1. drop generic instantiation brackets (they contain dots and slashes);
 *  2. package = text before the first '.' after the last '/';
 *  3. unescape the linker's %xx escapes in the last path element;
 *  4. compiler-generated helpers (type..eq.*, type:.hash.*, go:buildid, go.itab.*) belong to no package;
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
  let out = '';
  let depth = 0;
  for (const ch of name) {
    if (ch === '[') depth++;
    else if (ch === ']') depth = Math.max(0, depth - 1);
    else if (depth === 0) out += ch;
  }
  return out;
}

export function packageOf(funcName: string): string {
  if (/^(type[.:]\.|go[.:](buildid|itab|string|shape|info)|go\.buildid)/.test(funcName)) return COMPILER_GENERATED;
  if (/^(_cgo_|x_cgo_|crosscall)/.test(funcName)) return CGO_C;
  const name = stripGenerics(funcName);
  const slash = name.lastIndexOf('/');
  const dot = name.indexOf('.', slash + 1);
  if (dot <= 0) return NO_PACKAGE;
  const pkg = name.slice(0, dot);
  return pkg.includes('%') ? unescapePath(pkg) : pkg;
}

function unescapePath(s: string): string {
  return s.replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/** Code bytes per package, largest first (ties by name, for stable output). */
export function packageSizes(functions: readonly PclnFunction[]): PackageSize[] {
  const sizes = new Map<string, number>();
  for (const f of functions) {
    const pkg = packageOf(f.name);
    sizes.set(pkg, (sizes.get(pkg) ?? 0) + f.size);
  }
  return [...sizes]
    .map(([name, size]) => ({ name, size }))
    .sort((a, b) => b.size - a.size || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
