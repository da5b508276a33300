/**
 * A progress line on stderr, only when stderr is a TTY: CI logs and pipes get nothing of it
 * (no carriage returns, no escape codes). Redrawn at most every 100 ms.
 */
import { formatBytes } from '../util/units.js';
import type { CliIO } from './context.js';

export interface ProgressLine {
  update(p: { layer: number; layers: number; bytes: number; storedTotal: number; storedDone: number }): void;
  done(): void;
}

const NOOP: ProgressLine = { update: () => undefined, done: () => undefined };
const WIDTH = 24;

export function createProgress(io: CliIO, label: string): ProgressLine {
  if (!io.isTTY || io.env.CI !== undefined || io.env.TERM === 'dumb') return NOOP;
  let lastDraw = 0;
  let drawn = false;
  return {
    update(p) {
      const now = Date.now();
      if (now - lastDraw < 100) return;
      lastDraw = now;
      const fraction = p.storedTotal > 0 ? Math.min(1, p.storedDone / p.storedTotal) : p.layers > 0 ? p.layer / p.layers : 0;
      const filled = Math.round(fraction * WIDTH);
      const bar = `${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}`;
      io.stderr(`\r\u001b[2K${label} [${bar}] layer ${Math.min(p.layer + 1, p.layers)}/${p.layers}, ${formatBytes(p.bytes)} read`);
      drawn = true;
    },
    done() {
      if (drawn) io.stderr('\r\u001b[2K');
    },
  };
}
