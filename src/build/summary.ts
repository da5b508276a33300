/**
 * Sizes of an image for the build summary: compressed (what a pull transfers:
 * layer blobs + config + manifest) and uncompressed (the layer tars, which is
 * what the image occupies once unpacked, give or take filesystem overhead).
 * Uncompressed sizes are measured by streaming each layer once; nothing is held.
 */
import type { Image } from '../image/model.js';

export interface ImageSize {
  digest: string;
  layers: number;
  /** Layer blobs + config + manifest bytes. */
  compressed: number;
  /** Sum of the uncompressed layer tars. */
  uncompressed: number;
}

async function streamLength(open: () => Promise<NodeJS.ReadableStream>): Promise<number> {
  let n = 0;
  for await (const chunk of await open()) n += (chunk as Buffer).length;
  return n;
}

export async function imageSize(img: Image): Promise<ImageSize> {
  let compressed = img.rawManifest().length + img.rawConfig().length;
  let uncompressed = 0;
  for (const l of img.layers()) {
    compressed += l.size();
    uncompressed += await streamLength(() => l.uncompressed());
  }
  return { digest: img.digest(), layers: img.layers().length, compressed, uncompressed };
}

export interface Comparison {
  before: ImageSize & { reference: string };
  after: ImageSize;
  /** before / after, compressed and uncompressed (how many times smaller). */
  ratio: { compressed: number; uncompressed: number };
  saved: { compressed: number; uncompressed: number };
}

/** Pure: the before/after numbers for two measured images. */
export function compareSizes(before: ImageSize & { reference: string }, after: ImageSize): Comparison {
  const r = (a: number, b: number) => (b === 0 ? 0 : Math.round((a / b) * 100) / 100);
  return {
    before,
    after,
    ratio: { compressed: r(before.compressed, after.compressed), uncompressed: r(before.uncompressed, after.uncompressed) },
    saved: { compressed: before.compressed - after.compressed, uncompressed: before.uncompressed - after.uncompressed },
  };
}
