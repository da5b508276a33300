import { describe, expect, it } from 'vitest';
import type { CliIO } from './context.js';
import { createProgress } from './progress.js';

function io(isTTY: boolean, env: NodeJS.ProcessEnv = {}): CliIO & { err: string[] } {
  const err: string[] = [];
  return { stdout: () => undefined, stderr: (t) => void err.push(t), isTTY, env, cwd: '/', err };
}

const step = { layer: 1, layers: 4, bytes: 300_000_000, storedTotal: 100, storedDone: 50 };

describe('progress line', () => {
  it('draws on a TTY and clears itself when done', () => {
    const t = io(true, { TERM: 'xterm' });
    const p = createProgress(t, 'inspect');
    p.update(step);
    p.done();
    expect(t.err[0]).toBe('\r\u001b[2Kinspect [############------------] layer 2/4, 300 MB read');
    expect(t.err[1]).toBe('\r\u001b[2K');
  });

  it('prints nothing at all without a TTY, in CI, or on a dumb terminal', () => {
    for (const t of [io(false), io(true, { CI: 'true' }), io(true, { TERM: 'dumb' })]) {
      const p = createProgress(t, 'inspect');
      p.update(step);
      p.done();
      expect(t.err).toEqual([]);
    }
  });
});
