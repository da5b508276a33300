/**
 * PagedBytes: reads through a bounded page cache give exactly what reads of the bytes give, at page
 * boundaries, on the last (short) page, with pages larger than the range, and hostile offsets fail
 * with typed errors; the cache never holds more than its pages, and no read of the source is larger
 * than a page.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GoslimError } from '../errors.js';
import { isOutOfRange, PagedBytes } from './paged.js';
import { Loader, type ByteSource } from './source.js';

/** A source over bytes in memory that records each read. */
function recording(bytes: Uint8Array): ByteSource & { reads: Array<[number, number]> } {
  const reads: Array<[number, number]> = [];
  return {
    size: bytes.length,
    reads,
    readInto(target, targetOffset, offset, length) {
      reads.push([offset, length]);
      target.set(bytes.subarray(offset, offset + length), targetOffset);
    },
  };
}

function bytesOf(n: number, seed = 7): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

function paged(bytes: Uint8Array, start: number, size: number, pageSize: number, maxPages = 2, littleEndian = true) {
  const src = recording(bytes);
  const p = PagedBytes.over(new Loader(null, src), { offset: start, size }, { pageSize, maxPages, littleEndian, label: 'test' });
  return { p, src };
}

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(GoslimError);
    expect(isOutOfRange(err)).toBe(true);
    return (err as GoslimError).code;
  }
  return 'no error';
}

