/**
 * Finding the Go binaries of an image while its layers stream, and judging whether they start.
 *
 * Memory: a candidate binary is read whole (the analyzer needs random access), one at a time,
 * plus Go binaries whose stripped size is still being measured (at most MAX_MEASURING bytes); a
 * file that does not start with the ELF magic is dropped after 4 bytes, and an ELF file with none
 * of Go's markers is dropped at its end without ever being concatenated. Layers are never held.
 * Of every ELF file the last PACKER_TAIL bytes are kept while it streams: an executable packed
 * with UPX shows no Go marker (its program is compressed), and its tail says what packed it.
 */
import { Buffer } from 'node:buffer';
import { createGzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { detectPacker, PACKER_TAIL } from '../binary/packer.js';
import type { LayerEntry } from '../image/filesystem/types.js';
import type { TarDataSink } from '../image/filesystem/tar-parser.js';
import { limit } from '../limits.js';
import { isGoToolchainPackage } from './causes.js';
import type { FsIndex } from './fs-index.js';
import { hintDoc } from '../vocabulary/hints.js';
import { packedTitle } from '../binary/findings.js';
import type { GoBinary, GoBinaryFacts, PackedBinary, PackedFacts } from './types.js';

/**
 * gzip -6 size of some buffers, as one stream would have it: compressed in up to 4 pieces of
 * at least 1 MiB at once (the thread pool spreads them over the cores), then summed, with one
 * gzip header and trailer. Each piece starts with an empty dictionary; measured against one
 * stream: +0.07 % (gofmt, 2 pieces), +0.18 % (4), +0.04 % (compile, 4), -0.04 % (a 4.5 MB
 * server, 4). One stream took 64-426 ms for those binaries, on a single core, after the walk.
 */
export async function gzipSize(parts: readonly Buffer[]): Promise<number> {
  const total = parts.reduce((a, p) => a + p.length, 0);
  const count = Math.max(1, Math.min(4, Math.floor(total / (1 << 20))));
  if (count === 1) return gzipStreamSize(parts);
  const size = Math.ceil(total / count);
  const pieces: Buffer[][] = [];
  let current: Buffer[] = [];
  let room = size;
  for (let part of parts) {
    while (part.length > 0) {
      const take = part.subarray(0, room);
      current.push(take);
      room -= take.length;
      part = part.subarray(take.length);
      if (room === 0) {
        pieces.push(current);
        current = [];
        room = size;
      }
    }
  }
  if (current.length > 0) pieces.push(current);
  const sizes = await Promise.all(pieces.map((p) => gzipStreamSize(p)));
  const GZIP_FRAME = 18; // 10-byte header + 8-byte trailer, once for a single stream
  return sizes.reduce((a, n) => a + n - GZIP_FRAME, GZIP_FRAME);
}

async function gzipStreamSize(parts: readonly Buffer[]): Promise<number> {
  // Large output chunks: each one is a callback on the main thread (16 KiB by default).
  const gz = createGzip({ level: 6, chunkSize: 256 * 1024 });
  let n = 0;
  gz.on('data', (c: Buffer) => {
    n += c.length;
  });
  const ended = new Promise<void>((resolve, reject) => {
    gz.once('end', resolve);
    gz.once('error', reject);
  });
  for (const p of parts) if (!gz.write(p)) await new Promise<void>((r) => gz.once('drain', () => r()));
  gz.end();
  await ended;
  return n;
}

const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);
/**
 * Strings every Go executable carries somewhere: the build-info magic (`.go.buildinfo`) or the
 * section name `.gopclntab` in .shstrtab. A prefilter only: the
 * analyzer decides. (esbuild's npm binary lacks the build-info header but keeps .gopclntab.)
 */
const GO_MARKERS = ['\xff Go buildinf:', '.gopclntab'].map((s) => Buffer.from(s, 'latin1'));
/**
 * Markers that, seen in the first EARLY_WINDOW bytes, make a file worth keeping: the ELF note
 * header of Go's build ID (type 4, name "Go\0\0", either byte order), which Go's linker puts in
 * the first page (0x344-0xf9c in all 23 Go 1.19 fixture binaries, internal and external
 * linking), or the build-info magic. Anything else is dropped as it streams; a Go binary
 * without the note is still found by the late markers, at the cost of a second read.
 */
