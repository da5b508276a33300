/**
 * Bounds-checked random access over untrusted bytes. Every read checks its range
 * first and throws a typed goslim error, so malformed or truncated executables
 * can never surface as RangeError/TypeError from DataView or Buffer.
 *
 * Two flavours of overrun: reading past the end of the *file* means the input is
 * a prefix of something bigger (E_TRUNCATED); reading past the end of a table
 * that the file fully contains means the table lies about itself (E_MALFORMED).
 */
import { MalformedInputError, TruncatedInputError } from '../errors.js';

export type Overrun = 'truncated' | 'malformed';

/** Largest integer a JS number holds exactly (2^53 - 1). */
const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const TWO32 = 0x1_0000_0000;

/**
 * The one checked conversion for 64-bit values read from binaries: combines the
 * two 32-bit halves and refuses anything above 2^53 - 1 (no real file offset,
 * size or address we use is that large; a larger value means a corrupt field).
 */
export function join64(hi: number, lo: number, what: string): number {
  if (hi >= 0x20_0000) {
    throw new MalformedInputError(`${what}: 64-bit value 0x${hi.toString(16)}${lo.toString(16).padStart(8, '0')} is too large`);
  }
  return hi * TWO32 + lo;
}

export class ByteView {
  readonly bytes: Uint8Array;
  readonly length: number;
  readonly littleEndian: boolean;
  private readonly dv: DataView;
  private readonly overrun: Overrun;
  private readonly label: string;

  constructor(bytes: Uint8Array, littleEndian = true, overrun: Overrun = 'truncated', label = 'input') {
    this.bytes = bytes;
    this.length = bytes.length;
    this.littleEndian = littleEndian;
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.overrun = overrun;
    this.label = label;
  }

  /** Same bytes, other byte order. */
  withEndian(littleEndian: boolean): ByteView {
    return new ByteView(this.bytes, littleEndian, this.overrun, this.label);
  }

  /** A window [offset, offset+size) of this view; the window itself must fit. */
  sub(offset: number, size: number, overrun: Overrun = this.overrun, label = this.label): ByteView {
    this.check(offset, size);
    return new ByteView(this.bytes.subarray(offset, offset + size), this.littleEndian, overrun, label);
  }

  /** Throws unless [offset, offset+size) lies inside the view. */
  check(offset: number, size: number): void {
    if (
      !Number.isSafeInteger(offset) ||
      !Number.isSafeInteger(size) ||
      offset < 0 ||
      size < 0 ||
      offset + size > this.length
    ) {
      const msg = `${this.label}: read of ${size} bytes at offset ${offset} is outside ${this.length} bytes`;
      throw this.overrun === 'truncated' ? new TruncatedInputError(msg) : new MalformedInputError(msg);
    }
  }

  has(offset: number, size: number): boolean {
    return Number.isSafeInteger(offset) && offset >= 0 && size >= 0 && offset + size <= this.length;
  }

  u8(offset: number): number {
    this.check(offset, 1);
    return this.dv.getUint8(offset);
  }

  u16(offset: number): number {
    this.check(offset, 2);
    return this.dv.getUint16(offset, this.littleEndian);
  }

  u32(offset: number): number {
    this.check(offset, 4);
    return this.dv.getUint32(offset, this.littleEndian);
  }

  i32(offset: number): number {
    this.check(offset, 4);
    return this.dv.getInt32(offset, this.littleEndian);
  }

  u64(offset: number, what = 'u64'): number {
    this.check(offset, 8);
    const a = this.dv.getUint32(offset, this.littleEndian);
    const b = this.dv.getUint32(offset + 4, this.littleEndian);
    return this.littleEndian ? join64(b, a, what) : join64(a, b, what);
  }

  /** A target-pointer-sized unsigned word (4 or 8 bytes). */
  word(offset: number, size: 4 | 8, what = 'word'): number {
    return size === 8 ? this.u64(offset, what) : this.u32(offset);
  }

  slice(offset: number, size: number): Uint8Array {
    this.check(offset, size);
    return this.bytes.subarray(offset, offset + size);
  }

  /** NUL-terminated string starting at offset; the NUL must occur within `max` bytes and inside the view. */
  cstring(offset: number, max = 1 << 16): string {
    return utf8(this.bytes, offset, this.cstringEnd(offset, max));
  }

  /** Where the NUL-terminated string at offset ends (the NUL's offset), checked as cstring checks it. */
  cstringEnd(offset: number, max = 1 << 16): number {
    this.check(offset, 0);
    const end = Math.min(this.length, offset + max);
    let i = this.bytes.indexOf(0, offset);
    if (i < 0 || i >= end) {
      const msg = `${this.label}: unterminated string at offset ${offset}`;
      throw this.overrun === 'truncated' && end === this.length
        ? new TruncatedInputError(msg)
        : new MalformedInputError(msg);
    }
    return i;
  }

  /** Index of `needle` at or after `from`, or -1. */
  indexOf(needle: Uint8Array, from = 0): number {
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength).indexOf(needle, from);
  }
}

/**
 * UTF-8 text of bytes[start, end). Buffer's native decoder: building short strings
 * char by char made millions of rope fragments and dominated GC on 50 MB binaries.
 */
export function utf8(bytes: Uint8Array, start: number, end: number): string {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return buf.toString('utf8', start, end);
}

/**
 * Sequential reader on top of a ByteView, for formats that are read front to back
 * (build-info varints).
 */
export class Cursor {
  pos: number;
  constructor(
    readonly view: ByteView,
    start = 0,
  ) {
    this.pos = start;
  }

  u8(): number {
    const v = this.view.u8(this.pos);
    this.pos += 1;
    return v;
  }

  /** Unsigned LEB128 (encoding/binary.Uvarint), at most 10 bytes and 2^53 - 1. */
  uvarint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.u8();
      result += (b & 0x7f) * scale;
      if (result > MAX_SAFE) throw new MalformedInputError('varint overflows 2^53');
      if ((b & 0x80) === 0) return result;
      scale *= 128;
    }
    throw new MalformedInputError('varint longer than 10 bytes');
  }

  bytes(n: number): Uint8Array {
    const v = this.view.slice(this.pos, n);
    this.pos += n;
    return v;
  }
}
