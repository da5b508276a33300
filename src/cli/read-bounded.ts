/**
 * Reading a user-named input file or stdin with a size cap from src/limits.ts: the cap is
 * checked before the bytes are held (a file's size from fstat, stdin while it streams), so a
 * huge or endless input ends in E_LIMIT instead of exhausting memory.
 */
import { open } from 'node:fs/promises';
import { GoslimError, LimitExceededError, NotRegularFileError } from '../errors.js';
import { limit, type LimitKey } from '../limits.js';

function tooLarge(what: string, key: LimitKey, max: number, actual?: number): LimitExceededError {
  return new LimitExceededError(key, max, `${what} is larger than ${max} bytes (${key})`, actual === undefined ? {} : { actual });
}

/** The bytes of a regular file, at most `limit(key)` of them. E_NOT_FOUND, E_IO, E_NOT_REGULAR, E_LIMIT. */
export async function readFileBounded(path: string, key: LimitKey, shownAs = path): Promise<Buffer> {
  const max = limit(key);
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'E_NOT_FOUND' : 'E_IO';
    throw new GoslimError(code, `cannot read ${shownAs}: ${(err as Error).message}`, { cause: err, details: { path: shownAs } });
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new NotRegularFileError(`${shownAs} is not a regular file`, { details: { path: shownAs } });
    if (st.size > max) throw tooLarge(shownAs, key, max, st.size);
    // Read at most max + 1 bytes: a file that grows while it is read still cannot pass the cap.
    const buf = Buffer.alloc(Math.min(st.size, max) + 1);
    let n = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, n, buf.length - n, n);
      if (bytesRead === 0) break;
      n += bytesRead;
      if (n === buf.length) break;
    }
    if (n > max) throw tooLarge(shownAs, key, max);
    return buf.subarray(0, n);
  } catch (err) {
    if (err instanceof GoslimError) throw err;
    throw new GoslimError('E_IO', `cannot read ${shownAs}: ${(err as Error).message}`, { cause: err, details: { path: shownAs } });
  } finally {
    await fh.close();
  }
}

/** All of stdin, at most `limit(key)` bytes. */
export async function readStdinBounded(key: LimitKey): Promise<Buffer> {
  const max = limit(key);
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of process.stdin) {
    n += (chunk as Buffer).length;
    if (n > max) throw tooLarge('stdin', key, max);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
