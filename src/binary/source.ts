/**
 * Where the analyzer's bytes come from. `analyzeBinary` takes either the whole file as one array
 * (library callers, image inspection: every read is a zero-copy view of it) or a ByteSource that
 * copies file ranges on demand (`goslim binary` on a file: src/util/regular-file.ts). With a source,
 * the analysis reads the parts it needs phase by phase into a few reused buffers (the pclntab, then
 * the symbol table, then the data sections share one; machine code streams through another), so
 * peak memory is the largest phase, not the file (docs/binary.md, "Speed and memory").
 *
 * Pure: the source does the I/O; this module only allocates and indexes.
 */
import { InternalError } from '../errors.js';

export interface ByteSource {
  /** File bytes. */
  readonly size: number;
  /**
   * Copy file bytes [offset, offset + length) into `target` at `targetOffset`; the range lies in
   * [0, size). A read that comes back short (the file shrank) throws E_TRUNCATED.
   */
  readInto(target: Uint8Array, targetOffset: number, offset: number, length: number): void;
}

export interface FileRange {
  offset: number;
  size: number;
}

export interface Loaded {
  bytes: Uint8Array;
  /** Where each requested range starts in `bytes`, in request order. */
  at: number[];
}

/** The slot the pclntab, then the symbol table, then the data sections take in turn. */
export const SCRATCH_SLOT = 'scratch';
/** Machine code, streamed a chunk at a time. */
export const TEXT_SLOT = 'text';

/** Ranges are packed 8-byte aligned, so a word's alignment in the file is its alignment in the buffer. */
const ALIGN = 8;

/**
 * Loads file ranges into named, reused buffers. From a whole-file array every load is the array
 * itself (`at` = the file offsets). From a source, a load into a slot overwrites that slot's
 * previous contents: the caller must be done with them (each phase of attributeBinary is).
 */
export class Loader {
  private readonly slots = new Map<string, Uint8Array>();
  constructor(
    readonly whole: Uint8Array | null,
    readonly source: ByteSource | null,
  ) {
    if (!whole && !source) throw new InternalError('Loader: neither bytes nor a source');
  }

  static of(bytes: Uint8Array): Loader {
    return new Loader(bytes, null);
  }

  get size(): number {
    return this.whole ? this.whole.length : this.source!.size;
  }

  load(ranges: readonly FileRange[], slot: string): Loaded {
    if (this.whole) return { bytes: this.whole, at: ranges.map((r) => r.offset) };
    const at: number[] = [];
    let total = 0;
    for (const r of ranges) {
      // Keep the file offset's alignment: pointer-sized words are read aligned.
      total += (r.offset - total) & (ALIGN - 1);
      at.push(total);
      total += r.size;
    }
    let buf = this.slots.get(slot);
    if (!buf || buf.length < total) {
      this.slots.delete(slot);
      // A Buffer: the string decoders (bytes.ts utf8) take it without wrapping it per call.
      buf = Buffer.allocUnsafeSlow(total);
      this.slots.set(slot, buf);
    }
    for (let i = 0; i < ranges.length; i++) {
      const r = ranges[i]!;
      if (r.size > 0) this.source!.readInto(buf, at[i]!, r.offset, r.size);
    }
    return { bytes: buf, at };
  }

  /** One range in a fresh array of its own (kept by the caller; DWARF sections). */
  copy(range: FileRange): Uint8Array {
    if (this.whole) return this.whole.subarray(range.offset, range.offset + range.size);
    const buf = Buffer.allocUnsafeSlow(range.size);
    if (range.size > 0) this.source!.readInto(buf, 0, range.offset, range.size);
    return buf;
  }

  /** Drop a slot's buffer (the next load into it allocates again). */
  release(slot: string): void {
    this.slots.delete(slot);
  }
}
