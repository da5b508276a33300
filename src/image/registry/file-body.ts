/**
 * A request whose body is a byte range of a local file (a layer blob of an OCI layout or an
 * archive), sent through a few reused buffers (on node:http, as every request: http.ts).
 *
 * Why not a stream into fetch: every chunk a file stream reads is a new buffer, and V8 frees
 * those only when its external memory has grown by some 64 MB since the last collection; undici's
 * body pump adds its own copies. Measured on the 278 MB layer of the fat fixture image: reading it
 * with `createReadStream` (1 MiB chunks) and hashing peaked at 81 MB RSS, the same through four
 * reused 1 MiB buffers at 44 MB (Node alone: 40 MB); the push of the image peaked at 198 MB.
 * Here each buffer is refilled only after the socket has taken its bytes (the write callback),
 * so the memory of an upload is POOL x CHUNK (1 MiB) whatever the blob's size.
 *
 * The bytes are hashed as they are read and checked against the blob digest before the last
 * chunk is written: a file that does not match is never completed on the registry (the request
 * is destroyed with E_DIGEST_MISMATCH, the same error a streamed source gives).
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { DigestMismatchError } from '../../errors.js';
import { startRequest, type HttpResponse, type StartedRequest } from './http.js';

/**
 * Bytes per read and write, and buffers per upload (one being read while the other is written).
 * Measured on the fat image's push (peak RSS, CLI): 256 KiB x 4 66-67 MB, 64 KiB x 4 67-68 MB,
 * 1 MiB x 2 62-65 MB (fewer, larger writes run less JavaScript per byte, so less is compiled);
 * later, with less loaded at start, 1 MiB x 2 63.0-63.2 MB and 512 KiB x 2 61.9-62.0 MB, as fast.
 */
const CHUNK = 512 << 10;
const POOL = 2;

/** Where a blob's bytes are on disk, and what they must hash to. */
export interface FileBody {
  kind: 'file';
  file: string;
  start: number;
  length: number;
  /** The blob digest the bytes must match (sha256). */
  digest: string;
  /** For messages: "layer blob sha256:...". */
  what: string;
  /** Called with each chunk's length once it is read (progress). */
  onBytes?: (n: number) => void;
}

export function isFileBody(b: unknown): b is FileBody {
  return typeof b === 'object' && b !== null && !Buffer.isBuffer(b) && (b as { kind?: unknown }).kind === 'file';
}

/**
 * Send `body` as the request body (Content-Length set to its length) and resolve to the answer.
 * `signal` aborts the request and the answer's body; `progress` is called as chunks reach the
 * socket (the transport's inactivity and rate watch).
 */
export async function sendFileBody(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: FileBody,
  signal: AbortSignal,
  progress: (n: number) => void,
): Promise<HttpResponse> {
  const fh = await open(body.file, 'r');
  let closed = false;
  const closeFile = (): void => {
    if (closed) return;
    closed = true;
    void fh.close().catch(() => undefined);
  };
  let started: StartedRequest;
  try {
    started = await startRequest(url, { method, headers, signal }, { 'Content-Length': String(body.length) });
  } catch (err) {
    closeFile();
    throw err;
  }
  const { req, response } = started;
  let answered = false;
  let gone = false;
  const ended = new Promise<void>((r) => req.once('close', () => ((gone = true), r())));
  req.on('error', closeFile);
  let pumpError: unknown;
  const pump = async (): Promise<void> => {
    const hash = createHash('sha256');
    const buffers = Array.from({ length: POOL }, () => Buffer.allocUnsafe(CHUNK));
    const free: Array<Promise<void>> = buffers.map(() => Promise.resolve());
    let pos = 0;
    for (let i = 0; pos < body.length; i = (i + 1) % POOL) {
      // Reuse a buffer only once the socket has written what it held (or the request is gone).
      await Promise.race([free[i], ended]);
      if (gone || answered) return;
      const want = Math.min(CHUNK, body.length - pos);
      const { bytesRead } = await fh.read(buffers[i]!, 0, want, body.start + pos);
      if (gone || answered) return;
      if (bytesRead === 0) {
        throw new DigestMismatchError(`${body.what}: the file ends after ${pos} bytes, descriptor says ${body.length}`, {
          details: { expected: body.digest, bytes: pos, size: body.length },
        });
      }
      const chunk = buffers[i]!.subarray(0, bytesRead);
      hash.update(chunk);
      pos += bytesRead;
      if (pos === body.length) {
        const actual = `sha256:${hash.digest('hex')}`;
        if (actual !== body.digest) {
          throw new DigestMismatchError(`${body.what}: content hashes to ${actual}, expected ${body.digest}`, {
            details: { expected: body.digest, actual, bytes: pos },
          });
        }
      }
      body.onBytes?.(bytesRead);
      free[i] = new Promise<void>((r) => {
        req.write(chunk, () => {
          progress(bytesRead);
          r();
        });
      });
    }
    req.end();
  };
  const pumped = pump()
    .catch((err: unknown) => {
      // The request fails with the source's error (a short or changed file): never completed.
      pumpError = err;
      req.destroy();
    })
    .finally(closeFile);
  try {
    const res = await Promise.race([response, pumped.then(() => (pumpError !== undefined ? Promise.reject(pumpError) : response))]);
    answered = true;
    return res;
  } catch (err) {
    answered = true;
    throw pumpError ?? err;
  }
}