const EARLY_WINDOW = 16 * 1024;
const EARLY_MARKERS = [Buffer.from([4, 0, 0, 0, 0x47, 0x6f, 0, 0]), Buffer.from([0, 0, 0, 4, 0x47, 0x6f, 0, 0]), Buffer.from('\xff Go buildinf:', 'latin1')];
const MARKER_OVERLAP = Math.max(...[...GO_MARKERS, ...EARLY_MARKERS].map((m) => m.length)) - 1;

/**
 * After the early window, an ELF whose section header table sits far into the file is searched
 * for the late markers only from LATE_SCAN bytes before that table: `.gopclntab` is a section
 * name, and .shstrtab sits right before the table in what both Go's linker and GNU ld write.
 * (Searching every byte of every executable of a fat image, gcc's cc1 and friends included,
 * cost more main-thread time than parsing all of its tar headers.) Without a usable table
 * offset (none, or near the start as in some Go builds) every byte is still searched.
 */
const LATE_SCAN = 64 * 1024;

/** e_shoff from an ELF header (undefined when `head` is too short or not ELF class 1/2). */
function sectionTableOffset(head: Buffer): number | undefined {
  if (head.length < 0x30) return undefined;
  const le = head[5] !== 2;
  if (head[4] === 2) {
    const v = le ? head.readBigUInt64LE(0x28) : head.readBigUInt64BE(0x28);
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(v);
  }
  if (head[4] === 1) return le ? head.readUInt32LE(0x20) : head.readUInt32BE(0x20);
  return undefined;
}

/** Go binaries whose stripped size is being measured in the background, at most (bytes). */
const MAX_MEASURING = 256 * 1024 * 1024;

/** Files larger than this are never read whole (bounded memory): not analyzed (image.binaryBytes). */
export const MAX_BINARY_BYTES = limit('image.binaryBytes');

/**
 * The bytes of an ELF file its analysis can reach: the header tables and every section and
 * segment with file data. Go's own linker writes the section header table right after the
 * program headers, so the extent is known from the first page; data past it (a binary padded
 * with a gigabyte of zeros compresses to a few MB) is never kept. Undefined when the tables are
 * not all in `head` (GNU ld puts the section table at the end): then the whole file is kept.
 */
export function elfExtent(head: Buffer): number | undefined {
  if (head.length < 0x40 || !head.subarray(0, 4).equals(ELF_MAGIC)) return undefined;
  const is64 = head[4] === 2;
  if (!is64 && head[4] !== 1) return undefined;
  const le = head[5] !== 2;
  const u16 = (o: number): number => (le ? head.readUInt16LE(o) : head.readUInt16BE(o));
  const u32 = (o: number): number => (le ? head.readUInt32LE(o) : head.readUInt32BE(o));
  const word = (o: number): number => {
    if (!is64) return u32(o);
    const v = le ? head.readBigUInt64LE(o) : head.readBigUInt64BE(o);
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.POSITIVE_INFINITY : Number(v);
  };
  const phoff = word(is64 ? 0x20 : 0x1c);
  const shoff = word(is64 ? 0x28 : 0x20);
  const phentsize = u16(is64 ? 0x36 : 0x2a);
  const phnum = u16(is64 ? 0x38 : 0x2c);
  const shentsize = u16(is64 ? 0x3a : 0x2e);
  const shnum = u16(is64 ? 0x3c : 0x30);
  const minPh = is64 ? 0x38 : 0x20;
  const minSh = is64 ? 0x40 : 0x28;
  if (shnum === 0 || shentsize < minSh || (phnum > 0 && phentsize < minPh)) return undefined;
  const phEnd = phoff + phnum * phentsize;
  const shEnd = shoff + shnum * shentsize;
  if (phEnd > head.length || shEnd > head.length) return undefined;
  let extent = Math.max(is64 ? 0x40 : 0x34, phEnd, shEnd);
  for (let i = 0; i < phnum; i++) {
    const b = phoff + i * phentsize;
    extent = Math.max(extent, word(b + (is64 ? 0x08 : 0x04)) + word(b + (is64 ? 0x20 : 0x10)));
  }
  for (let i = 0; i < shnum; i++) {
    const b = shoff + i * shentsize;
    if (u32(b + 4) === 8) continue; // SHT_NOBITS: no bytes in the file
    extent = Math.max(extent, word(b + (is64 ? 0x18 : 0x10)) + word(b + (is64 ? 0x20 : 0x14)));
  }
  return Number.isFinite(extent) ? extent : undefined;
}

