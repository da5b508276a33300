/**
 * Content digests (OCI image-spec `descriptor.md` "Digests"): `algorithm:encoded`.
 * goslim reads and writes sha256 only, the one algorithm every registry and
 * runtime supports; a sha512 digest is recognised but rejected as unsupported.
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { DigestMismatchError, InternalError, MalformedInputError, UnsupportedFormatError } from '../errors.js';

const SHA256_RE = /^sha256:[a-f0-9]{64}$/;
/** Grammar from image-spec: algorithm ":" encoded, algorithm components [a-z0-9]+ joined by [+._-]. */
const ANY_DIGEST_RE = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** `sha256:<hex>` of the given bytes. */
export function sha256Digest(data: Buffer | string): string {
  return `sha256:${sha256Hex(data)}`;
}

export function isSha256Digest(text: unknown): text is string {
  return typeof text === 'string' && SHA256_RE.test(text);
}

/** Validate a digest string; returns its hex part. Throws E_MALFORMED / E_UNSUPPORTED_FORMAT. */
export function parseDigest(text: unknown, what = 'digest'): { algorithm: 'sha256'; hex: string } {
  if (typeof text !== 'string' || !ANY_DIGEST_RE.test(text)) {
    throw new MalformedInputError(`${what} is not a valid digest: ${JSON.stringify(text)}`);
  }
  if (!SHA256_RE.test(text)) {
    if (text.startsWith('sha256:')) {
      throw new MalformedInputError(`${what} is not sha256:<64 lowercase hex>: ${text}`);
    }
    throw new UnsupportedFormatError(`${what} uses an unsupported algorithm: ${text.split(':')[0]}`);
  }
  return { algorithm: 'sha256', hex: text.slice(7) };
}

/**
 * A pass-through stream that hashes what flows through it. `digest()` is valid
 * once the stream has ended; `bytes` counts what passed.
 */
export class HashingStream extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private result: string | undefined;
  bytes = 0;

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    this.result = `sha256:${this.hash.digest('hex')}`;
    cb();
  }

  digest(): string {
    if (this.result === undefined) throw new InternalError('HashingStream.digest() called before end');
    return this.result;
  }
}

/**
 * A pass-through stream that fails at the end with E_DIGEST_MISMATCH when the bytes
 * do not hash to `expected` (or, when `expectedSize` is given, their count differs).
 * The consumer sees every byte first; the error replaces the normal end.
 */
export class VerifyingStream extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private bytes = 0;

  constructor(
    private readonly expected: string,
    private readonly what: string,
    private readonly expectedSize?: number,
  ) {
    super();
    parseDigest(expected, what);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    cb(contentMismatch(this.what, this.expected, `sha256:${this.hash.digest('hex')}`, this.bytes, this.expectedSize) ?? null);
  }
}

/**
 * A blob's content against its descriptor, once every byte went through the hash: the error
 * (E_DIGEST_MISMATCH, the digest checked before the size), or undefined when both match.
 */
export function contentMismatch(what: string, expected: string, actual: string, bytes: number, expectedSize?: number): DigestMismatchError | undefined {
  if (actual !== expected) {
    return new DigestMismatchError(`${what}: content hashes to ${actual}, expected ${expected}`, { details: { expected, actual, bytes } });
  }
  if (expectedSize !== undefined && bytes !== expectedSize) {
    return new DigestMismatchError(`${what}: ${bytes} bytes, descriptor says ${expectedSize}`, { details: { expected, bytes, size: expectedSize } });
  }
  return undefined;
}

/** Check a small buffer (manifest, config) against its digest. */
export function verifyBuffer(data: Buffer, expected: string, what: string): void {
  parseDigest(expected, what);
  const mismatch = contentMismatch(what, expected, sha256Digest(data), data.length);
  if (mismatch !== undefined) throw mismatch;
}
