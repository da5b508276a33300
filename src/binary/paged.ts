/**
 * Bounded random access to one range of an executable (the pc-line table, the data sections):
 * through a small cache of fixed-size pages read on demand from a ByteSource, so that memory is
 * `pages x pageSize` whatever the range's size, instead of the whole range in one buffer (issue 15:
 * peak RSS <= 1.5x the file). Over bytes already in memory (Loader.of) the range is one page and
 * every read is a view of those bytes.
 *
 * Offsets are relative to the range. A read outside [0, size) throws a typed error
 * (E_MALFORMED, or E_TRUNCATED when the range was cut by the end of the file), never a RangeError;
 * `isOutOfRange` tells those errors from others (the attribution degrades on them, as it did on
 * RangeError). A read that straddles two pages is assembled from both. Pages are evicted least
 * recently used first.
 *
 * Pure: the source does the I/O (docs/binary.md, "Speed and memory").
 */
import { InternalError, MalformedInputError, TruncatedInputError } from '../errors.js';
import { join64 } from './bytes.js';
import type { FileRange, Loader } from './source.js';

/** Page size and count when reading from a source: 64 KiB pages, 4 of them (256 KiB) per reader. */
export const PAGE_SIZE = 1 << 16;
export const MAX_PAGES = 4;

export interface PagedOptions {
  /** Bytes per page (a power of two, at least 16); default PAGE_SIZE. */
  pageSize?: number;
  /** Pages kept at most; default MAX_PAGES. */
  maxPages?: number;
  /** E_MALFORMED (default) or E_TRUNCATED for a read past the end. */
  overrun?: 'malformed' | 'truncated';
  /** Named in error messages ("pclntab"). */
  label?: string;
  littleEndian?: boolean;
}

const outOfRange = new WeakSet<object>();

/** Was `err` thrown by a PagedBytes read outside its range? */
export function isOutOfRange(err: unknown): boolean {
  return typeof err === 'object' && err !== null && outOfRange.has(err);
}

export class PagedBytes {
  readonly size: number;
  littleEndian: boolean;
  /** The resident page's bytes and the range offsets [lo, hi) they hold (the fast path of every read). */
  /** A Buffer (the string decoders take it without a view per call). */
  private cur: Buffer;
  private curDv: DataView;
  private lo = 0;
  private hi = 0;
  private readonly index = new Map<number, Page>();
  /** The resident pages, for eviction. */
  private readonly list: Page[] = [];
  private clock = 0;
  private readonly pageSize: number;
  private readonly maxPages: number;
  private readonly overrun: 'malformed' | 'truncated';
  private readonly label: string;
  /** Page loads so far (tests and the benchmark look at it). */
  loads = 0;

  private constructor(
    private readonly loader: Loader | null,
    private readonly start: number,
    size: number,
    whole: Uint8Array | null,
    options: PagedOptions,
  ) {
    this.size = size;
    this.littleEndian = options.littleEndian ?? true;
    this.overrun = options.overrun ?? 'malformed';
    this.label = options.label ?? 'input';
    const ps = options.pageSize ?? PAGE_SIZE;
    if (!Number.isInteger(ps) || ps < 16 || (ps & (ps - 1)) !== 0) throw new InternalError(`PagedBytes: page size ${ps} is not a power of two >= 16`);
    this.pageSize = ps;
    this.maxPages = Math.max(1, options.maxPages ?? MAX_PAGES);
    this.cur = whole ? asBuffer(whole) : Buffer.alloc(0);
    this.curDv = new DataView(this.cur.buffer, this.cur.byteOffset, this.cur.byteLength);
    this.hi = whole ? whole.length : 0;
  }

  /** The bytes themselves, as one page (no copies). */
  static of(bytes: Uint8Array, options: PagedOptions = {}): PagedBytes {
    return new PagedBytes(null, 0, bytes.length, bytes, options);
  }

  /**
   * File bytes [range.offset, range.offset + range.size) through `loader`: a view of its bytes when it
   * holds the whole file, else pages read from its source. The range must lie inside the file.
   */
  static over(loader: Loader, range: FileRange, options: PagedOptions = {}): PagedBytes {
    const ok = Number.isSafeInteger(range.offset) && Number.isSafeInteger(range.size) && range.offset >= 0 && range.size >= 0 && range.offset + range.size <= loader.size;
    if (!ok) throw new MalformedInputError(`${options.label ?? 'input'}: range of ${range.size} bytes at ${range.offset} is outside the ${loader.size}-byte file`);
    if (loader.whole) return new PagedBytes(null, 0, range.size, loader.whole.subarray(range.offset, range.offset + range.size), options);
    return new PagedBytes(loader, range.offset, range.size, null, options);
  }

