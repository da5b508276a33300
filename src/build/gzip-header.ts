/**
 * Pins the gzip header bytes that differ between zlib builds (hashing and
 * verifying streams live in src/image/digest.ts).
 */
import { Transform, type TransformCallback } from 'node:stream';

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
