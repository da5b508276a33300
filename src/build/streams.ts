/**
 * Small pass-through transforms used when writing and reading blobs: hashing as
 * bytes flow (so nothing is buffered), verifying at end of stream, and pinning the
 * gzip header bytes that differ between zlib builds.
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { DigestMismatchError } from '../errors.js';

/** Passes bytes through while computing their sha256 and counting them. */
export class HashThrough extends Transform {
  private readonly hash: Hash = createHash('sha256');
  bytes = 0;
  private result: string | undefined;

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    cb(null, chunk);
  }

  /** `sha256:<hex>`; only valid once the stream has ended. */
  digest(): string {
    this.result ??= `sha256:${this.hash.digest('hex')}`;
    return this.result;
  }
}

/** Passes bytes through and fails at the end if they do not hash to `expected`. */
export class VerifyThrough extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private bytes = 0;

  constructor(
    private readonly expected: string,
    private readonly expectedSize?: number,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    const got = `sha256:${this.hash.digest('hex')}`;
    if (got !== this.expected || (this.expectedSize !== undefined && this.bytes !== this.expectedSize)) {
      cb(
        new DigestMismatchError(`blob content hashes to ${got} (${this.bytes} B), expected ${this.expected}`, {
          details: { expected: this.expected, actual: got },
        }),
      );
      return;
    }
    cb();
  }
}

/**
 * RFC 1952 header: ID1 ID2 CM FLG MTIME(4) XFL OS. Node's zlib already writes
 * FLG=0 and MTIME=0, and XFL follows from the level; but OS is zlib's compile-time
 * OS_CODE (0x03 on Unix builds, other values elsewhere: nodejs/node#48690). We pin
 * OS to 0xff ("unknown"), which is also what Go's compress/gzip (ko, crane) writes,
 * so the header no longer depends on the machine.
 */
export const GZIP_OS_UNKNOWN = 0xff;

export class GzipHeaderPin extends Transform {
  private offset = 0;

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.offset < 10) {
      const end = this.offset + chunk.length;
      if (this.offset <= 9 && end > 9) {
        chunk = Buffer.from(chunk); // never mutate a buffer we do not own
        chunk[9 - this.offset] = GZIP_OS_UNKNOWN;
      }
      // MTIME (bytes 4..7) must be zero; zlib writes zero unless told otherwise.
      for (let i = Math.max(4, this.offset); i < Math.min(8, end); i++) {
        if (chunk[i - this.offset] !== 0) {
          chunk = Buffer.from(chunk);
          chunk[i - this.offset] = 0;
        }
      }
    }
    this.offset += chunk.length;
    cb(null, chunk);
  }
}
