/**
 * The headers of an ELF file, in place, without its bulk: a zero-filled array of the file's size
 * into which only the ELF header, the program and section header tables, PT_INTERP and PT_DYNAMIC,
 * and every section except the large ones the attribution reads itself in phases (machine code,
 * the pclntab, data sections, the symbol table, DWARF) are read. The array is allocated zeroed and
 * written only where loaded, so the operating system backs only those pages (a large allocation is
 * a fresh anonymous mapping). readElf, the build-info reader and the section list run on it
 * unchanged; analyzeBinary checks that what it needs came from loaded parts and otherwise reads the
 * whole file (docs/binary.md, "Speed and memory").
 *
 * Returns null for anything unusual (not ELF, no section headers, tables outside the file): the
 * caller then reads the whole file, and readElf reports the problem as it always has.
 */
import { DATA_SECTION } from './sections.js';
import type { ByteSource, FileRange } from './source.js';

const PT_INTERP = 3;
const PT_DYNAMIC = 2;
const SHT_NOBITS = 8;
const SHF_EXECINSTR = 0x4;

export interface SparseElf {
  image: Uint8Array;
  /** File ranges the image holds (the rest reads as zeros). */
  loaded: FileRange[];
}

/** Sections attributeBinary loads by phase instead of through the image. */
export function isBulkSection(name: string, flags: number): boolean {
  return (
    (flags & SHF_EXECINSTR) !== 0 ||
    name.endsWith('gopclntab') ||
    DATA_SECTION.test(name) ||
    name === '.symtab' ||
    name === '.strtab' ||
    name.startsWith('.debug_') ||
    name.startsWith('.zdebug_')
  );
}

export function sparseElfImage(src: ByteSource): SparseElf | null {
  const size = src.size;
  if (size < 64) return null;
  const head = new Uint8Array(64);
  src.readInto(head, 0, 0, 64);
  if (head[0] !== 0x7f || head[1] !== 0x45 || head[2] !== 0x4c || head[3] !== 0x46) return null;
  const is64 = head[4] === 2;
  if (head[4] !== 1 && head[4] !== 2) return null;
  if (head[5] !== 1 && head[5] !== 2) return null;
  const le = head[5] === 1;
  const hv = new DataView(head.buffer);
  const u16 = (v: DataView, o: number): number => v.getUint16(o, le);
  const u32 = (v: DataView, o: number): number => v.getUint32(o, le);
  const u64 = (v: DataView, o: number): number => {
    const lo = v.getUint32(o + (le ? 0 : 4), le);
    const hi = v.getUint32(o + (le ? 4 : 0), le);
    return hi >= 0x20_0000 ? -1 : hi * 2 ** 32 + lo;
  };
  const word = (v: DataView, o: number): number => (is64 ? u64(v, o) : u32(v, o));
  const phoff = word(hv, is64 ? 32 : 28);
  const shoff = word(hv, is64 ? 40 : 32);
  const b = is64 ? 52 : 40;
  const phentsize = u16(hv, b + 2);
  const phnum = u16(hv, b + 4);
  const shentsize = u16(hv, b + 6);
  const shnum = u16(hv, b + 8);
  const shstrndx = u16(hv, b + 10);
  const shWant = is64 ? 64 : 40;
  const phWant = is64 ? 56 : 32;
  // Extended numbering and odd layouts: the whole-file path handles them.
  if (shoff <= 0 || shnum === 0 || shnum > 0xff00 || shstrndx >= shnum || shentsize < shWant) return null;
  if (phoff < 0 || (phnum > 0 && (phentsize < phWant || phnum === 0xffff))) return null;
  const inFile = (o: number, n: number): boolean => Number.isSafeInteger(o) && Number.isSafeInteger(n) && o >= 0 && n >= 0 && o + n <= size;
  if (!inFile(shoff, shentsize * shnum) || !inFile(phoff, phentsize * phnum)) return null;

  const loaded: FileRange[] = [{ offset: 0, size: Math.min(size, 4096) }];
  const read = (o: number, n: number): DataView => {
    const a = new Uint8Array(n);
    src.readInto(a, 0, o, n);
    return new DataView(a.buffer);
  };
  const ph = read(phoff, phentsize * phnum);
  loaded.push({ offset: phoff, size: phentsize * phnum });
  for (let i = 0; i < phnum; i++) {
    const o = i * phentsize;
    const type = u32(ph, o);
    if (type !== PT_INTERP && type !== PT_DYNAMIC) continue;
    const off = is64 ? u64(ph, o + 8) : u32(ph, o + 4);
    const filesz = is64 ? u64(ph, o + 32) : u32(ph, o + 16);
    if (!inFile(off, filesz)) return null;
    loaded.push({ offset: off, size: filesz });
  }
  const sh = read(shoff, shentsize * shnum);
  loaded.push({ offset: shoff, size: shentsize * shnum });
  const secs: Array<{ nameOff: number; type: number; flags: number; offset: number; size: number }> = [];
  for (let i = 0; i < shnum; i++) {
    const o = i * shentsize;
    const s = {
      nameOff: u32(sh, o),
      type: u32(sh, o + 4),
      flags: is64 ? u64(sh, o + 8) : u32(sh, o + 8),
      offset: is64 ? u64(sh, o + 24) : u32(sh, o + 16),
      size: is64 ? u64(sh, o + 32) : u32(sh, o + 20),
    };
    if (i > 0 && s.type !== SHT_NOBITS && !inFile(s.offset, s.size)) return null;
    if (s.flags < 0) return null;
    secs.push(s);
  }
  const str = secs[shstrndx]!;
  if (str.type === SHT_NOBITS || str.size > 1 << 20) return null;
  const names = new Uint8Array(str.size);
  src.readInto(names, 0, str.offset, str.size);
  const nameAt = (off: number): string | null => {
    if (off >= names.length) return null;
    let e = off;
    while (e < names.length && names[e] !== 0) e++;
    if (e >= names.length) return null;
    return String.fromCharCode(...names.subarray(off, e));
  };
  for (let i = 1; i < secs.length; i++) {
    const s = secs[i]!;
    if (s.type === SHT_NOBITS || s.size === 0) continue;
    const name = nameAt(s.nameOff);
    if (name === null) return null;
    // Compressed sections keep their header in the image (readElf reads the uncompressed size there).
    loaded.push({ offset: s.offset, size: isBulkSection(name, s.flags) ? Math.min(s.size, 24) : s.size });
  }

  // Zero-filled and written only where loaded: untouched pages are never backed by memory.
  const image = Buffer.alloc(size);
  for (const r of loaded) if (r.size > 0) src.readInto(image, r.offset, r.offset, r.size);
  return { image, loaded };
}

/** Does the image hold [offset, offset + size) (within one loaded range)? */
export function holds(s: SparseElf, offset: number, size: number): boolean {
  return s.loaded.some((r) => offset >= r.offset && offset + size <= r.offset + r.size);
}
