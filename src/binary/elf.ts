/**
 * ELF reader (System V gABI, "Tool Interface Standard ELF v1.2" and the gABI
 * draft at https://www.sco.com/developers/gabi/latest/contents.html).
 *
 * Reads headers, program headers, section headers (with extended numbering),
 * compression headers, PT_INTERP and PT_DYNAMIC. Every declared extent is
 * checked against the file, so a prefix of a valid file fails with E_TRUNCATED.
 * Static/dynamic is decided from program headers only: section headers are
 * optional at run time and may be absent or lying.
 */
import { LimitExceededError, MalformedInputError, UnsupportedFormatError } from '../errors.js';
import { limit } from '../limits.js';
import { ByteView } from './bytes.js';

export const PT_LOAD = 1;
export const PT_DYNAMIC = 2;
export const PT_INTERP = 3;
export const SHT_NOBITS = 8;
export const SHF_WRITE = 0x1;
export const SHF_ALLOC = 0x2;
export const SHF_EXECINSTR = 0x4;
export const SHF_COMPRESSED = 0x800;
export const PF_X = 1;
export const PF_W = 2;

const DT_NULL = 0;
const DT_NEEDED = 1;
const DT_STRTAB = 5;
const DT_STRSZ = 10;
const DT_RPATH = 15;
const DT_RUNPATH = 29;
const DT_FLAGS_1 = 0x6ffffffb;
const DT_VERDEF = 0x6ffffffc;
const DT_VERDEFNUM = 0x6ffffffd;
const DT_VERNEED = 0x6ffffffe;
const DT_VERNEEDNUM = 0x6fffffff;
/** VER_FLG_BASE: the verdef entry naming the file itself (its soname), not a version. */
const VER_FLG_BASE = 0x1;
export const DF_1_PIE = 0x08000000;

export type ElfType = 'none' | 'rel' | 'exec' | 'dyn' | 'core' | 'other';
export type Linking = 'static' | 'dynamic' | 'static-pie';

export interface ElfSegment {
  type: number;
  flags: number;
  offset: number;
  vaddr: number;
  filesz: number;
  memsz: number;
  align: number;
}

export interface ElfSection {
  index: number;
  name: string;
  type: number;
  flags: number;
  addr: number;
  offset: number;
  /** sh_size: bytes in the file (0 file bytes for NOBITS, see fileSize). */
  size: number;
  /** Bytes the section occupies on disk: 0 for SHT_NOBITS, else sh_size. */
  fileSize: number;
  link: number;
  info: number;
  entsize: number;
  /** SHF_COMPRESSED (gABI) or a legacy `.zdebug_*` zlib-gnu section. */
  compressed: boolean;
  compression?: 'zlib' | 'zstd' | 'zlib-gnu' | 'unknown';
  /** Uncompressed size when compressed and the header is readable. */
  uncompressedSize?: number;
}

export interface ElfFile {
  class: 32 | 64;
  endian: 'little' | 'big';
  machine: number;
  /** Human name of e_machine, e.g. 'x86-64', 'aarch64', 'i386'. */
  machineName: string;
  /** GOARCH-style architecture, e.g. 'amd64', 'arm64', 'mips', 'mipsle'. */
  arch: string;
  type: ElfType;
  entry: number;
  osabi: number;
  segments: ElfSegment[];
  sections: ElfSection[];
  /** File extent of the section header table (size 0 when there is none). */
  sectionHeaderTable: { offset: number; size: number };
  interpreter?: string;
  hasDynamic: boolean;
  needed: string[];
  rpath: string[];
  runpath: string[];
  flags1?: number;
  /**
   * Symbol versions needed per library (DT_VERNEED = `.gnu.version_r`), in file order:
   * e.g. libc.so.6 -> GLIBC_2.2.5, GLIBC_2.34. Empty when the file has no version needs.
   */
  versionsNeeded: Array<{ file: string; versions: string[] }>;
  /** Versions this file defines (DT_VERDEF = `.gnu.version_d`), without the base (soname) entry. */
  versionsDefined: string[];
  linking: Linking;
  /** The whole file, for VA mapping and section reads. */
  view: ByteView;
}

