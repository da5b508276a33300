/**
 * Keep V8's young generation at its starting size while one memory-bound step runs (`goslim binary`
 * on a large executable). V8 doubles the young generation (semi-spaces of 1 MB up to 16 MB) each
 * time enough objects survive a scavenge; an analysis that builds a few megabytes of long-lived
 * tables triggers that growth, and the grown semi-spaces stay committed: measured on a 50 MB Go
 * binary, about 15 MB of the peak RSS, reached while the analysis runs and again while its report is rendered (docs/binary.md, "Speed and memory"). The live heap is
 * small, so growth buys nothing here. `--semi-space-growth-factor` is read each time V8 decides to
 * grow, so setting it to 1 (grow by a factor of one: not at all) takes effect at run time, and the
 * default (2) is set back afterwards. CPU time measured the same either way.
 *
 * Only src/cli calls this: it changes a process-wide setting, which a library must not do.
 */
import { setFlagsFromString } from 'node:v8';

const V8_DEFAULT_GROWTH = 2;

/** From now on (until withFixedYoungGeneration's end): before a memory-bound command's modules load, whose objects survive too. */
export function fixYoungGeneration(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}

export async function withFixedYoungGeneration<T>(body: () => Promise<T>): Promise<T> {
  fixYoungGeneration();
  try {
    return await body();
  } finally {
    setFlagsFromString(`--semi-space-growth-factor=${V8_DEFAULT_GROWTH}`);
  }
}
