/**
 * Measures how well some content compresses, by deflating (zlib level 6, Docker's and Go's
 * default gzip level) a bounded sample of it as it streams. The budget bounds both time and
 * memory: once `budget` input bytes have been fed, further data is ignored.
 */
import { constants, createDeflateRaw, type DeflateRaw } from 'node:zlib';

export const DEFAULT_PROBE_BUDGET = 8 * 1024 * 1024;

export class RatioProbe {
  private deflate: DeflateRaw | undefined;
  private fed = 0;
  private out = 0;

  constructor(private readonly budget = DEFAULT_PROBE_BUDGET) {}

  get full(): boolean {
    return this.fed >= this.budget;
  }

  /**
   * Feed one chunk. It never waits for the compressor: the budget bounds what can be queued
   * (8 MiB), and waiting here would stall the whole layer walk while zlib works on the thread
   * pool (measured: 0.9 s of a 5.3 s inspect of the 1 GB fixture image).
   */
  async feed(chunk: Buffer): Promise<void> {
    if (this.full || chunk.length === 0) return;
    const part = chunk.length > this.budget - this.fed ? chunk.subarray(0, this.budget - this.fed) : chunk;
    if (!this.deflate) {
      this.deflate = createDeflateRaw({ level: 6 });
      this.deflate.on('data', (c: Buffer) => {
        this.out += c.length;
      });
    }
    this.fed += part.length;
    this.deflate.write(part);
  }

  /** Compressed/uncompressed ratio of everything fed, or undefined when nothing was fed. */
  async ratio(): Promise<number | undefined> {
    if (!this.deflate || this.fed === 0) return undefined;
    const d = this.deflate;
    await new Promise<void>((resolve, reject) => {
      d.once('error', reject);
      d.flush(constants.Z_FINISH, () => resolve());
    });
    d.destroy();
    this.deflate = undefined;
    return this.out / this.fed;
  }
}
