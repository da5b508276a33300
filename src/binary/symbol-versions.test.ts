/**
 * ELF symbol versions (issue 15): `.gnu.version_r` needs and `.gnu.version_d` definitions,
 * read from real binaries (the host's glibc, a cgo Go binary built here) and checked against
 * binutils' readelf; and hand-made tables, well-formed and malformed.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildFixture } from '../../test/fixtures/go/build-fixtures.js';
import { buildElf } from '../../test/fixtures/go/elf-builder.js';
import { describeWithTools } from '../../test/helpers/tools.js';
import { GoslimError } from '../errors.js';
import { analyzeBinary } from './analyze.js';
import { readElf } from './elf.js';
import { compareVersionNames, newestVersion, unmetVersions, versionNeeds } from './symbol-versions.js';

/** readelf -V's view: needs per file ("File: libc.so.6  Cnt: 4" then "Name: GLIBC_2.34 ...") and definitions. */
function readelfVersions(path: string): { needed: Map<string, string[]>; defined: string[] } {
  const text = execFileSync('readelf', ['-V', '-W', path], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const needed = new Map<string, string[]>();
  const defined: string[] = [];
  let section = '';
  let file = '';
  for (const line of text.split('\n')) {
    const sec = /^Version (needs|definition) section/.exec(line);
    if (sec) section = sec[1]!;
    else if (/^Version symbols section/.test(line)) section = '';
    if (section === 'needs') {
      const f = /File: (\S+)/.exec(line);
      if (f) needed.set((file = f[1]!), []);
      const n = /Name: (\S+)/.exec(line);
      if (n && !f) needed.get(file)!.push(n[1]!);
    } else if (section === 'definition') {
      // "  0x001c: Rev: 1  Flags: BASE  Index: 1  Cnt: 1  Name: libc.so.6" then "  0x0038: Parent 1: ..."
      const d = /Rev: \d+\s+Flags: (\S+)\s+Index: \d+\s+Cnt: \d+\s+Name: (\S+)/.exec(line);
      if (d && d[1] !== 'BASE') defined.push(d[2]!);
    }
  }
  return { needed, defined };
}

describe('version names', () => {
  it('order by their numbers, not as strings', () => {
    const v = ['GLIBC_2.34', 'GLIBC_2.2.5', 'GLIBC_2.17', 'GLIBC_2.3.2', 'GLIBC_2.3'];
    expect([...v].sort(compareVersionNames)).toEqual(['GLIBC_2.2.5', 'GLIBC_2.3', 'GLIBC_2.3.2', 'GLIBC_2.17', 'GLIBC_2.34']);
  });
  it('the newest is the highest of the main family; GLIBC_PRIVATE is no release', () => {
    expect(newestVersion(['GLIBC_2.2.5', 'GLIBC_PRIVATE', 'GLIBC_2.35', 'GLIBC_2.3'])).toBe('GLIBC_2.35');
    expect(newestVersion(['GCC_3.0', 'GCC_4.2.0', 'GLIBC_2.2.5'])).toBe('GCC_4.2.0');
    expect(newestVersion(['GLIBC_PRIVATE'])).toBe('GLIBC_PRIVATE');
  });
  it('unmet needs against a definition list', () => {
    expect(unmetVersions(['GLIBC_2.34', 'GLIBC_2.2.5', 'GLIBC_2.32'], ['GLIBC_2.2.5', 'GLIBC_2.31'])).toEqual(['GLIBC_2.32', 'GLIBC_2.34']);
    expect(versionNeeds([{ file: 'libc.so.6', versions: ['GLIBC_2.34', 'GLIBC_2.2.5', 'GLIBC_2.34'] }])).toEqual([
      { name: 'libc.so.6', versions: ['GLIBC_2.2.5', 'GLIBC_2.34'], newest: 'GLIBC_2.34' },
    ]);
  });
});

describeWithTools(['go', 'gcc', 'readelf'], 'symbol versions of real binaries, against readelf -V', () => {
  let server: string;
  beforeAll(async () => {
    server = await buildFixture({ name: 'server.default', program: 'server' });
  });

  it('a cgo Go binary built on Debian 12 needs GLIBC_2.34 from libc.so.6 (Go 1.19 runtime/cgo)', () => {
    const elf = readElf(readFileSync(server));
    const oracle = readelfVersions(server);
    expect(elf.versionsNeeded.map((n) => [n.file, [...n.versions].sort()])).toEqual([...oracle.needed].map(([f, v]) => [f, [...v].sort()]));
    const r = analyzeBinary(readFileSync(server), { path: server });
    const libc = r.versions.needed.find((n) => n.name === 'libc.so.6')!;
    expect(libc.newest).toBe('GLIBC_2.34');
    expect(libc.versions).toContain('GLIBC_2.2.5');
    expect(r.versions.defined).toEqual([]);
    expect(r.needed).toEqual(['libc.so.6']); // DT_NEEDED names stay a list of strings
  });

  it("the host's libc.so.6 defines its versions (.gnu.version_d), the newest being its own release", () => {
    const path = '/lib/x86_64-linux-gnu/libc.so.6';
    const elf = readElf(readFileSync(path));
    const oracle = readelfVersions(path);
    expect(elf.versionsDefined).toEqual(oracle.defined);
    const release = /release version (\d+\.\d+)/.exec(execFileSync(path, { encoding: 'utf8' }))![1]!;
    expect(newestVersion(elf.versionsDefined)).toBe(`GLIBC_${release}`);
    // libc.so.6 itself needs versions from the loader.
    expect(elf.versionsNeeded.map((n) => n.file)).toEqual([...oracle.needed.keys()]);
  });

  it('a C program with needs from two libraries (bash: libtinfo and libc)', () => {
    const elf = readElf(readFileSync('/usr/bin/bash'));
    const oracle = readelfVersions('/usr/bin/bash');
    expect(new Map(elf.versionsNeeded.map((n) => [n.file, n.versions]))).toEqual(oracle.needed);
  });
});

/** A dynamic ELF64 with the given .gnu.version_r / .gnu.version_d bytes, both mapped by PT_LOAD. */
function withVersionTables(strs: Buffer, verneed: Buffer | undefined, verdef: Buffer | undefined, counts: { need?: number; def?: number } = {}): Uint8Array {
  const ent: Array<[bigint, bigint]> = [[1n, 1n], [5n, 0x2000n], [10n, BigInt(strs.length)]];
  if (verneed) ent.push([0x6ffffffen, 0x4000n], [0x6fffffffn, BigInt(counts.need ?? 1)]);
  if (verdef) ent.push([0x6ffffffcn, 0x5000n], [0x6ffffffdn, BigInt(counts.def ?? 1)]);
  ent.push([0n, 0n]);
  const dyn = Buffer.alloc(16 * ent.length);
  ent.forEach(([t, v], i) => {
    dyn.writeBigUInt64LE(t, i * 16);
    dyn.writeBigUInt64LE(v, i * 16 + 8);
  });
  const sections = [
    { name: '.interp', flags: 2, addr: 0x1000, data: Buffer.from('/lib64/ld-linux-x86-64.so.2\0') },
    { name: '.dynstr', type: 3, flags: 2, addr: 0x2000, data: strs },
    { name: '.dynamic', type: 6, flags: 3, addr: 0x3000, data: dyn },
    ...(verneed ? [{ name: '.gnu.version_r', type: 0x6ffffffe, flags: 2, addr: 0x4000, data: verneed }] : []),
    ...(verdef ? [{ name: '.gnu.version_d', type: 0x6ffffffd, flags: 2, addr: 0x5000, data: verdef }] : []),
  ];
  return buildElf({
    cls: 64,
    le: true,
    sections,
    segments: [
      { type: 3, flags: 4, section: '.interp' },
      { type: 1, flags: 4, section: '.dynstr' },
      { type: 2, flags: 6, section: '.dynamic' },
      ...(verneed ? [{ type: 1, flags: 4, section: '.gnu.version_r' }] : []),
      ...(verdef ? [{ type: 1, flags: 4, section: '.gnu.version_d' }] : []),
    ],
  });
}

// "\0libc.so.6\0GLIBC_2.2.5\0GLIBC_2.34\0libc.so.6 base\0": offsets 1, 11, 23
const STRS = Buffer.from('\0libc.so.6\0GLIBC_2.2.5\0GLIBC_2.34\0', 'latin1');
const verneed = (opts: { version?: number; cnt?: number; aux?: number; next2?: number; name2?: number } = {}): Buffer => {
  const b = Buffer.alloc(16 + 32);
  b.writeUInt16LE(opts.version ?? 1, 0);
  b.writeUInt16LE(opts.cnt ?? 2, 2);
  b.writeUInt32LE(1, 4); // vn_file: libc.so.6
  b.writeUInt32LE(opts.aux ?? 16, 8);
  b.writeUInt32LE(0, 12);
  b.writeUInt32LE(11, 16 + 8); // GLIBC_2.2.5
  b.writeUInt32LE(opts.next2 ?? 16, 16 + 12);
  b.writeUInt32LE(opts.name2 ?? 23, 32 + 8); // GLIBC_2.34
  b.writeUInt32LE(0, 32 + 12);
  return b;
};
const verdef = (opts: { cnt?: number; next?: number } = {}): Buffer => {
  // BASE entry (libc.so.6) then GLIBC_2.2.5, each a 20-byte Verdef and an 8-byte Verdaux.
  const b = Buffer.alloc(56);
  const def = (o: number, flags: number, name: number, next: number): void => {
    b.writeUInt16LE(1, o);
    b.writeUInt16LE(flags, o + 2);
    b.writeUInt16LE(o === 0 ? 1 : 2, o + 4);
    b.writeUInt16LE(opts.cnt ?? 1, o + 6);
    b.writeUInt32LE(20, o + 12);
    b.writeUInt32LE(next, o + 16);
    b.writeUInt32LE(name, o + 20);
  };
  def(0, 1, 1, opts.next ?? 28);
  def(28, 0, 11, 0);
  return b;
};

describe('hand-made version tables', () => {
  it('reads needs and definitions through DT_VERNEED / DT_VERDEF', () => {
    const elf = readElf(withVersionTables(STRS, verneed(), verdef(), { def: 2 }));
    expect(elf.versionsNeeded).toEqual([{ file: 'libc.so.6', versions: ['GLIBC_2.2.5', 'GLIBC_2.34'] }]);
    expect(elf.versionsDefined).toEqual(['GLIBC_2.2.5']);
  });

  const malformed: Array<[string, () => Uint8Array]> = [
    ['an unknown vn_version', () => withVersionTables(STRS, verneed({ version: 2 }), undefined)],
    ['a Vernaux offset past the table', () => withVersionTables(STRS, verneed({ aux: 4096 }), undefined)],
    ['a vna_next past the table', () => withVersionTables(STRS, verneed({ next2: 1 << 20 }), undefined)],
    ['a name offset past .dynstr', () => withVersionTables(STRS, verneed({ name2: 9999 }), undefined)],
    ['a vn_next past the table', () => {
      const b = verneed();
      b.writeUInt32LE(0xfffffff0, 12);
      return withVersionTables(STRS, b, undefined, { need: 2 });
    }],
    ['a Verdef with no name (vd_cnt 0)', () => withVersionTables(STRS, undefined, verdef({ cnt: 0 }), { def: 2 })],
    ['a vd_next past the table', () => withVersionTables(STRS, undefined, verdef({ next: 1 << 20 }), { def: 2 })],
  ];
  for (const [what, make] of malformed) {
    it(`${what} is E_MALFORMED`, () => {
      const bytes = make();
      expect(() => readElf(bytes)).toThrow(GoslimError);
      try {
        readElf(bytes);
      } catch (err) {
        expect((err as GoslimError).code).toBe('E_MALFORMED');
      }
    });
  }

  it('a declared count beyond the 15-bit version index is refused by its limit', () => {
    const bytes = withVersionTables(STRS, verneed(), undefined, { need: 1 << 20 });
    expect(() => readElf(bytes)).toThrow(expect.objectContaining({ code: 'E_LIMIT' }));
  });
});
