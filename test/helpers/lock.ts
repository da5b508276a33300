/**
 * A cross-process lock for test helpers (two vitest workers may reach the same
 * shared resource at once). The lock is a directory created with mkdir, which is
 * atomic on POSIX file systems; it holds the owner's pid so a lock left behind by
 * a crashed process is detected and taken over. Waiting is bounded.
 */
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface LockOptions {
  /** Give up after this long (default 20 minutes: a cold fixture build takes minutes). */
  timeoutMs?: number;
  /** Poll interval while waiting. */
  pollMs?: number;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Runs `body` while holding the lock at `path` (a directory that must not exist otherwise). */
export async function withLock<T>(path: string, body: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 20 * 60_000;
  const pollMs = options.pollMs ?? 250;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await mkdir(path);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number.parseInt(await readFile(join(path, 'pid'), 'utf8').catch(() => ''), 10);
      // A lock without a live owner is stale. A lock without a pid file is being taken
      // (mkdir, then write) unless it has stayed so for a minute: its owner died in between.
      const age = Date.now() - ((await stat(path).catch(() => undefined))?.mtimeMs ?? Date.now());
      const orphan = Number.isNaN(owner) && age > 60_000;
      if (orphan || (Number.isInteger(owner) && owner > 0 && !alive(owner))) {
        await rm(path, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for lock ${path}`);
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }
  await writeFile(join(path, 'pid'), String(process.pid));
  try {
    return await body();
  } finally {
    await rm(path, { recursive: true, force: true });
  }
}
