/**
 * Layer decompression. gzip uses Node's zlib (multi-member streams included). Node 20 has no
 * zstd. zstd layers are decoded by the `zstd` program when it is installed (Debian package
 * `zstd`, in scripts/install-deps.sh): the reference implementation, streaming, on the second
 * core as a child process. Without it, by fzstd (npm, pure JS, streaming, no native code), on
 * the layer-reading worker thread like gzip: no external program is needed. Measured here on a
 * 22.9 MB tar compressed at level 3: `zstd -d` 174-194 ms, fzstd 1.04-1.78 s (5-9x slower), so
 * the program stays first when present. GOSLIM_ZSTD=js or =program forces one.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import { Duplex, PassThrough, Transform, type Readable, type Writable } from 'node:stream';
import { createGunzip, type ZlibOptions } from 'node:zlib';
import type { Compression } from '../model.js';
import { asError, GoslimError, MalformedInputError, ToolMissingError, TruncatedInputError } from '../../errors.js';

/** Magic-byte sniffing: gzip 1f 8b, zstd 28 b5 2f fd, anything else is taken as plain tar. */
export function sniffCompression(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  return 'none';
}

let programFound: boolean | undefined;

/** Decode zstd with the `zstd` program (true) or with fzstd in-process (false). */
export function zstdUsesProgram(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.GOSLIM_ZSTD === 'js') return false;
  if (env.GOSLIM_ZSTD === 'program') return true;
  if (programFound === undefined) {
    programFound = (env.PATH ?? '').split(delimiter).some((dir) => {
      try {
        accessSync(join(dir, 'zstd'), constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
  }
  return programFound;
}

interface FzstdDecompress {
  push(chunk: Uint8Array, final?: boolean): void;
}

/** fzstd's streaming decoder as a stream (main-thread path, when the worker is off). */
function zstdJsDecoder(): Duplex {
  const fz = createRequire(import.meta.url)('fzstd') as { Decompress: new (ondata: (c: Uint8Array, final: boolean) => void) => FzstdDecompress };
  let seen = false;
  const out: Transform = new Transform({
    readableHighWaterMark: 1 << 20,
    transform(chunk: Buffer, _enc, cb) {
      try {
        if (chunk.length > 0) seen = true;
        d.push(chunk, false);
        cb();
      } catch (err) {
        cb(asError(err));
      }
    },
    flush(cb) {
      try {
        if (!seen) throw new TruncatedInputError('zstd stream is empty');
        d.push(new Uint8Array(0), true);
        cb();
      } catch (err) {
        const e = asError(err);
        cb(/EOF|unexpected end/i.test(e.message) ? new TruncatedInputError(`zstd data ends early`, { cause: e }) : e);
      }
    },
  });
  const d = new fz.Decompress((c) => {
    out.push(Buffer.from(c));
  });
  return out;
}

function zstdDecoder(what: string): Duplex {
  if (!zstdUsesProgram()) return zstdJsDecoder();
  const child = spawn('zstd', ['-d', '-c', '-q'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => {
    if (stderr.length < 2000) stderr += d;
  });
  const duplex = Duplex.from({ writable: child.stdin, readable: child.stdout });
  child.on('error', (err: NodeJS.ErrnoException) => {
    duplex.destroy(
      err.code === 'ENOENT'
        ? new ToolMissingError('zstd layers need the `zstd` program (apt-get install zstd)', { cause: err })
        : err,
    );
  });
  child.on('close', (code) => {
    if (code !== 0 && code !== null) {
      duplex.destroy(new MalformedInputError(`${what}: zstd failed (exit ${code}): ${stderr.trim()}`));
    }
  });
  // If the consumer gives up early, do not leave the child behind.
  duplex.on('close', () => {
    if (child.exitCode === null) child.kill();
  });
  return duplex;
}

/** A decoder stream for `compression` (not for 'none'). */
export function createDecoder(compression: Exclude<Compression, 'none'>, what: string): Duplex {
  // A 1 MiB readable buffer lets zlib run ahead of its consumer (see pumpDeferred).
  // (Node passes stream options through; @types/node's ZlibOptions does not list them.)
  const options: ZlibOptions & { highWaterMark: number } = { chunkSize: 1 << 17, highWaterMark: 1 << 20 };
  return compression === 'gzip' ? createGunzip(options) : zstdDecoder(what);
}

/**
 * Move chunks from a decoder to its consumer one microtask after each arrives. Piping a zlib
 * stream straight into its consumer runs the consumer's work (hashing, tar parsing, the
 * analyzers) inside zlib's completion callback, before zlib is handed its next chunk, so
 * decompression (on the thread pool) and our work (on the main thread) take turns. Async
 * iteration returns from that callback first, so the two overlap and both cores work.
 * Measured on the 1.08 GB fixture image: gunzip + sha256 + a byte scan took 3.4 s piped and
 * 2.5 s pumped, against 2.0-2.4 s for gunzip alone.
 */
export function pumpDeferred(from: Readable, to: Writable, fail: (err: Error) => void): void {
  void (async () => {
    try {
      for await (const chunk of from) {
        if (to.destroyed) return;
        if (!to.write(chunk)) {
          await new Promise<void>((resolve) => {
            const done = (): void => {
              to.off('drain', done);
              to.off('close', done);
              resolve();
            };
            to.on('drain', done);
            to.on('close', done);
          });
        }
      }
      if (!to.destroyed) to.end();
    } catch (err) {
      if (!to.destroyed) fail(asError(err));
    }
  })();
}

/**
 * The tar may end before its compressed input does (zero padding after the last gzip member,
 * which gunzip ignores, and the pipe stops there). Once `decoder` ends, `input` is unpiped and
 * read on (dropped) to its end, so that what watches it (a blob digest) sees every byte; the
 * returned function resolves then. Errors the decoder reports after its end come from its
 * teardown (the consumer's async iteration destroys it, aborting a write in flight): `fail` is
 * taken off it. `fail` must already listen on the decoder.
 */
export function readsToEnd(input: Readable, decoder: Duplex, fail: (err: Error) => void): () => Promise<void> {
  let rest: Promise<void> | undefined;
  decoder.once('end', () => {
    decoder.off('error', fail);
    decoder.on('error', () => {});
    if (input.readableEnded) return;
    input.unpipe(decoder);
    rest = new Promise<void>((resolve, reject) => {
      input.once('end', resolve);
      input.once('error', reject);
    });
    input.resume();
  });
  return () => rest ?? Promise.resolve();
}

/** Decompress `input`; errors (bad data, truncation) come out of the returned stream typed. */
export function decompress(input: Readable, compression: Compression, what: string): Readable {
  if (compression === 'none') return input;
  const decoder = createDecoder(compression, what);
  // The output ends only once the input has (see readsToEnd): its own checks there (a registry
  // blob's digest) still count.
  const out = new Transform({
    highWaterMark: 1 << 20,
    transform: (chunk: Buffer, _enc, cb) => cb(null, chunk),
    flush: (cb) => {
      rest().then(() => cb(), (err: Error) => cb(wrapDecompressError(err, what)));
    },
  });
  const fail = (err: Error): void => {
    if (!out.destroyed) out.destroy(wrapDecompressError(err, what));
  };
  input.on('error', fail);
  decoder.on('error', fail);
  const rest = readsToEnd(input, decoder, fail);
  out.on('close', () => {
    input.destroy();
    decoder.destroy();
  });
  input.pipe(decoder);
  pumpDeferred(decoder, out, fail);
  return out;
}

export function wrapDecompressError(err: Error, what: string): Error {
  if (err instanceof GoslimError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'Z_BUF_ERROR' || /unexpected end/i.test(err.message)) {
    return new TruncatedInputError(`${what}: compressed data ends early`, { cause: err });
  }
  if (code === 'ERR_STREAM_PREMATURE_CLOSE') return err;
  return new MalformedInputError(`${what}: cannot decompress (${err.message})`, { cause: err });
}
