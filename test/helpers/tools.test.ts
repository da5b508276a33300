/**
 * What a missing tool does to a run (test/helpers/tools.ts + skip-reporter.ts), checked on a real
 * vitest run in a child process over the tiny test files in test/helpers/tools-fixture/.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './images.js';
import { requireTools } from './tools.js';

const FIXTURE = join(REPO_ROOT, 'test', 'helpers', 'tools-fixture');
const VITEST = join(REPO_ROOT, 'node_modules', 'vitest', 'vitest.mjs');

function runFixture(file: string, env: Record<string, string>): { status: number | null; out: string } {
  const base: NodeJS.ProcessEnv = {};
  // The child is its own vitest: nothing of this worker's vitest state, CI or pretend flags.
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('VITEST') && k !== 'CI' && k !== 'GOSLIM_TEST_NO_TOOLS' && k !== 'NODE_OPTIONS') base[k] = v;
  }
  const r = spawnSync(process.execPath, [VITEST, 'run', '--config', join(FIXTURE, 'vitest.config.ts'), file], {
    cwd: FIXTURE,
    env: { ...base, NO_COLOR: '1', ...env },
    encoding: 'utf8',
    timeout: 110_000,
    killSignal: 'SIGKILL',
  });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

describe('tests that need a tool', () => {
  it('requireTools names what is missing and the package that provides it', () => {
    expect(requireTools('sh')).toEqual({ ok: true, missing: [], reason: '' });
    const r = requireTools('sh', 'goslim-no-such-tool');
    expect(r.ok).toBe(false);
    expect(r.missing).toEqual([{ tool: 'goslim-no-such-tool', package: 'goslim-no-such-package', pretended: false }]);
    expect(r.reason).toBe('goslim-no-such-tool missing (Debian package goslim-no-such-package)');
  });

  it('without CI: the run passes, the tests are skipped, and a summary says which and why', () => {
    const r = runFixture('missing.fixture-test.ts', {});
    expect(r.status, r.out).toBe(0);
    expect(r.out).toMatch(/3 skipped/);
    expect(r.out).toMatch(/1 passed/);
    expect(r.out).toContain('goslim: skipped 3 tests in 1 file because: goslim-no-such-tool missing (goslim-no-such-package): 3 tests');
    expect(r.out).toContain('missing.fixture-test.ts');
  });

  it('with CI=true: the run fails, naming the tool and its package', () => {
    const r = runFixture('missing.fixture-test.ts', { CI: 'true' });
    expect(r.status, r.out).not.toBe(0);
    expect(r.out).toContain('MissingToolError: "needs a tool that is never installed" needs: goslim-no-such-tool missing (Debian package goslim-no-such-package)');
    expect(r.out).not.toContain('goslim: skipped');
  });

  it('GOSLIM_TEST_NO_TOOLS skips on purpose: even with CI=true the run passes, and the summary says so', () => {
    const r = runFixture('pretended.fixture-test.ts', { CI: 'true', GOSLIM_TEST_NO_TOOLS: '1' });
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain('goslim: skipped 1 test in 1 file because: sh missing (dash) [GOSLIM_TEST_NO_TOOLS]: 1 test');
    const normal = runFixture('pretended.fixture-test.ts', { CI: 'true' });
    expect(normal.status, normal.out).toBe(0);
    expect(normal.out).toMatch(/2 passed/);
    expect(normal.out).not.toContain('goslim: skipped');
  });
});
