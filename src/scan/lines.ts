/**
 * Lines of a file, streamed, each bounded by the scan.lineSize limit: for `--from` lists and JSON
 * Lines outputs of any size. `complete` is false only for a last line without its newline (an
 * append cut short by a crash: the scan's JSON Lines readers drop it).
 */
import { createReadStream } from 'node:fs';
import { IoError, LimitExceededError, NotFoundError } from '../errors.js';
import { LIMITS } from '../limits.js';

export interface Line {
  text: string;
  /** 1-based. */
  number: number;
  /** Ended with a newline. */
  complete: boolean;
  /** Byte offset just past this line's newline (or its end). */
  end: number;
}

function openError(path: string, err: unknown): Error {
  const code = (err as { code?: string }).code;
  if (code === 'ENOENT') return new NotFoundError(`${path}: no such file`, { cause: err });
  return new IoError(`${path}: ${(err as Error).message}`, { cause: err });
}

export async function* readLines(path: string): AsyncGenerator<Line> {
  const max = LIMITS['scan.lineSize'].value;
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  let parts: Buffer[] = [];
  let partLength = 0;
  let number = 0;
  let offset = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let start = 0;
      for (;;) {
        const nl = chunk.indexOf(10, start);
        if (nl < 0) break;
        const piece = chunk.subarray(start, nl);
        const bytes = partLength === 0 ? piece : Buffer.concat([...parts, piece]);
        if (bytes.length > max) throw new LimitExceededError('scan.lineSize', max, `${path}: line ${number + 1} is longer than ${max} bytes`, { actual: bytes.length, details: { path } });
        parts = [];
        partLength = 0;
        offset += bytes.length + 1;
        yield { text: bytes.toString('utf8'), number: ++number, complete: true, end: offset };
        start = nl + 1;
      }
      if (start < chunk.length) {
        const rest = chunk.subarray(start);
        partLength += rest.length;
        if (partLength > max) throw new LimitExceededError('scan.lineSize', max, `${path}: line ${number + 1} is longer than ${max} bytes`, { actual: partLength, details: { path } });
        parts.push(Buffer.from(rest));
      }
    }
  } catch (err) {
    if (err instanceof LimitExceededError) throw err;
    throw openError(path, err);
  } finally {
    stream.destroy();
  }
  if (partLength > 0) {
    offset += partLength;
    yield { text: Buffer.concat(parts).toString('utf8'), number: ++number, complete: false, end: offset };
  }
}