  /** Another reader over the same range with a cache of its own (one per access stream). */
  fork(options: PagedOptions = {}): PagedBytes {
    const o = { pageSize: this.pageSize, maxPages: this.maxPages, overrun: this.overrun, label: this.label, littleEndian: this.littleEndian, ...options };
    if (!this.loader) return new PagedBytes(null, 0, this.size, this.cur, o);
    return new PagedBytes(this.loader, this.start, this.size, null, o);
  }

  /** Throws unless [offset, offset + n) lies inside the range. */
  check(offset: number, n: number): void {
    if (Number.isSafeInteger(offset) && Number.isSafeInteger(n) && offset >= 0 && n >= 0 && offset + n <= this.size) return;
    const msg = `${this.label}: read of ${n} bytes at offset ${offset} is outside ${this.size} bytes`;
    const err = this.overrun === 'truncated' ? new TruncatedInputError(msg) : new MalformedInputError(msg);
    outOfRange.add(err);
    throw err;
  }

  has(offset: number, n: number): boolean {
    return Number.isSafeInteger(offset) && offset >= 0 && n >= 0 && offset + n <= this.size;
  }

  u8(o: number): number {
    if (o >= this.lo && o < this.hi) return this.cur[o - this.lo]!;
    this.check(o, 1);
    this.page(o);
    return this.cur[o - this.lo]!;
  }

  u16(o: number): number {
    if (o >= this.lo && o + 2 <= this.hi) return this.curDv.getUint16(o - this.lo, this.littleEndian);
    const a = this.u8(o);
    const b = this.u8(o + 1);
    return this.littleEndian ? a | (b << 8) : (a << 8) | b;
  }

  u32(o: number): number {
    if (o >= this.lo && o + 4 <= this.hi) return this.curDv.getUint32(o - this.lo, this.littleEndian);
    return this.slow32(o);
  }

  i32(o: number): number {
    return this.u32(o) | 0;
  }

  u64(o: number, what = 'u64'): number {
    const a = this.u32(o);
    const b = this.u32(o + 4);
    return this.littleEndian ? join64(b, a, what) : join64(a, b, what);
  }

  /** A 64-bit word as a number when its high half is 0, else -1 (pointer scans: no error for a non-pointer). */
  u64OrMinus1(o: number): number {
    const hi = this.u32(o + (this.littleEndian ? 4 : 0));
    return hi === 0 ? this.u32(o + (this.littleEndian ? 0 : 4)) : -1;
  }

  /**
   * A 64-bit word when it is below `limit`, else -1: a pointer scan's read (no error for a non-pointer,
   * and no heap number for one either: the words of data are mostly not addresses, and a large value
   * returned from a call that is not inlined is boxed).
   */
  u64Below(o: number, limit: number): number {
    if (this.u32(o + (this.littleEndian ? 4 : 0)) !== 0) return -1;
    const w = this.u32(o + (this.littleEndian ? 0 : 4));
    return w < limit ? w : -1;
  }

  /** A target-pointer-sized unsigned word (4 or 8 bytes). */
  word(o: number, size: 4 | 8, what = 'word'): number {
    return size === 8 ? this.u64(o, what) : this.u32(o);
  }

  /** Index of byte `b` in [from, to) (to defaults to the end), or -1. */
  indexOf(b: number, from: number, to = this.size): number {
    const end = Math.min(to, this.size);
    let p = Math.max(0, from);
    // Bounded: each turn moves p to the end of a page or returns.
    while (p < end) {
      if (!(p >= this.lo && p < this.hi)) this.page(p);
      const stop = Math.min(end, this.hi);
      const i = this.cur.indexOf(b, p - this.lo);
      if (i >= 0 && i + this.lo < stop) return i + this.lo;
      p = stop;
    }
    return -1;
  }

  /** Where the NUL-terminated string at `o` ends (its NUL's offset); the NUL must be within `max` bytes. */
  cstringEnd(o: number, max = 1 << 16): number {
    this.check(o, 0);
    const end = Math.min(this.size, o + max);
    const i = this.indexOf(0, o, end);
    if (i < 0) {
      const msg = `${this.label}: unterminated string at offset ${o}`;
      const err = this.overrun === 'truncated' && end === this.size ? new TruncatedInputError(msg) : new MalformedInputError(msg);
      outOfRange.add(err);
      throw err;
    }
    return i;
  }

