/**
 * Seeds for the binary fuzz targets: real Go executables built at test time by
 * test/fixtures/go/build-fixtures.ts (cached under test/.work; Go comes from
 * scripts/install-deps.sh, so a missing toolchain fails loudly instead of skipping), small
 * hand-made ELFs, and for each seed the regions a reader trusts (headers, tables, section starts).
 */
import { readFileSync } from 'node:fs';
import { buildFixture, FOREIGN, HELLO } from '../fixtures/go/build-fixtures.js';
import { buildElf, buildPclntab, inlineBuildInfo, pointerFormatElf } from '../fixtures/go/elf-builder.js';
import { readElf } from '../../src/binary/elf.js';
import { readMachO } from '../../src/binary/macho.js';
import { readPE } from '../../src/binary/pe.js';
import type { Executable } from '../../src/binary/exe.js';
import type { Region } from './mutate.js';

export interface Seed {
  name: string;
  bytes: Uint8Array;
  regions: Region[];
}

const MODINFO = 'path\texample.com/hello\nmod\texample.com/hello\t(devel)\t\ndep\tgolang.org/x/text\tv0.7.0\th1:abc=\nbuild\t-trimpath=true\nbuild\tCGO_ENABLED=0\n';

/** Header, program and section header tables, and the first 64 bytes of every section. */
export function elfRegions(bytes: Uint8Array): Region[] {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const is64 = b[4] === 2;
  const le = b[5] === 1;
  const u16 = (o: number): number => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
  const u32 = (o: number): number => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const u64 = (o: number): number => Number(le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o));
  const phoff = is64 ? u64(32) : u32(28);
  const shoff = is64 ? u64(40) : u32(32);
  const [phentsize, phnum, shentsize, shnum] = is64 ? [u16(54), u16(56), u16(58), u16(60)] : [u16(42), u16(44), u16(46), u16(48)];
  const regions: Region[] = [{ offset: 0, size: is64 ? 64 : 52 }, { offset: phoff, size: phentsize * phnum }, { offset: shoff, size: shentsize * shnum }];
  for (const s of readElf(bytes).sections) if (s.fileSize > 0) regions.push({ offset: s.offset, size: Math.min(64, s.fileSize) });
  regions.push({ offset: 0, size: bytes.length });
  return regions.filter((r) => r.size > 0 && r.offset < bytes.length);
}

/** Load commands or headers (first 4 KiB), section starts, build info and pclntab headers. */
export function exeRegions(bytes: Uint8Array, exe: Executable): Region[] {
  const regions: Region[] = [{ offset: 0, size: Math.min(4096, bytes.length) }];
  for (const s of exe.sections) if (s.fileSize > 0) regions.push({ offset: s.offset, size: Math.min(64, s.fileSize) });
  for (const r of exe.buildInfo.ranges) regions.push({ offset: r.offset, size: Math.min(64, r.size) });
  if (exe.pclntab) regions.push({ offset: exe.pclntab.offset, size: Math.min(128, exe.pclntab.fileSize) });
  regions.push({ offset: 0, size: bytes.length });
  return regions.filter((r) => r.size > 0 && r.offset < bytes.length);
}

/** Small hand-made ELFs: plain, pointer-format build info (32/64, both byte orders), inline build info + pclntab. */
export function handmadeElfs(): Seed[] {
  const text = new Uint8Array(64).fill(0x90);
  const pcln = buildPclntab('1.20', [{ name: 'main.main', size: 32 }, { name: 'runtime.goexit', size: 32 }], ['/src/main.go'], { textStart: 0x401000 });
  const list: Array<[string, Uint8Array]> = [
    ['plain', buildElf({ cls: 64, le: true, sections: [{ name: '.text', flags: 6, addr: 0x401000, data: text }] })],
    ['pointer-64le', pointerFormatElf(64, true, 'go1.17', MODINFO)],
    ['pointer-32be', pointerFormatElf(32, false, 'go1.16', MODINFO, 8)],
    [
      'inline+pclntab',
      buildElf({
        cls: 64,
        le: true,
        sections: [
          { name: '.text', flags: 6, addr: 0x401000, data: text },
          { name: '.gopclntab', flags: 2, addr: 0x500000, data: pcln },
          { name: '.go.buildinfo', flags: 3, addr: 0x600000, data: inlineBuildInfo('go1.22.1', MODINFO) },
        ],
        segments: [
          { type: 1, flags: 5, section: '.text' },
          { type: 1, flags: 4, section: '.gopclntab' },
          { type: 1, flags: 6, section: '.go.buildinfo' },
        ],
      }),
    ],
  ];
  return list.map(([name, bytes]) => ({ name, bytes, regions: elfRegions(bytes) }));
}

async function real(spec: ReturnType<typeof HELLO>, kind: 'elf' | 'macho' | 'pe'): Promise<Seed> {
  const bytes = new Uint8Array(readFileSync(await buildFixture(spec)));
  const regions = kind === 'elf' ? elfRegions(bytes) : exeRegions(bytes, kind === 'macho' ? readMachO(bytes) : readPE(bytes));
  return { name: spec.name, bytes, regions };
}

/** Real Go ELFs: stripped, with symbols and DWARF, PIE, and a copy without section headers (pclntab found by scanning). */
export async function realElfs(): Promise<Seed[]> {
  const seeds = await Promise.all([real(HELLO('sw', ['-ldflags=-s -w']), 'elf'), real(HELLO('default'), 'elf'), real(HELLO('pie', ['-buildmode=pie']), 'elf')]);
  const noSections = Uint8Array.from(seeds[0]!.bytes);
  const b = Buffer.from(noSections.buffer);
  b.writeBigUInt64LE(0n, 40); // e_shoff
  b.writeUInt16LE(0, 60); // e_shnum
  b.writeUInt16LE(0, 62); // e_shstrndx
  seeds.push({ name: 'sw-no-section-headers', bytes: noSections, regions: elfRegions(noSections).concat(seeds[0]!.regions.slice(3)) });
  return seeds;
}

export async function realForeign(kind: 'macho' | 'pe'): Promise<Seed[]> {
  const specs = FOREIGN.filter((s) => (kind === 'macho' ? s.name.includes('darwin') : s.name.includes('windows')));
  return Promise.all(specs.map((s) => real(s, kind)));
}
