import { describe, expect, it, vi } from 'vitest';
import { commands } from './commands/index.js';
import type { CliIO } from './context.js';
import { runCli } from './main.js';
import { packageVersion } from '../util/package-version.js';

function captureIO(): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: (s: string) => void out.push(s),
    stderr: (s: string) => void err.push(s),
    cwd: process.cwd(),
    env: {},
    isTTY: false,
  } as unknown as CliIO & { out: string[]; err: string[] };
}

describe('start-up: the CLI loads only the modules a run needs', () => {
  it('--version prints the version and loads no command module', async () => {
    const spies = commands.map((c) => vi.spyOn(c, 'load'));
    try {
      const io = captureIO();
      expect(await runCli(['--version'], io)).toBe(0);
      expect(io.out.join('')).toBe(`${packageVersion()}\n`);
      for (const s of spies) expect(s).not.toHaveBeenCalled();
    } finally {
      for (const s of spies) s.mockRestore();
    }
  });

  it('a command loads its own module only; --help loads them all (to list them)', async () => {
    const spies = new Map(commands.map((c) => [c.name, vi.spyOn(c, 'load')]));
    try {
      const io = captureIO();
      expect(await runCli(['explain', 'strip-symbols'], io)).toBe(0);
      expect(io.out.join('')).toContain('strip-symbols');
      for (const [name, s] of spies) expect(s.mock.calls.length, name).toBe(name === 'explain' ? 1 : 0);
      const help = captureIO();
      expect(await runCli(['--help'], help)).toBe(0);
      for (const [name, s] of spies) expect(s.mock.calls.length, name).toBeGreaterThanOrEqual(1);
      for (const c of commands) expect(help.out.join(''), c.name).toContain(c.name);
    } finally {
      for (const s of spies.values()) s.mockRestore();
    }
  });
});
