/**
 * Go's pc-line table (golang/go src/debug/gosym/pclntab.go, src/runtime/symtab.go
 * `pcHeader`). Only what size attribution and the -trimpath question need:
 * function entries and names (sizes are deltas of consecutive entries), and the
 * file-name table.
 *
 *   magic   layout  runtimes
 *   FFFFFFFB 1.2    1.2 - 1.15
 *   FFFFFFFA 1.16   1.16 - 1.17
 *   FFFFFFF0 1.18   1.18 - 1.19
 *   FFFFFFF1 1.20   1.20+ (textStart is 0 from Go 1.26; sizes only need deltas)
 */
import { MalformedInputError, TruncatedInputError } from '../errors.js';
import type { ByteView } from './bytes.js';
import { PagedBytes } from './paged.js';

export type PclntabVersion = '1.2' | '1.16' | '1.18' | '1.20';

const MAGICS: Record<number, PclntabVersion> = {
  0xfffffffb: '1.2',
  0xfffffffa: '1.16',
  0xfffffff0: '1.18',
  0xfffffff1: '1.20',
};

export interface PclnFunction {
  name: string;
  /** Entry relative to the first function (sizes and order are what matter here). */
  entry: number;
  size: number;
}

export interface Pclntab {
  version: PclntabVersion;
  littleEndian: boolean;
  quantum: number;
  ptrSize: 4 | 8;
  nfunc: number;
  nfiles: number;
  /** Header textStart (1.18+; 0 from Go 1.26) or the first function's absolute entry (older layouts). */
  textStart: number;
  /** Sum of all function sizes (= Go code in .text). */
  codeSize: number;
  /** Every function, unless parsed with a visitor (then empty: the visitor saw them). */
  functions: PclnFunction[];
  files: string[];
  /** Bytes of the table actually described by its header (from start through the function table end). */
  extent: number;
}

/** Quick check: does a pclntab header start at `offset`? */
export function looksLikePclntab(v: ByteView, offset: number): boolean {
  if (!v.has(offset, 8)) return false;
  const b = v.bytes;
  const q = b[offset + 6];
  const p = b[offset + 7];
  if (b[offset + 4] !== 0 || b[offset + 5] !== 0 || (q !== 1 && q !== 2 && q !== 4) || (p !== 4 && p !== 8)) return false;
  return MAGICS[v.withEndian(true).u32(offset)] !== undefined || MAGICS[v.withEndian(false).u32(offset)] !== undefined;
}

/**
 * Parse a pclntab that starts at byte 0 of `data` (the section, or the rest of a
 * segment when found by scanning). Reads past the end of `data` are E_MALFORMED
 * unless `truncatedOnOverrun` (used when data is cut by the end of the file).
 */
export type FunctionVisitor = (name: string, size: number, entry: number) => void;

/**
 * A visitor that follows package runs (the linker lays functions out package by package): while a
 * name is `<prefix>.<rest>` with no '/' or '[' in the rest, `same` is called instead of `visit` and no
 * string is made for the name. `prefix()` is the current run's package as ASCII bytes (empty: none).
 */
export interface RunVisitor {
  visit: FunctionVisitor;
  same(size: number, entry: number): void;
  prefix(): Uint8Array;
}

