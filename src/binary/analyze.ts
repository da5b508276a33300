/**
 * analyzeBinary: one pure pass over the bytes of an executable. ELF is read in
 * full; Mach-O and PE far enough for sections, build info, pclntab and the strip
 * figure (see docs/binary.md). A non-Go executable yields a report with `go: null`.
 */
import { GoslimError, NotGoBinaryError, TruncatedInputError, UnsupportedFormatError } from '../errors.js';
import { ByteView } from './bytes.js';
import { findVersionString, readBuildInfo, type BuildInfoSource, type GoBuildInfo, type Range } from './buildinfo.js';
import { PF_W, PF_X, PT_LOAD, readElf, vaToOffset, type ElfFile, type ElfSection } from './elf.js';
import type { ExeSection, Executable } from './exe.js';
import { readMachO } from './macho.js';
import { readPE } from './pe.js';
import { binaryFindings, binaryHints } from './findings.js';
import { detectPacker } from './packer.js';
import { detectExecutableFormat, isShortElfPrefix } from './format.js';
import { PackageTally } from './packages.js';
import { versionNeeds } from './symbol-versions.js';
import { attributeBinary, moduleOf, Resolver, STD } from './attribute.js';
import type { SiteOptions } from './sites.js';
import { Loader, type ByteSource } from './source.js';
import { isOutOfRange, PagedBytes } from './paged.js';
import { holds, sparseElfImage, type SparseElf } from './sparse-elf.js';
import { looksLikePclntab, parsePclntab, type FunctionVisitor, type Pclntab, type RunVisitor } from './pclntab.js';
import type { BinaryReport, GoInfo } from './types.js';
import { isAbsolutePath, localReplaces, namesSaving, trimpathRewriter, type TrimpathParts } from './trimpath.js';
import { dwarfTrimpathSavings } from './trimpath-dwarf.js';

export interface AnalyzeOptions {
  /** Shown in the report (`path`); the bytes are what is analyzed. */
  path?: string;
  /** Throw E_NOT_GO_BINARY instead of returning `go: null` for a non-Go executable. */
  requireGo?: boolean;
  /**
   * Whole-file attribution (pclntab per function, symbols, references, embedded files). Default true;
   * false keeps only the .text split per package (what image inspection needs, at a fraction of the cost).
   */
  attribution?: boolean;
}

/**
 * Analyze an executable given as its bytes, or as a ByteSource that reads file ranges on demand
 * (`goslim binary`): then an ELF Go binary (Go 1.18+ build info and pclntab, section headers) is read
 * phase by phase, never whole; anything else is read whole first. The report is the same either way.
 */
export function analyzeBinary(input: Uint8Array | ByteSource, options: AnalyzeOptions = {}): BinaryReport {
  if (input instanceof Uint8Array) return analyzeWith(input, Loader.of(input), null, options);
  const sparse = sparseElfImage(input);
  if (sparse) {
    try {
      return analyzeWith(sparse.image, new Loader(null, input), sparse, options);
    } catch (err) {
      if (err !== NEED_WHOLE_FILE) throw err;
    }
  }
  const whole = new Uint8Array(input.size);
  if (whole.length > 0) input.readInto(whole, 0, 0, whole.length);
  return analyzeWith(whole, Loader.of(whole), null, options);
}

/** Thrown (and caught above) when a sparse read meets something only the whole file answers. */
const NEED_WHOLE_FILE = Symbol('need the whole file');