describe('PagedBytes', () => {
  const file = bytesOf(300);
  const dv = new DataView(file.buffer);

  it('a word that straddles two pages is read from both', () => {
    const { p } = paged(file, 0, 300, 16);
    for (const o of [14, 15, 13, 31, 47]) {
      expect(p.u32(o), `u32 at ${o}`).toBe(dv.getUint32(o, true));
      expect(p.u16(o + 1), `u16 at ${o + 1}`).toBe(dv.getUint16(o + 1, true));
    }
    const be = paged(file, 0, 300, 16, 2, false).p;
    expect(be.u32(14)).toBe(dv.getUint32(14, false));
    expect(p.u64OrMinus1(12)).toBe(dv.getUint32(16, true) === 0 ? dv.getUint32(12, true) : -1);
    const small = new Uint8Array(32);
    new DataView(small.buffer).setUint32(12, 0xdeadbeef, true);
    new DataView(small.buffer).setUint32(16, 0x1234, true);
    expect(paged(small, 0, 32, 16).p.u64(12)).toBe(0x1234 * 2 ** 32 + 0xdeadbeef);
    expect(paged(small, 0, 32, 16).p.u64OrMinus1(12)).toBe(-1);
    expect([...p.slice(10, 20)]).toEqual([...file.subarray(10, 30)]);
  });

  it('the last page is short, and a read past it is E_MALFORMED (E_TRUNCATED when asked)', () => {
    // A range of 50 bytes from offset 100: pages of 16 leave a last page of 2 bytes.
    const { p, src } = paged(file, 100, 50, 16);
    expect(p.u8(49)).toBe(file[149]);
    expect(p.u16(48)).toBe(dv.getUint16(148, true));
    expect(src.reads.every(([o, n]) => o >= 100 && o + n <= 150)).toBe(true);
    expect(codeOf(() => p.u32(47))).toBe('E_MALFORMED');
    expect(codeOf(() => p.u8(50))).toBe('E_MALFORMED');
    const t = PagedBytes.over(new Loader(null, recording(file)), { offset: 100, size: 50 }, { pageSize: 16, overrun: 'truncated' });
    expect(codeOf(() => t.u32(48))).toBe('E_TRUNCATED');
  });

  it('a page larger than the range reads the range once, never past it', () => {
    const { p, src } = paged(file, 40, 20, 1 << 12);
    expect([...p.slice(0, 20)]).toEqual([...file.subarray(40, 60)]);
    expect(p.u32(16)).toBe(dv.getUint32(56, true));
    expect(src.reads).toEqual([[40, 20]]);
    expect(codeOf(() => p.u8(20))).toBe('E_MALFORMED');
  });

  it('hostile offsets and sizes are typed errors, never RangeError', () => {
    const { p } = paged(file, 0, 300, 16);
    for (const o of [-1, -4, 300, 2 ** 32, 2 ** 53, Number.NaN, Number.POSITIVE_INFINITY, 1.5]) {
      expect(codeOf(() => p.u32(o)), `u32 at ${o}`).toBe('E_MALFORMED');
      expect(codeOf(() => p.u8(o)), `u8 at ${o}`).toBe('E_MALFORMED');
    }
    expect(codeOf(() => p.slice(290, 20))).toBe('E_MALFORMED');
    expect(codeOf(() => p.slice(0, -1))).toBe('E_MALFORMED');
    expect(codeOf(() => p.chunks(0, 301, () => undefined))).toBe('E_MALFORMED');
    // No NUL within the range: the string does not end.
    const noNul = new Uint8Array(40).fill(0x41);
    expect(codeOf(() => paged(noNul, 0, 40, 16).p.cstringEnd(3))).toBe('E_MALFORMED');
    // A range outside the file is refused when the reader is made.
    expect(() => PagedBytes.over(new Loader(null, recording(file)), { offset: 290, size: 20 })).toThrow(expect.objectContaining({ code: 'E_MALFORMED' }));
    expect(() => PagedBytes.over(new Loader(null, recording(file)), { offset: -1, size: 2 })).toThrow(expect.objectContaining({ code: 'E_MALFORMED' }));
  });

  it('holds at most maxPages pages: an evicted page is read again, a kept one is not', () => {
    const { p, src } = paged(file, 0, 300, 16, 2);
    p.u8(0);
    p.u8(16);
    expect(p.loads).toBe(2);
    p.u8(1); // page 0: kept
    expect(p.loads).toBe(2);
    p.u8(32); // page 2 evicts page 1, the least recently used
    p.u8(2); // page 0: still kept
    expect(p.loads).toBe(3);
    p.u8(17); // page 1: read again
    expect(p.loads).toBe(4);
    expect(src.reads.every(([, n]) => n <= 16)).toBe(true);
  });

  it('strings, searches and chunks cross pages', () => {
    const text = new TextEncoder().encode('runtime.main\0net/http.(*Server).Serve\0\0tail');
    const { p } = paged(text, 0, text.length, 16);
    expect(p.cstringEnd(0)).toBe(12);
    expect(p.text(13, p.cstringEnd(13))).toBe('net/http.(*Server).Serve');
    expect(p.indexOf(0, 13)).toBe(37);
    expect(p.indexOf(0, 39, 39)).toBe(-1);
    const parts: number[][] = [];
    p.chunks(5, 30, (c) => parts.push([...c]));
    expect(parts.flat()).toEqual([...text.subarray(5, 35)]);
    expect(parts.every((c) => c.length <= 16)).toBe(true);
  });

  it('over bytes in memory, reads are views of them (no copies, no source)', () => {
    const p = PagedBytes.over(Loader.of(file), { offset: 100, size: 100 });
    const s = p.slice(10, 50);
    expect(s.buffer).toBe(file.buffer);
    expect(s.byteOffset).toBe(110);
    expect(p.loads).toBe(0);
    expect(codeOf(() => p.u8(100))).toBe('E_MALFORMED');
  });

  it('any reads, any page size: the same answers as the bytes', () => {
    const data = bytesOf(1000, 3);
    const view = new DataView(data.buffer);
    const op = fc.record({ kind: fc.constantFrom('u8', 'u32', 'slice', 'indexOf', 'fork'), at: fc.integer({ min: 0, max: 999 }), n: fc.integer({ min: 0, max: 40 }) });
    fc.assert(
      fc.property(fc.constantFrom(16, 32, 64, 256, 2048), fc.integer({ min: 1, max: 4 }), fc.array(op, { maxLength: 60 }), (pageSize, maxPages, ops) => {
        const src = recording(data);
        let p = PagedBytes.over(new Loader(null, src), { offset: 0, size: data.length }, { pageSize, maxPages });
        for (const { kind, at, n } of ops) {
          if (kind === 'u8') expect(p.u8(at)).toBe(data[at]);
          else if (kind === 'u32') {
            if (at + 4 <= data.length) expect(p.u32(at)).toBe(view.getUint32(at, true));
            else expect(codeOf(() => p.u32(at))).toBe('E_MALFORMED');
          } else if (kind === 'slice') {
            if (at + n <= data.length) expect([...p.slice(at, n)]).toEqual([...data.subarray(at, at + n)]);
            else expect(codeOf(() => p.slice(at, n))).toBe('E_MALFORMED');
          } else if (kind === 'indexOf') {
            const want = data.indexOf(data[at]!, Math.max(0, at - n));
            expect(p.indexOf(data[at]!, Math.max(0, at - n))).toBe(want);
          } else p = p.fork();
        }
        expect(src.reads.every(([, len]) => len <= pageSize)).toBe(true);
      }),
      { numRuns: 200, seed: 15 },
    );
  });
});
