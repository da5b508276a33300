/** Mach-O: mutations of real darwin/arm64 Go builds (load commands, section starts, build info, pclntab). */
import fc from 'fast-check';
import { analyzeBinary } from '../../../src/binary/analyze.js';
import { realForeign } from '../binary-seeds.js';
import { applyEdits, editsArb, magicNoiseArb, type Edit } from '../mutate.js';
import type { FuzzTarget } from '../target.js';

const seeds = await realForeign('macho');

export const target: FuzzTarget<{ seed: number; edits: Edit[] } | { noise: Uint8Array }> = {
  name: 'macho',
  arbitrary: fc.oneof(
    { weight: 4, arbitrary: fc.record({ seed: fc.nat(), edits: editsArb(6) }) },
    { weight: 1, arbitrary: fc.record({ noise: magicNoiseArb([Uint8Array.from([0xcf, 0xfa, 0xed, 0xfe]), Uint8Array.from([0xce, 0xfa, 0xed, 0xfe]), Uint8Array.from([0xca, 0xfe, 0xba, 0xbe]), Uint8Array.from([0xfe, 0xed, 0xfa, 0xcf])]) }) },
  ),
  run(input) {
    if ('noise' in input) return analyzeBinary(input.noise);
    const seed = seeds[input.seed % seeds.length]!;
    return analyzeBinary(applyEdits(seed.bytes, seed.regions, input.edits));
  },
  ciRuns: 200,
};
