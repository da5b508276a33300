/**
 * Whole-file attribution (issue 15): every byte of a Go executable to a package, a named overhead
 * tile (ELF headers, DWARF, link tables...) or, honestly, to nobody.
 *
 *  - .text: each function's extent (entry to the next entry) from the pclntab, to its package.
 *  - .gopclntab (1.18+ layouts): each function's functab entry, func record (+ padding to the next
 *    record), pc-value tables (pcsp, pcfile, pcln, pcdata; shared tables counted once, first user
 *    wins); function names to the package the name names (inlined callees included); each
 *    compilation unit's cutab run and the file names it points at to the CU's package.
 *  - funcdata (go.func.*, 1.18+): the offsets in each func record, each item up to the next one.
 *  - .rodata/.noptrdata/.data...: ELF symbol sizes when a symbol table is present; the linker's
 *    zero-size group symbols (type.*, go.string.*) and every data section of a stripped binary are
 *    filled from references found in the code (x86-64 RIP-relative LEA/MOV, arm64 ADRP+ADD/LDR):
 *    each referenced address owns the bytes up to the next referenced address (an estimate).
 *  - symbol table by package (entry + name); DWARF, link tables, build info, dynamic-linking tables,
 *    ELF headers and padding as overhead tiles.
 * See docs/binary.md "Attribution".
 */
import { dwarfSectionData } from './dwarf-data.js';
import { dwarfPackageShares } from './dwarf-units.js';
import { cryptoModule } from './builtins.js';
import { anonStructPackage, isPrefixOf, packageOf, CGO_C, COMPILER_GENERATED, NO_PACKAGE } from './packages.js';
import { DATA_SECTION } from './sections.js';
import type { ExeSection, Executable } from './exe.js';
import { sameRun, type Pclntab } from './pclntab.js';
import { InternalError } from '../errors.js';
import { SCRATCH_SLOT, TEXT_SLOT, type Loader } from './source.js';
import { PagedBytes } from './paged.js';
import { CallGraph, importSites, NO_SITES, type InlinedCode, type SiteOptions } from './sites.js';
import { NO_PAIRS, PairList, type Pairs } from './pairs.js';

import type { Attribution, AttributionSummary, EmbeddedFile, FileAttribution, ModuleAttribution, ModuleFacts, OverheadTile, PackageAttribution, SectionAttribution } from './attribution-types.js';

export type { Attribution, AttributionSummary, EmbeddedFile, FileAttribution, ModuleAttribution, ModuleFacts, OverheadTile, PackageAttribution, SectionAttribution };

export interface AttributeInput {
  /** The file (or, read through a source, its sparse image: headers and small sections only). */
  bytes: Uint8Array;
  /** Reads the bulk (pclntab, symbols, data, code) phase by phase (src/binary/source.ts). */
  loader: Loader;
  exe: Executable;
  /** `data`: the table, from its first byte (through a page cache when the file is read by range). */
  pcln: { offset: number; size: number; table: Pclntab; data: PagedBytes } | null;
  go: ModuleFacts | null;
  /** Charge .text outside the pclntab to `<cgo C code>` (external linking puts crt/C code there). */
  externalLinking: boolean;
  /** Go code per package from the pclntab's function extents (the .text split). */
  code: ReadonlyArray<{ name: string; size: number }>;
  /** Each function's package, in pclntab order (from the pass that read the names). */
  funcPackages: readonly string[];
  /** For the import sites of dependency modules (`modules[].via`); without it none are reported. */
  sites?: SiteOptions;
}


const ELF_HEADERS = 'ELF headers and padding';

/** Accumulates bytes per (package, section) and per section. */
class Ledger {
  private readonly pkgMap = new Map<string, Map<string, number>>();
  private readonly secMap = new Map<string, number>();
  readonly tiles = new Map<string, OverheadTile>();
  estimated = 0;
  // Consecutive adds are mostly to one (package, section): keep a running sum, touch the maps on change.
  private pPkg = '';
  private pSec = '';
  private pN = 0;

  add(pkg: string, section: string, n: number): void {
    if (n <= 0) return;
    if (pkg === this.pPkg && section === this.pSec) {
      this.pN += n;
      return;
    }
    this.flush();
    this.pPkg = pkg;
    this.pSec = section;
    this.pN = n;
  }

  private flush(): void {
    if (this.pN > 0) {
      let m = this.pkgMap.get(this.pPkg);
      if (!m) this.pkgMap.set(this.pPkg, (m = new Map()));
      m.set(this.pSec, (m.get(this.pSec) ?? 0) + this.pN);
      this.secMap.set(this.pSec, (this.secMap.get(this.pSec) ?? 0) + this.pN);
    }
    this.pPkg = '';
    this.pSec = '';
    this.pN = 0;
  }

  get pkgs(): Map<string, Map<string, number>> {
    this.flush();
    return this.pkgMap;
  }

  get bySection(): Map<string, number> {
    this.flush();
    return this.secMap;
  }

  tile(name: string, section: string, n: number): void {
    if (n <= 0) return;
    const key = `${name}\0${section}`;
    const t = this.tiles.get(key);
    if (t) t.size += n;
    else this.tiles.set(key, { name, section, size: n });
    const by = this.bySection;
    by.set(section, (by.get(section) ?? 0) + n);
  }
}

/** Resolves names to packages, reusing the previous answer for runs of one package (names come in package runs). */
class Resolver {
  private prefix = '';
  private pkg = '';
  /** The current run's package prefix ('' when none) and package (what `of` returns on its fast path). */
  get runPrefix(): string {
    return this.prefix;
  }
  get runPackage(): string {
    return this.pkg;
  }
  of(name: string): string {
    const p = this.prefix;
    if (p !== '' && name.startsWith(p) && name.charCodeAt(p.length) === 0x2e && name.indexOf('/', p.length) < 0 && name.indexOf('[', p.length) < 0) {
      return this.pkg;
    }
    const pkg = symbolPackage(name);
    this.pkg = pkg;
    this.prefix = isPrefixOf(pkg, name) ? pkg : '';
    return pkg;
  }
}

/** Package of a data symbol: packageOf plus the linker's data-only names. */
/** Package of a name, reusing the previous answer for runs of one package (names come in package runs). */
export { Resolver };

export function symbolPackage(name: string): string {
  const c = name.charCodeAt(0);
  if (c === 0x24 /* $ */) return COMPILER_GENERATED; // $f64.*, $i64.* constants
  if (c === 0x67 /* g */ && (name.startsWith('go.itab.') || name.startsWith('go:itab.'))) {
    // go.itab.*net/http.Server,io.Writer: the concrete type's package.
    const t = name.slice(8).replace(/^\*/, '');
    // An anonymous struct type's literal may hold commas (tags): its own reading.
    if (t.startsWith('struct {')) return anonStructPackage(t);
    const comma = t.indexOf(',');
    const p = packageOf(comma > 0 ? t.slice(0, comma) : t);
    return p === NO_PACKAGE ? COMPILER_GENERATED : p;
  }
  if (c === 0x74 /* t */ && (name.startsWith('type.') || name.startsWith('type:'))) {
    if (name.startsWith('type..') || name.startsWith('type:.')) return COMPILER_GENERATED;
    const t = name.slice(5).replace(/^[*[\]0-9]+/, '');
    const p = packageOf(t);
    return p === NO_PACKAGE ? COMPILER_GENERATED : p;
  }
  return packageOf(name);
}

interface Sec {
  name: string;
  offset: number;
  addr: number;
  size: number;
  exec: boolean;
}

