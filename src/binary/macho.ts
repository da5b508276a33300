/**
 * Minimal Mach-O reader (Apple "OS X ABI Mach-O File Format Reference"; cctools
 * <mach-o/loader.h>, <mach-o/fat.h>): header, LC_SEGMENT(_64) with sections,
 * LC_SYMTAB (what -s removes), LC_LOAD_DYLIB and LC_LOAD_DYLINKER. Fat files:
 * the first architecture is analyzed, as debug/buildinfo does.
 */
import { MalformedInputError, UnsupportedFormatError } from '../errors.js';
import { ByteView } from './bytes.js';
import type { Range } from './buildinfo.js';
import type { ExeSection, Executable } from './exe.js';

const LC_SEGMENT = 0x1;
const LC_SYMTAB = 0x2;
const LC_LOAD_DYLIB = 0xc;
const LC_LOAD_DYLINKER = 0xe;
const LC_SEGMENT_64 = 0x19;

const CPU: Record<number, [string, string]> = {
  7: ['i386', '386'],
  0x01000007: ['x86_64', 'amd64'],
  12: ['arm', 'arm'],
  0x0100000c: ['arm64', 'arm64'],
  18: ['ppc', 'ppc'],
  0x01000012: ['ppc64', 'ppc64'],
};
const FILETYPES: Record<number, string> = { 1: 'object', 2: 'exec', 6: 'dylib', 8: 'bundle' };

interface Segment {
  name: string;
  vmaddr: number;
  fileoff: number;
  filesize: number;
  maxprot: number;
  initprot: number;
}

function name16(v: ByteView, off: number): string {
  const b = v.slice(off, 16);
  const end = b.indexOf(0);
  return Buffer.from(b.buffer, b.byteOffset, end < 0 ? 16 : end).toString('latin1');
}

/** The slice of a fat (universal) file holding its first architecture, or the file itself. */
export function machoSlice(bytes: Uint8Array): Uint8Array {
  const v = new ByteView(bytes, false, 'truncated', 'Mach-O fat header');
  const magic = v.u32(0);
  if (magic !== 0xcafebabe && magic !== 0xcafebabf) return bytes;
  const n = v.u32(4);
  if (n === 0) throw new MalformedInputError('fat Mach-O with no architectures');
  // fat_arch: cputype, cpusubtype, offset, size, align (u32); fat_arch_64: offset/size are u64.
  const off = magic === 0xcafebabe ? v.u32(8 + 8) : v.u64(8 + 8, 'fat offset');
  const size = magic === 0xcafebabe ? v.u32(8 + 12) : v.u64(8 + 16, 'fat size');
  return v.slice(off, size);
}

