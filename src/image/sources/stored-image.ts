/** A fully resolved image: manifest and config already read and verified, layers lazy. */
import type { Image, ImageConfig, ImageManifest, Layer, Platform } from '../model.js';

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

export class StoredImage implements Image {
  constructor(private readonly init: StoredImageInit) {}
  digest(): string {
    return this.init.digest;
  }
  mediaType(): string {
    return this.init.mediaType;
  }
  rawManifest(): Buffer {
    return this.init.rawManifest;
  }
  manifest(): ImageManifest {
    return this.init.manifest;
  }
  rawConfig(): Buffer {
    return this.init.rawConfig;
  }
  config(): ImageConfig {
    return this.init.config;
  }
  configDigest(): string {
    return this.init.configDigest;
  }
  layers(): Layer[] {
    return this.init.layers;
  }
  platform(): Platform {
    const c = this.init.config;
    const p: Platform = { os: c.os, architecture: c.architecture };
    if (c.variant) p.variant = c.variant;
    if (c['os.version']) p['os.version'] = c['os.version'];
    return p;
  }
  reference(): string {
    return this.init.reference;
  }
}
