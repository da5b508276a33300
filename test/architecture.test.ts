/**
 * Architecture rules (issue 12, "Proof"), checked over the import statements of every src/**\/*.ts
 * (tests excluded: they are not part of the shipped module graph):
 *
 *  - no import cycle between `src/*` folders, and none between files;
 *  - only `src/cli` imports commander or writes to the terminal (process.stdout/stderr, console.*);
 *  - `src/binary` and `src/dockerfile` import no `node:fs` (they are pure: bytes or text in).
 *
 * Every import counts, type-only ones included (`import type`, `export type … from`, `import('…')`
 * types): a type-only cycle costs nothing at run time, but it is the same tangle for a reader, and
 * it becomes a runtime cycle the day someone adds a value import along it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'src');

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out.sort();
}

/** Drop comments so prose about imports or console.log does not count (strings are kept). */
function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' ')).replace(/(^|[^:'"`\\])\/\/[^\n]*/g, '$1');
}

/** Module specifiers a file depends on: static imports and re-exports, side-effect imports, `import('…')`. */
function importsOf(text: string): string[] {
  const code = stripComments(text);
  const out: string[] = [];
  const patterns = [
    // import x from '…', import { a, type B } from '…', import type … from '…', export * from '…', export { … } from '…'
    /(?:^|[\n;])\s*(?:import|export)\s+(?:type\s+)?[\w*${}\s,]*?\s*from\s*['"]([^'"]+)['"]/g,
    // import '…' (side effects only)
    /(?:^|[\n;])\s*import\s*['"]([^'"]+)['"]/g,
    // import('…'): dynamic imports and `typeof import('…')` types
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const re of patterns) for (const m of code.matchAll(re)) out.push(m[1]!);
  return [...new Set(out)];
}

interface Graph {
  /** src-relative file path (posix) -> src-relative paths of the src files it imports. */
  files: Map<string, Set<string>>;
  /** src-relative file path -> bare or node: specifiers it imports. */
  external: Map<string, Set<string>>;
  text: Map<string, string>;
}

function buildGraph(): Graph {
  const g: Graph = { files: new Map(), external: new Map(), text: new Map() };
  for (const abs of sourceFiles(SRC)) {
    const file = relative(SRC, abs).split('\\').join('/');
    const text = readFileSync(abs, 'utf8');
    g.text.set(file, text);
    const local = new Set<string>();
    const ext = new Set<string>();
    for (const spec of importsOf(text)) {
      if (spec.startsWith('.')) {
        const target = posix.normalize(posix.join(posix.dirname(file), spec)).replace(/\.js$/, '.ts');
        local.add(target);
      } else ext.add(spec);
    }
    g.files.set(file, local);
    g.external.set(file, ext);
  }
  return g;
}

/**
 * The top folder of a src file: 'binary' for binary/elf.ts. A file directly in src/ (index.ts, the
 * library entry that imports every folder; errors.ts, which every folder imports) is its own node.
 */
function folderOf(file: string): string {
  const i = file.indexOf('/');
  return i < 0 ? file : file.slice(0, i);
}

/** Every elementary cycle is too many to list; one cycle per strongly connected component is enough to act on. */
function findCycles(edges: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  // Tarjan's strongly connected components, then a shortest cycle inside each non-trivial one.
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const sccs: string[][] = [];
  const nodes = [...new Set([...edges.keys(), ...[...edges.values()].flatMap((s) => [...s])])].sort();
  const strong = (v: string): void => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    on.add(v);
    for (const w of [...(edges.get(v) ?? [])].sort()) {
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      const selfLoop = comp.length === 1 && (edges.get(v)?.has(v) ?? false);
      if (comp.length > 1 || selfLoop) sccs.push(comp.sort());
    }
  };
  for (const v of nodes) if (!idx.has(v)) strong(v);
  return sccs.map((comp) => {
    const inComp = new Set(comp);
    const start = comp[0]!;
    // BFS from start back to start, inside the component.
    const prev = new Map<string, string>();
    const queue = [start];
    const seen = new Set<string>();
    while (queue.length > 0) {
      const v = queue.shift()!;
      for (const w of [...(edges.get(v) ?? [])].sort()) {
        if (!inComp.has(w)) continue;
        if (w === start) {
          const path = [v];
          while (path[0] !== start) path.unshift(prev.get(path[0]!)!);
          const cycle = [...path, start];
          const rest = comp.filter((c) => !cycle.includes(c));
          return rest.length > 0 ? [...cycle, `(also in this tangle: ${rest.join(', ')})`] : cycle;
        }
        if (!seen.has(w)) {
          seen.add(w);
          prev.set(w, v);
          queue.push(w);
        }
      }
    }
    return comp;
  });
}

const g = buildGraph();

/**
 * Terminal writes allowed outside src/cli: file -> the exact matches allowed (count) and why.
 * Keep this short; an entry needs a reason that is not "it was convenient".
 */
const TERMINAL_EXCEPTIONS: ReadonlyMap<string, { match: string; count: number; why: string }> = new Map([
  [
    'verify/run.ts',
    {
      match: 'process.stdout',
      count: 2,
      why: 'the HTTP probe is a script string run by `node -e` inside the container network namespace; its stdout is a pipe the parent reads, not the terminal',
    },
  ],
]);

describe('architecture', () => {
  it('parses imports of every form', () => {
    const text = [
      "import { a, type B } from './a.js';",
      'import type {',
      '  C,',
      "} from '../c/c.js';",
      "export * from './d.js';",
      "export { e } from './e.js';",
      "export type { F } from './f.js';",
      "import './g.js';",
      "const h = await import('./h.js');",
      "type I = typeof import('node:fs');",
      "// import { no } from './comment.js';",
      "export const x = 1; // from './not-an-import.js'",
    ].join('\n');
    expect(importsOf(text).sort()).toEqual(['../c/c.js', './a.js', './d.js', './e.js', './f.js', './g.js', './h.js', 'node:fs'].sort());
    expect(g.files.size).toBeGreaterThan(100);
    // Every relative import resolves to a file the walk found (so no edge is silently lost).
    const missing = [...g.files].flatMap(([f, deps]) => [...deps].filter((d) => !g.files.has(d)).map((d) => `${f} -> ${d}`));
    expect(missing).toEqual([]);
  });

  it('has no import cycle between src/* folders', () => {
    const folders = new Map<string, Set<string>>();
    for (const [f, deps] of g.files) {
      const from = folderOf(f);
      const set = folders.get(from) ?? new Set<string>();
      for (const d of deps) if (folderOf(d) !== from) set.add(folderOf(d));
      folders.set(from, set);
    }
    const cycles = findCycles(folders).map((c) => {
      // Name one file edge per folder edge so the cycle can be acted on.
      const why = c.slice(1).filter((to) => !to.startsWith('(')).map((to, i) => {
        const from = c[i]!;
        const edge = [...g.files].find(([f, deps]) => folderOf(f) === from && [...deps].some((d) => folderOf(d) === to));
        const target = edge ? [...edge[1]].find((d) => folderOf(d) === to) : undefined;
        return `${from} -> ${to} (${edge?.[0]} imports ${target})`;
      });
      return why.join('; ');
    });
    expect(cycles).toEqual([]);
  });

  it('has no import cycle between files', () => {
    expect(findCycles(g.files).map((c) => c.join(' -> '))).toEqual([]);
  });

  it('only src/cli imports commander or writes to the terminal', () => {
    const offenders: string[] = [];
    for (const [f, text] of g.text) {
      if (f.startsWith('cli/')) continue;
      if ([...g.external.get(f)!].some((s) => s === 'commander' || s.startsWith('commander/'))) offenders.push(`${f}: imports commander`);
      const code = stripComments(text);
      const writes = [...code.matchAll(/\bprocess\.(stdout|stderr)\b|\bconsole\.\w+/g)].map((m) => m[0]);
      const allowed = TERMINAL_EXCEPTIONS.get(f);
      const counted = allowed ? writes.filter((w) => w === allowed.match).length : 0;
      for (const w of writes) if (!(allowed && w === allowed.match && counted === allowed.count)) offenders.push(`${f}: ${w}`);
    }
    expect([...new Set(offenders)]).toEqual([]);
  });

  it('src/binary and src/dockerfile import no node:fs', () => {
    const offenders = [...g.external]
      .filter(([f]) => f.startsWith('binary/') || f.startsWith('dockerfile/'))
      .flatMap(([f, specs]) => [...specs].filter((s) => /^(node:)?fs(\/|$)/.test(s)).map((s) => `${f}: ${s}`));
    expect(offenders).toEqual([]);
  });
});