export function attributeBinary(input: AttributeInput): Attribution {
  const { exe, pcln } = input;
  // Offsets are relative to the executable's own bytes (a fat Mach-O's slice), sizes to the whole file.
  const fileSize = input.bytes.length;
  const loader = input.loader;
  const L = new Ledger();
  const secs: Sec[] = exe.sections
    .filter((s) => s.fileSize > 0)
    .map((s) => ({ name: s.name, offset: s.offset, addr: s.addr, size: s.fileSize, exec: s === exe.text || /text/.test(s.name) }));
  const textSec = exe.text;
  const pclnName = exe.pclntab?.name ?? '.gopclntab';
  const le = exe.endian === 'little';
  const ptr = exe.class === 64 ? 8 : 4;

  // ---- functions: .text and .gopclntab ----
  const funcs = pcln && input.funcPackages.length === pcln.table.nfunc ? walkFunctions(pcln.data, pcln, input.funcPackages, L, pclnName, input.sites ?? NO_SITES) : null;
  const fileSizes = funcs?.fileSizes ?? new Map<string, number>();
  let textAttributed = 0;
  for (const { name, size } of input.code) {
    L.add(name, textSec?.name ?? '.text', size);
    textAttributed += size;
  }
  if (textSec && textSec.fileSize > textAttributed && input.externalLinking) {
    // crt and C code a C linker placed in .text, outside the pclntab: no Go package describes it.
    L.tile('C code outside the pclntab (crt, cgo)', textSec.name, textSec.fileSize - textAttributed);
  }

  // ---- symbols ----
  // A non-Go executable's symbols are C names, not packages: it gets only the section and overhead view.
  const symtab = exe.format === 'elf' && pcln ? readSymbols(loader, exe, le, ptr, L) : null;
  let method = '';
  const covered = new Map<string, Array<[number, number]>>(); // section -> sorted covered VA intervals
  const secOf = (va: number): Sec | undefined => secs.find((s) => !s.exec && s.addr > 0 && va >= s.addr && va < s.addr + s.size);
  /** Attributed data intervals (VA) and their package: where pass 2 looks for pointers. */
  const own = new Owned();
  /** Mark [a, b) of a section covered (adjacent intervals merge). */
  const cover = (sec: string, a: number, b: number): void => {
    let list = covered.get(sec);
    if (!list) covered.set(sec, (list = []));
    const last = list[list.length - 1];
    if (last && last[1] === a) last[1] = b;
    else list.push([a, b]);
  };
  let gofunc: number | undefined;
  let gofuncEnd: number | undefined;
  if (symtab && symtab.syms.length > 0) {
    method = 'symbols';
    const syms = symtab.syms; // sorted by address
    for (let i = 0; i < syms.length; i++) {
      const s = syms[i]!;
      const sec = secOf(s.value);
      if (!sec) continue;
      if (s.size === 0) {
        // The linker's group symbol for funcdata: placed exactly from the func records below.
        if (GOFUNC_SYMBOL.test(s.name)) {
          gofunc = s.value;
          gofuncEnd = Math.min(nextSymbolAddress(syms, i) ?? sec.addr + sec.size, sec.addr + sec.size);
        }
        continue;
      }
      const end = Math.min(s.value + s.size, sec.addr + sec.size);
      const list = covered.get(sec.name);
      const prevEnd = list && list.length > 0 ? list[list.length - 1]![1] : 0;
      const start = Math.max(s.value, prevEnd);
      if (end <= start) continue;
      cover(sec.name, start, end);
      const pkg = symbolPackage(s.name);
      L.add(pkg, sec.name, end - start);
      own.push(start, end, pkg);
    }
  }

  // ---- the data sections, where they lie in the file (through a page cache when it is read by range) ----
  const dv = PagedBytes.over(loader, { offset: 0, size: loader.size }, { littleEndian: le, label: 'data sections', maxPages: 4 });
  const dsecs: Sec[] = secs;
  const word = (o: number): number => (ptr === 8 ? dv.u32(o + (le ? 4 : 0)) * 2 ** 32 + dv.u32(o + (le ? 0 : 4)) : dv.u32(o));

  // ---- moduledata (stripped binaries: where go.func.* starts) ----
  if (gofunc === undefined && pcln && exe.pclntab && (pcln.table.version === '1.18' || pcln.table.version === '1.20')) {
    const md = findModuledata(dsecs, exe.pclntab.addr, word, ptr, pcln.table.version);
    if (md) {
      gofunc = md.gofunc;
      // Funcdata items sit between gofunc and the end of the read-only section that holds it.
      const s = secOf(md.gofunc);
      gofuncEnd = s ? s.addr + s.size : undefined;
    }
  }

  // ---- funcdata ----
  if (funcs && gofunc !== undefined && gofuncEnd !== undefined && funcs.funcdata.length > 0) {
    const sec = secOf(gofunc);
    if (sec) {
      // By offset, then function index (pushed in index order; the sort is stable).
      const fd = funcs.funcdata.sorted();
      placeFuncdata(fd, funcs.ranges.pkg, gofunc, gofuncEnd - gofunc, symtab !== null, (pkg, a, b) => {
        L.add(pkg, sec.name, b - a);
        cover(sec.name, a, b);
        own.push(a, b, pkg);
      });
    }
  }

  // ---- references: fill the uncovered gaps of every data section ----
  // With a symbol table the gaps are the group symbols' contents (type.*, go.string.*) and data the
  // linker names no symbol for; stripped, they are whole sections (less funcdata). Pass 1: addresses
  // referenced from each function's code; pass 2: pointers stored in data already attributed
  // (type descriptors pointing at names and other types, tables pointing at arrays).
  const dataGaps = (): Array<{ start: number; end: number; sec: Sec }> => {
    const out: Array<{ start: number; end: number; sec: Sec }> = [];
    for (const s of secs) {
      if (s.exec || s.addr === 0 || !DATA_SECTION.test(s.name)) continue;
      const list = covered.get(s.name) ?? [];
      list.sort((x, y) => x[0] - y[0]);
      for (const [a, b] of gaps(list, s.addr, s.addr + s.size)) out.push({ start: a, end: b, sec: s });
    }
    return out.sort((a, b) => a.start - b.start);
  };
  /** Each referenced address owns the bytes up to the next referenced address (or its gap's end). */
  const fill = (targets: ReadonlyArray<{ start: number; end: number; sec: Sec }>, refs: RefList): void => {
    const { keys, vals } = refs.refs;
    if (keys.length === 0) return;
    let t = 0;
    for (let i = 0; i < keys.length; ) {
      const rel = keys[i]!;
      const va = refs.lo + rel;
      // The first reference (lowest function or item index) to an address decides its package.
      const pkg = refs.pkgOf(vals[i]!);
      let j = i + 1;
      while (j < keys.length && keys[j]! === rel) j++;
      const next = j < keys.length ? refs.lo + keys[j]! : Infinity;
      i = j;
      while (t < targets.length && targets[t]!.end <= va) t++;
      if (t >= targets.length) break;
      const region = targets[t]!;
      if (va < region.start) continue;
      const end = Math.min(next, region.end);
      L.add(pkg, region.sec.name, end - va);
      L.estimated += end - va;
      own.push(va, end, pkg);
      cover(region.sec.name, va, end);
    }
  };
  let calls: CallGraph | null = null;
  if (funcs && textSec && (exe.arch === 'amd64' || exe.arch === 'arm64')) {
    let targets = dataGaps();
    calls = input.sites ? new CallGraph(funcs.ranges, funcs.inlined, textSec) : null;
    const bits = { buf: new Uint8Array(0) };
    const refs = scanReferences(loader, exe.arch, textSec, funcs.ranges, targets, le, calls, bits);
    if (targets.length > 0) {
      fill(targets, refs);
      method = method ? `${method}+references` : 'references';
    }
    // Round 2 reads only what round 1 placed: a pointer in older data into what is still a gap
    // would have been found in round 1, which covers every address it finds.
    let scanned = 0;
    for (let round = 0; round < 2; round++) {
      targets = dataGaps();
      if (targets.length === 0) break;
      const from = scanned;
      scanned = own.length;
      fill(targets, scanDataPointers(dv, ptr, dsecs, own, targets, from, bits));
    }
  }
  if (!method) method = funcs ? 'pclntab' : 'sections';

  // ---- DWARF by package (unstripped ELF): each compile unit's .debug_info and line program ----
  // Not in the text-only pass (pcln null: image inspection and build, which only want .text per package).
  if (exe.format === 'elf' && pcln !== null) {
    const byName = new Map(exe.sections.map((s) => [s.name, s]));
    const stored = (name: string): Buffer | undefined => {
      const s = byName.get(name)!;
      return dwarfSectionData(loader.copy({ offset: s.offset, size: s.fileSize }), s);
    };
    const shares = dwarfPackageShares(exe.sections, stored, le);
    for (const [section, pkgs] of shares) for (const [pkg, n] of pkgs) L.add(pkg, section, n);
  }

  // ---- overhead tiles ----
  let sectionBytes = 0;
  for (const s of exe.sections) {
    sectionBytes += s.fileSize;
    // A tile takes what symbols did not already place (runtime.typelink, go.buildinfo are sized symbols).
    const rest = s.fileSize - (L.bySection.get(s.name) ?? 0);
    if (rest <= 0) continue;
    const n = s.name;
    const bare = n.replace(/^__[A-Z_]+,/, '').replace(/^__/, '.').replace(/^\.data\.rel\.ro\./, '.');
    if (/^\.z?debug_|^\.zdebug|__DWARF/.test(n) || /^\.z?debug_/.test(bare)) L.tile('DWARF', n, rest);
    else if (bare === '.typelink' || bare === '.itablink') L.tile('Go type and itab link tables', n, rest);
    else if (bare === '.go.buildinfo' || n === '.note.go.buildid' || n === '.note.gnu.build-id') L.tile('Go build info and build ID', n, rest);
    else if (n === '.shstrtab') L.tile(ELF_HEADERS, n, rest);
    else if (DYNAMIC.test(n)) L.tile('dynamic-linking tables', n, rest);
    else if (C_RUNTIME.test(n)) L.tile('C runtime and linker sections', n, rest);
    else if (bare === '.gosymtab') L.tile('Go runtime tables', n, rest);
  }
  const headers = fileSize - sectionBytes;
  if (headers > 0) L.tile(ELF_HEADERS, '(no section)', headers);
  if (symtab) {
    // What the per-symbol split did not reach: the null entry, the string table's first byte.
    L.tile('symbol table', '.symtab', symtab.symtabSize - (L.bySection.get('.symtab') ?? 0));
    L.tile('symbol table', '.strtab', symtab.strtabSize - (L.bySection.get('.strtab') ?? 0));
  }
  if (pcln && !funcs) L.tile('pc-line table (layout before Go 1.18: not split by function)', pclnName, pcln.size);

  // ---- results ----
  const packages: PackageAttribution[] = [...L.pkgs].map(([name, m]) => {
    const sections: Record<string, number> = {};
    let size = 0;
    for (const [s, n] of [...m].sort((a, b) => b[1] - a[1])) {
      sections[s] = n;
      size += n;
    }
    return { name, size, sections };
  });
  packages.sort((a, b) => b.size - a.size || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  const sectionsOut: SectionAttribution[] = [];
  let attributed = 0;
  for (const s of exe.sections) {
    if (s.fileSize === 0) continue;
    const a = Math.min(s.fileSize, L.bySection.get(s.name) ?? 0);
    attributed += a;
    sectionsOut.push({ name: s.name, size: s.fileSize, attributed: a, unattributed: s.fileSize - a });
  }
  if (headers > 0) {
    attributed += headers;
    sectionsOut.push({ name: '(no section)', size: headers, attributed: headers, unattributed: 0 });
  }
  sectionsOut.sort((a, b) => b.unattributed - a.unattributed || b.size - a.size);
  const overhead = [...L.tiles.values()].sort((a, b) => b.size - a.size);

  const files = [...fileSizes].map(([name, size]) => ({ name, size })).sort((a, b) => b.size - a.size || (a.name < b.name ? -1 : 1));
  const modules = rollUpModules(packages, input.go);
  if (calls && input.sites) {
    const go = input.go;
    const mods = new Map<string, string>();
    const modOf = (pkg: string): string => {
      let m = mods.get(pkg);
      if (m === undefined) mods.set(pkg, (m = moduleOf(pkg, go).path));
      return m;
    };
    const isDep = (m: string): boolean => isDependencyModule(m, go);
    const via = importSites(calls, input.sites.isMainPackage, modOf, isDep);
    for (const m of modules) if (isDep(m.path)) m.via = via.get(m.path) ?? [];
  }
  return {
    packages,
    modules,
    files,
    attribution: {
      total: fileSize,
      attributed,
      unattributed: fileSize - attributed,
      method,
      sections: sectionsOut,
      overhead,
      estimated: L.estimated,
    },
    embedded: pcln ? findEmbedFiles(dv, le, ptr, dsecs) : [],
  };
}

function sha256Prefix(dv: PagedBytes, off: number, n: number): string {
  const h = cryptoModule().createHash('sha256');
  dv.chunks(off, n, (c) => void h.update(c));
  return h.digest('hex').slice(0, 32);
}

function hashMatches(sha: string, stored: string): boolean {
  if (sha === stored) return true;
  const not = Buffer.from(sha, 'hex').map((b) => b ^ 0xff);
  return Buffer.from(not).toString('hex') === stored;
}

function hex(dv: PagedBytes, off: number, n: number): string {
  return Buffer.from(dv.slice(off, n)).toString('hex');
}

/**
 * embed.FS file tables: an embed.FS is a pointer to a `[]file` whose elements are
 * {name string, data string, hash [16]byte} (src/embed/embed.go), sorted by name, directories
 * ending in '/' with no data. Found by scanning data sections for a slice header {ptr, n, n} whose
 * n records all validate (printable names, data inside the file, directories empty).
 */
function findEmbedFiles(scan: PagedBytes, le: boolean, ptr: number, secs: readonly Sec[]): EmbeddedFile[] {
  // The scan and the tables it finds read different places: a cache each.
  const dv = scan.fork({ label: 'embed tables', pageSize: 1 << 12, maxPages: 64 });
  const rd = (o: number): number => (ptr === 8 ? dv.u64OrMinus1(o) : dv.u32(o));
  const data = secs.filter((x) => !x.exec && x.addr > 0 && DATA_SECTION.test(x.name));
  for (const x of data) if (x.offset < 0) throw new InternalError(`attribution: ${x.name} was not loaded`);
  const toOff = (va: number, n: number): number => {
    for (const x of data) if (va >= x.addr && va + n <= x.addr + x.size) return x.offset + (va - x.addr);
    return -1;
  };
  const rec = 4 * ptr + 16;
  const out: EmbeddedFile[] = [];
  const tables = new Set<number>();
  // Fast rejection on aligned 32-bit words of a little-endian file: a slice header's length and
  // capacity have equal low halves in [1, 100000] (rd below checks the rest).
  const prefilter = le;
  for (const x of data) {
    if (tables.size >= 64) break;
    for (let o = x.offset, last = x.offset + x.size - 3 * ptr; o <= last; o += ptr) {
      if (prefilter && (o & 3) === 0) {
        o = nextSliceHeader(scan, o, last, ptr);
        if (o > last) break;
      }
      const n = rd(o + ptr);
      if (n < 1 || n > 100_000 || rd(o + 2 * ptr) !== n) continue;
      const p = rd(o);
      if (p <= 0 || tables.has(p)) continue;
      const base = toOff(p, n * rec);
      if (base < 0) continue;
      const files: Array<EmbeddedFile & { hash: number; data: number }> = [];
      let ok = true;
      let prev = '';
      for (let i = 0; i < n && ok; i++) {
        const r = base + i * rec;
        const np = rd(r);
        const nl = rd(r + ptr);
        const dp = rd(r + 2 * ptr);
        const dl = rd(r + 3 * ptr);
        if (nl < 1 || nl > 4096 || dl < 0 || (dl > 0 && dp <= 0)) ok = false;
        else {
          const no = toOff(np, nl);
          if (no < 0 || (dl > 0 && toOff(dp, dl) < 0)) ok = false;
          else {
            let name = '';
            for (let k = 0; k < nl && ok; k++) {
              const c = dv.u8(no + k);
              if (c < 0x20 || c === 0x7f) ok = false;
              else name += String.fromCharCode(c);
            }
            const dir = name.endsWith('/');
            if (!ok || (dir && dl !== 0) || name.startsWith('/') || name === prev) ok = false;
            else if (!dir) files.push({ name, size: dl, hash: r + 4 * ptr, data: toOff(dp, dl) });
            prev = name;
          }
        }
      }
      // The compiler stores each file's SHA-256 truncated to 16 bytes (Go 1.19's compiler: its bitwise NOT,
      // cmd/internal/notsha256): a table is embed's only if every hash matches.
      if (ok && files.length > 0 && files.every((f) => hashMatches(sha256Prefix(dv, f.data, f.size), hex(dv, f.hash, 16)))) {
        tables.add(p);
        out.push(...files.map((f) => ({ name: f.name, size: f.size })));
        if (tables.size >= 64) break;
      }
    }
  }
  return out.sort((a, b) => b.size - a.size || (a.name < b.name ? -1 : 1));
}

/**
 * The first o' >= o (o, o + ptr, ...; 4-byte aligned) at most `last` where a slice header's length
 * and capacity have equal low halves in [1, 100000], or a value past `last`. A small function of its
 * own: the loop over megabytes of data is compiled early instead of running long unoptimized.
 */
function nextSliceHeader(words: PagedBytes, o: number, last: number, ptr: number): number {
  for (; o <= last; o += ptr) {
    const lenLo = words.u32(o + ptr);
    if (lenLo !== 0 && lenLo <= 100_000 && lenLo === words.u32(o + 2 * ptr)) return o;
  }
  return o;
}

/** References: address - lo, and the index of the referencing function or item, sorted by address. */
interface RefList {
  lo: number;
  /** One pair per referenced address (its first reference), by address. */
  refs: Pairs;
  pkgOf: (index: number) => string;
}
/** Bound on the function or item index of a reference (kept from when references were packed in doubles). */
const REF_SHIFT = 2 ** 24;

/** Import-site keys: package id * FILE_SHIFT + file-table offset. */
const FILE_SHIFT = 2 ** 24;

/** Bound on the function index of a funcdata reference (kept from when they were packed in doubles). */
const FD_SHIFT = 2 ** 21;
const GOFUNC_SYMBOL = /^go[.:]func\.\*$/;
const DYNAMIC = /^\.(interp|dynamic|dynsym|dynstr|hash|gnu\.hash|gnu\.version.*|rela?(\..*)?|plt.*|got.*)$/;
const C_RUNTIME = /^\.(init|fini|init_array|fini_array|eh_frame.*|comment|note\.ABI-tag|tbss|tdata|ctors|dtors|jcr)$/;

function nextSymbolAddress(syms: readonly Sym[], i: number): number | undefined {
  const v = syms[i]!.value;
  for (let j = i + 1; j < syms.length && j < i + 4096; j++) if (syms[j]!.value > v) return syms[j]!.value;
  return undefined;
}

/** Uncovered parts of [start, end) given sorted covered intervals. */
function gaps(covered: ReadonlyArray<[number, number]>, start: number, end: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let pos = start;
  for (const [a, b] of covered) {
    if (b <= pos) continue;
    if (a >= end) break;
    if (a > pos) out.push([pos, a]);
    pos = Math.max(pos, b);
  }
  if (pos < end) out.push([pos, end]);
  return out;
}

// ---------------------------------------------------------------------------------------------
// pclntab walk (1.18 and 1.20 layouts)

interface FuncWalk {
  /** Per function: entry and end (VA - base: 32-bit table offsets), package, in address order. */
  ranges: { start: Uint32Array; end: Uint32Array; base: number; pkg: readonly string[] };
  /** Funcdata references: (offset, function index), in function order. */
  funcdata: PairList;
  fileSizes: Map<string, number>;
  /** What the pcfile tables say about inlined code, for the import sites (sites.ts). */
  inlined: InlinedCode;
}

function walkFunctions(
  table: PagedBytes,
  pcln: NonNullable<AttributeInput['pcln']>,
  funcPkgs: readonly string[],
  L: Ledger,
  section: string,
  sites: SiteOptions,
): FuncWalk | null {
  const t = pcln.table;
  if (t.version !== '1.18' && t.version !== '1.20') return null;
  // `table` is the pclntab from its first byte. Three access streams, each through a cache of its own
  // (a page cache when the file is read by range): function table and records, pc-value tables, the rest.
  const base = 0;
  const end = base + pcln.size;
  const le = t.littleEndian;
  const ps = t.ptrSize;
  const recs = table.fork({ littleEndian: le, label: 'pclntab function table' });
  // Shared pc-value tables are read again wherever they lie: small pages, many of them.
  const pct = table.fork({ littleEndian: le, label: 'pclntab pc-value tables', pageSize: 1 << 12, maxPages: 128 });
  const bytes = table.fork({ littleEndian: le, label: 'pclntab names' });
  const u32 = (o: number): number => recs.u32(o);
  const hw = (i: number): number =>
    ps === 8 ? recs.u32(base + 8 + i * 8 + (le ? 4 : 0)) * 2 ** 32 + recs.u32(base + 8 + i * 8 + (le ? 0 : 4)) : recs.u32(base + 8 + i * 4);
  const nfunc = hw(0);
  const textStart = hw(2);
  const funcnameOff = base + hw(3);
  const cutabOff = base + hw(4);
  const filetabOff = base + hw(5);
  const pctabOff = base + hw(6);
  const functab = base + hw(7);
  if (!(funcnameOff <= cutabOff && cutabOff <= filetabOff && filetabOff <= pctabOff && pctabOff <= functab && functab + (nfunc * 2 + 1) * 4 <= end)) return null;
  const hdrEnd = 8 + 8 * ps;
  L.tile('pc-line table header', section, Math.min(hdrEnd, funcnameOff - base));
  const recHdr = t.version === '1.20' ? 44 : 40;
  const quantum = t.quantum;

  const startArr = new Uint32Array(nfunc);
  const endArr = new Uint32Array(nfunc);
  // Funcdata references: only the first (lowest function index) to each offset decides an item's
  // package (placeFuncdata), so later ones are not kept: fewer distinct items than functions in the
  // binaries measured (kubectl 1.29: 42,328 for 67,249 functions), so room for nfunc is one allocation.
  // Offsets past the table's size (not seen in real binaries) are kept without the check: bounded bits.
  const fdCap = table.size;
  const fdSeen = new GrowBits();
  const funcdata = new PairList(nfunc);
  const packFd = nfunc < FD_SHIFT;
  const pkgSection = new Map<string, number>();
  let apPkg = '';
  let apN = 0;
  const addP = (pkg: string, n: number): void => {
    if (pkg === apPkg) {
      apN += n;
      return;
    }
    if (apN > 0) pkgSection.set(apPkg, (pkgSection.get(apPkg) ?? 0) + apN);
    apPkg = pkg;
    apN = n;
  };
  const pctabLen = functab - pctabOff;
  const ncu = Math.floor((filetabOff - cutabOff) / 4);
  const seen = new Uint8Array((pctabLen >>> 3) + 1); // a bit per pctab byte: tables already charged
  const cuPkg = new Map<number, string>();
  const fileBytesByOff = new Map<number, number>();
  // Import sites: each file's home package, the (package id, file) pairs of inlined code, main-module ranges.
  const homeOf = new Map<number, string>();
  const pkgIds = new Map<string, number>();
  const pkgNames: string[] = [];
  const inlinedKeys = new Set<number>();
  const mainFunc: number[] = [];
  const mainStart: number[] = [];
  const mainEnd: number[] = [];
  const mainFile: number[] = [];
  let isMain = false;
  let curPkgId = 0;
  let curFunc = 0;

  /** Length in bytes of the pc-value table at pctab offset `off` (terminated by a zero value delta after the first entry). */
  const tableLen = (off: number): number => {
    let p = pctabOff + off;
    const stop = functab;
    let first = true;
    for (;;) {
      if (p >= stop) return 0;
      if (pct.u8(p) === 0 && !first) return p + 1 - (pctabOff + off);
      // value delta, then pc delta (uvarints)
      while (p < stop && pct.u8(p) & 0x80) p++;
      p++;
      while (p < stop && pct.u8(p) & 0x80) p++;
      p++;
      first = false;
    }
  };
  const charge = (off: number, pkg: string): void => {
    if (off === 0 || off >= pctabLen || seen[off >>> 3]! & (1 << (off & 7))) return;
    seen[off >>> 3]! |= 1 << (off & 7);
    addP(pkg, tableLen(off));
  };

  let prevRec = -1;
  let prevPkg = '';
  for (let i = 0; i < nfunc; i++) {
    const e0 = u32(functab + i * 8);
    const e1 = u32(functab + (i + 1) * 8);
    const rec = functab + u32(functab + i * 8 + 4);
    if (rec + recHdr > end) return null;
    const pkg = funcPkgs[i]!;
    startArr[i] = e0;
    endArr[i] = e1;
    addP(pkg, 8); // functab entry
    if (prevRec >= 0 && rec > prevRec) addP(prevPkg, rec - prevRec);
    prevRec = rec;
    prevPkg = pkg;
    const pcsp = u32(rec + 16);
    const pcfile = u32(rec + 20);
    const pcln = u32(rec + 24);
    const npcdata = u32(rec + 28);
    const cuOff = u32(rec + 32);
    const nfuncdata = recs.u8(rec + recHdr - 1);
    if (rec + recHdr + 4 * (npcdata + nfuncdata) > end) return null;
    if (cuOff < ncu && !cuPkg.has(cuOff)) cuPkg.set(cuOff, pkg);
    charge(pcsp, pkg);
    charge(pcln, pkg);
    if (pcfile !== 0 && pcfile < pctabLen) {
      if (!(seen[pcfile >>> 3]! & (1 << (pcfile & 7)))) {
        seen[pcfile >>> 3]! |= 1 << (pcfile & 7);
        addP(pkg, tableLen(pcfile));
      }
      isMain = sites.isMainPackage(pkg);
      curFunc = i;
      let id = pkgIds.get(pkg);
      if (id === undefined) {
        id = pkgNames.length;
        pkgIds.set(pkg, id);
        pkgNames.push(pkg);
      }
      curPkgId = id;
      fileCode(pcfile, cuOff, e0, e1);
    }
    for (let k = 0; k < npcdata; k++) charge(u32(rec + recHdr + 4 * k), pkg);
    for (let k = 0; k < nfuncdata; k++) {
      const off = u32(rec + recHdr + 4 * npcdata + 4 * k);
      if (off !== 0xffffffff && packFd && (off >= fdCap || !fdSeen.testAndSet(off))) funcdata.push(off, i);
    }
  }
  if (prevRec >= 0 && end > prevRec) addP(prevPkg, end - prevRec); // last record + trailing padding
  L.tile('pc-line table header', section, 4); // functab end entry

  // Function names (inlined callees too) to the package the name names.
  // Names come in package runs: while a name is `<prefix>.<rest>` with no '/' or '[' in the rest (the
  // Resolver's fast path, here on the bytes), it is the run's package and no string is made for it.
  nameBytes(bytes, funcnameOff, cutabOff, addP, () => L.tile('pc-line table header', section, 1));
  // cutab runs and the file names they point at, to the CU's package.
  cuFiles(bytes, cuPkg, ncu, cutabOff, filetabOff, pctabOff, addP);
  addP('', 0); // flush the running sum
  for (const [pkg, n] of pkgSection) L.add(pkg, section, n);

  const fileSizes = new Map<string, number>();
  for (const [fo, n] of fileBytesByOff) {
    const name = pagedCstr(bytes, filetabOff + fo, pctabOff);
    fileSizes.set(name, (fileSizes.get(name) ?? 0) + n);
  }
  // Each file's package: its home (functions start there), else its directory's, else its path's.
  const nameOf = (fo: number): string => pagedCstr(bytes, filetabOff + fo, pctabOff);
  const dirHome = new Map<string, string>();
  for (const [fo, pkg] of homeOf) {
    const n = nameOf(fo);
    const d = n.slice(0, Math.max(n.lastIndexOf('/'), n.lastIndexOf('\\')));
    if (!dirHome.has(d)) dirHome.set(d, pkg);
  }
  const filePkgCache = new Map<number, string | null>();
  const filePkg = (fo: number): string | null => {
    let p = filePkgCache.get(fo);
    if (p !== undefined) return p;
    const n = nameOf(fo);
    if (n.startsWith('<')) p = null; // <autogenerated>
    else {
      const d = n.slice(0, Math.max(n.lastIndexOf('/'), n.lastIndexOf('\\')));
      p = homeOf.get(fo) ?? dirHome.get(d) ?? sites.pathPackage(n);
    }
    filePkgCache.set(fo, p);
    return p;
  };
  const edges: Array<[string, string]> = [];
  for (const k of inlinedKeys) {
    const from = pkgNames[Math.floor(k / FILE_SHIFT)]!;
    const to = filePkg(k % FILE_SHIFT);
    if (to !== null && to !== from) edges.push([from, to]);
  }
  const mainPkg = mainFile.map((fo, k) => filePkg(fo) ?? funcPkgs[mainFunc[k]!]!);
  const inlined: InlinedCode = { edges, main: { func: mainFunc, start: mainStart, end: mainEnd, pkg: mainPkg } };
  return { ranges: { start: startArr, end: endArr, base: textStart, pkg: funcPkgs }, funcdata, fileSizes, inlined };

  /** Decode a pcfile table: code bytes per file (CU-local index through cutab). */
  function funcPkgName(): string {
    return pkgNames[curPkgId]!;
  }

  function fileCode(off: number, cuOff: number, e0: number, e1: number): void {
    let fo0 = -1;
    let p = pctabOff + off;
    let val = -1;
    let pc = e0;
    let first = true;
    for (let guard = 0; guard < 1 << 20; guard++) {
      if (p >= functab) return;
      let uv = 0;
      let shift = 0;
      let b: number;
      do {
        b = pct.u8(p++);
        uv += (b & 0x7f) * 2 ** shift;
        shift += 7;
      } while (b & 0x80 && p < functab);
      if (uv === 0 && !first) return;
      let pd = 0;
      shift = 0;
      do {
        b = pct.u8(p++);
        pd += (b & 0x7f) * 2 ** shift;
        shift += 7;
      } while (b & 0x80 && p < functab);
      first = false;
      val += uv % 2 === 1 ? -((uv + 1) / 2) : uv / 2;
      const next = Math.min(pc + pd * quantum, e1);
      if (val >= 0 && next > pc) {
        const k = cuOff + val;
        if (k < ncu) {
          const fo = bytes.u32(cutabOff + k * 4);
          if (fo !== 0xffffffff) {
            fileBytesByOff.set(fo, (fileBytesByOff.get(fo) ?? 0) + (next - pc));
            if (fo0 < 0) {
              // The function's first range is its own file.
              fo0 = fo;
              if (!homeOf.has(fo)) homeOf.set(fo, funcPkgName());
            } else if (fo !== fo0 && fo < FILE_SHIFT) {
              inlinedKeys.add(curPkgId * FILE_SHIFT + fo);
              if (isMain) {
                mainFunc.push(curFunc);
                mainStart.push(textStart + pc);
                mainEnd.push(textStart + next);
                mainFile.push(fo);
              }
            }
          }
        }
      }
      pc = next;
      if (pc >= e1) return;
    }
  }
}

/** A bit per non-negative integer, growing as larger ones are set (callers bound them). */
class GrowBits {
  private b = new Uint8Array(1 << 12);
  /** Was bit k set? Sets it. */
  testAndSet(k: number): boolean {
    const i = Math.floor(k / 8);
    if (i >= this.b.length) {
      const nb = new Uint8Array(Math.max(this.b.length * 2, i + 1));
      nb.set(this.b);
      this.b = nb;
    }
    const bit = 1 << (k & 7);
    if (this.b[i]! & bit) return true;
    this.b[i]! |= bit;
    return false;
  }
  clear(): void {
    this.b.fill(0);
  }
}

/** Each compilation unit's cutab run, and the file names it points at (each once), to the unit's package. */
function cuFiles(
  bytes: PagedBytes,
  cuPkg: ReadonlyMap<number, string>,
  ncu: number,
  cutabOff: number,
  filetabOff: number,
  pctabOff: number,
  addP: (pkg: string, n: number) => void,
): void {
  const cus = [...cuPkg.keys()].sort((a, b) => a - b);
  const fileSeen = new Set<number>();
  for (let c = 0; c < cus.length; c++) {
    const from = cus[c]!;
    const to = Math.min(ncu, c + 1 < cus.length ? cus[c + 1]! : ncu);
    if (to <= from || from >= ncu) continue;
    const pkg = cuPkg.get(from)!;
    addP(pkg, (to - from) * 4);
    for (let k = from; k < to; k++) {
      const fo = bytes.u32(cutabOff + k * 4);
      if (fo === 0xffffffff || fileSeen.has(fo) || filetabOff + fo >= pctabOff) continue;
      fileSeen.add(fo);
      const nul = bytes.indexOf(0, filetabOff + fo, pctabOff);
      const q = nul < 0 ? pctabOff : nul;
      addP(pkg, q + 1 - (filetabOff + fo));
    }
  }
}

/** Each name in bytes[from, to) (NUL-terminated, the terminator counted) to its package; `empty` per empty name. */
function nameBytes(bytes: PagedBytes, from: number, to: number, add: (pkg: string, n: number) => void, empty: () => void): void {
  const nameRes = new Resolver();
  // The run's prefix as bytes (latin1: one byte per char), compared in place.
  let runPrefix = new Uint8Array(0);
  let runPkg = '';
  for (let p = from; p < to; ) {
    let q = bytes.indexOf(0, p);
    if (q < 0 || q > to) q = to;
    if (q > p) {
      if (!bytes.test(p, q, sameRun, runPrefix)) {
        const name = bytes.text(p, q, 'latin1');
        const pkg = nameRes.of(name);
        runPkg = pkg;
        runPrefix = isPrefixOf(pkg, name) ? Buffer.from(pkg, 'latin1') : new Uint8Array(0);
      }
      add(runPkg, q + 1 - p);
    } else empty();
    p = q + 1;
  }
}

const bufs = new WeakMap<Uint8Array, Buffer>();
function asBuffer(bytes: Uint8Array): Buffer {
  if (Buffer.isBuffer(bytes)) return bytes;
  let b = bufs.get(bytes);
  if (!b) bufs.set(bytes, (b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)));
  return b;
}

