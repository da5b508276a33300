/**
 * Mach-O and PE: real darwin/arm64 and windows/amd64 builds of the hello fixture
 * (cross-compiled by Debian's Go), checked against `go version -m` and against the
 * real -s -w builds; plus a hand-made fat (universal) wrapper and a prefix sweep.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, expect, it } from 'vitest';
import { buildFixtures, FIXTURE_SRC, FOREIGN, goEnv } from '../../test/fixtures/go/build-fixtures.js';
import { goVersionM } from '../../test/fixtures/go/oracles.js';
import { GoslimError } from '../errors.js';
import { analyzeBinary } from './analyze.js';
import type { BinaryReport } from './types.js';
import { describeWithTools } from '../../test/helpers/tools.js';

const run = promisify(execFile);

interface PeStripAccount {
  /** Raw bytes of the sections -s -w drops, plus what it cuts from .symtab. */
  removed: number;
  /** On-disk growth of the sections both builds have (other than .symtab) and of the headers. */
  grown: number;
  fileAlignment: number;
}

/** Section-table accounting of a PE pair (unstripped, -s -w), from the two files' own headers. */
function peStripAccount(u: Buffer, s: Buffer): PeStripAccount {
  // Read straight from the COFF headers (PE Format spec), independent of goslim's reader.
  const table = (b: Buffer): { headers: number; align: number; sections: Map<string, number> } => {
    const pe = b.readUInt32LE(0x3c);
    const coff = pe + 4;
    const nsections = b.readUInt16LE(coff + 2);
    const strtab = b.readUInt32LE(coff + 8) + b.readUInt32LE(coff + 12) * 18;
    const opt = coff + 20;
    const first = opt + b.readUInt16LE(coff + 16);
    const sections = new Map<string, number>();
    let headers = b.length;
    for (let i = 0; i < nsections; i++) {
      const o = first + i * 40;
      let name = b.subarray(o, o + 8).toString('latin1').replace(/\0.*$/s, '');
      if (name.startsWith('/')) {
        const at = strtab + Number(name.slice(1));
        name = b.subarray(at, b.indexOf(0, at)).toString('latin1');
      }
      const raw = b.readUInt32LE(o + 16);
      if (raw > 0) headers = Math.min(headers, b.readUInt32LE(o + 20));
      sections.set(name, raw);
    }
    return { headers, align: b.readUInt32LE(opt + 36), sections };
  };
  const tu = table(u);
  const ts = table(s);
  let removed = 0;
  let grown = ts.headers - tu.headers;
  for (const [name, size] of tu.sections) {
    const after = ts.sections.get(name);
    if (after === undefined) removed += size;
    else if (name === '.symtab') removed += size - after;
    else grown += after - size;
  }
  for (const [name, size] of ts.sections) if (!tu.sections.has(name)) grown += size;
  return { removed, grown, fileAlignment: tu.align };
}

/** The prediction is exactly what -s -w removes; the real difference is that less the growth. */
function expectExactAccount(r: BinaryReport, a: PeStripAccount, real: number): void {
  expect(a.fileAlignment).toBe(512);
  expect(r.strip.total).toBe(a.removed);
  expect(real).toBe(r.strip.total - a.grown);
  // The only growth: the stripped build's build info carries one more setting (-ldflags), which
  // can push .rdata over one FileAlignment boundary, never more.
  expect([0, a.fileAlignment]).toContain(a.grown);
}
const bytes = new Map<string, Buffer>();
const paths = new Map<string, string>();
const report = (n: string): BinaryReport => analyzeBinary(bytes.get(n) as Buffer, { path: n });

