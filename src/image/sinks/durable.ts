/**
 * Durable, crash-safe file output for the sinks: temp names that say whose they are
 * (`<name>.tmp-<pid>-<hex>`), fsync of a file before it is renamed into place and of the
 * directory after, and removal of temp files left by a goslim process that was killed
 * (SIGKILL, power loss) before it could clean up: only names of that shape whose process is
 * no longer alive.
 */
import { randomBytes } from 'node:crypto';
import { open, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

export const tmpSuffix = (): string => `.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;

const TMP = /\.tmp-(\d+)-[0-9a-f]{8}$/;

/** fsync a file or directory by path (best effort for directories: some file systems refuse). */
export async function syncPath(path: string, directory = false): Promise<void> {
  const fh = await open(path, directory ? 'r' : 'r+');
  try {
    await fh.sync();
  } catch (err) {
    if (!directory) throw err;
  } finally {
    await fh.close();
  }
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Remove `dir`'s entries named `<prefix>….tmp-<pid>-<8 hex>` whose process is gone. `accept` narrows
 * which names are ours (the part before `.tmp-`). Returns how many were removed.
 */
export async function removeStaleTemps(dir: string, accept: (base: string) => boolean): Promise<number> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const m = TMP.exec(name);
    if (m === null || !accept(name.slice(0, m.index)) || alive(Number(m[1]))) continue;
    await rm(join(dir, name), { recursive: true, force: true }).then(
      () => void removed++,
      () => undefined,
    );
  }
  return removed;
}