function cstr(bytes: Uint8Array, start: number, limit: number): string {
  let q = start;
  while (q < limit && bytes[q] !== 0) q++;
  return asBuffer(bytes).toString('latin1', start, q);
}

function pagedCstr(bytes: PagedBytes, start: number, limit: number): string {
  const nul = bytes.indexOf(0, start, limit);
  return bytes.text(start, nul < 0 ? Math.max(start, limit) : nul, 'latin1');
}

// ---------------------------------------------------------------------------------------------
// ELF symbol table

interface Sym {
  name: string;
  value: number;
  size: number;
}

function readSymbols(loader: Loader, exe: Executable, le: boolean, ptr: number, L: Ledger): { syms: Sym[]; symtabSize: number; strtabSize: number } | null {
  const st0 = exe.sections.find((s) => s.name === '.symtab');
  const str0 = exe.sections.find((s) => s.name === '.strtab');
  if (!st0 || !str0 || st0.fileSize === 0) return null;
  // Both tables in the scratch slot (the pclntab walk is done); offsets below are into it.
  const got = loader.load([{ offset: st0.offset, size: st0.fileSize }, { offset: str0.offset, size: str0.fileSize }], SCRATCH_SLOT);
  const bytes = got.bytes;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const st = { offset: got.at[0]!, fileSize: st0.fileSize };
  const str = { offset: got.at[1]!, fileSize: str0.fileSize };
  const ent = ptr === 8 ? 24 : 16;
  const n = Math.floor(st.fileSize / ent);
  const syms: Sym[] = [];
  const res = new Resolver();
  const strEnd = str.offset + str.fileSize;
  const strSeen = new Uint8Array(str.fileSize);
  for (let i = 1; i < n; i++) {
    const o = st.offset + i * ent;
    const nameOff = dv.getUint32(o, le);
    let value: number;
    let size: number;
    let info: number;
    if (ptr === 8) {
      info = bytes[o + 4]!;
      value = dv.getUint32(o + 8 + (le ? 4 : 0), le) * 2 ** 32 + dv.getUint32(o + 8 + (le ? 0 : 4), le);
      size = dv.getUint32(o + 16 + (le ? 4 : 0), le) * 2 ** 32 + dv.getUint32(o + 16 + (le ? 0 : 4), le);
    } else {
      value = dv.getUint32(o + 4, le);
      size = dv.getUint32(o + 8, le);
      info = bytes[o + 12]!;
    }
    const so = str.offset + nameOff;
    if (so >= strEnd) continue;
    const name = cstr(bytes, so, strEnd);
    const pkg = res.of(name);
    // The symbol's entry and its name, to its package. A C linker merges string suffixes: each
    // string-table byte is counted once, for the first symbol that uses it.
    L.add(pkg, '.symtab', ent);
    let fresh = 0;
    for (let k = nameOff, e = Math.min(nameOff + name.length + 1, str.fileSize); k < e; k++) {
      if (strSeen[k] === 0) {
        strSeen[k] = 1;
        fresh++;
      }
    }
    L.add(pkg, '.strtab', fresh);
    const type = info & 0xf;
    if (type === 4 /* STT_FILE */ || type === 3 /* STT_SECTION */) continue;
    syms.push({ name, value, size });
  }
  syms.sort((a, b) => a.value - b.value || b.size - a.size);
  return { syms, symtabSize: st.fileSize, strtabSize: str.fileSize };
}