const MACHINES: Record<number, [string, string, string?]> = {
  // e_machine: [name, GOARCH little-endian, GOARCH big-endian]
  3: ['i386', '386'],
  8: ['mips', 'mipsle', 'mips'],
  20: ['ppc', 'ppc', 'ppc'],
  21: ['ppc64', 'ppc64le', 'ppc64'],
  22: ['s390', 's390x', 's390x'],
  40: ['arm', 'arm'],
  62: ['x86-64', 'amd64'],
  183: ['aarch64', 'arm64'],
  243: ['riscv', 'riscv64'],
  258: ['loongarch', 'loong64'],
};

function archOf(machine: number, cls: 32 | 64, le: boolean): { name: string; arch: string } {
  const m = MACHINES[machine];
  if (!m) return { name: `machine-${machine}`, arch: `unknown-${machine}` };
  let arch = le ? m[1] : (m[2] ?? m[1]);
  if (machine === 8 && cls === 64) arch = le ? 'mips64le' : 'mips64';
  return { name: m[0], arch };
}

const TYPES: Record<number, ElfType> = { 0: 'none', 1: 'rel', 2: 'exec', 3: 'dyn', 4: 'core' };

export function readElf(bytes: Uint8Array): ElfFile {
  const file0 = new ByteView(bytes, true, 'truncated', 'ELF');
  file0.check(0, 16);
  if (file0.u32(0) !== 0x464c457f) throw new UnsupportedFormatError('not an ELF file (bad magic)');
  const ei = file0.u8(4);
  const data = file0.u8(5);
  if (ei !== 1 && ei !== 2) throw new MalformedInputError(`ELF: bad EI_CLASS ${ei}`);
  if (data !== 1 && data !== 2) throw new MalformedInputError(`ELF: bad EI_DATA ${data}`);
  const cls: 32 | 64 = ei === 2 ? 64 : 32;
  const le = data === 1;
  const f = file0.withEndian(le);
  const is64 = cls === 64;
  f.check(0, is64 ? 64 : 52);

  const etype = f.u16(16);
  const machine = f.u16(18);
  const entry = is64 ? f.u64(24, 'e_entry') : f.u32(24);
  const phoff = is64 ? f.u64(32, 'e_phoff') : f.u32(28);
  const shoff = is64 ? f.u64(40, 'e_shoff') : f.u32(32);
  const b = is64 ? 52 : 40;
  const phentsize = f.u16(b + 2);
  let phnum = f.u16(b + 4);
  const shentsize = f.u16(b + 6);
  let shnum = f.u16(b + 8);
  let shstrndx = f.u16(b + 10);

  // Extended numbering (gABI "Section Header", sh_info/sh_size/sh_link of section 0).
  const shWant = is64 ? 64 : 40;
  if (shoff !== 0 && (shnum === 0 || shstrndx === 0xffff || phnum === 0xffff)) {
    if (shentsize < shWant) throw new MalformedInputError(`ELF: e_shentsize ${shentsize} too small`);
    const s0 = f.sub(shoff, shWant);
    if (shnum === 0) shnum = is64 ? s0.u64(32, 'sh_size') : s0.u32(20);
    if (shstrndx === 0xffff) shstrndx = s0.u32(is64 ? 40 : 24);
    if (phnum === 0xffff) phnum = s0.u32(is64 ? 44 : 28);
  }

  const segments: ElfSegment[] = [];
  if (phnum > 0) {
    const phWant = is64 ? 56 : 32;
    if (phentsize < phWant) throw new MalformedInputError(`ELF: e_phentsize ${phentsize} too small`);
    if (phnum > 65535) throw new MalformedInputError(`ELF: ${phnum} program headers`);
    f.check(phoff, phentsize * phnum);
    for (let i = 0; i < phnum; i++) {
      const o = phoff + i * phentsize;
      // ELF32 and ELF64 order the fields differently: p_flags is second in ELF64, seventh in ELF32.
      const seg: ElfSegment = is64
        ? {
            type: f.u32(o),
            flags: f.u32(o + 4),
            offset: f.u64(o + 8, 'p_offset'),
            vaddr: f.u64(o + 16, 'p_vaddr'),
            filesz: f.u64(o + 32, 'p_filesz'),
            memsz: f.u64(o + 40, 'p_memsz'),
            align: f.u64(o + 48, 'p_align'),
          }
        : {
            type: f.u32(o),
            offset: f.u32(o + 4),
            vaddr: f.u32(o + 8),
            filesz: f.u32(o + 16),
            memsz: f.u32(o + 20),
            flags: f.u32(o + 24),
            align: f.u32(o + 28),
          };
      f.check(seg.offset, seg.filesz);
      segments.push(seg);
    }
  }

  const sections: ElfSection[] = [];
  if (shoff !== 0 && shnum > 0) {
    if (shentsize < shWant) throw new MalformedInputError(`ELF: e_shentsize ${shentsize} too small`);
    if (shnum > 1 << 20) throw new MalformedInputError(`ELF: ${shnum} section headers`);
    f.check(shoff, shentsize * shnum);
    const raw: Array<Omit<ElfSection, 'name' | 'compressed'> & { nameOff: number }> = [];
    for (let i = 0; i < shnum; i++) {
      const o = shoff + i * shentsize;
      const type = f.u32(o + 4);
      const s = is64
        ? {
            index: i,
            nameOff: f.u32(o),
            type,
            flags: f.u64(o + 8, 'sh_flags'),
            addr: f.u64(o + 16, 'sh_addr'),
            offset: f.u64(o + 24, 'sh_offset'),
            size: f.u64(o + 32, 'sh_size'),
            link: f.u32(o + 40),
            info: f.u32(o + 44),
            entsize: f.u64(o + 56, 'sh_entsize'),
            fileSize: 0,
          }
        : {
            index: i,
            nameOff: f.u32(o),
            type,
            flags: f.u32(o + 8),
            addr: f.u32(o + 12),
            offset: f.u32(o + 16),
            size: f.u32(o + 20),
            link: f.u32(o + 24),
            info: f.u32(o + 28),
            entsize: f.u32(o + 36),
            fileSize: 0,
          };
      s.fileSize = type === SHT_NOBITS || i === 0 ? 0 : s.size;
      if (s.fileSize > 0) f.check(s.offset, s.fileSize);
      raw.push(s);
    }
    if (shstrndx >= raw.length) throw new MalformedInputError(`ELF: e_shstrndx ${shstrndx} out of range`);
    const strSec = raw[shstrndx] as (typeof raw)[number];
    const names = f.sub(strSec.offset, strSec.fileSize, 'malformed', 'ELF .shstrtab');
    for (const r of raw) {
      const { nameOff, ...rest } = r;
      const name = r.index === 0 && nameOff === 0 ? '' : names.cstring(nameOff, 4096);
      sections.push(withCompression({ ...rest, name, compressed: false }, f, is64));
    }
  }

  const { name: machineName, arch } = archOf(machine, cls, le);
  const elf: ElfFile = {
    class: cls,
    endian: le ? 'little' : 'big',
    machine,
    machineName,
    arch,
    type: TYPES[etype] ?? 'other',
    entry,
    osabi: f.u8(7),
    segments,
    sections,
    sectionHeaderTable: { offset: shoff, size: sections.length > 0 ? shentsize * sections.length : 0 },
    hasDynamic: false,
    needed: [],
    rpath: [],
    runpath: [],
    versionsNeeded: [],
    versionsDefined: [],
    linking: 'static',
    view: f,
  };

  const interp = segments.find((s) => s.type === PT_INTERP);
  if (interp) {
    elf.interpreter = f.sub(interp.offset, interp.filesz, 'malformed', 'PT_INTERP').cstring(0, interp.filesz);
  }
  const dyn = segments.find((s) => s.type === PT_DYNAMIC);
  if (dyn) {
    elf.hasDynamic = true;
    readDynamic(elf, dyn);
  }
  elf.linking = interp ? 'dynamic' : dyn ? (elf.needed.length > 0 ? 'dynamic' : 'static-pie') : 'static';
  return elf;
}

