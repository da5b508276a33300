/** PE: mutations of real windows/amd64 Go builds (DOS, COFF and optional headers, section starts, build info, pclntab). */
import fc from 'fast-check';
import { analyzeBinary } from '../../../src/binary/analyze.js';
import { realForeign } from '../binary-seeds.js';
import { applyEdits, editsArb, magicNoiseArb, type Edit } from '../mutate.js';
import type { FuzzTarget } from '../target.js';

const seeds = await realForeign('pe');

export const target: FuzzTarget<{ seed: number; edits: Edit[] } | { noise: Uint8Array }> = {
  name: 'pe',
  arbitrary: fc.oneof(
    { weight: 4, arbitrary: fc.record({ seed: fc.nat(), edits: editsArb(6) }) },
    { weight: 1, arbitrary: fc.record({ noise: magicNoiseArb([Uint8Array.from([0x4d, 0x5a])]) }) },
  ),
  run(input) {
    if ('noise' in input) return analyzeBinary(input.noise);
    const seed = seeds[input.seed % seeds.length]!;
    return analyzeBinary(applyEdits(seed.bytes, seed.regions, input.edits));
  },
  ciRuns: 200,
};