// ---------------------------------------------------------------------------------------------
// moduledata (runtime/symtab.go), found by its first word: the pclntab header's address

function findModuledata(
  secs: readonly Sec[],
  pclnAddr: number,
  word: (o: number) => number,
  ptr: number,
  version: '1.18' | '1.20',
): { gofunc: number; types: number; etypes: number } | null {
  // Word indexes: 0 pcHeader, 1-18 six slices, 19 findfunctab, 20 minpc, 21 maxpc, 22 text, 23 etext,
  // 24-31 noptrdata..enoptrbss, [1.20: 32-33 covctrs], end, gcdata, gcbss, types, etypes, rodata, gofunc.
  const typesIdx = version === '1.20' ? 37 : 35;
  for (const s of secs) {
    if (!/noptrdata|^\.data$|__data|__noptrdata/.test(s.name)) continue;
    if (s.offset < 0) throw new InternalError(`attribution: ${s.name} was not loaded`);
    for (let o = s.offset; o + (typesIdx + 4) * ptr <= s.offset + s.size; o += ptr) {
      if (word(o) !== pclnAddr) continue;
      const types = word(o + typesIdx * ptr);
      const etypes = word(o + (typesIdx + 1) * ptr);
      const gofunc = word(o + (typesIdx + 3) * ptr);
      const minpc = word(o + 20 * ptr);
      const text = word(o + 22 * ptr);
      if (types <= etypes && gofunc >= types && minpc === text) return { gofunc, types, etypes };
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// references from code

/** Bytes of machine code read at a time when the code is streamed from a source (whole functions). */
const TEXT_CHUNK = 1 << 18;

/** A growable array of doubles outside the JS heap (no per-element boxing, no copies on the heap). */
class GrowF64 {
  private buf = new Float64Array(1 << 12);
  length = 0;
  push(v: number): void {
    if (this.length === this.buf.length) {
      const b = new Float64Array(this.buf.length * 2);
      b.set(this.buf);
      this.buf = b;
    }
    this.buf[this.length++] = v;
  }
  view(): Float64Array {
    return this.buf.subarray(0, this.length);
  }
}

/**
 * Funcdata items, by offset from `gofunc`: each from its offset up to the next item's (the first
 * function to name it decides the package); the last one up to `limit` only when a symbol bounds
 * the region (`bounded`).
 */
function placeFuncdata(
  fd: Pairs,
  pkgs: readonly string[],
  gofunc: number,
  limit: number,
  bounded: boolean,
  place: (pkg: string, start: number, end: number) => void,
): void {
  const offs = fd.keys;
  const fns = fd.vals;
  const n = offs.length;
  let i = 0;
  while (i < n) {
    const off = offs[i]!;
    const pkg = pkgs[fns[i]!]!;
    let j = i + 1;
    while (j < n && offs[j]! === off) j++;
    const next = j < n ? offs[j]! : bounded ? limit : off;
    const end = Math.min(next, limit);
    if (end > off) place(pkg, gofunc + off, gofunc + end);
    i = j;
  }
}

/** A growable array of 32-bit integers outside the JS heap. */
class GrowI32 {
  private buf = new Int32Array(1 << 12);
  length = 0;
  push(v: number): void {
    if (this.length === this.buf.length) {
      const b = new Int32Array(this.buf.length * 2);
      b.set(this.buf);
      this.buf = b;
    }
    this.buf[this.length++] = v;
  }
  at(i: number): number {
    return this.buf[i]!;
  }
}

/**
 * Attributed data items (VA intervals) and their packages, where the data-pointer pass looks for
 * pointers: typed arrays and package ids, not JS arrays of numbers and strings (they grew the heap).
 */
class Owned {
  private readonly s = new GrowF64();
  private readonly e = new GrowF64();
  private readonly p = new GrowI32();
  private readonly names: string[] = [];
  private readonly ids = new Map<string, number>();
  private lastName = '';
  private lastId = -1;
  get length(): number {
    return this.s.length;
  }
  push(start: number, end: number, pkg: string): void {
    if (pkg !== this.lastName || this.lastId < 0) {
      let id = this.ids.get(pkg);
      if (id === undefined) {
        id = this.names.length;
        this.ids.set(pkg, id);
        this.names.push(pkg);
      }
      this.lastName = pkg;
      this.lastId = id;
    }
    this.s.push(start);
    this.e.push(end);
    this.p.push(this.lastId);
  }
  pkg(i: number): string {
    return this.names[this.p.at(i)]!;
  }
  /** Views valid until the next push. */
  starts(): Float64Array {
    return this.s.view();
  }
  ends(): Float64Array {
    return this.e.view();
  }
}

/**
 * First reference to each address only: a bit per byte of the regions (not of the span [lo, hi), which
 * holds the pclntab and other sections between them). Later references never win (higher index).
 */
class RefCollector {
  private readonly seen: Uint8Array;
  private readonly pairs = new PairList();
  /** Where each region's bits start. */
  private readonly base: Float64Array;
  /** `bits` is reused from one collector to the next (cleared here): the rounds run one after another. */
  constructor(
    readonly lo: number,
    private readonly regions: ReadonlyArray<{ start: number; end: number }>,
    bits: { buf: Uint8Array },
  ) {
    this.base = new Float64Array(regions.length);
    let total = 0;
    for (let m = 0; m < regions.length; m++) {
      this.base[m] = total;
      total += regions[m]!.end - regions[m]!.start;
    }
    const n = Math.ceil(total / 8);
    if (bits.buf.length < n) bits.buf = new Uint8Array(n);
    else bits.buf.fill(0, 0, n);
    this.seen = bits.buf.subarray(0, n);
  }
  /** A reference from `index` to `va`, which lies in region `m`. */
  add(va: number, index: number, m: number): void {
    const at = this.base[m]! + (va - this.regions[m]!.start);
    const bit = 1 << (at & 7);
    const k = at >>> 3;
    if (this.seen[k]! & bit) return;
    this.seen[k]! |= bit;
    this.pairs.push(va - this.lo, index);
  }
  sorted(): Pairs {
    return this.pairs.sorted();
  }
}

/** Addresses of data referenced from each function's code, grouped by target region (regions sorted, disjoint). */
function scanReferences(
  loader: Loader,
  arch: string,
  text: ExeSection,
  ranges: FuncWalk['ranges'],
  regions: ReadonlyArray<{ start: number; end: number }>,
  le: boolean,
  calls: CallGraph | null,
  bits: { buf: Uint8Array },
): RefList {
  const lo = regions.length > 0 ? regions[0]!.start : 0;
  const hi = regions.length > 0 ? regions[regions.length - 1]!.end : 0;
  const out: RefList = { lo, refs: NO_PAIRS, pkgOf: (f) => ranges.pkg[f]! };
  const wantRefs = regions.length > 0 && hi - lo < 2 ** 29 && ranges.pkg.length < REF_SHIFT;
  if (!wantRefs && !calls) return out;
  const refs = new RefCollector(lo, wantRefs ? regions : [], bits);
  const find = (va: number): number => {
    if (va < lo || va >= hi) return -1;
    let a = 0;
    let b = regions.length - 1;
    while (a <= b) {
      const m = (a + b) >> 1;
      const r = regions[m]!;
      if (va < r.start) b = m - 1;
      else if (va >= r.end) a = m + 1;
      else return m;
    }
    return -1;
  };
  const tOff = text.offset;
  const tAddr = text.addr;
  const tEnd = text.offset + text.fileSize;
  // The code, a chunk of whole functions at a time: [cFrom, cTo) of the file sits at bytes[d + offset].
  let bytes: Uint8Array = new Uint8Array(0);
  let dv = new DataView(bytes.buffer);
  let cFrom = 0;
  let cTo = 0;
  let d = 0;
  let amd64: Amd64Code | null = null;
  for (let f = 0; f < ranges.pkg.length; f++) {
    const s = tOff + (ranges.base + ranges.start[f]! - tAddr);
    const e = Math.min(tEnd, tOff + (ranges.base + ranges.end[f]! - tAddr));
    if (s < tOff || e <= s) continue;
    if (s < cFrom || e > cTo) {
      const size = Math.max(e - s, Math.min(TEXT_CHUNK, tEnd - s));
      const got = loader.load([{ offset: s, size }], TEXT_SLOT);
      bytes = got.bytes;
      dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      cFrom = s;
      cTo = s + size;
      d = got.at[0]! - s;
      amd64 = arch === 'amd64' ? new Amd64Code(bytes, dv) : null;
    }
    if (arch === 'amd64') {
      // The scanner of the chunk loaded above (every function is in one).
      amd64!.scan(s + d, e + d, tAddr - tOff - d, f, calls, wantRefs ? refs : null, find);
    } else {
      for (let p = s + ((4 - ((s - tOff) % 4)) % 4); p + 4 <= e; p += 4) {
        const ins = dv.getUint32(p + d, le);
        // BL imm26: a call site when the target is exactly a function's entry.
        if (calls && (ins & 0xfc000000) >>> 0 === 0x94000000) {
          const pc = tAddr + (p - tOff);
          calls.add(f, pc, pc + (((ins & 0x3ffffff) << 6) >> 6) * 4);
          continue;
        }
        if (!wantRefs || p + 8 > e) continue;
        if ((ins & 0x9f000000) >>> 0 !== 0x90000000) continue;
        const rd = ins & 31;
        const immlo = (ins >>> 29) & 3;
        const immhi = (ins >>> 5) & 0x7ffff;
        let imm = (immhi << 2) | immlo;
        if (imm & 0x100000) imm -= 0x200000;
        const pc = tAddr + (p - tOff);
        const page = Math.floor(pc / 4096) * 4096 + imm * 4096;
        const nx = dv.getUint32(p + d + 4, le);
        let va = -1;
        if (((nx & 0xffc00000) >>> 0 === 0x91000000) && ((nx >>> 5) & 31) === rd) va = page + ((nx >>> 10) & 0xfff);
        else if (((nx & 0xffc00000) >>> 0 === 0xf9400000) && ((nx >>> 5) & 31) === rd) va = page + ((nx >>> 10) & 0xfff) * 8;
        else if (((nx & 0xffc00000) >>> 0 === 0xb9400000) && ((nx >>> 5) & 31) === rd) va = page + ((nx >>> 10) & 0xfff) * 4;
        else if (((nx & 0xffc00000) >>> 0 === 0x39400000) && ((nx >>> 5) & 31) === rd) va = page + ((nx >>> 10) & 0xfff);
        if (va < 0) continue;
        const m = find(va);
        if (m >= 0) refs.add(va, f, m);
      }
    }
  }
  loader.release(TEXT_SLOT);
  if (wantRefs) out.refs = refs.sorted();
  return out;
}

/** The next position of one byte value in a buffer, at or after a position, searched with indexOf once per hit. */
class NextByte {
  /** The first position >= `from` holding the value (-1: none to the buffer's end). */
  private at = -1;
  private from = Number.MAX_SAFE_INTEGER;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly value: number,
  ) {}
  find(p: number): number {
    if (p < this.from || (this.at >= 0 && this.at < p)) {
      this.at = this.bytes.indexOf(this.value, p);
      this.from = p;
    }
    return this.at;
  }
}

/**
 * x86-64 code in one buffer, scanned function by function in address order. Each function's code,
 * bytes[p0, pe) (VA = index + base): CALL rel32 (E8) at every byte (a call site when the target is
 * exactly a function's entry), and RIP-relative LEA/MOV (REX, 8D/8B, ModRM 00 xxx 101) into a
 * region (`find`), resuming after each one found. The candidate bytes are found with indexOf (a
 * native search: 78 ms of self time on kubectl's 23 MB of code, where testing every byte in
 * JavaScript took 250-310 ms); a hit past a function's end is kept for the functions after it, so
 * each byte is searched once whatever the functions' sizes.
 */
export class Amd64Code {
  private readonly e8: NextByte;
  private readonly lea: NextByte;
  private readonly mov: NextByte;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly dv: DataView,
  ) {
    this.e8 = new NextByte(bytes, 0xe8);
    this.lea = new NextByte(bytes, 0x8d);
    this.mov = new NextByte(bytes, 0x8b);
  }

  scan(p0: number, pe: number, base: number, f: number, calls: CallGraph | null, refs: RefCollector | null, find: (va: number) => number): void {
    const bytes = this.bytes;
    const dv = this.dv;
    if (calls !== null) {
      for (let p = this.e8.find(p0); p >= 0 && p + 5 <= pe; p = this.e8.find(p + 1)) {
        calls.add(f, p + base, p + 5 + base + dv.getInt32(p + 1, true));
      }
    }
    if (refs === null) return;
    // The opcode bytes, both searches merged in order: a REX prefix precedes the opcode.
    let next = p0;
    let lea = this.lea.find(p0 + 1);
    let mov = this.mov.find(p0 + 1);
    for (;;) {
      let q: number;
      if (lea < 0) {
        if (mov < 0) break;
        q = mov;
      } else if (mov < 0 || lea < mov) q = lea;
      else q = mov;
      const p = q - 1;
      if (p + 7 > pe) break;
      if (q === lea) lea = this.lea.find(q + 1);
      else mov = this.mov.find(q + 1);
      if (p < next || (bytes[p]! & 0xf0) !== 0x40 || (bytes[p + 2]! & 0xc7) !== 0x05) continue;
      const va = p + 7 + base + dv.getInt32(p + 3, true);
      const m = find(va);
      if (m >= 0) {
        refs.add(va, f, m);
        next = p + 7;
      }
    }
  }
}

/**
 * Pointer-sized words inside attributed data (items `from` on) that point into a gap: the gap item
 * belongs to the pointing item's package. `secs` offsets are file offsets, read through `dv`.
 */
function scanDataPointers(
  dv: PagedBytes,
  ptr: number,
  secs: readonly Sec[],
  own: Owned,
  regions: ReadonlyArray<{ start: number; end: number }>,
  from: number,
  bits: { buf: Uint8Array },
): RefList {
  const lo = regions[0]!.start;
  const hi = regions[regions.length - 1]!.end;
  const out: RefList = { lo, refs: NO_PAIRS, pkgOf: (i) => own.pkg(i) };
  if (hi - lo >= 2 ** 29 || own.length >= REF_SHIFT) return out;
  const ownStart = own.starts();
  const ownEnd = own.ends();
  const refs = new RefCollector(lo, regions, bits);
  let sec: Sec | undefined;
  for (let i = from; i < ownStart.length; i++) {
    const start = ownStart[i]!;
    if (!sec || start < sec.addr || start >= sec.addr + sec.size) {
      sec = secs.find((s) => s.addr > 0 && start >= s.addr && start < s.addr + s.size);
      if (!sec) continue;
      if (sec.offset < 0) throw new InternalError(`attribution: ${sec.name} was not loaded`);
    }
    const first = start + ((ptr - (start % ptr)) % ptr);
    const last = Math.min(ownEnd[i]!, sec.addr + sec.size);
    itemPointers(dv, ptr, sec.offset - sec.addr, first, last, lo, hi, regions, refs, i);
  }
  out.refs = refs.sorted();
  return out;
}

/**
 * The pointer-sized words of one item, VAs [first, last) (file offset = VA + delta in `dv`), that point
 * into a region: referenced by item `i`. A function of its own, called per item: compiled early.
 */
function itemPointers(
  dv: PagedBytes,
  ptr: number,
  delta: number,
  first: number,
  last: number,
  lo: number,
  hi: number,
  regions: ReadonlyArray<{ start: number; end: number }>,
  refs: RefCollector,
  i: number,
): void {
  for (let va = first; va + ptr <= last; va += ptr) {
    const f = va + delta;
    const w = ptr === 8 ? dv.u64Below(f, hi) : dv.u32(f);
    if (w < lo || w >= hi) continue;
    let a = 0;
    let b = regions.length - 1;
    while (a <= b) {
      const m = (a + b) >> 1;
      const r = regions[m]!;
      if (w < r.start) b = m - 1;
      else if (w >= r.end) a = m + 1;
      else {
        refs.add(w, i, m);
        break;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// modules

export const STD = 'std';
export const RUNTIME = 'runtime';
export const CGO_MODULE = 'cgo/C';
export const UNKNOWN_MODULE = '<unknown module>';

/** The module a package belongs to (path, version), from build info. */
export function moduleOf(pkg: string, go: ModuleFacts | null): { path: string; version: string } {
  const goVersion = go?.version ?? '';
  if (pkg === CGO_C || pkg === 'runtime/cgo') return { path: CGO_MODULE, version: '' };
  if (pkg === COMPILER_GENERATED || pkg === NO_PACKAGE) return { path: pkg, version: '' };
  if (pkg === 'runtime' || pkg.startsWith('runtime/internal/')) return { path: RUNTIME, version: goVersion };
  const main = go?.main ?? null;
  if (pkg === 'main') {
    if (main) return { path: main.path, version: main.version };
    // GOROOT commands (cmd/pprof) carry a path but no module line: they belong to the cmd module.
    if (go?.path?.startsWith('cmd/')) return { path: 'cmd', version: goVersion };
  }
  let p = pkg;
  if (p.startsWith('cmd/vendor/')) p = p.slice('cmd/vendor/'.length);
  else if (p.startsWith('vendor/')) return { path: STD, version: goVersion };
  let best: { path: string; version: string } | null = null;
  const deps = go?.deps ?? [];
  // An index, not for-of: the loop runs (packages x dependencies) times, often before it is optimized,
  // and an unoptimized for-of allocates a result object per turn (about 5 MB on kubectl).
  for (let i = 0; i < deps.length; i++) {
    const d = deps[i]!;
    // `p` is d.path or under it (no `${d.path}/` string per dependency: this runs per package).
    const n = d.path.length;
    if (p.startsWith(d.path) && (p.length === n || p.charCodeAt(n) === 0x2f) && (!best || n > best.path.length)) {
      best = { path: d.path, version: d.replace ? `${d.version} => ${d.replace.path} ${d.replace.version}`.trim() : d.version };
    }
  }
  if (best) return best;
  if (main && (p === main.path || p.startsWith(`${main.path}/`))) return { path: main.path, version: main.version };
  const parts = p.split('/');
  const first = parts[0] ?? '';
  if (first === 'cmd' && (!main || main.path === 'cmd')) return { path: 'cmd', version: goVersion };
  if (!first.includes('.') && !first.startsWith('<')) return { path: STD, version: goVersion };
  // A module the build info does not list (GOROOT's cmd/vendor, builds without module info):
  // the conventional module root of the path, marked as not from build info.
  const depth = /^(github\.com|gitlab\.com|bitbucket\.org|golang\.org|go\.googlesource\.com)$/.test(first) ? 3 : /^(gopkg\.in|go\.opentelemetry\.io|google\.golang\.org)$/.test(first) ? 2 : 1;
  if (parts.length >= depth) return { path: parts.slice(0, depth).join('/'), version: NOT_IN_BUILD_INFO };
  return { path: UNKNOWN_MODULE, version: '' };
}

/** A dependency module (not the main module, the standard library, the runtime, cmd or a bucket). */
export function isDependencyModule(path: string, go: ModuleFacts | null): boolean {
  return !path.startsWith('<') && path !== STD && path !== RUNTIME && path !== CGO_MODULE && path !== 'cmd' && path !== go?.main?.path;
}

/** Version of a module whose path was derived from package names because the build info lists none. */
export const NOT_IN_BUILD_INFO = '(not in build info)';

export function rollUpModules(packages: readonly PackageAttribution[], go: ModuleFacts | null): ModuleAttribution[] {
  const mods = new Map<string, ModuleAttribution>();
  for (const p of packages) {
    const m = moduleOf(p.name, go);
    let row = mods.get(m.path);
    if (!row) mods.set(m.path, (row = { path: m.path, version: m.version, size: 0, packages: [] }));
    row.size += p.size;
    row.packages.push(p.name);
  }
  return [...mods.values()].sort((a, b) => b.size - a.size || (a.path < b.path ? -1 : 1));
}
