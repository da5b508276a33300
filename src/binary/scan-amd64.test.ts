/**
 * The x86-64 code scan finds its candidate bytes with indexOf, once per buffer, function after
 * function. It must report exactly what testing every byte did: every E8 whose rel32 fits in the
 * function, and every REX + 8D/8B + ModRM 00 xxx 101 whose disp32 fits, skipping the bytes of a
 * reference already taken (and only of one taken), never past the function's end even when the
 * buffer goes on.
 */
import { describe, expect, it } from 'vitest';
import { Amd64Code } from './attribute.js';
import type { CallGraph } from './sites.js';

type Refs = Parameters<Amd64Code['scan']>[5];

/** The definition: every byte tested in turn (the scan before indexOf). */
function byteByByte(
  bytes: Uint8Array,
  dv: DataView,
  p0: number,
  pe: number,
  base: number,
  f: number,
  calls: CallGraph,
  refs: NonNullable<Refs>,
  find: (va: number) => number,
): void {
  let next = p0;
  for (let p = p0; p + 5 <= pe; p++) {
    const b0 = bytes[p]!;
    if (b0 === 0xe8) calls.add(f, p + base, p + 5 + base + dv.getInt32(p + 1, true));
    else if ((b0 & 0xf0) === 0x40 && p >= next && p + 7 <= pe) {
      const op = bytes[p + 1];
      if ((op === 0x8d || op === 0x8b) && (bytes[p + 2]! & 0xc7) === 0x05) {
        const va = p + 7 + base + dv.getInt32(p + 3, true);
        const m = find(va);
        if (m >= 0) {
          refs.add(va, f, m);
          next = p + 7;
        }
      }
    }
  }
}

function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x >>> 8; // the high bits: an LCG's low bits repeat with a short period
  };
}

/** Code made mostly of the interesting bytes, so matches overlap, chain and sit at the edges. */
function code(next: () => number, n: number): Uint8Array {
  const alphabet = [0xe8, 0x48, 0x4c, 0x8d, 0x8b, 0x05, 0x0d, 0x3d, 0x00, 0x10, 0xff, 0x90];
  return Uint8Array.from({ length: n }, () => alphabet[next() % alphabet.length]!);
}

function record(run: (calls: CallGraph, refs: NonNullable<Refs>) => void): { calls: number[][]; refs: number[][] } {
  const out = { calls: [] as number[][], refs: [] as number[][] };
  const calls = { add: (f: number, pc: number, target: number) => out.calls.push([f, pc, target]) } as unknown as CallGraph;
  const refs = { add: (va: number, f: number, m: number) => out.refs.push([va, f, m]) } as unknown as NonNullable<Refs>;
  run(calls, refs);
  return out;
}

describe('Amd64Code.scan', () => {
  it('reports what testing every byte reports, function by function, on dense random code', () => {
    const next = lcg(15);
    let compared = 0;
    for (let round = 0; round < 200; round++) {
      const bytes = code(next, 64 + (next() % 512));
      const dv = new DataView(bytes.buffer);
      // Half the targets "hit" (every other 4 KiB of the address space), so `next` skips happen.
      const find = (va: number): number => ((va >>> 12) & 1 ? (va >>> 12) & 7 : -1);
      const scanner = new Amd64Code(bytes, dv);
      let p0 = 0;
      for (let f = 0; p0 < bytes.length; f++) {
        // Functions end anywhere, including mid-instruction, with more buffer after them.
        const pe = Math.min(bytes.length, p0 + 1 + (next() % 40));
        const base = 0x400000 + (next() % 4096);
        const want = record((c, r) => byteByByte(bytes, dv, p0, pe, base, f, c, r, find));
        const got = record((c, r) => scanner.scan(p0, pe, base, f, c, r, find));
        expect(got).toEqual(want);
        compared += want.calls.length + want.refs.length;
        p0 = pe;
      }
    }
    // The cases must have exercised both kinds (a generator that found nothing would pass vacuously).
    expect(compared).toBeGreaterThan(1000);
  });

  it('finds nothing past the function, and no reference whose displacement runs past it', () => {
    // LEA rax, [rip+0] at 0..6 and CALL at 7..11, then the same again after the end (12).
    const bytes = Uint8Array.from([0x48, 0x8d, 0x05, 0, 0, 0, 0, 0xe8, 0, 0, 0, 0, 0x48, 0x8d, 0x05, 0, 0, 0, 0, 0xe8, 0, 0, 0, 0]);
    const dv = new DataView(bytes.buffer);
    const all = record((c, r) => new Amd64Code(bytes, dv).scan(0, 12, 0x1000, 3, c, r, () => 0));
    expect(all.calls).toEqual([[3, 0x1007, 0x100c]]);
    expect(all.refs).toEqual([[0x1007, 3, 0]]);
    // Cut one byte short: the CALL's rel32 and then the LEA's disp32 no longer fit.
    expect(record((c, r) => new Amd64Code(bytes, dv).scan(0, 11, 0x1000, 3, c, r, () => 0))).toEqual({ calls: [], refs: [[0x1007, 3, 0]] });
    expect(record((c, r) => new Amd64Code(bytes, dv).scan(0, 6, 0x1000, 3, c, r, () => 0))).toEqual({ calls: [], refs: [] });
  });

  it('skips candidates inside a reference taken, up to its last byte, and only after one is taken', () => {
    // REX 8D 05 at 0, 3 and 6: the ones at 3 and 6 lie in the first one's displacement (bytes 3..6).
    const bytes = Uint8Array.from([0x48, 0x8d, 0x05, 0x48, 0x8b, 0x05, 0x48, 0x8d, 0x05, 0, 0, 0, 0]);
    const dv = new DataView(bytes.buffer);
    const taken = record((c, r) => new Amd64Code(bytes, dv).scan(0, bytes.length, 0, 0, c, r, () => 0));
    expect(taken.refs.map(([va]) => va)).toEqual([7 + dv.getInt32(3, true)]);
    // The first one's target in no region: it is not taken, and the later ones are read.
    const firstMissed = record((c, r) => new Amd64Code(bytes, dv).scan(0, bytes.length, 0, 0, c, r, (va) => (va === 7 + dv.getInt32(3, true) ? -1 : 0)));
    expect(firstMissed.refs.map(([va]) => va)).toEqual([10 + dv.getInt32(6, true)]);
  });

  it('scans calls only when there is no region to find references in', () => {
    const bytes = Uint8Array.from([0x48, 0x8d, 0x05, 0, 0, 0, 0, 0xe8, 1, 0, 0, 0]);
    const dv = new DataView(bytes.buffer);
    const out: number[][] = [];
    const calls = { add: (f: number, pc: number, target: number) => out.push([f, pc, target]) } as unknown as CallGraph;
    new Amd64Code(bytes, dv).scan(0, bytes.length, 0, 0, calls, null, () => 0);
    expect(out).toEqual([[0, 7, 13]]);
  });
});