function analyzeWith(bytes: Uint8Array, loader: Loader, sparse: SparseElf | null, options: AnalyzeOptions): BinaryReport {
  const format = detectExecutableFormat(bytes);
  if (format === 'unknown') {
    if (bytes.length === 0 || isShortElfPrefix(bytes)) {
      throw new TruncatedInputError(`input is ${bytes.length} bytes, too short for an executable header`);
    }
    throw new UnsupportedFormatError('not an executable (no ELF, Mach-O or PE magic)');
  }
  const elf = format === 'elf' ? readElf(bytes) : null;
  const exe = elf ? elfExecutable(elf) : format === 'macho' ? readMachO(bytes) : readPE(bytes);
  // Offsets are the executable's own (a fat Mach-O's slice): bulk reads are views of its bytes.
  if (loader.whole) loader = Loader.of(exe.view.bytes);
  const buildInfo = readBuildInfo(exe.buildInfo);
  if (sparse) {
    // The sparse image holds .go.buildinfo: Go 1.18+ inline build info is read from there alone.
    const bi = exe.sections.find((s) => s.name === '.go.buildinfo');
    const ok = elf !== null && buildInfo !== null && buildInfo.format === 'inline' && bi !== undefined && buildInfo.offset !== undefined &&
      buildInfo.offset >= bi.offset && buildInfo.offset < bi.offset + bi.fileSize && holds(sparse, bi.offset, bi.fileSize) && exe.pclntab !== undefined;
    if (!ok) throw NEED_WHOLE_FILE;
  }
  // One pass over the function table: package sizes and cgo facts, no per-function objects kept.
  const tally = new PackageTally();
  let runtimeCgoSeen = false;
  let cgoGlue = 0;
  const resolver = new Resolver();
  const funcPackages: string[] = [];
  // Names come in package runs: a name in the current run (the tally's and the resolver's fast path)
  // is counted without making its string, unless its package is one whose names cgo's test looks at.
  let prefix = new Uint8Array(0);
  let prefixOf = '';
  const pcln = findExePclntab(exe, loader, {
    visit: (name, size) => {
      tally.add(name, size);
      funcPackages.push(resolver.of(name));
      if (CGO_FUNC.test(name)) {
        cgoGlue += size;
        if (name === 'x_cgo_init' || name.startsWith('_cgo_') || name.startsWith('runtime/cgo.')) runtimeCgoSeen = true;
      }
    },
    same: (size) => {
      tally.addToRun(size);
      funcPackages.push(resolver.runPackage);
    },
    prefix: () => {
      const p = tally.prefix;
      if (p !== prefixOf) {
        prefixOf = p;
        prefix = p === resolver.runPrefix && /^[\x20-\x7e]+$/.test(p) && !CGO_PACKAGES.has(p) ? Buffer.from(p, 'latin1') : new Uint8Array(0);
      }
      return p === resolver.runPrefix ? prefix : EMPTY;
    },
  });
  // The attribution's phases read the 1.18+ layouts; older ones want the whole file.
  if (sparse && (!pcln || (pcln.table.version !== '1.18' && pcln.table.version !== '1.20'))) throw NEED_WHOLE_FILE;
  if (options.requireGo && !buildInfo && !pcln) {
    throw new NotGoBinaryError('no Go build info and no Go pc-line table: not a Go executable');
  }

  const sections = exe.sections.map((s) => ({ name: s.name, size: s.fileSize, compressed: s.compressed }));
  const sectionBytes = sections.reduce((a, s) => a + s.size, 0);
  const { symtab, dwarf, alignment = 0 } = exe.strip;

  const files = pcln?.table.files ?? [];
  const leaked = files.filter(isAbsolutePath);
  // A pclntab without any build info (header and modinfo both gone): still try the version string.
  const goInfo = toGoInfo(buildInfo, pcln, buildInfo === null && pcln !== null ? findVersionString(exe.buildInfo) : null);
  // Where -trimpath saves: the pclntab's file names, and with DWARF its line tables (ELF).
  const rewrite = trimpathRewriter(leaked, goInfo?.main?.path ?? null, goInfo?.path ?? null, localReplaces(goInfo?.deps ?? []));
  const pclntabSaved = namesSaving(leaked, rewrite);
  const dwarfSaved = elf && leaked.length > 0 ? dwarfTrimpathSavings(exe.sections, exe.endian === 'little', (s) => loader.copy({ offset: s.offset, size: s.fileSize }), rewrite) : { dwarfLine: null, gdbScripts: 0 };
  const parts: TrimpathParts = { pclntab: pclntabSaved, ...dwarfSaved };
  const trimpath = {
    leakedPaths: leaked.length,
    files: files.length,
    examples: leaked.slice(0, 5),
    estimatedBytes: parts.pclntab + (parts.dwarfLine ?? 0) + parts.gdbScripts,
    parts,
  };

  const code = pcln ? tally.result() : [];
  const textSec = exe.text;
  const text = textSec?.fileSize ?? 0;
  const attributed = pcln?.table.codeSize ?? 0;

  // runtime/cgo's C side (x_cgo_init, _cgo_*) is in the pclntab even with internal linking.
  const runtimeCgo = runtimeCgoSeen;
  // An external (C) linker lays out crt code before Go's text and records itself in .comment;
  // Go's internal linker starts .text exactly at runtime.text and writes no .comment.
  const textStart = pcln?.table.textStart ?? 0;
  // Only a Go binary has a cgo question: a C program's .comment says nothing about cgo.
  const externalLinking =
    goInfo !== null &&
    (exe.externalLinker ||
    (exe.format === 'elf' && pcln !== null && textSec !== undefined && textStart !== 0 && textSec.addr !== textStart && pcln.table.version !== '1.2'));
  const cgo = { used: runtimeCgo || externalLinking, runtimeCgo, externalLinking, libraries: exe.format === 'elf' ? [...exe.needed] : [] };
  const cgoBytes = Math.max(0, text - attributed) + cgoGlue + exe.dynamicTables;
  const whole =
    options.attribution === false
      ? textOnly(attributeBinary({ bytes, loader, exe, pcln: null, go: goInfo, externalLinking, code, funcPackages: [] }))
      : attributeWhole({ bytes, loader, exe, pcln, go: goInfo, externalLinking, code, funcPackages, sites: siteOptions(goInfo, rewrite) });

  const strip = { symtab, dwarf, alignment, total: symtab + dwarf + alignment };
  // A packed program (UPX) hides its sections, build info and pclntab; a Go binary is never packed.
  const packed = goInfo === null ? detectPacker(bytes) : null;
  const findings = binaryFindings({
    strip,
    trimpath,
    linking: exe.linking,
    // Mach-O and PE are always "dynamic" (dyld, the Windows loader); the cgo lever is an ELF question.
    needed: exe.format === 'elf' ? exe.needed : [],
    interpreter: exe.interpreter,
    cgo,
    go: goInfo,
    sections,
    cgoBytes,
  });
  // Field order follows issue 2's JSON contract, extras after their neighbours.
  return {
    path: options.path ?? null,
    size: bytes.length,
    format,
    arch: exe.arch,
    machine: exe.machine,
    class: exe.class,
    endian: exe.endian,
    type: exe.type,
    linking: exe.linking,
    interpreter: exe.interpreter,
    needed: [...exe.needed],
    rpath: [...exe.rpath],
    runpath: [...exe.runpath],
    versions: { needed: versionNeeds(exe.versionsNeeded ?? []), defined: [...(exe.versionsDefined ?? [])] },
    go: goInfo,
    packed,
    sections,
    layout: { sections: sectionBytes, headersAndPadding: bytes.length - sectionBytes },
    strip,
    trimpath,
    packages: whole.packages,
    modules: whole.modules,
    attribution: whole.attribution,
    files: whole.files,
    embedded: whole.embedded,
    hints: binaryHints({ size: bytes.length, packages: whole.packages, modules: whole.modules, embedded: whole.embedded, needed: exe.format === 'elf' ? exe.needed : [], cgo, go: goInfo, packed }),
    code: { text, attributed, unattributed: Math.max(0, text - attributed) },
    cgo,
    findings,
  };
}

