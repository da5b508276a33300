/**
 * Mach-O and PE: real darwin/arm64 and windows/amd64 builds of the hello fixture
 * (cross-compiled by Debian's Go), checked against `go version -m` and against the
 * real -s -w builds; plus a hand-made fat (universal) wrapper and a prefix sweep.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildFixtures, FOREIGN, haveGo } from '../../test/fixtures/go/build-fixtures.js';
import { goVersionM } from '../../test/fixtures/go/oracles.js';
import { GoslimError } from '../errors.js';
import { analyzeBinary } from './analyze.js';
import type { BinaryReport } from './types.js';

const goAvailable = await haveGo();
const bytes = new Map<string, Buffer>();
const paths = new Map<string, string>();
const report = (n: string): BinaryReport => analyzeBinary(bytes.get(n) as Buffer, { path: n });

describe.skipIf(!goAvailable)('Mach-O and PE', () => {
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
    // Sections are FileAlignment (512) multiples; -s keeps one empty unit of .symtab.
    expect(Math.abs(real - r.strip.total)).toBeLessThanOrEqual(512);
    console.log(`windows/amd64: strip predicted ${r.strip.total}, real -s -w difference ${real}`);
  });

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
    expect({ ...r, size: 0, layout: null, path: null }).toEqual({ ...t, size: 0, layout: null, path: null });
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
