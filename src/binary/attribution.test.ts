/**
 * Whole-file attribution (issue 15) against real Go 1.19 builds and `go tool nm`: per-package
 * .text equals the functions' extents, every package owns at least the bytes nm names for it,
 * modules sum their packages, embedded files equal the fixture's files, and the unattributed
 * remainder stays within the goal (5 % unstripped, 15 % stripped).
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, expect, it } from 'vitest';
import { ATTRIBUTION, buildFixtures, FIXTURE_SRC } from '../../test/fixtures/go/build-fixtures.js';
import { describeWithTools } from '../../test/helpers/tools.js';
import { analyzeBinary, codeByPackage } from './analyze.js';
import { readElf } from './elf.js';
import { NOT_IN_BUILD_INFO, symbolPackage } from './attribute.js';
import { packageOf } from './packages.js';
import type { BinaryReport } from './types.js';

const run = promisify(execFile);
const bins = new Map<string, string>();
const reports = new Map<string, BinaryReport>();
const report = (name: string): BinaryReport => {
  let r = reports.get(name);
  if (!r) {
    const p = bins.get(name);
    if (!p) throw new Error(`fixture ${name} not built`);
    r = analyzeBinary(readFileSync(p), { path: p });
    reports.set(name, r);
  }
  return r;
};

interface NmSym {
  addr: number;
  size: number;
  type: string;
  name: string;
}

/** `go tool nm -size -sort address`: address, size, type, name (names may contain spaces). */
async function nm(path: string): Promise<NmSym[]> {
  const { stdout } = await run('go', ['tool', 'nm', '-size', '-sort', 'address', path], { maxBuffer: 256 << 20 });
  const out: NmSym[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^\s*([0-9a-f]+)\s+(\d+)\s+(\S)\s+(.*)$/.exec(line);
    if (m) out.push({ addr: parseInt(m[1]!, 16), size: Number(m[2]), type: m[3]!, name: m[4]! });
  }
  return out;
}

const UNSTRIPPED = ['hello.default', 'server.default', 'pprof.default', 'webapp.default', 'cgozlib.default'];
const STRIPPED = ['hello.sw', 'server.sw', 'pprof.sw', 'webapp.sw', 'cgozlib.sw'];