function withCompression(s: ElfSection, f: ByteView, is64: boolean): ElfSection {
  if (s.fileSize === 0) return s;
  if (s.flags & SHF_COMPRESSED) {
    // Elf64_Chdr: ch_type u32, ch_reserved u32, ch_size u64, ch_addralign u64; Elf32_Chdr: three u32.
    s.compressed = true;
    const hdr = is64 ? 24 : 12;
    if (s.fileSize >= hdr) {
      const t = f.u32(s.offset);
      s.compression = t === 1 ? 'zlib' : t === 2 ? 'zstd' : 'unknown';
      s.uncompressedSize = is64 ? f.u64(s.offset + 8, 'ch_size') : f.u32(s.offset + 4);
    } else {
      s.compression = 'unknown';
    }
  } else if (s.name.startsWith('.zdebug_')) {
    // zlib-gnu: "ZLIB" then the uncompressed size as a big-endian u64, then a zlib stream.
    s.compressed = true;
    s.compression = 'zlib-gnu';
    if (s.fileSize >= 12 && f.u32(s.offset) === (f.littleEndian ? 0x42494c5a : 0x5a4c4942)) {
      s.uncompressedSize = f.withEndian(false).u64(s.offset + 4, 'zdebug size');
    }
  }
  return s;
}