export function readMachO(input: Uint8Array): Executable {
  const bytes = machoSlice(input);
  const probe = new ByteView(bytes, true, 'truncated', 'Mach-O');
  const m = probe.u32(0);
  const le = m === 0xfeedface || m === 0xfeedfacf;
  if (!le && m !== 0xcefaedfe && m !== 0xcffaedfe) throw new UnsupportedFormatError('not a Mach-O file');
  const f = probe.withEndian(le);
  const is64 = m === 0xfeedfacf || m === 0xcffaedfe;
  const cputype = f.u32(4);
  const filetype = f.u32(12);
  const ncmds = f.u32(16);
  const sizeofcmds = f.u32(20);
  const hdr = is64 ? 32 : 28;
  f.check(hdr, sizeofcmds);
  if (ncmds > sizeofcmds / 8) throw new MalformedInputError(`Mach-O: ${ncmds} load commands in ${sizeofcmds} bytes`);

  const segments: Segment[] = [];
  const sections: ExeSection[] = [];
  const needed: string[] = [];
  let interpreter: string | null = null;
  let symtab = 0; // LC_SYMTAB bytes: nlist entries + string table
  let off = hdr;
  for (let i = 0; i < ncmds; i++) {
    const cmd = f.u32(off);
    const size = f.u32(off + 4);
    if (size < 8 || off + size > hdr + sizeofcmds) throw new MalformedInputError(`Mach-O: load command ${i} has size ${size}`);
    const c = f.sub(off, size, 'malformed', 'Mach-O load command');
    if (cmd === LC_SEGMENT_64 || cmd === LC_SEGMENT) {
      const w = cmd === LC_SEGMENT_64;
      const seg: Segment = {
        name: name16(c, 8),
        vmaddr: w ? c.u64(24, 'vmaddr') : c.u32(24),
        fileoff: w ? c.u64(40, 'fileoff') : c.u32(32),
        filesize: w ? c.u64(48, 'filesize') : c.u32(36),
        maxprot: c.u32(w ? 56 : 40),
        initprot: c.u32(w ? 60 : 44),
      };
      f.check(seg.fileoff, seg.filesize);
      segments.push(seg);
      const nsects = c.u32(w ? 64 : 48);
      const first = w ? 72 : 56;
      const rec = w ? 80 : 68;
      c.check(first, nsects * rec);
      for (let s = 0; s < nsects; s++) {
        const o = first + s * rec;
        const sect = name16(c, o);
        const segname = name16(c, o + 16);
        const addr = w ? c.u64(o + 32, 'addr') : c.u32(o + 32);
        const sz = w ? c.u64(o + 40, 'size') : c.u32(o + 36);
        const fileOff = c.u32(o + (w ? 48 : 40));
        const flags = c.u32(o + (w ? 64 : 56));
        const type = flags & 0xff;
        // S_ZEROFILL (1), S_GB_ZEROFILL (0xc), S_THREAD_LOCAL_ZEROFILL (0x12) occupy no file bytes.
        const fileSize = type === 1 || type === 0xc || type === 0x12 ? 0 : sz;
        if (fileSize > 0) f.check(fileOff, fileSize);
        sections.push({ name: `${segname},${sect}`, offset: fileOff, fileSize, addr, compressed: sect.startsWith('__zdebug') });
      }
    } else if (cmd === LC_SYMTAB) {
      // nlist_64 is 16 bytes, nlist 12; plus the string table.
      const nsyms = c.u32(12);
      const strsize = c.u32(20);
      symtab += nsyms * (is64 ? 16 : 12) + strsize;
      void symtab; // bounds-checked below; not part of the strip figure (see `strip`)
      f.check(c.u32(8), nsyms * (is64 ? 16 : 12));
      f.check(c.u32(16), strsize);
    } else if (cmd === LC_LOAD_DYLIB || cmd === LC_LOAD_DYLINKER) {
      const nameOff = c.u32(8);
      const s = c.cstring(nameOff, size - nameOff);
      if (cmd === LC_LOAD_DYLIB) needed.push(s);
      else interpreter = s;
    }
    off += size;
  }

  const vaToOffset = (va: number, size: number): number | undefined => {
    for (const s of segments) {
      if (va >= s.vmaddr && va + size <= s.vmaddr + s.filesize) return s.fileoff + (va - s.vmaddr);
    }
    return undefined;
  };
  const ranges: Range[] = [];
  const bi = sections.find((s) => s.name.endsWith(',__go_buildinfo') && s.fileSize > 0);
  if (bi) ranges.push({ offset: bi.offset, size: bi.fileSize });
  // debug/buildinfo's fallback: the first data segment mapped read-write (prot 3) with file bytes.
  const rw = segments.find((s) => s.name !== '__PAGEZERO' && s.filesize > 0 && s.initprot === 3 && s.maxprot === 3);
  if (rw) ranges.push({ offset: rw.fileoff, size: rw.filesize });
  const rodata = sections.filter((s) => s.name.endsWith(',__rodata') && s.fileSize > 0).map((s) => ({ offset: s.offset, size: s.fileSize }));
  const dwarf = sections.filter((s) => /,__z?debug_/.test(s.name)).reduce((a, s) => a + s.fileSize, 0);
  const [machine, arch] = CPU[cputype] ?? [`cpu-${cputype}`, `unknown-${cputype}`];
  return {
    format: 'macho',
    arch,
    machine,
    class: is64 ? 64 : 32,
    endian: le ? 'little' : 'big',
    type: FILETYPES[filetype] ?? 'other',
    // Every Mach-O executable is dynamically linked against libSystem through dyld.
    linking: 'dynamic',
    interpreter,
    needed,
    rpath: [],
    runpath: [],
    sections,
    text: sections.find((s) => s.name === '__TEXT,__text'),
    pclntab: sections.find((s) => s.name.endsWith(',__gopclntab') && s.fileSize > 0),
    pclntabScan: segments.filter((s) => s.filesize > 0 && s.name !== '__TEXT').map((s) => ({ offset: s.fileoff, size: s.filesize })),
    buildInfo: { file: f, ranges, rodata, vaToOffset },
    // Measured with Go 1.19 darwin/arm64: -s keeps LC_SYMTAB (same nsyms and string table: the
    // dynamic imports need it), so only DWARF counts.
    strip: { symtab: 0, dwarf },
    externalLinker: false,
    dynamicTables: 0,
    view: f,
  };
}