describeWithTools(['go'], 'Mach-O and PE', () => {
  beforeAll(async () => {
    for (const [k, v] of await buildFixtures(FOREIGN)) {
      paths.set(k, v);
      bytes.set(k, readFileSync(v));
    }
  }, 900_000);

  it.each(FOREIGN.map((s) => s.name))('%s: build info equals `go version -m`', async (name) => {
    const r = report(name);
    const o = await goVersionM(paths.get(name) as string);
    expect(r.go?.version).toBe(o.version);
    expect(r.go?.path).toBe(o.path);
    expect(r.go?.settings).toEqual(o.settings);
    expect(r.go?.deps.map((d) => [d.path, d.version, d.replace?.path ?? null])).toEqual(
      o.deps.map((d) => [d.fields[0], d.fields[1], d.replace?.[0] ?? null]),
    );
    expect(r.go?.buildInfo).toBe('inline');
    expect(r.linking).toBe('dynamic');
  });

  it('Mach-O: arch, dyld, libSystem, sections by segment, pclntab packages, DWARF strip figure', () => {
    const r = report('hello.darwin-arm64');
    expect(r).toMatchObject({ format: 'macho', arch: 'arm64', class: 64, endian: 'little', type: 'exec', interpreter: '/usr/lib/dyld' });
    expect(r.needed).toContain('/usr/lib/libSystem.B.dylib');
    expect(r.sections.map((s) => s.name)).toEqual(expect.arrayContaining(['__TEXT,__text', '__DATA_CONST,__gopclntab', '__DATA,__go_buildinfo']));
    expect(r.sections.some((s) => s.name.startsWith('__DWARF,__zdebug_') && s.compressed)).toBe(true);
    expect(r.code.attributed).toBe(r.code.text);
    expect(r.packages[0]?.name).toBe('runtime');
    expect(r.trimpath.leakedPaths).toBeGreaterThan(100);
    const sw = report('hello.darwin-arm64.sw');
    expect(sw.strip.total).toBe(0);
    const real = (bytes.get('hello.darwin-arm64')?.length ?? 0) - (bytes.get('hello.darwin-arm64.sw')?.length ?? 0);
    // -s keeps LC_SYMTAB on darwin (Go 1.19); the rest of the difference is the code signature shrinking.
    expect(real).toBeGreaterThanOrEqual(r.strip.total);
    expect((real - r.strip.total) / real).toBeLessThan(0.03);
    console.log(`darwin/arm64: strip predicted ${r.strip.total} (DWARF), real -s -w difference ${real}`);
  });

  it('PE: arch, sections with long names, pclntab found by scanning .rdata, strip figure', () => {
    const r = report('hello.windows-amd64');
    expect(r).toMatchObject({ format: 'pe', arch: 'amd64', class: 64, endian: 'little', type: 'exec' });
    expect(r.sections.map((s) => s.name)).toEqual(expect.arrayContaining(['.text', '.rdata', '.data', '.zdebug_info', '.symtab']));
    expect(r.go?.pclntab?.functions).toBeGreaterThan(1000);
    expect(r.code.text - r.code.attributed).toBeLessThan(512); // .text is padded to FileAlignment
    const sw = report('hello.windows-amd64.sw');
    expect(sw.strip.total).toBe(0);
    const real = (bytes.get('hello.windows-amd64')?.length ?? 0) - (bytes.get('hello.windows-amd64.sw')?.length ?? 0);
    const a = peStripAccount(bytes.get('hello.windows-amd64') as Buffer, bytes.get('hello.windows-amd64.sw') as Buffer);
    expectExactAccount(r, a, real);
    console.log(`windows/amd64: strip predicted ${r.strip.total}, real -s -w difference ${real} (kept sections grew ${a.grown} bytes on disk)`);
  });

  // The figure depends on where the checkout is: without -trimpath the source paths are in
  // .rdata, and the stripped build's build info is one setting longer (-ldflags="-s -w", 32 bytes
  // of .rdata), which costs one more 512-byte FileAlignment unit when .rdata ends within 32
  // bytes of a unit boundary. Go 1.19: source directories of 36-48 characters do that for hello.
  // This is what made the old ±512 test fail in some CI clones and not others.
  it('PE: the strip figure is exact up to the build-info growth, wherever the sources are', async () => {
    const base = await mkdtemp(join(tmpdir(), 'goslim-pe-'));
    try {
      const results: Array<{ dirLength: number; grown: number }> = [];
      for (const dirLength of [30, 42, 54]) {
        const pad = dirLength - base.length - 1;
        if (pad < 1) continue;
        const dir = join(base, 'p'.repeat(pad));
        await cp(join(FIXTURE_SRC, 'hello'), join(dir, 'hello'), { recursive: true });
        await cp(join(FIXTURE_SRC, 'greetlib'), join(dir, 'greetlib'), { recursive: true });
        const env = goEnv({ GOOS: 'windows', GOARCH: 'amd64', CGO_ENABLED: '0' });
        const out = (n: string): string => join(dir, n);
        await run('go', ['build', '-buildvcs=false', '-o', out('u.exe'), '.'], { cwd: join(dir, 'hello'), env });
        await run('go', ['build', '-buildvcs=false', '-ldflags=-s -w', '-o', out('s.exe'), '.'], { cwd: join(dir, 'hello'), env });
        const u = readFileSync(out('u.exe'));
        const s = readFileSync(out('s.exe'));
        const a = peStripAccount(u, s);
        expectExactAccount(analyzeBinary(u), a, u.length - s.length);
        results.push({ dirLength, grown: a.grown });
      }
      expect(results.length).toBeGreaterThan(0);
      for (const x of results) expect([0, 512]).toContain(x.grown);
      const goVersion = (await run('go', ['version'])).stdout;
      if (/\bgo1\.19\b/.test(goVersion) && results.length === 3) {
        // The measured layout of Go 1.19 (Debian 12): only the middle length crosses a unit.
        expect(results.map((x) => x.grown)).toEqual([0, 512, 0]);
      }
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  }, 300_000);

  it('a fat (universal) file is analyzed through its first architecture', () => {
    const thin = bytes.get('hello.darwin-arm64') as Buffer;
    const off = 0x4000;
    const fat = Buffer.alloc(off + thin.length);
    fat.writeUInt32BE(0xcafebabe, 0);
    fat.writeUInt32BE(1, 4);
    fat.writeUInt32BE(0x0100000c, 8);
    fat.writeUInt32BE(0, 12);
    fat.writeUInt32BE(off, 16);
    fat.writeUInt32BE(thin.length, 20);
    fat.writeUInt32BE(14, 24);
    thin.copy(fat, off);
    const r = analyzeBinary(fat);
    const t = report('hello.darwin-arm64');
    // The fat header is file bytes the thin file does not have: only the whole-file totals differ.
    expect({ ...r, size: 0, layout: null, path: null, attribution: null, hints: null }).toEqual({ ...t, size: 0, layout: null, path: null, attribution: null, hints: null });
    expect(r.hints.map((h) => [h.id, h.bytes])).toEqual(t.hints.map((h) => [h.id, h.bytes]));
    expect(r.attribution.unattributed).toBe(t.attribution.unattributed);
  });

  it.each(['hello.darwin-arm64.sw', 'hello.windows-amd64.sw'])('prefixes of %s raise goslim errors only', (name) => {
    const b = bytes.get(name) as Buffer;
    let truncated = 0;
    let total = 0;
    for (let n = 0; n < b.length; n += n < 8192 ? 1 : 2039) {
      total++;
      try {
        analyzeBinary(b.subarray(0, n));
      } catch (err) {
        if (!(err instanceof GoslimError)) throw err;
        if (err.code === 'E_TRUNCATED') truncated++;
      }
    }
    expect(truncated / total).toBeGreaterThan(0.95);
  });
});
