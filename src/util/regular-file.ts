/**
 * Reading a file a user named on the command line (an executable, a Dockerfile, a config file,
 * an archive): refuse anything that is not a regular file after following links (a FIFO,
 * /dev/zero, a socket, a directory) with E_NOT_REGULAR, and read at most the size fstat reported,
 * capped by a limit (E_LIMIT). The file is opened once, non-blocking (opening a FIFO for reading
 * would otherwise wait for a writer for ever), and checked through the descriptor, so what is
 * checked is what is read.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { GoslimError, IoError, LimitExceededError, NotFoundError, NotRegularFileError, TruncatedInputError } from '../errors.js';
import { limit, type LimitKey } from '../limits.js';

export interface ReadRegularOptions {
  /** The limit that caps the size (a key of src/limits.ts); none: any size (streamed readers). */
  limitKey?: LimitKey;
  /** Override of the limit's value (a flag or config value; tests). */
  max?: number;
  /** What the file is, for messages ("executable", "Dockerfile"). */
  what?: string;
  /** How the user named it (shown instead of the absolute path). */
  display?: string;
}

const FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;

function kind(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

function openError(err: unknown, name: string, what: string): GoslimError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return new NotFoundError(`no such file: ${name}`, { cause: err, details: { path: name } });
  if (code === 'EISDIR') return new NotRegularFileError(`${name} is a directory, not a regular file (${what})`, { details: { path: name } });
  return new IoError(`cannot read ${name}: ${code ?? String(err)}`, { cause: err, details: { path: name } });
}

/** Throws E_NOT_REGULAR or E_LIMIT for the fstat of an opened file; returns the size to read. */
export function checkRegular(st: Stats, name: string, options: ReadRegularOptions): number {
  const what = options.what ?? 'file';
  if (!st.isFile()) throw new NotRegularFileError(`${name} is ${kind(st)}, not a regular file (${what})`, { details: { path: name } });
  if (options.limitKey === undefined) return st.size;
  const max = limit(options.limitKey, options.max);
  if (st.size > max) {
    throw new LimitExceededError(options.limitKey, max, `${name} is ${st.size} bytes, over the ${options.limitKey} limit of ${max} bytes`, {
      actual: st.size,
      details: { path: name },
    });
  }
  return st.size;
}

/** Open a user-named file once and check it is regular (and within the limit). The caller closes it. */
export async function openRegular(path: string, options: ReadRegularOptions): Promise<{ fh: FileHandle; size: number }> {
  const name = options.display ?? path;
  let fh: FileHandle;
  try {
    fh = await open(path, FLAGS);
  } catch (err) {
    throw openError(err, name, options.what ?? 'file');
  }
  try {
    const size = checkRegular(await fh.stat(), name, options);
    return { fh, size };
  } catch (err) {
    await fh.close().catch(() => undefined);
    throw err;
  }
}

/** The whole of a regular file: exactly the bytes fstat reported (a file that grows is cut there). */
export async function readRegularFile(path: string, options: ReadRegularOptions): Promise<Buffer> {
  const { fh, size } = await openRegular(path, options);
  try {
    const buf = Buffer.alloc(size);
    let done = 0;
    while (done < size) {
      const { bytesRead } = await fh.read(buf, done, size - done, done);
      if (bytesRead === 0) break; // shrank while we read: what is there
      done += bytesRead;
    }
    return done === size ? buf : buf.subarray(0, done);
  } catch (err) {
    if (err instanceof GoslimError) throw err;
    throw openError(err, options.display ?? path, options.what ?? 'file');
  } finally {
    await fh.close().catch(() => undefined);
  }
}

/** Open a regular file for reading and check it (fstat: regular, within the limit); the caller closes fd. */
function openCheckedSync(path: string, options: ReadRegularOptions): { fd: number; size: number; name: string } {
  const name = options.display ?? path;
  let fd: number;
  try {
    fd = openSync(path, FLAGS);
  } catch (err) {
    throw openError(err, name, options.what ?? 'file');
  }
  try {
    return { fd, size: checkRegular(fstatSync(fd), name, options), name };
  } catch (err) {
    closeSync(fd);
    if (err instanceof GoslimError) throw err;
    throw openError(err, name, options.what ?? 'file');
  }
}

/** Synchronous readRegularFile (for config loading, which is synchronous). */
export function readRegularFileSync(path: string, options: ReadRegularOptions): Buffer {
  const { fd, size, name } = openCheckedSync(path, options);
  try {
    const buf = Buffer.alloc(size);
    let done = 0;
    while (done < size) {
      const n = readSync(fd, buf, done, size - done, done);
      if (n === 0) break;
      done += n;
    }
    return done === size ? buf : buf.subarray(0, done);
  } catch (err) {
    throw openError(err, name, options.what ?? 'file');
  } finally {
    closeSync(fd);
  }
}

/**
 * A regular file opened once for reads at offsets (the size fstat reported, checked against the
 * limit): `goslim binary` reads a large executable range by range instead of whole. Structurally a
 * src/binary ByteSource. A read that finds the file shorter than it was is E_TRUNCATED. The caller closes it.
 */
export interface RegularFileRanges {
  readonly size: number;
  readInto(target: Uint8Array, targetOffset: number, offset: number, length: number): void;
  close(): void;
}

export function openRegularFileRanges(path: string, options: ReadRegularOptions): RegularFileRanges {
  const { fd, size, name } = openCheckedSync(path, options);
  let open = true;
  return {
    size,
    readInto(target, targetOffset, offset, length) {
      let done = 0;
      // Bounded: every turn reads at least one byte or stops.
      while (done < length) {
        let n: number;
        try {
          n = readSync(fd, target, targetOffset + done, length - done, offset + done);
        } catch (err) {
          throw openError(err, name, options.what ?? 'file');
        }
        if (n === 0) throw new TruncatedInputError(`${name} shrank while it was read: ${offset + done} of ${size} bytes`, { details: { path: name } });
        done += n;
      }
    },
    close() {
      if (open) closeSync(fd);
      open = false;
    },
  };
}