export function parsePclntab(input: Uint8Array | PagedBytes, truncatedOnOverrun = false, visitor?: FunctionVisitor | RunVisitor): Pclntab {
  const runs = typeof visitor === 'object' ? visitor : undefined;
  const visit = typeof visitor === 'function' ? visitor : visitor?.visit;
  const overrun = truncatedOnOverrun ? 'truncated' : 'malformed';
  // Bytes in memory, or the table read through a page cache (goslim binary on a file): one reader either way.
  const v = input instanceof PagedBytes ? input : PagedBytes.of(input, { overrun, label: 'pclntab' });
  if (v.size < 8) {
    throw truncatedOnOverrun ? new TruncatedInputError('pclntab: shorter than its header') : new MalformedInputError('pclntab: shorter than its header');
  }
  v.littleEndian = true;
  let version = MAGICS[v.u32(0)];
  if (version === undefined) {
    v.littleEndian = false;
    version = MAGICS[v.u32(0)];
  }
  if (version === undefined) throw new MalformedInputError(`pclntab: unknown magic 0x${v.u32(0).toString(16)}`);
  const quantum = v.u8(6);
  const ptr = v.u8(7);
  if (v.u8(4) !== 0 || v.u8(5) !== 0 || (quantum !== 1 && quantum !== 2 && quantum !== 4)) {
    throw new MalformedInputError('pclntab: bad header padding or pc quantum');
  }
  if (ptr !== 4 && ptr !== 8) throw new MalformedInputError(`pclntab: pointer size ${ptr}`);
  const ptrSize: 4 | 8 = ptr;
  const word = (i: number): number => v.word(8 + i * ptrSize, ptrSize, 'pclntab header');
  const nfunc = word(0);

  let functab: number; // offset of the function table
  let field: 4 | 8; // size of one function-table field
  let recordBase: number; // func-record offsets are relative to this
  let nameBase: number; // name offsets are relative to this
  let nfiles: number;
  let textStart: number;
  let fileNames: () => string[];
  if (version === '1.2') {
    functab = 8 + ptrSize;
    field = ptrSize;
    recordBase = 0;
    nameBase = 0;
    textStart = 0;
    nfiles = 0;
    fileNames = () => files12(v, functab + (nfunc * 2 + 1) * ptrSize);
  } else if (version === '1.16') {
    nfiles = word(1);
    const funcnameOff = word(2);
    const filetabOff = word(4);
    const pctabOff = word(5);
    functab = word(6);
    field = ptrSize;
    recordBase = functab;
    nameBase = funcnameOff;
    textStart = 0;
    fileNames = () => filesBlob(v, filetabOff, pctabOff, nfiles);
  } else {
    nfiles = word(1);
    textStart = word(2);
    const funcnameOff = word(3);
    const filetabOff = word(5);
    const pctabOff = word(6);
    functab = word(7);
    field = 4;
    recordBase = functab;
    nameBase = funcnameOff;
    fileNames = () => filesBlob(v, filetabOff, pctabOff, nfiles);
  }
  // nfunc pairs plus the end entry must fit: this also bounds the loop below.
  const tabBytes = (nfunc * 2 + 1) * field;
  if (!Number.isSafeInteger(tabBytes)) throw new MalformedInputError(`pclntab: nfunc ${nfunc} is implausible`);
  v.check(functab, tabBytes);
  // The function table and the names are read as two streams, each through a cache of its own.
  const names = v.fork({ label: 'pclntab names' });

  const entryAt = (i: number): number =>
    field === 4 ? v.u32(functab + i * 2 * field) : v.u64(functab + i * 2 * field, 'function entry');
  const funcOffAt = (i: number): number =>
    field === 4 ? v.u32(functab + (i * 2 + 1) * field) : v.u64(functab + (i * 2 + 1) * field, 'func offset');

  // push, not new Array(nfunc): a large preallocated array is created with slow dictionary elements.
  const functions: PclnFunction[] = [];
  const base = nfunc > 0 ? entryAt(0) : 0;
  if (version === '1.2' || version === '1.16') textStart = base;
  let codeSize = 0;
  let prev = base;
  for (let i = 0; i < nfunc; i++) {
    const entry = prev;
    const next = entryAt(i + 1);
    if (next < entry) throw new MalformedInputError(`pclntab: function ${i} entries are not increasing`);
    const rec = recordBase + funcOffAt(i);
    // The func record starts with the entry (uintptr before 1.18, u32 since), then nameOff (int32).
    const nameOff = v.i32(rec + field);
    if (nameOff < 0) throw new MalformedInputError(`pclntab: function ${i} has a negative name offset`);
    const size = next - entry;
    const at = nameBase + nameOff;
    const nul = names.cstringEnd(at, 1 << 16);
    if (runs) {
      if (names.test(at, nul, sameRun, runs.prefix())) runs.same(size, entry - base);
      else runs.visit(names.text(at, nul), size, entry - base);
    } else {
      const name = names.text(at, nul);
      // A visitor avoids holding ~100k objects for a large binary (memory is bounded by the file).
      if (visit) visit(name, size, entry - base);
      else functions.push({ name, entry: entry - base, size });
    }
    codeSize += size;
    prev = next;
  }
  const files = fileNames();
  return {
    version,
    littleEndian: v.littleEndian,
    quantum,
    ptrSize,
    nfunc,
    nfiles: version === '1.2' ? files.length : nfiles,
    textStart,
    codeSize,
    functions,
    files,
    extent: functab + tabBytes,
  };
}

/** Is the name bytes[p, q) `<prefix>.<rest>` with no '/' or '[' in the rest? */
export function sameRun(bytes: Uint8Array, p: number, q: number, prefix: Uint8Array): boolean {
  const n = prefix.length;
  if (n === 0 || p + n >= q || bytes[p + n] !== 0x2e) return false;
  for (let k = 0; k < n; k++) if (bytes[p + k] !== prefix[k]) return false;
  for (let k = p + n + 1; k < q; k++) {
    const c = bytes[k];
    if (c === 0x2f || c === 0x5b) return false;
  }
  return true;
}

/** 1.16+: nfiles NUL-terminated names packed between the file table and the pc table. */
function filesBlob(v: PagedBytes, start: number, end: number, nfiles: number): string[] {
  if (end < start) throw new MalformedInputError('pclntab: file table ends before it starts');
  v.check(start, end - start);
  const out: string[] = [];
  let pos = start;
  // Bounded by nfiles and by the blob length.
  for (let i = 0; i < nfiles && pos < end; i++) {
    const nul = v.indexOf(0, pos, end);
    if (nul < 0) throw new MalformedInputError('pclntab: unterminated file name');
    out.push(v.text(pos, nul));
    pos = nul + 1;
  }
  return out;
}

/** 1.2: a u32 count then u32 offsets (from the table start) of names; entry 0 is unused. */
function files12(v: PagedBytes, fileOffField: number): string[] {
  const fileoff = v.u32(fileOffField);
  const n = v.u32(fileoff);
  v.check(fileoff, n * 4);
  const out: string[] = [];
  for (let i = 1; i < n; i++) {
    const at = v.u32(fileoff + i * 4);
    out.push(v.text(at, v.cstringEnd(at)));
  }
  return out;
}