/**
 * Padding the removable sections carry between them (Go 1.19 aligns `.symtab` to 8 after the
 * byte-aligned DWARF): when they are the file's tail — nothing kept (section, segment bytes,
 * section header table) lies at or after the first of them — `-s -w` removes everything from
 * there to the end, so the padding goes too. Otherwise 0 (the sum of the sections is all we can claim).
 */
function stripAlignment(elf: ElfFile, secs: ElfSection[]): number {
  const removable = (s: ElfSection): boolean => s.name === '.symtab' || s.name === '.strtab' || s.name.startsWith('.debug_') || s.name.startsWith('.zdebug_');
  const removed = secs.filter((s) => removable(s) && s.fileSize > 0);
  if (removed.length === 0) return 0;
  const start = Math.min(...removed.map((s) => s.offset));
  const keptEnds = [
    ...secs.filter((s) => !removable(s) && s.fileSize > 0).map((s) => s.offset + s.fileSize),
    ...elf.segments.filter((s) => s.filesz > 0).map((s) => s.offset + s.filesz),
    elf.sectionHeaderTable.size > 0 ? elf.sectionHeaderTable.offset + elf.sectionHeaderTable.size : 0,
  ];
  if (keptEnds.some((e) => e > start)) return 0;
  const sum = removed.reduce((n, s) => n + s.fileSize, 0);
  return Math.max(0, elf.view.length - start - sum);
}

