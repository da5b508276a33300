/**
 * Reading a user-named input file or stdin with a size cap from src/limits.ts: the cap is
 * checked before the bytes are held (a file's size from fstat, stdin while it streams), so a
 * huge or endless input ends in E_LIMIT instead of exhausting memory. Files go through the one
 * regular-file reader (src/util/regular-file.ts: no FIFOs or devices).
 */
import { LimitExceededError } from '../errors.js';
import { limit, type LimitKey } from '../limits.js';
import { resolve } from 'node:path';
import { readRegularFile } from '../util/regular-file.js';

function tooLarge(what: string, key: LimitKey, max: number, actual?: number): LimitExceededError {
  return new LimitExceededError(key, max, `${what} is larger than ${max} bytes (${key})`, actual === undefined ? {} : { actual });
}

/** The bytes of a regular file, at most `limit(key)` of them. E_NOT_FOUND, E_IO, E_NOT_REGULAR, E_LIMIT. */
export function readFileBounded(path: string, key: LimitKey, shownAs = path): Promise<Buffer> {
  return readRegularFile(path, { limitKey: key, display: shownAs });
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

/** `--dockerfile PATH` of inspect and verify: its path as given (SARIF's artifact URI) and its text. */
export async function readDockerfileOption(io: { cwd: string }, path: string | undefined): Promise<{ path: string; text: string } | undefined> {
  if (path === undefined) return undefined;
  const bytes = await readFileBounded(resolve(io.cwd, path), 'dockerfile.size', path);
  return { path, text: bytes.toString('utf8') };
}
