/**
 * Truncation sweep: prefixes of real fixtures must fail with a typed goslim error,
 * never RangeError/TypeError. Prefix lengths: every length in the header region,
 * a prime stride elsewhere, and every boundary (start, end, +-1) of every section,
 * segment and header table. The inner tables (pclntab, build info) are swept too:
 * there any outcome except a non-goslim exception is acceptable.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, expect, it } from 'vitest';
import { buildFixtures, HELLO } from '../../test/fixtures/go/build-fixtures.js';
import { GoslimError } from '../errors.js';
import { analyzeBinary } from './analyze.js';
import { ByteView } from './bytes.js';
import { readBuildInfo } from './buildinfo.js';
import { readElf } from './elf.js';
import { parsePclntab } from './pclntab.js';
import { describeWithTools } from '../../test/helpers/tools.js';

const specs = [HELLO('sw', ['-ldflags=-s -w']), HELLO('mips', [], { GOARCH: 'mips', CGO_ENABLED: '0' })];
const files = new Map<string, Uint8Array>();

function boundaries(bytes: Uint8Array): number[] {
  const elf = readElf(bytes);
  const set = new Set<number>();
  for (let n = 0; n < Math.min(4096, bytes.length); n++) set.add(n);
  for (let n = 0; n < bytes.length; n += 4093) set.add(n);
  const add = (o: number): void => {
    for (const d of [-1, 0, 1]) if (o + d >= 0 && o + d < bytes.length) set.add(o + d);
  };
  for (const s of elf.sections.filter((x) => x.fileSize > 0)) {
    add(s.offset);
    add(s.offset + s.fileSize);
    add(s.offset + 16);
    add(s.offset + 40);
  }
  for (const s of elf.segments) {
    add(s.offset);
    add(s.offset + s.filesz);
  }
  // The program-header and section-header tables, entry by entry.
  const v = new ByteView(bytes, bytes[5] === 1);
  const is64 = elf.class === 64;
  const phoff = is64 ? v.u64(32) : v.u32(28);
  const shoff = is64 ? v.u64(40) : v.u32(32);
  for (let i = 0; i <= elf.segments.length; i++) add(phoff + i * (is64 ? 56 : 32));
  for (let i = 0; i <= elf.sections.length; i++) add(shoff + i * (is64 ? 64 : 40));
  return [...set].sort((a, b) => a - b);
}

function outcome(fn: () => unknown): 'ok' | 'goslim' {
  try {
    fn();
    return 'ok';
  } catch (err) {
    if (err instanceof GoslimError) return 'goslim';
    throw err; // RangeError, TypeError, ...: the test fails with the real stack
  }
}

describeWithTools(['go'], 'truncation sweep', () => {
  beforeAll(async () => {
    for (const [k, v] of await buildFixtures(specs)) files.set(k, readFileSync(v));
  }, 900_000);

  it.each(specs.map((s) => s.name))('every tested prefix of %s raises a goslim error', (name) => {
    const bytes = files.get(name) as Uint8Array;
    // Bytes past the last declared extent are page padding no header describes: a prefix that
    // drops only padding is indistinguishable from a complete file, and may analyze fine.
    const elf = readElf(bytes);
    const declared = Math.max(
      ...elf.sections.filter((s) => s.fileSize > 0).map((s) => s.offset + s.fileSize),
      ...elf.segments.map((s) => s.offset + s.filesz),
    );
    expect(bytes.length - declared).toBeLessThan(4096);
    const lens = boundaries(bytes).filter((n) => n < declared);
    const codes = new Map<string, number>();
    for (const n of lens) {
      let code = 'none';
      try {
        analyzeBinary(bytes.subarray(0, n));
      } catch (err) {
        if (!(err instanceof GoslimError)) throw err;
        code = err.code;
      }
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
    expect(codes.get('none')).toBeUndefined();
    expect(codes.get('E_TRUNCATED')).toBeGreaterThan(lens.length * 0.9);
    expect(lens.length).toBeGreaterThan(4096);
    // The whole file, and the file without its trailing padding, still work.
    expect(analyzeBinary(bytes).go?.version).toMatch(/^go1\./);
    expect(analyzeBinary(bytes.subarray(0, declared)).strip).toEqual(analyzeBinary(bytes).strip);
  });

  it.each(specs.map((s) => s.name))('pclntab and build-info prefixes of %s never escape as non-goslim errors', (name) => {
    const bytes = files.get(name) as Uint8Array;
    const elf = readElf(bytes);
    const pcln = elf.sections.find((s) => s.name.endsWith('gopclntab')) ?? expect.fail('no pclntab');
    const table = bytes.subarray(pcln.offset, pcln.offset + pcln.fileSize);
    const full = parsePclntab(table);
    const v = new ByteView(table, full.littleEndian);
    const w = (i: number): number => v.word(8 + i * full.ptrSize, full.ptrSize);
    const points = new Set<number>();
    for (let n = 0; n <= 8 + 8 * full.ptrSize + 8; n++) points.add(n);
    for (let i = 0; i < 8; i++) {
      const o = w(i);
      for (const d of [-1, 0, 1, 4, 8]) if (o + d >= 0 && o + d <= table.length) points.add(o + d);
    }
    for (let n = 0; n <= table.length; n += 997) points.add(n);
    const functab = w(7);
    for (let k = 0; k < 256; k++) points.add(Math.min(table.length, functab + k * 4));
    let ok = 0;
    for (const n of points) if (outcome(() => parsePclntab(table.subarray(0, n), true)) === 'ok') ok++;
    // Only prefixes that keep every record the parser reads can succeed.
    expect(ok).toBeLessThan(points.size / 10);

    const bi = elf.sections.find((s) => s.name === '.go.buildinfo') ?? expect.fail('no .go.buildinfo');
    const blob = bytes.subarray(bi.offset, bi.offset + bi.fileSize);
    for (let n = 0; n <= blob.length; n++) {
      const view = new ByteView(blob.subarray(0, n), true);
      outcome(() => readBuildInfo({ file: view, ranges: [{ offset: 0, size: n }], rodata: [], vaToOffset: () => undefined }));
    }
  });
});