/** The ELF file as the format-neutral Executable the analyzer works on. */
export function elfExecutable(elf: ElfFile): Executable {
  const secs = elf.sections.filter((s) => s.index !== 0);
  let symtab = 0;
  let dwarf = 0;
  let dynamicTables = 0;
  for (const s of secs) {
    if (s.name === '.symtab' || s.name === '.strtab') symtab += s.fileSize;
    else if (s.name.startsWith('.debug_') || s.name.startsWith('.zdebug_')) dwarf += s.fileSize;
    if (DYNAMIC_SECTION.test(s.name)) dynamicTables += s.fileSize;
  }
  const asExe = (s: ElfSection): ExeSection => ({
    name: s.name,
    offset: s.offset,
    fileSize: s.fileSize,
    addr: s.addr,
    compressed: s.compressed,
    ...(s.compressed && s.compression
      ? { compression: { kind: s.compression, headerSize: s.compression === 'zlib-gnu' ? 12 : elf.class === 64 ? 24 : 12, uncompressedSize: s.uncompressedSize } }
      : {}),
  });
  const text = secs.find((s) => s.name === '.text');
  const pcln = secs.find((s) => s.name.endsWith('gopclntab') && s.fileSize > 0);
  return {
    format: 'elf',
    arch: elf.arch,
    machine: elf.machineName,
    class: elf.class,
    endian: elf.endian,
    type: elf.type,
    linking: elf.linking,
    interpreter: elf.interpreter ?? null,
    needed: elf.needed,
    versionsNeeded: elf.versionsNeeded,
    versionsDefined: elf.versionsDefined,
    rpath: elf.rpath,
    runpath: elf.runpath,
    sections: secs.map(asExe),
    text: text ? asExe(text) : undefined,
    pclntab: pcln ? asExe(pcln) : undefined,
    pclntabScan: elf.segments
      .filter((s) => s.type === PT_LOAD && s.filesz > 0 && (s.flags & PF_X) === 0)
      .map((s) => ({ offset: s.offset, size: s.filesz })),
    buildInfo: elfBuildInfoSource(elf),
    strip: { symtab, dwarf, alignment: stripAlignment(elf, secs) },
    externalLinker: secs.some((s) => s.name === '.comment'),
    dynamicTables,
    view: elf.view,
  };
}

const DYNAMIC_SECTION = /^\.(interp|dynamic|dynsym|dynstr|hash|gnu\.hash|gnu\.version.*|rela?(\..*)?|plt.*|got.*)$/;

/** Build-info search ranges for ELF, as debug/buildinfo's elfExe.DataStart does. */
export function elfBuildInfoSource(elf: ElfFile): BuildInfoSource {
  const ranges: Range[] = [];
  const sec = elf.sections.find((s) => s.name === '.go.buildinfo' && s.fileSize > 0);
  if (sec) ranges.push({ offset: sec.offset, size: sec.fileSize });
  const rw = elf.segments.find((s) => s.type === PT_LOAD && (s.flags & (PF_W | PF_X)) === PF_W && s.filesz > 0);
  if (rw) ranges.push({ offset: rw.offset, size: rw.filesz });
  const rodata: Range[] = elf.sections
    .filter((s) => s.name.endsWith('.rodata') && s.fileSize > 0)
    .map((s) => ({ offset: s.offset, size: s.fileSize }));
  if (rodata.length === 0) {
    for (const s of elf.segments) {
      if (s.type === PT_LOAD && (s.flags & (PF_W | PF_X)) === 0 && s.filesz > 0) rodata.push({ offset: s.offset, size: s.filesz });
    }
  }
  return { file: elf.view, ranges, rodata, vaToOffset: (va, size) => vaToOffset(elf, va, size) };
}