/** Trees whose binaries belong to the toolchain or caches: never candidates (and never read). */
const SKIP_TREES = [/^usr\/local\/go\//, /^usr\/lib\/go-[^/]+\//, /^usr\/lib\/go\//, /^usr\/share\/go-[^/]+\//, /\/pkg\/mod\//, /\/\.cache\/go-build\//, /^go\/pkg\//];

export function isBinaryCandidate(entry: LayerEntry): boolean {
  // No upper bound here: what is kept of a candidate is bounded in sink() (elfExtent, image.binaryBytes).
  return entry.type === 'file' && entry.size >= 64 && !SKIP_TREES.some((r) => r.test(entry.path));
}

export type AnalyzeFn = (bytes: Uint8Array, path: string) => GoBinaryFacts | undefined;
/** Section table of an ELF file (name, file offset, bytes on disk), for cutting out -s -w bytes. */
export type SectionsFn = (bytes: Uint8Array) => Array<{ name: string; offset: number; fileSize: number }>;

export function isStrippableSection(name: string): boolean {
  return name === '.symtab' || name === '.strtab' || name.startsWith('.debug_') || name.startsWith('.zdebug_');
}

/** The bytes `-s -w` keeps: the file with the strippable sections' ranges cut out. */
export function strippedView(bytes: Uint8Array, sections: ReturnType<SectionsFn>): Buffer[] {
  const cut = sections
    .filter((s) => isStrippableSection(s.name) && s.fileSize > 0)
    .map((s) => [s.offset, Math.min(bytes.length, s.offset + s.fileSize)] as const)
    .sort((a, b) => a[0] - b[0]);
  const out: Buffer[] = [];
  let pos = 0;
  for (const [start, end] of cut) {
    if (start > pos) out.push(Buffer.from(bytes.buffer, bytes.byteOffset + pos, start - pos));
    pos = Math.max(pos, end);
  }
  if (pos < bytes.length) out.push(Buffer.from(bytes.buffer, bytes.byteOffset + pos, bytes.length - pos));
  return out;
}

/** Collects Go binaries from layer entries as they stream. Results are keyed by layer and path. */
export class GoBinaryCollector {
  private readonly found = new Map<string, GoBinaryFacts & { strippedCompressed?: number }>();
  /** ELF files a packer's header ends (UPX): no Go binary goslim can read, reported as packed. */
  private readonly packedFound = new Map<string, PackedFacts>();

  constructor(
    private readonly analyze: AnalyzeFn,
    private readonly sections?: SectionsFn,
  ) {}

  wants(entry: LayerEntry): boolean {
    return isBinaryCandidate(entry);
  }

  /**
   * ELF files that showed a Go marker only after the first EARLY_WINDOW bytes, by the time their
   * bytes were already dropped: the caller re-reads them in a targeted second pass (rare: Go's
   * linker writes the build-ID note into the first page, so cmd/go builds are caught early).
   */
  readonly late: Array<{ layer: number; path: string }> = [];

  /** Bytes of Go binaries whose stripped size is still being measured (see `settle`). */
  private measuring = 0;
  private readonly pending = new Set<Promise<void>>();

  /**
   * Consume one file's data from a stream (the late pass, tests). Always drains it; see sink().
   */
  async consume(entry: LayerEntry, data: Readable | AsyncIterable<Buffer>, force = false): Promise<void> {
    const sink = this.sink(entry, force);
    for await (const raw of data as AsyncIterable<Buffer>) {
      sink.write(Buffer.isBuffer(raw) ? raw : Buffer.from(raw as Uint8Array));
    }
    await sink.end();
  }

  /**
   * A synchronous reader of one file's data (LayerVisitor.sink): chunks are copied only while
   * they may matter, i.e. the first EARLY_WINDOW bytes until the file is known to be Go or not,
   * then, for a Go binary, into one buffer of the file's size (from its tar header). Bytes are
   * kept only once the file is known to be a Go binary (or when `force`, for the second pass).
   * end() analyzes; the stripped size is measured on the thread pool (await settle()).
   */
  sink(entry: LayerEntry, force = false): TarDataSink {
    const early: Buffer[] = [];
    let whole: Buffer | undefined;
    let filled = 0;
    let seen = 0;
    let elf: boolean | undefined;
    let keep = force;
    let marker = false;
    let tail: Buffer = Buffer.alloc(0);
    /** File offset from which chunks past the early window are searched (see LATE_SCAN). */
    let scanFrom: number | undefined;
    /** The file's last PACKER_TAIL bytes (by its tar header's size), for detectPacker. */
    const tailFrom = Math.max(0, entry.size - PACKER_TAIL);
    const packTail: Buffer[] = [];
    let packTailBytes = 0;
    const keepTail = (chunk: Buffer, before: number): void => {
      if (before + chunk.length <= tailFrom) return;
      const part = Buffer.from(chunk.subarray(Math.max(0, tailFrom - before))); // a copy, as in store()
      packTail.push(part);
      packTailBytes += part.length;
      if (packTailBytes > 2 * PACKER_TAIL) {
        // More data than the header declared: keep the last PACKER_TAIL bytes only.
        const last = Buffer.concat(packTail).subarray(-PACKER_TAIL);
        packTail.length = 0;
        packTail.push(last);
        packTailBytes = last.length;
      }
    };
    /**
     * The chunk of the current write() that `early` holds as a view, not yet copied: it is copied
     * only if it is still there when write() returns (the walk may reuse its memory after that).
     * Most first chunks are judged (not ELF, not Go, or moved into `whole`) within the call, and
     * were copied whole before, up to the reader's chunk size, only to be dropped.
     */
    let lent: Buffer | undefined;
    const joined = (): Buffer => (early.length === 1 ? early[0]! : Buffer.concat(early));
    const store = (chunk: Buffer): void => {
      if (whole === undefined) {
        early.push(chunk);
        lent = chunk;
        return;
      }
      const n = Math.min(chunk.length, whole.length - filled);
      chunk.copy(whole, filled, 0, n);
      filled += n;
    };
    /** Start keeping the file whole; false (and nothing kept) when that is over image.binaryBytes. */
    const startWhole = (): boolean => {
      const head = joined();
      early.length = 0;
      // Keep only what the analysis can reach (see elfExtent), never less than what arrived.
      const extent = elfExtent(head);
      const want = Math.max(Math.min(entry.size, extent ?? entry.size), head.length);
      if (want > MAX_BINARY_BYTES) {
        elf = false; // too big to analyze: read no further
        keep = false;
        return false;
      }
      whole = Buffer.allocUnsafe(want);
      store(head);
      return true;
    };
    if (keep) startWhole();
    const write = (chunk: Buffer): void => {
      judge(chunk);
      if (lent !== undefined) {
        // Still held (the file is still undecided, or small): keep a copy of it.
        const i = early.lastIndexOf(lent);
        if (i >= 0) early[i] = Buffer.from(lent);
        lent = undefined;
      }
    };
    const judge = (chunk: Buffer): void => {
      if (elf === false) return; // keep nothing
      const before = seen;
      seen += chunk.length;
      if (keep || before < EARLY_WINDOW) store(chunk);
      keepTail(chunk, before);
      if (elf === undefined) {
        if (seen < 4) return;
        const head = whole ?? joined();
        elf = head.subarray(0, 4).equals(ELF_MAGIC);
        if (!elf) {
          early.length = 0;
          whole = undefined;
          return;
        }
      }
      if (scanFrom === undefined && seen >= 0x30) {
        const shoff = sectionTableOffset(whole !== undefined ? whole.subarray(0, filled) : joined());
        scanFrom = shoff !== undefined && shoff > EARLY_WINDOW + LATE_SCAN && shoff <= entry.size ? shoff - LATE_SCAN : 0;
      }
      if (!marker) {
        // Only two regions are searched (chunks can be 1 MiB, so a region is cut out of the
        // chunk, not the whole chunk): the early window, and from scanFrom on. A region that
        // starts the chunk is joined to the previous chunk's tail by a small seam.
        const search = (region: Buffer, atStart: boolean, markers: readonly Buffer[]): boolean => {
          const seam = atStart && tail.length > 0 ? Buffer.concat([tail, region.subarray(0, MARKER_OVERLAP)]) : undefined;
          return markers.some((m) => region.includes(m) || (seam !== undefined && seam.includes(m)));
        };
        const early = before < EARLY_WINDOW ? chunk.subarray(0, EARLY_WINDOW - before + MARKER_OVERLAP) : undefined;
        if (!keep && early !== undefined && search(early, true, EARLY_MARKERS)) {
          keep = true;
          if (!startWhole()) return;
        }
        const from = scanFrom ?? 0;
        const lateAt = seen > from ? Math.max(0, from - before) : -1; // where the late region starts in this chunk
        marker =
          keep ||
          (early !== undefined && search(early, true, GO_MARKERS)) ||
          (lateAt >= 0 && search(chunk.subarray(Math.max(0, lateAt - MARKER_OVERLAP)), lateAt === 0, GO_MARKERS));
        // The last MARKER_OVERLAP bytes of the data so far, across chunks shorter than that (a
        // stream from an engine's HTTP response can arrive in pieces of a few bytes).
        tail = chunk.length >= MARKER_OVERLAP ? Buffer.from(chunk.subarray(chunk.length - MARKER_OVERLAP)) : Buffer.concat([tail, chunk]).subarray(-MARKER_OVERLAP);
      }
      if (!keep && seen >= EARLY_WINDOW && early.length > 0) early.length = 0; // not known Go: drop
    };
    const end = (): Promise<void> | undefined => {
      if (!elf) return undefined;
      const tail = (): Buffer => Buffer.concat(packTail).subarray(-PACKER_TAIL);
      if (!marker) {
        this.notePacked(entry, tail(), seen);
        return undefined;
      }
      if (!keep && seen >= EARLY_WINDOW) {
        this.late.push({ layer: entry.layer, path: entry.path });
        return undefined;
      }
      // Small files decided at the very end are still in `early`; a header that under-declared
      // the size is cut to what arrived.
      const bytes = whole !== undefined ? whole.subarray(0, filled) : Buffer.concat(early);
      return this.record(entry, bytes, seen, tail);
    };
    return { write, end };
  }

  /** Keep an ELF file a packer's header ends, from its last bytes. */
  private notePacked(entry: LayerEntry, tail: Buffer, fileSize: number): void {
    const packed = detectPacker(tail);
    if (packed !== null) this.packedFound.set(key(entry.layer, entry.path), { path: entry.path, size: fileSize, packed });
  }

  /**
   * Analyze a Go binary's bytes; measure its stripped size without holding up the walk. A file
   * that is no Go binary after all may still be packed (`tail`: its last bytes; `bytes` may stop
   * at the ELF's extent).
   */
  private record(entry: LayerEntry, bytes: Buffer, fileSize: number, lastBytes?: () => Buffer): Promise<void> | undefined {
    const facts = this.analyze(bytes, entry.path);
    if (!facts) {
      this.notePacked(entry, lastBytes !== undefined ? lastBytes() : bytes.subarray(-PACKER_TAIL), fileSize);
      return undefined;
    }
    // The file's size, not the bytes kept (the tail past the ELF's extent is not kept).
    const result: GoBinaryFacts & { strippedCompressed?: number } = { ...facts, path: entry.path, size: Math.max(bytes.length, fileSize) };
    // The size tree (HTML report) was built from the bytes kept: the tail is padding, counted as
    // `goslim binary` counts it on the whole file, so the tree still adds up to the file.
    const tail = fileSize - bytes.length;
    if (tail > 0 && facts.sizeTree?.d !== undefined) {
      const d = facts.sizeTree.d;
      const pad = d.find((n) => n.k === 'headers' && n.d === undefined);
      result.sizeTree = { ...facts.sizeTree, d: pad ? d.map((n) => (n === pad ? { ...n, b: (n.b ?? 0) + tail } : n)) : [...d, { n: 'headers and padding', b: tail, k: 'headers' }] };
    }
    this.found.set(key(entry.layer, entry.path), result);
    if (!this.sections) return undefined;
    let parts: Buffer[];
    try {
      parts = strippedView(bytes, this.sections(bytes));
    } catch {
      return undefined; // no usable section table: the estimate falls back to a ratio for this binary
    }
    // gzip runs on the thread pool while the walk goes on; the walk waits only when more than
    // MAX_MEASURING bytes of binaries are queued for it (memory stays bounded).
    this.measuring += bytes.length;
    const job = gzipSize(parts)
      .then(
        (n) => {
          result.strippedCompressed = n;
        },
        () => {},
      )
      .finally(() => {
        this.measuring -= bytes.length;
        this.pending.delete(job);
      });
    this.pending.add(job);
    return this.measuring > MAX_MEASURING ? job : undefined;
  }

  /** Wait for every stripped-size measurement started by the walk. */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** The analysis of the version of `path` written by `layer`, if it was a Go binary. */
  get(layer: number, path: string): (GoBinaryFacts & { strippedCompressed?: number }) | undefined {
    return this.found.get(key(layer, path));
  }

  get size(): number {
    return this.found.size;
  }

  /** Every Go binary found, with the layer that wrote it. */
  *all(): IterableIterator<{ layer: number; facts: GoBinaryFacts & { strippedCompressed?: number } }> {
    for (const [k, facts] of this.found) yield { layer: Number(k.slice(0, k.indexOf('\u0000'))), facts };
  }

  /** The Go binaries one layer wrote (as found so far), for the analysis cache. */
  ofLayer(layer: number): Array<GoBinaryFacts & { strippedCompressed?: number }> {
    const prefix = `${layer}\u0000`;
    const out: Array<GoBinaryFacts & { strippedCompressed?: number }> = [];
    for (const [k, v] of this.found) if (k.startsWith(prefix)) out.push(v);
    return out;
  }

  /** The packed executables one layer wrote, for the analysis cache. */
  packedOfLayer(layer: number): PackedFacts[] {
    const prefix = `${layer}\u0000`;
    return [...this.packedFound].filter(([k]) => k.startsWith(prefix)).map(([, v]) => v);
  }

  /** A layer's packed executable known without reading it (from the analysis cache). */
  addPacked(layer: number, facts: PackedFacts): void {
    this.packedFound.set(key(layer, facts.path), facts);
  }

  /** Every packed executable found, with the layer that wrote it. */
  *allPacked(): IterableIterator<{ layer: number; facts: PackedFacts }> {
    for (const [k, facts] of this.packedFound) yield { layer: Number(k.slice(0, k.indexOf('\u0000'))), facts };
  }

  /** Facts of a layer's Go binary known without reading it (from the analysis cache). */
  add(layer: number, facts: GoBinaryFacts & { strippedCompressed?: number }): void {
    this.found.set(key(layer, facts.path), facts);
  }
}

function key(layer: number, path: string): string {
  return `${layer}\u0000${path}`;
}

/**
 * Will it start? A dynamically linked executable is run by its ELF interpreter: when that file
 * is missing, execve(2) fails with ENOENT and the runtime prints "exec /app: no such file or
 * directory" about a file that exists.
 */
export function startVerdict(facts: GoBinaryFacts, fs: FsIndex): { willStart: boolean; problem?: string } {
  if (facts.interpreter) {
    if (!fs.existsFile(facts.interpreter)) {
      return { willStart: false, problem: `its ELF interpreter ${facts.interpreter} is not in the image (exec fails with "no such file or directory")` };
    }
  }
  return { willStart: true };
}

/**
 * Assemble the image's Go binary list, with owners and verdicts: the binaries the collector
 * found whose version is the one in the final filesystem, as a regular file that costs bytes
 * (a second hardlink to a binary is not a second binary). Looked up from the few binaries found,
 * not by a pass over every file.
 */
export function finalGoBinaries(collector: GoBinaryCollector, fs: FsIndex, ownerOf: (path: string) => string | undefined): GoBinary[] {
  const out: GoBinary[] = [];
  for (const { layer, facts } of collector.all()) {
    const f = fs.get(facts.path);
    if (f === undefined || f.type !== 'file' || f.layer !== layer || f.charged === 0) continue;
    const owner = ownerOf(f.path);
    const gb: GoBinary = { ...facts, ...startVerdict(facts, fs) };
    if (owner !== undefined && !isGoToolchainPackage(owner)) gb.package = owner;
    else if (owner !== undefined) continue; // a toolchain package's binary is the toolchain
    out.push(gb);
  }
  return out.sort((a, b) => b.size - a.size || a.path.localeCompare(b.path));
}

/**
 * The image's packed executables (the versions in the final filesystem, as finalGoBinaries picks
 * Go binaries), each as the exe-compression hint with its numbers: goslim cannot see inside, and
 * the file is already compressed, so the layer's gzip barely shrinks it.
 */
export function finalPackedBinaries(collector: GoBinaryCollector, fs: FsIndex, ownerOf: (path: string) => string | undefined): PackedBinary[] {
  const doc = hintDoc('exe-compression');
  const out: PackedBinary[] = [];
  for (const { layer, facts } of collector.allPacked()) {
    const f = fs.get(facts.path);
    if (f === undefined || f.type !== 'file' || f.layer !== layer || f.charged === 0) continue;
    const owner = ownerOf(f.path);
    out.push({
      ...facts,
      ...(owner !== undefined ? { package: owner } : {}),
      hint: 'exe-compression',
      title: `${packedTitle(facts.size, facts.packed)}; already compressed, so the registry's gzip of its layer barely shrinks it`,
      fix: doc.fix,
      lose: doc.lose,
      keep: doc.keep,
      explain: `goslim explain ${doc.id}`,
    });
  }
  return out.sort((a, b) => b.size - a.size || a.path.localeCompare(b.path));
}
