/** A fully resolved image: manifest and config already read and verified, layers lazy. */
import type { ImageConfig, ImageManifest, Layer } from '../model.js';
import { RawImage } from '../partial.js';

export interface StoredImageInit {
  digest: string;
  mediaType: string;
  rawManifest: Buffer;
  manifest: ImageManifest;
  rawConfig: Buffer;
  config: ImageConfig;
  configDigest: string;
  layers: Layer[];
  reference: string;
}

export class StoredImage extends RawImage {
  constructor(init: StoredImageInit) {
    super(init);
  }
}
