/**
 * Atomic file replacement that changes only the bytes it means to change:
 *  - a symlink is written through: the temp file goes next to the link's final target and is
 *    renamed over the target (the link stays a link);
 *  - the target keeps its mode, and its owner when goslim runs as root;
 *  - a read-only target is refused with E_READ_ONLY (no write bit in its mode, or no write
 *    access for this process: root ignores mode bits, so both are checked);
 *  - the data is fsynced before the rename, and the directory after it;
 *  - the temp file is named `.<name>.goslim-<pid>-<random>.tmp`, removed on error and on
 *    SIGINT/SIGTERM/SIGHUP, and a later write into the same directory removes temps left by
 *    processes that are gone (kill -9, power loss).
 * A reader sees the old bytes or the complete new ones, never a partial file.
 */
import { constants, rmSync } from 'node:fs';
import { access, link, lstat, open, readdir, realpath, rename, rm, stat } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { GoslimError, NotRegularFileError } from '../../errors.js';

const TEMP = /^\.(.+)\.goslim-(\d+)-[0-9a-f]+\.tmp$/;

/** The temp-file name goslim uses for `target` (exported for tests and cleanup). */
export function tempNameFor(target: string, pid = process.pid): string {
  return join(dirname(target), `.${basename(target)}.goslim-${pid}-${randomBytes(6).toString('hex')}.tmp`);
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

/** Remove goslim temp files in `dir` whose writer process is gone. Returns the names removed. */
export async function removeStaleTemps(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = TEMP.exec(name);
    if (!m || alive(Number(m[2]))) continue;
    await rm(join(dir, name), { force: true }).then(
      () => removed.push(name),
      () => undefined,
    );
  }
  return removed;
}

// Temp files being written by this process: removed if a signal ends it.
const pending = new Set<string>();
let handlersInstalled = false;
function onSignal(signal: NodeJS.Signals): void {
  for (const p of pending) rmSync(p, { force: true });
  pending.clear();
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.removeListener(s, onSignal);
  process.kill(process.pid, signal);
}
function track(tmp: string): void {
  pending.add(tmp);
  if (!handlersInstalled) {
    handlersInstalled = true;
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(s, onSignal);
  }
}
function untrack(tmp: string): void {
  pending.delete(tmp);
  if (pending.size === 0 && handlersInstalled) {
    handlersInstalled = false;
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.removeListener(s, onSignal);
  }
}

function readOnly(path: string, cause?: unknown): GoslimError {
  return new GoslimError('E_READ_ONLY', `${path} is read-only: not replacing it`, { details: { path }, ...(cause === undefined ? {} : { cause }) });
}

export interface WriteAtomicOptions {
  /**
   * Create the file only if nothing is at `path` (not even a dangling link): the complete temp file
   * is hard-linked into place, which fails when a file appeared meanwhile. Returns false then.
   */
  exclusive?: boolean;
}

/** Write `data` to `path` atomically (see the module comment). False only when `exclusive` found a file. */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: WriteAtomicOptions = {}): Promise<boolean> {
  if (options.exclusive === true && (await lstat(path).then(() => true, () => false))) return false;
  let target = path;
  try {
    target = await realpath(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new GoslimError('E_IO', `cannot resolve ${path}: ${(err as Error).message}`, { cause: err });
    }
    // A new file (or a dangling link: write the link's own name, as before).
  }
  const existing = await stat(target).catch(() => null);
  if (existing !== null) {
    if (!existing.isFile()) throw new NotRegularFileError(`${path} is not a regular file`, { details: { path } });
    if ((existing.mode & 0o222) === 0) throw readOnly(path);
    try {
      await access(target, constants.W_OK);
    } catch (err) {
      throw readOnly(path, err);
    }
  }
  const mode = existing ? existing.mode & 0o7777 : 0o644;
  await removeStaleTemps(dirname(target));
  const tmp = tempNameFor(target);
  track(tmp);
  try {
    const fh = await open(tmp, 'wx', 0o600);
    try {
      await fh.writeFile(data);
      await fh.chmod(mode);
      if (existing && process.getuid?.() === 0) await fh.chown(existing.uid, existing.gid);
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (options.exclusive === true) {
      try {
        await link(tmp, target);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        await rm(tmp, { force: true });
        return false;
      }
      await rm(tmp, { force: true });
    } else {
      await rename(tmp, target);
    }
  } catch (err) {
    await rm(tmp, { force: true });
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') throw readOnly(dirname(target), err);
    throw new GoslimError('E_IO', `cannot write ${path}: ${(err as Error).message}`, { cause: err });
  } finally {
    untrack(tmp);
  }
  // Make the rename itself durable (best effort: not every file system lets a directory be fsynced).
  try {
    const dh = await open(dirname(target), 'r');
    try {
      await dh.sync();
    } finally {
      await dh.close();
    }
  } catch {
    // ignore
  }
  return true;
}