export interface FoundPclntab {
  table: Pclntab;
  /** The table's bytes from its first byte. */
  data: Uint8Array;
  offset: number;
  /** Section bytes when found by name, else the extent described by the header. */
  size: number;
}

/** The pclntab as the analysis reads it: through a page cache when the file is read by range. */
interface PagedPclntab {
  table: Pclntab;
  /** The table from its first byte (PagedBytes.of the bytes, or pages of the file). */
  data: PagedBytes;
  offset: number;
  size: number;
}

/**
 * `.gopclntab` by name (suffix match: PIE builds before Go 1.26 use `.data.rel.ro.gopclntab`);
 * otherwise scan non-executable PT_LOADs for a header that parses (stripped section headers).
 */
export function findPclntab(elf: ElfFile, visit?: FunctionVisitor): FoundPclntab | null {
  const found = findExePclntab(elfExecutable(elf), Loader.of(elf.view.bytes), visit);
  return found ? { table: found.table, data: elf.view.bytes.subarray(found.offset, found.offset + found.size), offset: found.offset, size: found.size } : null;
}

function findExePclntab(exe: Executable, loader: Loader, visit?: FunctionVisitor | RunVisitor): PagedPclntab | null {
  const sec = exe.pclntab;
  if (sec) {
    exe.view.check(sec.offset, sec.fileSize);
    const data = PagedBytes.over(loader, { offset: sec.offset, size: sec.fileSize }, { label: 'pclntab' });
    return { table: parsePclntab(data, false, visit), data, offset: sec.offset, size: sec.fileSize };
  }
  const file = exe.view;
  const magics = [0xfffffff1, 0xfffffff0, 0xfffffffa, 0xfffffffb].flatMap((m) => [le32(m), be32(m)]);
  let tries = 0;
  for (const range of exe.pclntabScan) {
    const end = range.offset + range.size;
    for (const magic of magics) {
      let from = range.offset;
      while (from < end && tries < 256) {
        const hit = file.indexOf(magic, from);
        if (hit < 0 || hit >= end) break;
        from = hit + 1;
        if (!looksLikePclntab(file, hit)) continue;
        tries++;
        try {
          // Validate without the visitor first, so a false candidate never reaches it.
          const probe = parsePclntab(file.slice(hit, end - hit));
          if (probe.nfunc === 0) continue;
          const bytes = file.slice(hit, end - hit);
          const table = visit ? parsePclntab(bytes, false, visit) : probe;
          return { table, data: PagedBytes.of(bytes, { label: 'pclntab' }), offset: hit, size: table.extent };
        } catch (err) {
          if (!(err instanceof GoslimError)) throw err;
        }
      }
    }
  }
  return null;
}

/**
 * The main module's packages (the module `main` belongs to), and the package a source file's path
 * names: build paths rewritten as -trimpath would (`module@version/dir/file.go`), `@version` dropped,
 * the module cache's `!x` case escapes undone; the main package's directory is `main`.
 */
function siteOptions(go: GoInfo | null, rewrite: (p: string) => string): SiteOptions | undefined {
  if (!go) return undefined;
  const main = moduleOf('main', go).path;
  if (main === STD || main.startsWith('<')) return undefined;
  const cache = new Map<string, boolean>();
  return {
    isMainPackage: (pkg) => {
      let v = cache.get(pkg);
      if (v === undefined) cache.set(pkg, (v = moduleOf(pkg, go).path === main));
      return v;
    },
    pathPackage: (file) => {
      const p = (isAbsolutePath(file) ? rewrite(file) : file).replace(/\\/g, '/');
      const dir = p.slice(0, Math.max(0, p.lastIndexOf('/')));
      if (dir === '') return null;
      const pkg = dir.replace(/@[^/]*/, '').replace(/!([a-z])/g, (_m, c: string) => c.toUpperCase());
      return pkg === go.path ? 'main' : pkg;
    },
  };
}