/** File offset of virtual address `va`, via the PT_LOAD that maps it (file-backed part only). */
export function vaToOffset(elf: ElfFile, va: number, size = 1): number | undefined {
  for (const s of elf.segments) {
    if (s.type !== PT_LOAD) continue;
    if (va >= s.vaddr && va + size <= s.vaddr + s.filesz) return s.offset + (va - s.vaddr);
  }
  return undefined;
}

function readDynamic(elf: ElfFile, dyn: ElfSegment): void {
  const f = elf.view;
  const is64 = elf.class === 64;
  const ent = is64 ? 16 : 8;
  const d = f.sub(dyn.offset, dyn.filesz, 'malformed', 'PT_DYNAMIC');
  const entries: Array<[number, number]> = [];
  for (let o = 0; o + ent <= d.length; o += ent) {
    // d_tag is signed; processor/OS-specific tags above 2^31 only matter for FLAGS_1, which fits in 32 bits.
    const tag = is64 ? tag64(d, o) : d.u32(o);
    const val = is64 ? d.u64(o + 8, 'd_val') : d.u32(o + 4);
    if (tag === DT_NULL) break;
    entries.push([tag, val]);
  }
  const strtabVa = entries.find(([t]) => t === DT_STRTAB)?.[1];
  const strsz = entries.find(([t]) => t === DT_STRSZ)?.[1];
  const flags1 = entries.find(([t]) => t === DT_FLAGS_1)?.[1];
  if (flags1 !== undefined) elf.flags1 = flags1;
  const wantsStrings = entries.some(([t]) => t === DT_NEEDED || t === DT_RPATH || t === DT_RUNPATH || t === DT_VERNEED || t === DT_VERDEF);
  if (!wantsStrings) return;
  if (strtabVa === undefined) throw new MalformedInputError('PT_DYNAMIC: DT_NEEDED or DT_VERNEED without DT_STRTAB');
  const off = vaToOffset(elf, strtabVa);
  if (off === undefined) throw new MalformedInputError('PT_DYNAMIC: DT_STRTAB is not mapped by any PT_LOAD');
  const size = Math.min(strsz ?? f.length - off, f.length - off);
  const strs = f.sub(off, size, 'malformed', 'DT_STRTAB');
  for (const [tag, val] of entries) {
    if (tag === DT_NEEDED) elf.needed.push(strs.cstring(val, 4096));
    else if (tag === DT_RPATH) elf.rpath.push(...strs.cstring(val, 4096).split(':'));
    else if (tag === DT_RUNPATH) elf.runpath.push(...strs.cstring(val, 4096).split(':'));
  }
  const get = (t: number): number | undefined => entries.find(([x]) => x === t)?.[1];
  const verneed = get(DT_VERNEED);
  if (verneed !== undefined) elf.versionsNeeded = readVerneed(elf, verneed, get(DT_VERNEEDNUM), strs);
  const verdef = get(DT_VERDEF);
  if (verdef !== undefined) elf.versionsDefined = readVerdef(elf, verdef, get(DT_VERDEFNUM), strs);
}

/**
 * The table at virtual address `va`, as a view from there to the end of its PT_LOAD's file
 * bytes: entries link to each other by relative offsets, so the table's own size is unknown.
 */
function versionTable(elf: ElfFile, va: number, what: string): ByteView {
  for (const s of elf.segments) {
    if (s.type !== PT_LOAD || va < s.vaddr || va >= s.vaddr + s.filesz) continue;
    return elf.view.sub(s.offset + (va - s.vaddr), s.vaddr + s.filesz - va, 'malformed', what);
  }
  throw new MalformedInputError(`PT_DYNAMIC: ${what} is not mapped by any PT_LOAD`);
}

