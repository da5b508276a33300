/**
 * Layer decompression. gzip uses Node's zlib (multi-member streams included). Node 20 has
 * no zstd, so zstd layers go through the `zstd` command-line tool (Debian package `zstd`,
 * in scripts/install-deps.sh) as a child process: it is the reference implementation, it
 * streams, and it runs on the second core. A pure-JS decoder (fzstd) was the alternative;
 * it is several times slower than the CLI on large layers, and zstd layers are rare.
 */
import { spawn } from 'node:child_process';
import { Duplex, PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { Compression } from '../model.js';
import { GoslimError, MalformedInputError } from '../../errors.js';

/** Magic-byte sniffing: gzip 1f 8b, zstd 28 b5 2f fd, anything else is taken as plain tar. */
export function sniffCompression(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  return 'none';
}

function zstdDecoder(what: string): Duplex {
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
        ? new GoslimError('E_TOOL_MISSING', 'zstd layers need the `zstd` program (apt-get install zstd)', { cause: err })
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
  return compression === 'gzip' ? createGunzip({ chunkSize: 1 << 17 }) : zstdDecoder(what);
}

/** Decompress `input`; errors (bad data, truncation) come out of the returned stream typed. */
export function decompress(input: Readable, compression: Compression, what: string): Readable {
  if (compression === 'none') return input;
  const decoder = createDecoder(compression, what);
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  pipeline(input, decoder, out, (err) => {
    if (err && !out.destroyed) out.destroy(wrapDecompressError(err, what));
    else if (err) out.destroy(wrapDecompressError(err, what));
  });
  return out;
}

export function wrapDecompressError(err: Error, what: string): Error {
  if (err instanceof GoslimError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'Z_BUF_ERROR' || /unexpected end/i.test(err.message)) {
    return new GoslimError('E_TRUNCATED', `${what}: compressed data ends early`, { cause: err });
  }
  if (code === 'ERR_STREAM_PREMATURE_CLOSE') return err;
  return new MalformedInputError(`${what}: cannot decompress (${err.message})`, { cause: err });
}
