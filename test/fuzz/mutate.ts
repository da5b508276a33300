/**
 * Byte mutations for the binary fuzz targets: a seed file (a real Go binary or a hand-made one)
 * and a list of edits aimed at the places a reader trusts: header fields, table entries, the
 * first bytes of sections, or anywhere. An edit writes a byte, or a 2/4/8-byte word holding an
 * "interesting" value (0, 1, the file size, 2^31, 2^32, 2^53, all ones) in either byte order,
 * or cuts the file. Edits are applied to a copy; the seed is never changed.
 */
import fc from 'fast-check';

export interface Region {
  offset: number;
  size: number;
}

export type Edit =
  | { kind: 'byte'; region: number; at: number; value: number }
  | { kind: 'word'; region: number; at: number; width: 2 | 4 | 8; value: number; le: boolean }
  | { kind: 'cut'; at: number };

const INTERESTING = [0, 1, 2, 7, 8, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 2 ** 32, 2 ** 53, 2 ** 53 + 2, Number.MAX_SAFE_INTEGER];

/** An edit; `region` and `at` are fractions resolved against the seed's regions when applied. */
export function editArb(): fc.Arbitrary<Edit> {
  const frac = fc.integer({ min: 0, max: 1_000_000 });
  return fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('byte' as const), region: frac, at: frac, value: fc.integer({ min: 0, max: 255 }) }) },
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('word' as const),
        region: frac,
        at: frac,
        width: fc.constantFrom(2 as const, 4 as const, 8 as const),
        // -1 stands for "the file size", -2 for "the file size + 1".
        value: fc.oneof(fc.constantFrom(...INTERESTING, -1, -2), fc.integer({ min: 0, max: 0xffffffff })),
        le: fc.boolean(),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('cut' as const), at: frac }) },
  );
}

export function editsArb(max = 6): fc.Arbitrary<Edit[]> {
  return fc.array(editArb(), { minLength: 1, maxLength: max });
}

function writeWord(out: Uint8Array, at: number, width: 2 | 4 | 8, value: number, le: boolean): void {
  const bytes: number[] = [];
  let v = BigInt(Math.max(0, Math.floor(value)));
  for (let i = 0; i < width; i++) {
    bytes.push(Number(v & 0xffn));
    v >>= 8n;
  }
  if (!le) bytes.reverse();
  for (let i = 0; i < width && at + i < out.length; i++) out[at + i] = bytes[i]!;
}

/** The seed with the edits applied (a copy). Regions outside the seed are clamped. */
export function applyEdits(seed: Uint8Array, regions: Region[], edits: Edit[]): Uint8Array {
  let out = Uint8Array.from(seed);
  const all = regions.length > 0 ? regions : [{ offset: 0, size: seed.length }];
  const pick = (r: number, at: number): number => {
    const reg = all[r % all.length]!;
    const size = Math.max(1, Math.min(reg.size, out.length - reg.offset));
    return Math.min(out.length - 1, reg.offset + (at % size));
  };
  for (const e of edits) {
    if (out.length === 0) break;
    if (e.kind === 'cut') {
      out = out.subarray(0, Math.floor((e.at / 1_000_000) * out.length));
    } else if (e.kind === 'byte') {
      out[pick(e.region, e.at)] = e.value;
    } else {
      const value = e.value === -1 ? seed.length : e.value === -2 ? seed.length + 1 : e.value;
      writeWord(out, pick(e.region, e.at), e.width, value, e.le);
    }
  }
  return out;
}

/** Random bytes behind a format's magic (an ELF, Mach-O, fat or PE header start): every field is garbage. */
export function magicNoiseArb(magics: Uint8Array[]): fc.Arbitrary<Uint8Array> {
  return fc.tuple(fc.nat({ max: magics.length - 1 }), fc.uint8Array({ maxLength: 4096 })).map(([i, noise]) => {
    const m = magics[i]!;
    const out = new Uint8Array(m.length + noise.length);
    out.set(m);
    out.set(noise, m.length);
    return out;
  });
}
