/**
 * Import sites (issue 15, "heaviest dependencies"): which packages of the main module pull each
 * dependency module into the binary. A package-level graph is read from the binary itself:
 *
 *  - calls: every direct call instruction (x86-64 `CALL rel32`, arm64 `BL`) whose target is exactly a
 *    function's entry is an edge from the calling code's package to the callee's. A call inside code
 *    the compiler inlined from another package counts for that package: for main-module functions the
 *    pcfile table says which file (so which package) each range of code comes from.
 *  - inlining: a function holding code of another package's file (pcfile ranges) is an edge to it;
 *    an inlined call leaves no call instruction, only this.
 *
 * A dependency module is pulled in through main-module package P when one of its packages is reachable
 * from P through dependency packages only (the walk stops at other main-module packages, which are
 * sites of their own, and never enters the standard library). See docs/binary.md for the limits
 * (calls through interfaces and function values, blank imports, nested inlining).
 */
import type { ExeSection } from './exe.js';

/** Code inlined from another package, from the pcfile tables (attribute.ts walkFunctions). */
export interface InlinedCode {
  /** [from, to]: a function of `from` holds code of `to`. */
  edges: Array<[string, string]>;
  /** Main-module functions only: code at [start, end) (VA) of function index `func` is `pkg`'s. */
  main: { func: number[]; start: number[]; end: number[]; pkg: string[] };
}

/** What the import-site pass needs from the caller: the main module's packages, and a file path's package. */
export interface SiteOptions {
  isMainPackage(pkg: string): boolean;
  pathPackage(file: string): string | null;
}

export const NO_SITES: SiteOptions = { isMainPackage: () => false, pathPackage: () => null };

const BUCKET_SHIFT = 8;

/** Package-level call graph, fed call sites by the code scan. */
export class CallGraph {
  /** caller package -> callee packages */
  readonly edges = new Map<string, Set<string>>();
  private readonly mainFrom = new Map<number, [number, number]>();
  private readonly lo: number;
  private readonly hi: number;
  private lastSrc = '';
  private lastDst = '';
  /** bucket[k]: the first function starting at or after lo + k * 2^BUCKET_SHIFT (starts are sorted).
   * Int32, not Uint32: V8 boxed the Uint32 loads in the scan loop (26 MB of heap numbers on kubectl). */
  private readonly bucket: Int32Array;

  constructor(
    private readonly ranges: { start: Uint32Array; base: number; pkg: readonly string[] },
    private readonly inlined: InlinedCode,
    text: ExeSection,
  ) {
    const m = inlined.main;
    for (let k = 0; k < m.func.length; k++) {
      const f = m.func[k]!;
      const r = this.mainFrom.get(f);
      if (r) r[1] = k + 1;
      else this.mainFrom.set(f, [k, k + 1]);
    }
    this.lo = text.addr;
    this.hi = text.addr + text.fileSize;
    // 4 bytes per 256 bytes of code (about one function each): 0.4 MB for 26 MB of code.
    const n = Math.max(0, this.hi - this.lo) >>> BUCKET_SHIFT;
    this.bucket = new Int32Array(n + 2);
    // Locals only: this loop runs once (400,000 turns on kubectl), mostly before it is optimized.
    const st = ranges.start;
    const bucket = this.bucket;
    const from = this.lo - ranges.base;
    const step = 2 ** BUCKET_SHIFT;
    for (let k = 0, i = 0; k < bucket.length; k++) {
      const at = from + k * step;
      while (i < st.length && st[i]! < at) i++;
      bucket[k] = i;
    }
    for (const [from, to] of inlined.edges) this.link(from, to);
  }

  /** A call at `pc` in function `f` to `target` (kept only when `target` is a function's entry). */
  add(f: number, pc: number, target: number): void {
    if (target < this.lo || target >= this.hi) return;
    // Called for every E8 byte of the code (430,000 in kubectl's 26 MB, many of them not calls): the
    // functions starting in the target's bucket, usually none or one, instead of a binary search.
    const k = (target - this.lo) >>> BUCKET_SHIFT;
    const st = this.ranges.start;
    const rel = target - this.ranges.base;
    let g = -1;
    for (let i = this.bucket[k]!, end = this.bucket[k + 1]!; i < end; i++) {
      if (st[i] === rel) {
        g = i;
        break;
      }
    }
    if (g < 0) return;
    let src = this.ranges.pkg[f]!;
    const r = this.mainFrom.get(f);
    if (r) {
      const m = this.inlined.main;
      for (let k = r[0]; k < r[1]; k++) {
        if (pc >= m.start[k]! && pc < m.end[k]!) {
          src = m.pkg[k]!;
          break;
        }
      }
    }
    const dst = this.ranges.pkg[g]!;
    if (src !== dst) this.link(src, dst);
  }

  private link(src: string, dst: string): void {
    if (src === this.lastSrc && dst === this.lastDst) return;
    this.lastSrc = src;
    this.lastDst = dst;
    let s = this.edges.get(src);
    if (!s) this.edges.set(src, (s = new Set()));
    s.add(dst);
  }
}

/**
 * For each dependency module, the main-module packages it is pulled in through (sorted).
 * `moduleOf(pkg)` names a package's module; `isDependency(module)` says whether it is a dependency
 * (not the main module, the standard library, the runtime or a bucket).
 */
export function importSites(
  graph: CallGraph,
  isMainPackage: (pkg: string) => boolean,
  moduleOf: (pkg: string) => string,
  isDependency: (module: string) => boolean,
): Map<string, string[]> {
  const via = new Map<string, Set<string>>();
  const sources = new Set<string>();
  for (const [src, dsts] of graph.edges) {
    if (isMainPackage(src)) sources.add(src);
    for (const d of dsts) if (isMainPackage(d)) sources.add(d);
  }
  for (const p of [...sources].sort()) {
    const seen = new Set<string>();
    const stack: string[] = [];
    for (const d of graph.edges.get(p) ?? []) if (!isMainPackage(d) && isDependency(moduleOf(d))) stack.push(d);
    // Bounded by the number of packages: each is visited once.
    while (stack.length > 0) {
      const q = stack.pop()!;
      if (seen.has(q)) continue;
      seen.add(q);
      const m = moduleOf(q);
      let set = via.get(m);
      if (!set) via.set(m, (set = new Set()));
      set.add(p);
      for (const d of graph.edges.get(q) ?? []) if (!seen.has(d) && !isMainPackage(d) && isDependency(moduleOf(d))) stack.push(d);
    }
  }
  return new Map([...via].map(([m, s]) => [m, [...s].sort()]));
}
