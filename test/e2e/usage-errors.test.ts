/**
 * Usage errors from the option parser come out like every other error: one line
 * `goslim: error E_USAGE: ...`, exit 2, no stack (#14). Spawns the built CLI.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { REPO } from '../fixtures/go/build-fixtures.js';
import { describeWithTools } from '../helpers/tools.js';

function goslim(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(REPO, 'bin/goslim.js'), ...args], { encoding: 'utf8', timeout: 60_000, input: '' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describeWithTools(['dist'], 'usage errors (CLI)', () => {
  it('an unknown option: E_USAGE with the suggestion on the same line, exit 2, nothing on stdout', () => {
    const r = goslim('inspect', '--jsn', 'x');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe("goslim: error E_USAGE: unknown option '--jsn' (did you mean --json?)\n");
  });

  it.each([
    [['frob'], /^goslim: error E_USAGE: unknown command 'frob'/],
    [['inspcet', 'x'], /^goslim: error E_USAGE: unknown command 'inspcet' \(did you mean inspect\?\)$/m],
    [['binary'], /^goslim: error E_USAGE: missing required argument 'file'/],
    [['lint', '--format', 'xml'], /^goslim: error E_USAGE: option '-f, --format <format>' argument 'xml' is invalid/],
    [['inspect', 'x', '--top'], /^goslim: error E_USAGE: option '--top <n>' argument missing/],
    [['explain', 'a', 'b', 'c'], /^goslim: error E_USAGE: too many arguments/],
  ])('%j: E_USAGE, exit 2, one line, no stack', (args, first) => {
    const r = goslim(...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(first);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('--debug adds the stack; --help and --version still exit 0', () => {
    const r = goslim('--debug', 'inspect', '--jsn', 'x');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^goslim: error E_USAGE: unknown option '--jsn'/);
    expect(r.stderr).toMatch(/\n\s+at /);
    expect(goslim('--version').code).toBe(0);
    expect(goslim('lint', '--help').code).toBe(0);
  });

  it('a usage error from a command body has the same shape', () => {
    const r = goslim('lint', '--build-arg', 'NOEQUALS', '-');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^goslim: error E_USAGE: --build-arg expects KEY=VALUE/);
  });
});
