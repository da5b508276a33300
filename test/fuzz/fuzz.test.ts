/**
 * Runs every fuzz target in ./targets/ with a fixed seed. In CI each target gets a short budget
 * (its `ciRuns`, default 200 inputs); `npm run fuzz -- --iterations N [--seed S]` runs the same
 * targets for longer (it sets GOSLIM_FUZZ_RUNS and GOSLIM_FUZZ_SEED).
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GoslimError } from '../../src/errors.js';
import type { FuzzTarget } from './target.js';

const here = dirname(fileURLToPath(import.meta.url));
const dir = join(here, 'targets');
const files = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).sort();
const targets: FuzzTarget[] = [];
for (const f of files) {
  const mod = (await import(pathToFileURL(join(dir, f)).href)) as { target?: FuzzTarget; targets?: FuzzTarget[] };
  if (mod.target) targets.push(mod.target);
  for (const t of mod.targets ?? []) targets.push(t);
}
const envRuns = Number(process.env.GOSLIM_FUZZ_RUNS ?? '');
const seed = Number(process.env.GOSLIM_FUZZ_SEED ?? '20261201');

/** A typed, non-internal goslim error is a correct answer to bad input; anything else is a bug. */
export async function feed(t: FuzzTarget, input: unknown): Promise<void> {
  try {
    await t.run(input);
  } catch (err) {
    if (err instanceof GoslimError && err.code !== 'E_INTERNAL') return;
    throw err;
  }
}

describe('fuzz targets', () => {
  it('there are targets to run', () => {
    expect(targets.length).toBeGreaterThan(0);
  });
  for (const t of targets) {
    const runs = Number.isFinite(envRuns) && envRuns > 0 ? envRuns : (t.ciRuns ?? 200);
    it(`${t.name}: ${runs} inputs end in a result or a typed error`, async () => {
      await fc.assert(
        fc.asyncProperty(t.arbitrary, async (input) => {
          await feed(t, input);
        }),
        { numRuns: runs, seed, endOnFailure: true },
      );
    }, 600_000);
  }
});
