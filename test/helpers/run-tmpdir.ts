/**
 * Vitest global setup: one temporary directory per test run, removed when the run ends.
 *
 * Tests take their scratch directories from os.tmpdir() (mkdtemp). Many of them hold images,
 * registries or caches of tens to hundreds of MB, and not every file removes its own: runs used
 * to leave gigabytes in /tmp, enough to fill the disk of a machine that runs the suite often.
 * Here TMPDIR points every test process (and every tool they start) at a directory of this run;
 * teardown removes it whole, whatever the tests did.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  // Short, under the system temp dir: unix socket paths made below it must stay under 108 bytes
  // (the harness's libpod socket is <this>/gslh-XXXXXX/<64 hex>.net).
  const dir = mkdtempSync(join(tmpdir(), 'goslim-t-'));
  // As /tmp is: `verify --run` unpacks below it and starts the program as an unprivileged user, who
  // must reach its root (mkdtemp makes 0700).
  chmodSync(dir, 0o1777);
  const before = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  return () => {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    } catch (err) {
      // A mount left inside by a killed tool: say so, do not fail the run over it.
      console.warn(`run temp dir ${dir} not removed: ${(err as Error).message}`);
    }
  };
}
