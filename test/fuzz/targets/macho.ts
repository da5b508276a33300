/** Mach-O: mutations of real darwin/arm64 Go builds (load commands, section starts, build info, pclntab). */
import fc from 'fast-check';
import { analyzeBinary } from '../../../src/binary/analyze.js';
import { realForeign } from '../binary-seeds.js';
import { applyEdits, editsArb, type Edit } from '../mutate.js';
import type { FuzzTarget } from '../target.js';

const seeds = await realForeign('macho');

export const target: FuzzTarget<{ seed: number; edits: Edit[] }> = {
  name: 'macho',
  arbitrary: fc.record({ seed: fc.nat(), edits: editsArb(6) }),
  run(input) {
    const seed = seeds[input.seed % seeds.length]!;
    return analyzeBinary(applyEdits(seed.bytes, seed.regions, input.edits));
  },
  ciRuns: 200,
};
