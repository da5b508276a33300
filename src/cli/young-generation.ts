/**
 * Keep V8's young generation at its starting size while a memory-bound command runs (`goslim binary`
 * on a large executable). V8 doubles the young generation (semi-spaces of 1 MB up to 16 MB) each time
 * enough objects survive a scavenge; loading the command's modules and building the analysis's
 * long-lived tables trigger that growth, and the grown semi-spaces stay committed while the live heap
 * stays under 10 MB: measured on a 50 MB Go binary, about 15 MB of the peak RSS (docs/binary.md,
 * "Speed and memory"). `--semi-space-growth-factor` is read each time V8 decides to grow, so setting
 * it to 1 (grow by a factor of one: not at all) takes effect at run time; the default (2) is set back
 * when the command's run ends. CPU: no difference on kubectl at this machine's noise, about 0.1 s of
 * collector time more on a 127 MB binary.
 *
 * Only src/cli calls this: it changes a process-wide setting, which a library must not do.
 */
import { setFlagsFromString } from 'node:v8';

const V8_DEFAULT_GROWTH = 2;

/**
 * From now until the returned function is called: set before a memory-bound command's modules load
 * (their objects survive scavenges too), undone when the command's run ends (src/cli/main.ts).
 */
export function fixYoungGeneration(): () => void {
  setFlagsFromString('--semi-space-growth-factor=1');
  return () => setFlagsFromString(`--semi-space-growth-factor=${V8_DEFAULT_GROWTH}`);
}
