/**
 * ELF: mutations of real Go executables (built at test time) and of small hand-made ELFs,
 * aimed at the ELF header, program and section header tables and section starts, plus
 * arbitrary header fields on a hand-made ELF. Fed to the whole analyzer (ELF reader, build
 * info, pclntab, dynamic section).
 */
import fc from 'fast-check';
import { analyzeBinary } from '../../../src/binary/analyze.js';
import { handmadeElfs, realElfs, type Seed } from '../binary-seeds.js';
import { applyEdits, editsArb, magicNoiseArb, type Edit } from '../mutate.js';
import type { FuzzTarget } from '../target.js';

const seeds: Seed[] = [...(await realElfs()), ...handmadeElfs()];

/** Header fields by offset in a 64-bit ELF header, with their widths. */
const HEADER_FIELDS: Array<[number, 1 | 2 | 4 | 8]> = [[4, 1], [5, 1], [6, 1], [16, 2], [18, 2], [24, 8], [32, 8], [40, 8], [52, 2], [54, 2], [56, 2], [58, 2], [60, 2], [62, 2]];

export const target: FuzzTarget<{ seed: number; edits: Edit[]; requireGo: boolean } | { fields: Array<[number, number]> } | { noise: Uint8Array }> = {
  name: 'elf',
  arbitrary: fc.oneof(
    { weight: 4, arbitrary: fc.record({ seed: fc.nat(), edits: editsArb(6), requireGo: fc.boolean() }) },
    { weight: 1, arbitrary: fc.record({ noise: magicNoiseArb([Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]), Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 1, 2, 1]), Uint8Array.from([0x7f, 0x45, 0x4c, 0x46])]) }) },
    {
      weight: 1,
      arbitrary: fc.record({
        fields: fc.array(fc.tuple(fc.nat({ max: HEADER_FIELDS.length - 1 }), fc.oneof(fc.constantFrom(0, 1, 2, 0xffff, 0xffffffff, 2 ** 53), fc.nat())), { minLength: 1, maxLength: 4 }),
      }),
    },
  ),
  run(input) {
    if ('noise' in input) return analyzeBinary(input.noise, { requireGo: true });
    if ('fields' in input) {
      const bytes = Uint8Array.from(handmadeElfs()[3]!.bytes);
      const b = Buffer.from(bytes.buffer);
      for (const [i, value] of input.fields) {
        const [at, width] = HEADER_FIELDS[i]!;
        if (width === 1) b.writeUInt8(value & 0xff, at);
        else if (width === 2) b.writeUInt16LE(value & 0xffff, at);
        else if (width === 4) b.writeUInt32LE(value >>> 0, at);
        else b.writeBigUInt64LE(BigInt(value), at);
      }
      return analyzeBinary(bytes, { requireGo: true });
    }
    const seed = seeds[input.seed % seeds.length]!;
    return analyzeBinary(applyEdits(seed.bytes, seed.regions, input.edits), { requireGo: input.requireGo });
  },
  ciRuns: 300,
};