describeWithTools(['go', 'gcc', 'zlib-dev'], 'whole-file attribution on real Go binaries (issue 15)', () => {
  beforeAll(async () => {
    for (const [k, v] of await buildFixtures(ATTRIBUTION)) bins.set(k, v);
  }, 900_000);

  it.each(UNSTRIPPED)('%s: per-package .text equals go tool nm function extents (top 50, within 1 %)', async (name) => {
    const r = report(name);
    const syms = await nm(bins.get(name) as string);
    const text = r.sections.find((s) => s.name === '.text');
    expect(text).toBeDefined();
    const etext = syms.find((s) => s.name === 'runtime.etext')?.addr as number;
    expect(etext).toBeGreaterThan(0);
    // Each function runs to the next function's start (alignment padding included), the last to runtime.etext.
    const funcs = syms.filter((s) => (s.type === 'T' || s.type === 't') && s.addr < etext && s.name !== 'runtime.text');
    const starts = [...new Set(funcs.map((f) => f.addr))].sort((a, b) => a - b);
    const next = new Map(starts.map((a, i) => [a, starts[i + 1] ?? etext]));
    const oracle = new Map<string, number>();
    const firstAt = new Set<number>();
    for (const f of funcs) {
      if (firstAt.has(f.addr)) continue; // aliases share an address: count the range once
      firstAt.add(f.addr);
      const pkg = packageOf(f.name);
      oracle.set(pkg, (oracle.get(pkg) ?? 0) + ((next.get(f.addr) as number) - f.addr));
    }
    const ours = new Map(r.packages.map((p) => [p.name, p.sections['.text'] ?? 0]));
    const top = [...oracle].sort((a, b) => b[1] - a[1]).slice(0, 50);
    expect(top.length).toBeGreaterThan(5);
    for (const [pkg, bytes] of top) {
      if (pkg.startsWith('<')) continue; // buckets (asm without a package, C): named differently by nm
      expect(Math.abs((ours.get(pkg) ?? 0) - bytes), `${pkg}: goslim ${ours.get(pkg)} vs nm ${bytes}`).toBeLessThanOrEqual(bytes * 0.01);
    }
  });

  it.each(UNSTRIPPED)('%s: every package owns at least the file bytes go tool nm names for it', async (name) => {
    const r = report(name);
    const syms = await nm(bins.get(name) as string);
    // Only symbols with file bytes: nm types large zeroed tables in .noptrbss as D, so place them by section.
    const fileBacked = readElf(readFileSync(bins.get(name) as string)).sections.filter((s) => s.type !== 8 && (s.flags & 2) !== 0 && s.addr > 0);
    const inFile = (a: number, n: number): boolean => fileBacked.some((s) => a >= s.addr && a + n <= s.addr + s.size);
    const named = new Map<string, number>();
    for (const s of syms) {
      if (s.size === 0 || 'BbU'.includes(s.type) || !inFile(s.addr, s.size)) continue;
      const pkg = s.type === 'T' || s.type === 't' ? packageOf(s.name) : symbolPackage(s.name);
      named.set(pkg, (named.get(pkg) ?? 0) + s.size);
    }
    const ours = new Map(r.packages.map((p) => [p.name, p.size]));
    let checked = 0;
    for (const [pkg, bytes] of named) {
      if (pkg.startsWith('<')) continue; // buckets, not packages
      expect(ours.get(pkg) ?? 0, `${pkg}: goslim ${ours.get(pkg)} < nm ${bytes}`).toBeGreaterThanOrEqual(bytes);
      checked++;
    }
    expect(checked).toBeGreaterThan(10);
  });

  it.each([...UNSTRIPPED, ...STRIPPED])('%s: modules sum their packages; package sizes sum their sections', (name) => {
    const r = report(name);
    const bySize = new Map(r.packages.map((p) => [p.name, p.size]));
    for (const p of r.packages) expect(Object.values(p.sections).reduce((a, n) => a + n, 0)).toBe(p.size);
    for (const m of r.modules) expect(m.packages.reduce((a, p) => a + (bySize.get(p) as number), 0)).toBe(m.size);
    expect(r.modules.flatMap((m) => m.packages).sort()).toEqual(r.packages.map((p) => p.name).sort());
    for (let i = 1; i < r.modules.length; i++) expect(r.modules[i - 1]!.size).toBeGreaterThanOrEqual(r.modules[i]!.size);
    const a = r.attribution;
    expect(a.total).toBe(r.size);
    expect(a.attributed + a.unattributed).toBe(a.total);
    expect(a.sections.reduce((s, x) => s + x.size, 0)).toBe(a.total);
    // Nothing is attributed twice: packages plus overhead tiles equal the attributed bytes.
    const pk = r.packages.reduce((s, p) => s + p.size, 0);
    const oh = a.overhead.reduce((s, t) => s + t.size, 0);
    expect(pk + oh).toBe(a.attributed);
  });

  it.each(UNSTRIPPED)('%s: unattributed remainder within 5 % (unstripped)', (name) => {
    const a = report(name).attribution;
    console.log(`${name}: ${a.total} bytes, unattributed ${a.unattributed} (${((100 * a.unattributed) / a.total).toFixed(2)} %), estimated from references ${a.estimated} (${((100 * a.estimated) / a.total).toFixed(1)} %), method ${a.method}`);
    expect(a.method).toBe('symbols+references');
    expect(a.unattributed / a.total).toBeLessThanOrEqual(0.05);
  });

  it.each(STRIPPED)('%s: unattributed remainder within 15 % (stripped)', (name) => {
    const a = report(name).attribution;
    console.log(`${name}: ${a.total} bytes, unattributed ${a.unattributed} (${((100 * a.unattributed) / a.total).toFixed(2)} %), estimated from references ${a.estimated} (${((100 * a.estimated) / a.total).toFixed(1)} %), method ${a.method}`);
    expect(a.method).toBe('references');
    expect(a.unattributed / a.total).toBeLessThanOrEqual(0.15);
  });

  it('modules: main module, std, runtime and cgo/C; cmd/pprof\'s vendored modules derived from package paths', () => {
    const hello = report('hello.default').modules.map((m) => m.path);
    expect(hello).toEqual(expect.arrayContaining(['example.com/hello', 'example.com/greetlib', 'std', 'runtime']));
    const server = report('server.default').modules;
    expect(server.find((m) => m.path === 'cgo/C')?.packages).toContain('runtime/cgo');
    expect(server.find((m) => m.path === 'std')?.version).toBe(report('server.default').go?.version);
    const pprof = report('pprof.default').modules;
    const gp = pprof.find((m) => m.path === 'github.com/google/pprof');
    expect(gp?.version).toBe(NOT_IN_BUILD_INFO);
    expect(gp?.packages.every((p) => p.startsWith('cmd/vendor/github.com/google/pprof/'))).toBe(true);
    expect(pprof.find((m) => m.path === 'cmd')?.packages).toContain('main');
  });

  it.each(['webapp.default', 'webapp.sw'])('%s: embedded files equal the fixture\'s assets, with their sizes', (name) => {
    const dir = join(FIXTURE_SRC, 'webapp');
    const want: Array<{ name: string; size: number }> = [];
    const walk = (d: string): void => {
      for (const e of readdirSync(d)) {
        const p = join(d, e);
        if (statSync(p).isDirectory()) walk(p);
        else want.push({ name: relative(dir, p), size: statSync(p).size });
      }
    };
    walk(join(dir, 'assets'));
    const r = report(name);
    expect([...r.embedded].sort((a, b) => (a.name < b.name ? -1 : 1))).toEqual(want.sort((a, b) => (a.name < b.name ? -1 : 1)));
    const h = r.hints.find((x) => x.hint === 'embedded-assets');
    expect(h?.bytes).toBe(want.reduce((a, f) => a + f.size, 0));
    expect(report('hello.default').embedded).toEqual([]);
  });

  it('hints: debug endpoints with their sizes; heavy dependencies as shares; cgo beyond libc is not a cgo-off case', () => {
    const w = report('webapp.default');
    const d = w.hints.find((x) => x.hint === 'debug-endpoints');
    const size = (p: string): number => w.packages.find((x) => x.name === p)?.size ?? 0;
    expect(d?.bytes).toBe(size('net/http/pprof') + size('expvar'));
    expect(d?.items.map((i) => i.name)).toEqual(expect.arrayContaining(['net/http/pprof', 'expvar']));
    expect(d?.explain).toBe('goslim explain debug-endpoints');
    expect(report('server.default').hints.find((x) => x.hint === 'debug-endpoints')).toBeUndefined();

    const pprof = report('pprof.default');
    const heavy = pprof.hints.find((x) => x.hint === 'heavy-dependencies');
    const deps = pprof.modules.filter((m) => m.version === NOT_IN_BUILD_INFO);
    expect(heavy?.items[0]?.name).toBe(`${deps[0]?.path} ${NOT_IN_BUILD_INFO}`);
    expect(heavy?.items[0]?.bytes).toBe(deps[0]?.size);
    expect(heavy?.share).toBeCloseTo((heavy?.bytes ?? 0) / pprof.size, 10);
    // greetlib's 30 bytes in hello are no hint.
    expect(report('hello.default').hints.find((x) => x.hint === 'heavy-dependencies')).toBeUndefined();

    const z = report('cgozlib.default');
    expect(z.needed).toEqual(expect.arrayContaining(['libz.so.1', 'libc.so.6']));
    const lib = z.hints.find((x) => x.hint === 'cgo-libraries');
    expect(lib?.items.map((i) => i.name)).toEqual(['libz.so.1']);
    expect(z.findings.find((f) => f.lever === 'cgo-off')?.title).toContain('CGO_ENABLED=0 is not the fix');
    // libc alone is the ordinary cgo-off case.
    expect(report('server.default').hints.find((x) => x.hint === 'cgo-libraries')).toBeUndefined();
    expect(report('server.default').findings.find((f) => f.lever === 'cgo-off')?.title).not.toContain('not the fix');
  });

  it('attribution: false (image inspection, build) keeps the .text split and skips the rest', () => {
    const full = report('server.default');
    const lite = analyzeBinary(readFileSync(bins.get('server.default') as string), { attribution: false });
    expect(codeByPackage(lite)).toEqual(codeByPackage(full));
    expect(lite.attribution.method).toBe('text only (attribution off)');
    expect(lite.packages.every((p) => Object.keys(p.sections).join() === '.text')).toBe(true);
    expect(lite.findings).toEqual(full.findings);
  });

  it('files: code per source file sums to at most the Go code, and names real files', () => {
    const r = report('server.default');
    const sum = r.files.reduce((a, f) => a + f.size, 0);
    expect(sum).toBeLessThanOrEqual(r.code.attributed);
    expect(sum).toBeGreaterThan(r.code.attributed * 0.9);
    expect(r.files.some((f) => f.name.endsWith('/net/http/server.go'))).toBe(true);
  });
});
