import { describe, expect, it, vi } from 'vitest';
import type { CliIO } from './context.js';
import { createByteProgress, createProgress } from './progress.js';

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

describe('byte progress line (push, verify --run)', () => {
  it('draws the fraction by bytes against a known total, and the bytes alone without one', () => {
    const t = io(true, { TERM: 'xterm' });
    vi.useFakeTimers({ now: 1_000_000 });
    try {
      const p = createByteProgress(t, 'push', 'copied');
      p.update({ bytes: 175_000_000, total: 350_000_000, detail: 'blob 2/3' });
      p.update({ bytes: 200_000_000, total: 350_000_000 }); // within 100 ms of the last draw: not drawn
      vi.setSystemTime(1_000_150);
      p.update({ bytes: 350_000_000 });
      p.done();
    } finally {
      vi.useRealTimers();
    }
    expect(t.err).toEqual([
      '\r\u001b[2Kpush [############------------] 175 MB of 350 MB copied (blob 2/3)',
      '\r\u001b[2Kpush 350 MB copied',
      '\r\u001b[2K',
    ]);
  });

  it('prints nothing without a TTY or in CI', () => {
    for (const t of [io(false), io(true, { CI: '1' })]) {
      const p = createByteProgress(t, 'push', 'copied');
      p.update({ bytes: 1, total: 2 });
      p.done();
      expect(t.err).toEqual([]);
    }
  });
});
