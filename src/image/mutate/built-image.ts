/**
 * Images and indexes assembled in memory from parts: the manifest and config are
 * small JSON documents we serialise once (their bytes are what get hashed, so they
 * are never re-serialised), the layers are the streaming Layer objects given.
 */
import { GoslimError } from '../../errors.js';
import { sha256Digest } from '../digest.js';
import {
  MediaType,
  type Descriptor,
  type Image,
  type ImageConfig,
  type ImageIndex,
  type ImageIndexManifest,
  type ImageManifest,
  type Layer,
  type Platform,
} from '../model.js';

/** Stable bytes for a JSON document: no whitespace, keys in insertion order. */
export function jsonBytes(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

export interface ImageParts {
  config: ImageConfig;
  /** Layers bottom first; their diff_ids must equal config.rootfs.diff_ids. */
  layers: Layer[];
  /** Extra descriptor fields per layer (e.g. `urls` of foreign layers), by index. */
  layerDescriptorExtras?: Array<Partial<Pick<Descriptor, 'urls' | 'annotations'>> | undefined>;
  annotations?: Record<string, string>;
  reference?: string;
}

export class BuiltImage implements Image {
  private readonly configBytes: Buffer;
  private readonly manifestBytes: Buffer;
  private readonly manifestDigest: string;

  constructor(private readonly parts: ImageParts) {
    const diffIds = parts.layers.map((l) => l.diffId());
    const declared = parts.config.rootfs.diff_ids;
    if (diffIds.length !== declared.length || diffIds.some((d, i) => d !== declared[i])) {
      throw new GoslimError('E_INTERNAL', 'config rootfs.diff_ids do not match the layers');
    }
    this.configBytes = jsonBytes(parts.config);
    const manifest: ImageManifest = {
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      config: { mediaType: MediaType.OciConfig, digest: sha256Digest(this.configBytes), size: this.configBytes.length },
      layers: parts.layers.map((l, i) => ({
        mediaType: l.mediaType(),
        digest: l.digest(),
        size: l.size(),
        ...(parts.layerDescriptorExtras?.[i] ?? {}),
      })),
      ...(parts.annotations && Object.keys(parts.annotations).length > 0 ? { annotations: parts.annotations } : {}),
    };
    this.manifestBytes = jsonBytes(manifest);
    this.manifestDigest = sha256Digest(this.manifestBytes);
  }

  digest(): string {
    return this.manifestDigest;
  }
  mediaType(): string {
    return MediaType.OciManifest;
  }
  rawManifest(): Buffer {
    return this.manifestBytes;
  }
  manifest(): ImageManifest {
    return JSON.parse(this.manifestBytes.toString('utf8')) as ImageManifest;
  }
  rawConfig(): Buffer {
    return this.configBytes;
  }
  config(): ImageConfig {
    return JSON.parse(this.configBytes.toString('utf8')) as ImageConfig;
  }
  configDigest(): string {
    return sha256Digest(this.configBytes);
  }
  layers(): Layer[] {
    return [...this.parts.layers];
  }
  platform(): Platform {
    const c = this.parts.config;
    return c.variant ? { os: c.os, architecture: c.architecture, variant: c.variant } : { os: c.os, architecture: c.architecture };
  }
  reference(): string {
    return this.parts.reference ?? `@${this.manifestDigest}`;
  }
}

/** An empty image (FROM scratch) for one platform. */
export function scratchImage(platform: Platform, created = new Date(0).toISOString()): BuiltImage {
  const config: ImageConfig = {
    created,
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    config: {},
    rootfs: { type: 'layers', diff_ids: [] },
    history: [],
  };
  return new BuiltImage({ config, layers: [], reference: 'scratch' });
}

/** An OCI index over already-built images, each descriptor carrying its platform. */
export class BuiltIndex implements ImageIndex {
  private readonly bytes: Buffer;
  private readonly byDigest = new Map<string, Image>();

  constructor(images: Image[], annotations?: Record<string, string>) {
    if (images.length === 0) throw new GoslimError('E_USAGE', 'an image index needs at least one image');
    const manifests: Descriptor[] = images.map((img) => {
      this.byDigest.set(img.digest(), img);
      return { mediaType: img.mediaType(), digest: img.digest(), size: img.rawManifest().length, platform: img.platform() };
    });
    const index: ImageIndexManifest = {
      schemaVersion: 2,
      mediaType: MediaType.OciIndex,
      manifests,
      ...(annotations && Object.keys(annotations).length > 0 ? { annotations } : {}),
    };
    this.bytes = jsonBytes(index);
  }

  digest(): string {
    return sha256Digest(this.bytes);
  }
  mediaType(): string {
    return MediaType.OciIndex;
  }
  rawManifest(): Buffer {
    return this.bytes;
  }
  indexManifest(): ImageIndexManifest {
    return JSON.parse(this.bytes.toString('utf8')) as ImageIndexManifest;
  }
  async image(descriptor: Descriptor): Promise<Image> {
    const img = this.byDigest.get(descriptor.digest);
    if (!img) throw new GoslimError('E_NOT_FOUND', `image ${descriptor.digest} is not in this index`);
    return img;
  }
  /** The child images, in index order. */
  images(): Image[] {
    return [...this.byDigest.values()];
  }
}

export function isImageIndex(x: Image | ImageIndex): x is ImageIndex {
  return typeof (x as ImageIndex).indexManifest === 'function';
}
