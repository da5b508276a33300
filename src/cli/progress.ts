/**
 * Progress lines on stderr, only when stderr is a TTY: CI logs and pipes get nothing of them
 * (no carriage returns, no escape codes). Redrawn at most every 100 ms. The fraction is always
 * by bytes (stored bytes read, blob bytes copied), never by counting layers.
 */
import { formatBytes } from '../util/units.js';
import type { CliIO } from './context.js';
import type { ImageReadProgress } from '../image/filesystem/merge.js';

export interface ProgressLine {
  update(p: ImageReadProgress): void;
  done(): void;
}

/** A byte count, against a total when one is known; `detail` says where in the work it is. */
export interface ByteProgressLine {
  update(p: { bytes: number; total?: number; detail?: string }): void;
  done(): void;
}

const WIDTH = 24;

/** Whether progress may be drawn at all: a terminal, not CI, not TERM=dumb. */
function drawable(io: CliIO): boolean {
  return io.isTTY && io.env.CI === undefined && io.env.TERM !== 'dumb';
}

/** One redrawn line: throttled, cleared when done (if it was ever drawn). */
function redrawn(io: CliIO): { draw(text: string): void; done(): void } {
  let lastDraw = 0;
  let drawn = false;
  return {
    draw(text) {
      const now = Date.now();
      if (now - lastDraw < 100) return;
      lastDraw = now;
      io.stderr(`\r\u001b[2K${text}`);
      drawn = true;
    },
    done() {
      if (drawn) io.stderr('\r\u001b[2K');
    },
  };
}

function bar(fraction: number): string {
  const filled = Math.round(Math.max(0, Math.min(1, fraction)) * WIDTH);
  return `[${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}]`;
}

/** inspect's line: the fraction by stored bytes of the layers done, the uncompressed bytes read. */
export function createProgress(io: CliIO, label: string): ProgressLine {
  if (!drawable(io)) return { update: () => undefined, done: () => undefined };
  const line = redrawn(io);
  return {
    update(p) {
      const fraction = p.storedTotal > 0 ? Math.min(1, p.storedDone / p.storedTotal) : p.layers > 0 ? p.layer / p.layers : 0;
      line.draw(`${label} ${bar(fraction)} layer ${Math.min(p.layer + 1, p.layers)}/${p.layers}, ${formatBytes(p.bytes)} read`);
    },
    done: () => line.done(),
  };
}

/** push's and verify --run's line: `push [####----] 120 MB of 350 MB copied (blob 3/7)`. */
export function createByteProgress(io: CliIO, label: string, verb: string): ByteProgressLine {
  if (!drawable(io)) return { update: () => undefined, done: () => undefined };
  const line = redrawn(io);
  return {
    update(p) {
      const known = p.total !== undefined && p.total > 0;
      const amount = known ? `${formatBytes(p.bytes)} of ${formatBytes(p.total!)}` : formatBytes(p.bytes);
      line.draw(`${label}${known ? ` ${bar(p.bytes / p.total!)}` : ''} ${amount} ${verb}${p.detail ? ` (${p.detail})` : ''}`);
    },
    done: () => line.done(),
  };
}