function le32(v: number): Uint8Array {
  return Uint8Array.from([v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24]);
}
function be32(v: number): Uint8Array {
  return Uint8Array.from([v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]);
}

function toGoInfo(bi: GoBuildInfo | null, pcln: PagedPclntab | null, scannedVersion: string | null): GoInfo | null {
  if (!bi && !pcln) return null;
  const mi = bi?.modinfo ?? null;
  return {
    version: bi?.version ?? scannedVersion,
    path: mi?.path || null,
    main: mi?.main
      ? { path: mi.main.path, version: mi.main.version, sum: mi.main.sum, ...(mi.main.replace ? { replace: mi.main.replace } : {}) }
      : null,
    deps: (mi?.deps ?? []).map((d) => ({ path: d.path, version: d.version, sum: d.sum, replace: d.replace })),
    settings: { ...(mi?.settings ?? {}) },
    recovered: bi?.recovered ?? pcln !== null,
    buildInfo: bi ? bi.format : 'none',
    pclntab: pcln
      ? { version: pcln.table.version, size: pcln.size, functions: pcln.table.nfunc, files: pcln.table.files.length }
      : null,
  };
}

/**
 * What CGO_ENABLED=0 would remove, estimated from this binary (a floor): runtime/cgo and its
 * C side, the cgo resolver/user-lookup glue in net and os/user, C code outside the pclntab, and
 * the dynamic-linking tables.
 */
const CGO_FUNC = /^(runtime\/cgo\.|_cgo_|x_cgo_|crosscall|(net|os\/user)\.(_C|_cgo|cgo))/;
/** Packages whose names CGO_FUNC can match after the package prefix: never taken as a run. */
const CGO_PACKAGES = new Set(['runtime/cgo', 'net', 'os/user']);
const EMPTY = new Uint8Array(0);

/** Cheap check (one byte search): does the file carry a Go build-info header or the modinfo sentinel? */
export function isGoBinary(bytes: Uint8Array): boolean {
  const v = new ByteView(bytes);
  return v.indexOf(Uint8Array.from([0xff, 0x20, 0x47, 0x6f, 0x20, 0x62, 0x75, 0x69, 0x6c, 0x64, 0x69, 0x6e, 0x66, 0x3a])) >= 0 ||
    v.indexOf(Buffer.from('.gopclntab')) >= 0 ||
    v.indexOf(Buffer.from('runtime.goexit')) >= 0;
}

/** Go code per package (the `.text` column of `packages`), largest first: what `packages` held before issue 15. */
export function codeByPackage(r: Pick<BinaryReport, 'packages' | 'format'>): Array<{ name: string; size: number }> {
  const key = r.format === 'macho' ? '__TEXT,__text' : '.text';
  return r.packages
    .filter((p) => (p.sections[key] ?? 0) > 0)
    .map((p) => ({ name: p.name, size: p.sections[key] as number }))
    .sort((a, b) => b.size - a.size || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Whole-file attribution; tables that point outside the file (a damaged or hostile binary whose
 * headers still parsed) give the section and overhead view only, never a RangeError.
 */
function attributeWhole(input: Parameters<typeof attributeBinary>[0]): ReturnType<typeof attributeBinary> {
  try {
    return attributeBinary(input);
  } catch (err) {
    if (!(err instanceof RangeError) && !isOutOfRange(err)) throw err;
    const r = attributeBinary({ ...input, pcln: null, code: input.code, funcPackages: [] });
    return { ...r, attribution: { ...r.attribution, method: 'pclntab (tables inconsistent: data not attributed)' } };
  }
}

function textOnly(r: ReturnType<typeof attributeBinary>): ReturnType<typeof attributeBinary> {
  return { ...r, attribution: { ...r.attribution, method: 'text only (attribution off)' } };
}
