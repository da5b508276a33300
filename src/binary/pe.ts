/**
 * Minimal PE/COFF reader (Microsoft "PE Format" specification): COFF header,
 * optional-header ImageBase, section table with long names from the COFF string
 * table. Go's PE files have no pclntab section; it is found by scanning .rdata.
 */
import { MalformedInputError, UnsupportedFormatError } from '../errors.js';
import { ByteView } from './bytes.js';
import type { Range } from './buildinfo.js';
import type { ExeSection, Executable } from './exe.js';

const MACHINES: Record<number, [string, string]> = {
  0x14c: ['i386', '386'],
  0x8664: ['x86-64', 'amd64'],
  0x1c4: ['armnt', 'arm'],
  0xaa64: ['arm64', 'arm64'],
};

interface PeSection extends ExeSection {
  rva: number;
  virtualSize: number;
  characteristics: number;
}

export function readPE(bytes: Uint8Array): Executable {
  const f = new ByteView(bytes, true, 'truncated', 'PE');
  if (f.u16(0) !== 0x5a4d) throw new UnsupportedFormatError('not a PE file');
  const pe = f.u32(0x3c);
  if (f.u32(pe) !== 0x00004550) throw new UnsupportedFormatError('not a PE file (no PE signature)');
  const coff = pe + 4;
  const machineId = f.u16(coff);
  const nsections = f.u16(coff + 2);
  const symPtr = f.u32(coff + 8);
  const nsyms = f.u32(coff + 12);
  const optSize = f.u16(coff + 16);
  const characteristics = f.u16(coff + 18);
  const opt = coff + 20;
  const optMagic = optSize >= 2 ? f.u16(opt) : 0;
  if (optMagic !== 0x10b && optMagic !== 0x20b) throw new MalformedInputError(`PE: optional header magic 0x${optMagic.toString(16)}`);
  const is64 = optMagic === 0x20b;
  const imageBase = is64 ? f.u64(opt + 24, 'ImageBase') : f.u32(opt + 28);
  // FileAlignment (same offset in PE32 and PE32+): raw section sizes are multiples of it.
  const fileAlignment = optSize >= 40 ? f.u32(opt + 36) : 0;
  const table = opt + optSize;
  f.check(table, nsections * 40);
  // Long section names are "/<decimal offset>" into the string table after the COFF symbols.
  const strtab = symPtr === 0 ? -1 : symPtr + nsyms * 18;
  const sections: PeSection[] = [];
  for (let i = 0; i < nsections; i++) {
    const o = table + i * 40;
    let name = Buffer.from(f.slice(o, 8)).toString('latin1').replace(/\0.*$/s, '');
    if (name.startsWith('/') && strtab >= 0) {
      const n = Number(name.slice(1));
      if (!Number.isInteger(n)) throw new MalformedInputError(`PE: bad long section name ${name}`);
      name = f.cstring(strtab + n, 256);
    }
    const virtualSize = f.u32(o + 8);
    const rva = f.u32(o + 12);
    const rawSize = f.u32(o + 16);
    const rawPtr = f.u32(o + 20);
    if (rawSize > 0) f.check(rawPtr, rawSize);
    sections.push({
      name,
      offset: rawPtr,
      fileSize: rawSize,
      addr: imageBase + rva,
      compressed: name.startsWith('.zdebug_'),
      rva,
      virtualSize,
      characteristics: f.u32(o + 36),
    });
  }
  const vaToOffset = (va: number, size: number): number | undefined => {
    const rva = va - imageBase;
    for (const s of sections) {
      const len = Math.min(s.virtualSize || s.fileSize, s.fileSize);
      if (rva >= s.rva && rva + size <= s.rva + len) return s.offset + (rva - s.rva);
    }
    return undefined;
  };
  // debug/buildinfo: the first section with non-zero RVA and size whose characteristics, ignoring
  // the alignment bits, are exactly INITIALIZED_DATA | MEM_READ | MEM_WRITE.
  const data = sections.find((s) => s.rva !== 0 && s.fileSize > 0 && ((s.characteristics & ~0x00f00000) >>> 0) === 0xc0000040);
  const ranges: Range[] = data ? [{ offset: data.offset, size: data.fileSize }] : [];
  const rdata = sections.filter((s) => s.name === '.rdata' && s.fileSize > 0).map((s) => ({ offset: s.offset, size: s.fileSize }));
  // Go's linker wraps the COFF symbol table in a section it names .symtab. -s empties it but keeps
  // the section with the 4-byte size field of an empty COFF string table, which takes one
  // FileAlignment unit on disk (Go 1.19: 512 bytes, NumberOfSymbols 0). So -s removes the
  // section's raw size less that unit, and nothing when there are no symbols.
  const symtabRaw = sections.filter((s) => s.name === '.symtab').reduce((a, s) => a + s.fileSize, 0);
  const keptUnit = fileAlignment > 0 ? Math.min(symtabRaw, fileAlignment * Math.ceil(4 / fileAlignment)) : 0;
  const symtab = nsyms > 0 ? symtabRaw - keptUnit : 0;
  const dwarf = sections.filter((s) => /^\.z?debug_/.test(s.name)).reduce((a, s) => a + s.fileSize, 0);
  const [machine, arch] = MACHINES[machineId] ?? [`machine-0x${machineId.toString(16)}`, `unknown-0x${machineId.toString(16)}`];
  return {
    format: 'pe',
    arch,
    machine,
    class: is64 ? 64 : 32,
    endian: 'little',
    type: characteristics & 0x2000 ? 'dll' : 'exec',
    // Windows executables always import kernel32 and friends through the loader.
    linking: 'dynamic',
    interpreter: null,
    needed: [],
    rpath: [],
    runpath: [],
    sections: sections.map(({ name, offset, fileSize, addr, compressed }) => ({ name, offset, fileSize, addr, compressed })),
    text: sections.find((s) => s.name === '.text'),
    pclntab: undefined,
    pclntabScan: [...rdata, ...sections.filter((s) => s.name === '.text').map((s) => ({ offset: s.offset, size: s.fileSize }))],
    buildInfo: { file: f, ranges, rodata: rdata, vaToOffset },
    strip: { symtab, dwarf },
    externalLinker: false,
    dynamicTables: 0,
    view: f,
  };
}