/**
 * How many entries a version table may declare: the versym index is 15 bits (gABI
 * "Symbol Versioning"; bit 15 is the hidden flag), so no table holds more.
 */
function versionCount(declared: number | undefined, what: string): number {
  const max = limit('binary.versionEntries');
  const n = declared ?? max;
  if (n > max) throw new LimitExceededError('binary.versionEntries', max, `${what}: ${n} entries declared`, { actual: n });
  return n;
}

/**
 * Elf{32,64}_Verneed (16 bytes: vn_version u16, vn_cnt u16, vn_file, vn_aux, vn_next u32) and
 * Elf{32,64}_Vernaux (16 bytes: vna_hash u32, vna_flags u16, vna_other u16, vna_name, vna_next u32),
 * as glibc's elf/dl-version.c walks them. Every walk is bounded by the declared counts and by
 * `binary.versionEntries`; an offset outside the table is E_MALFORMED.
 */
function readVerneed(elf: ElfFile, va: number, num: number | undefined, strs: ByteView): Array<{ file: string; versions: string[] }> {
  const t = versionTable(elf, va, 'DT_VERNEED');
  const max = versionCount(num, 'DT_VERNEED');
  const out: Array<{ file: string; versions: string[] }> = [];
  let total = 0;
  let o = 0;
  for (let i = 0; i < max; i++) {
    t.check(o, 16);
    const version = t.u16(o);
    if (version !== 1) throw new MalformedInputError(`DT_VERNEED: entry ${i} has vn_version ${version} (only 1 is defined)`);
    const cnt = t.u16(o + 2);
    const file = strs.cstring(t.u32(o + 4), 4096);
    const versions: string[] = [];
    let a = o + t.u32(o + 8);
    for (let j = 0; j < cnt; j++) {
      if (++total > limit('binary.versionEntries')) {
        throw new LimitExceededError('binary.versionEntries', limit('binary.versionEntries'), 'DT_VERNEED: too many Vernaux entries');
      }
      t.check(a, 16);
      versions.push(strs.cstring(t.u32(a + 8), 4096));
      const next = t.u32(a + 12);
      // glibc's loader follows the links, not the counts; a short chain is read as linked.
      if (next === 0) break;
      a += next;
    }
    out.push({ file, versions });
    const next = t.u32(o + 12);
    if (next === 0) break;
    o += next;
  }
  return out;
}

/** Elf{32,64}_Verdef (20 bytes) and Elf{32,64}_Verdaux (8 bytes); the VER_FLG_BASE entry is the soname. */
function readVerdef(elf: ElfFile, va: number, num: number | undefined, strs: ByteView): string[] {
  const t = versionTable(elf, va, 'DT_VERDEF');
  const max = versionCount(num, 'DT_VERDEF');
  const out: string[] = [];
  let o = 0;
  for (let i = 0; i < max; i++) {
    t.check(o, 20);
    const version = t.u16(o);
    if (version !== 1) throw new MalformedInputError(`DT_VERDEF: entry ${i} has vd_version ${version} (only 1 is defined)`);
    const flags = t.u16(o + 2);
    const cnt = t.u16(o + 6);
    if (cnt < 1) throw new MalformedInputError(`DT_VERDEF: entry ${i} has no name (vd_cnt 0)`);
    const aux = o + t.u32(o + 12);
    t.check(aux, 8);
    // The first Verdaux names the version; later ones name its parents.
    if ((flags & VER_FLG_BASE) === 0) out.push(strs.cstring(t.u32(aux), 4096));
    const next = t.u32(o + 16);
    if (next === 0) break;
    o += next;
  }
  return out;
}

/** d_tag of an ELF64 dynamic entry; negative/huge tags map to -1 (we only need small tags and FLAGS_1). */
function tag64(d: ByteView, o: number): number {
  const lo = d.u32(o + (d.littleEndian ? 0 : 4));
  const hi = d.u32(o + (d.littleEndian ? 4 : 0));
  return hi === 0 ? lo : -1;
}

export function findSection(elf: ElfFile, name: string): ElfSection | undefined {
  return elf.sections.find((s) => s.name === name);
}

/** Bytes of a section (file-backed), as a malformed-on-overrun view. */
export function sectionView(elf: ElfFile, s: ElfSection): ByteView {
  return elf.view.sub(s.offset, s.fileSize, 'malformed', s.name);
}
