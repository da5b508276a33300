/**
 * goslim's one way to replace a file (or a directory) so that a reader sees the old content or
 * the complete new one, never a partial write:
 *  - the new content goes to a temp name beside the target, `.<name>.goslim-<pid>-<hex>.tmp`, is
 *    fsynced, renamed over the target, and the directory is fsynced after the rename;
 *  - a temp is removed on error and on SIGINT/SIGTERM/SIGHUP, and a later write into the same
 *    directory removes temps left by goslim processes that are gone (kill -9, power loss),
 *    including the `<name>.tmp-<pid>-<hex>` temps of earlier goslim versions;
 *  - with `inPlace` (writeFileAtomic's default), a symlink is written through (the temp goes
 *    next to the link's final target, the link stays a link), the target keeps its mode, and
 *    its owner when goslim runs as root, and a read-only target is refused with E_READ_ONLY
 *    (no write bit in its mode, or no write access for this process: root ignores mode bits).
 */
import { constants, rmSync } from 'node:fs';
import { access, link, lstat, open, readdir, realpath, rename, rm, stat } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { GoslimError, IoError, NotRegularFileError, ReadOnlyError } from '../errors.js';

/** `.<target name>.goslim-<pid>-<hex>.tmp` */
const TEMP = /^\.(.+)\.goslim-(\d+)-[0-9a-f]+\.tmp$/;
/** `<target name>.tmp-<pid>-<8 hex>`, the temps of goslim versions before this module. */
const LEGACY_TEMP = /^(.+)\.tmp-(\d+)-[0-9a-f]{8}$/;

/** The temp name goslim uses for `target` (exported for tests and cleanup). */
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

/**
 * Remove goslim temps in `dir` whose writer process is gone; `accept` narrows them to those of
 * some targets (it gets the target's name). Returns the names removed.
 */
export async function removeStaleTemps(dir: string, accept: (targetName: string) => boolean = () => true): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = TEMP.exec(name) ?? LEGACY_TEMP.exec(name);
    if (!m || !accept(m[1]!) || alive(Number(m[2]))) continue;
    await rm(join(dir, name), { recursive: true, force: true }).then(
      () => removed.push(name),
      () => undefined,
    );
  }
  return removed;
}

/** fsync a file or directory by path (best effort for directories: some file systems refuse). */
export async function syncPath(path: string, directory = false): Promise<void> {
  let fh;
  try {
    fh = await open(path, directory ? 'r' : 'r+');
  } catch (err) {
    if (directory) return;
    throw err;
  }
  try {
    await fh.sync();
  } catch (err) {
    if (!directory) throw err;
  } finally {
    await fh.close();
  }
}

// Temps being written by this process: removed if a signal ends it.
const pending = new Set<string>();
let handlersInstalled = false;
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
function onSignal(signal: NodeJS.Signals): void {
  for (const p of pending) rmSync(p, { recursive: true, force: true });
  pending.clear();
  for (const s of SIGNALS) process.removeListener(s, onSignal);
  process.kill(process.pid, signal);
}
function track(tmp: string): void {
  pending.add(tmp);
  if (!handlersInstalled) {
    handlersInstalled = true;
    for (const s of SIGNALS) process.once(s, onSignal);
  }
}
function untrack(tmp: string): void {
  pending.delete(tmp);
  if (pending.size === 0 && handlersInstalled) {
    handlersInstalled = false;
    for (const s of SIGNALS) process.removeListener(s, onSignal);
  }
}

export interface ReplaceOptions {
  /** The temp is a directory the writer fills (and fsyncs inside); default a file. */
  directory?: boolean;
  /** Remove stale temps of this target first (default true). */
  cleanStale?: boolean;
  /** What is written, for the E_IO message (default the path). */
  what?: string;
  /** Map EACCES/EPERM/EROFS to E_READ_ONLY (writeFileAtomic in place); default E_IO. */
  readOnlyErrors?: boolean;
}

function readOnly(path: string, cause?: unknown): GoslimError {
  return new ReadOnlyError(`${path} is read-only: not replacing it`, { details: { path }, ...(cause === undefined ? {} : { cause }) });
}

/**
 * Let `write` fill a fresh temp beside `target` (a file it creates, or with `directory` a
 * directory it creates), then make it durable and rename it over `target`. Errors that are not
 * GoslimErrors become E_IO; the temp never outlives a failure.
 */
export async function replaceAtomically<T>(target: string, write: (tmp: string) => Promise<T>, options: ReplaceOptions = {}): Promise<T> {
  if (options.cleanStale !== false) {
    const name = basename(target);
    await removeStaleTemps(dirname(target), (n) => n === name);
  }
  const tmp = tempNameFor(target);
  track(tmp);
  let result: T;
  try {
    result = await write(tmp);
    await syncPath(tmp, options.directory === true);
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    if (err instanceof GoslimError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (options.readOnlyErrors && (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')) throw readOnly(dirname(target), err);
    throw new IoError(`cannot write ${options.what ?? target}: ${(err as Error).message}`, { cause: err });
  } finally {
    untrack(tmp);
  }
  // Make the rename itself durable.
  await syncPath(dirname(target), true);
  return result;
}

export interface AtomicWriteOptions {
  /**
   * Replace the file as it stands (default true): write through a symlink, keep the target's
   * mode (and owner as root), refuse a read-only target with E_READ_ONLY. With false the path
   * itself is replaced by a new file with the default mode (the umask applies).
   */
  inPlace?: boolean;
  /**
   * Create the file only if nothing is at `path` (not even a dangling link): the complete, fsynced
   * temp is hard-linked into place, which fails when a file appeared meanwhile, so an existing file
   * is never replaced. writeFileAtomic returns false then.
   */
  exclusive?: boolean;
}

async function createExclusive(path: string, data: string | Uint8Array): Promise<boolean> {
  if (await lstat(path).then(() => true, () => false)) return false;
  const tmp = tempNameFor(path);
  track(tmp);
  try {
    const fh = await open(tmp, 'wx', 0o644);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      await link(tmp, path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
  } catch (err) {
    if (err instanceof GoslimError) throw err;
    throw new IoError(`cannot write ${path}: ${(err as Error).message}`, { cause: err });
  } finally {
    await rm(tmp, { force: true });
    untrack(tmp);
  }
  await syncPath(dirname(path), true);
  return true;
}

/** Write `data` to `path` atomically (see the module comment). */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<boolean> {
  if (options.exclusive === true) return createExclusive(path, data);
  if (options.inPlace === false) {
    await replaceAtomically(
      path,
      async (tmp) => {
        const fh = await open(tmp, 'wx');
        try {
          await fh.writeFile(data);
        } finally {
          await fh.close();
        }
      },
      { what: path },
    );
    return true;
  }
  let target = path;
  try {
    target = await realpath(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new IoError(`cannot resolve ${path}: ${(err as Error).message}`, { cause: err });
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
  await replaceAtomically(
    target,
    async (tmp) => {
      const fh = await open(tmp, 'wx', 0o600);
      try {
        await fh.writeFile(data);
        await fh.chmod(mode);
        if (existing && process.getuid?.() === 0) await fh.chown(existing.uid, existing.gid);
      } finally {
        await fh.close();
      }
    },
    { cleanStale: false, readOnlyErrors: true, what: path },
  );
  return true;
}
