/** Atomic file replacement: write a temp file next to the target, fsync, rename over it. */
import { open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { GoslimError } from '../errors.js';

export async function writeFileAtomic(path: string, data: string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.goslim-${process.pid}-${Date.now()}.tmp`);
  const mode = await stat(path).then((s) => s.mode & 0o777, () => 0o644);
  try {
    const fh = await open(tmp, 'wx', mode);
    try {
      await fh.writeFile(data, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new GoslimError('E_IO', `cannot write ${path}: ${(err as Error).message}`, { cause: err });
  }
}