  /**
   * Bytes [o, o + n) in one array: a view of the resident page when they lie in it, else a copy
   * (`n` is the caller's bound: names, records). A view is valid until the next read: use it at once.
   */
  slice(o: number, n: number): Uint8Array {
    if (o >= this.lo && o + n <= this.hi && n >= 0) return this.cur.subarray(o - this.lo, o - this.lo + n);
    this.check(o, n);
    if (n === 0) return new Uint8Array(0);
    this.page(o);
    if (o + n <= this.hi) return this.cur.subarray(o - this.lo, o - this.lo + n);
    const out = Buffer.allocUnsafe(n);
    this.copy(out, o, n);
    return out;
  }

  /**
   * `test(bytes, start, end, arg)` on bytes [a, b) in one array, allocating nothing when they lie in
   * the resident page (the pclntab's names, tested once each against the current package run).
   */
  test<A>(a: number, b: number, test: (bytes: Uint8Array, start: number, end: number, arg: A) => boolean, arg: A): boolean {
    if (a >= this.lo && b <= this.hi && a <= b) return test(this.cur, a - this.lo, b - this.lo, arg);
    const s = this.slice(a, b - a);
    return test(s, 0, s.length, arg);
  }

  /** Text of bytes [a, b): 'utf8' or 'latin1'. */
  text(a: number, b: number, encoding: 'utf8' | 'latin1' = 'utf8'): string {
    if (a >= this.lo && b <= this.hi && a <= b) return this.cur.toString(encoding, a - this.lo, b - this.lo);
    const s = this.slice(a, b - a);
    const buf = Buffer.isBuffer(s) ? s : Buffer.from(s.buffer, s.byteOffset, s.byteLength);
    return buf.toString(encoding);
  }

  /** Calls `fn` with consecutive views that together are bytes [o, o + n) (a page at a time). */
  chunks(o: number, n: number, fn: (chunk: Uint8Array) => void): void {
    this.check(o, n);
    let p = o;
    const end = o + n;
    while (p < end) {
      if (!(p >= this.lo && p < this.hi)) this.page(p);
      const stop = Math.min(end, this.hi);
      fn(this.cur.subarray(p - this.lo, stop - this.lo));
      p = stop;
    }
  }

  private copy(out: Uint8Array, o: number, n: number): void {
    let done = 0;
    this.chunks(o, n, (c) => {
      out.set(c, done);
      done += c.length;
    });
  }

  private slow32(o: number): number {
    this.check(o, 4);
    const a = this.u8(o);
    const b = this.u8(o + 1);
    const c = this.u8(o + 2);
    const d = this.u8(o + 3);
    return this.littleEndian ? (a | (b << 8) | (c << 16) | (d << 24)) >>> 0 : ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
  }

  /** Make the page holding `o` (inside the range) resident. */
  private page(o: number): void {
    if (!this.loader) throw new InternalError(`${this.label}: offset ${o} outside the in-memory range`);
    const k = Math.floor(o / this.pageSize);
    // A switch back to a cached page allocates nothing (shared pc-value tables switch often).
    let p = this.index.get(k);
    if (!p) {
      const from = k * this.pageSize;
      const len = Math.min(this.pageSize, this.size - from);
      let buf: Buffer;
      let slot = this.list.length;
      if (slot >= this.maxPages) {
        // Evict the least recently used page (a scan over an array, no iterator: loads are rare next
        // to switches, but thousands on a large pclntab).
        slot = 0;
        for (let j = 1; j < this.list.length; j++) if (this.list[j]!.use < this.list[slot]!.use) slot = j;
        const victim = this.list[slot]!;
        this.index.delete(victim.k);
        buf = victim.buf;
      } else {
        // No page is longer than the range.
        buf = Buffer.allocUnsafeSlow(Math.min(this.pageSize, this.size));
      }
      this.loader.source!.readInto(buf, 0, this.start + from, len);
      this.loads++;
      p = { k, buf, bytes: buf.subarray(0, len), dv: new DataView(buf.buffer, buf.byteOffset, len), lo: from, hi: from + len, use: 0 };
      this.index.set(k, p);
      this.list[slot] = p;
    }
    p.use = ++this.clock;
    this.cur = p.bytes;
    this.curDv = p.dv;
    this.lo = p.lo;
    this.hi = p.hi;
  }
}

function asBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

interface Page {
  k: number;
  buf: Buffer;
  bytes: Buffer;
  dv: DataView;
  lo: number;
  hi: number;
  use: number;
}
