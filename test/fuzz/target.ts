/**
 * One fuzz target: an input generator (fast-check arbitrary) and a function that feeds the
 * input to one of goslim's readers. The contract every target checks is the same: the reader
 * returns, or throws a typed `GoslimError` whose code is not E_INTERNAL. Any other exception
 * (TypeError, RangeError, a stack overflow) is a bug; each one found becomes a fixture named
 * after its error code, next to the reader's tests.
 *
 * Targets live one per file in ./targets/ and export `target` (or `targets`).
 */
import type { Arbitrary } from 'fast-check';

export interface FuzzTarget<T = unknown> {
  /** Stable name, e.g. "elf", "tar", "dockerfile". */
  readonly name: string;
  readonly arbitrary: Arbitrary<T>;
  /** Feeds one input to the reader under test. May be async. */
  run(input: T): unknown;
  /** Iterations in the CI budget (default: the runner's). Slow readers ask for fewer. */
  readonly ciRuns?: number;
}
