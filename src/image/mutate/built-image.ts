/**
 * Images and indexes assembled in memory from parts: the manifest and config are
 * small JSON documents we serialise once (their bytes are what get hashed, so they
 * are never re-serialised), the layers are the streaming Layer objects given.
 */
import { InternalError, NotFoundError, UsageError } from '../../errors.js';
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
import { RawImage, RawIndex } from '../partial.js';

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

export class BuiltImage extends RawImage {
  constructor(parts: ImageParts) {
    const diffIds = parts.layers.map((l) => l.diffId());
    const declared = parts.config.rootfs.diff_ids;
    if (diffIds.length !== declared.length || diffIds.some((d, i) => d !== declared[i])) {
      throw new InternalError('config rootfs.diff_ids do not match the layers');
    }
    const rawConfig = jsonBytes(parts.config);
    const manifest: ImageManifest = {
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      config: { mediaType: MediaType.OciConfig, digest: sha256Digest(rawConfig), size: rawConfig.length },
      layers: parts.layers.map((l, i) => ({
        mediaType: l.mediaType(),
        digest: l.digest(),
        size: l.size(),
        ...(parts.layerDescriptorExtras?.[i] ?? {}),
      })),
      ...(parts.annotations && Object.keys(parts.annotations).length > 0 ? { annotations: parts.annotations } : {}),
    };
    super({
      rawManifest: jsonBytes(manifest),
      rawConfig,
      layers: [...parts.layers],
      mediaType: MediaType.OciManifest,
      configDigest: manifest.config.digest,
      platformOsVersion: false,
      ...(parts.reference !== undefined ? { reference: parts.reference } : {}),
    });
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
export class BuiltIndex extends RawIndex {
  private readonly byDigest: Map<string, Image>;

  constructor(images: Image[], annotations?: Record<string, string>) {
    if (images.length === 0) throw new UsageError('an image index needs at least one image');
    const byDigest = new Map<string, Image>();
    const manifests: Descriptor[] = images.map((img) => {
      byDigest.set(img.digest(), img);
      return { mediaType: img.mediaType(), digest: img.digest(), size: img.rawManifest().length, platform: img.platform() };
    });
    const index: ImageIndexManifest = {
      schemaVersion: 2,
      mediaType: MediaType.OciIndex,
      manifests,
      ...(annotations && Object.keys(annotations).length > 0 ? { annotations } : {}),
    };
    const bytes = jsonBytes(index);
    super(bytes, index, MediaType.OciIndex);
    this.byDigest = byDigest;
  }

  override indexManifest(): ImageIndexManifest {
    return JSON.parse(this.raw.toString('utf8')) as ImageIndexManifest;
  }
  async image(descriptor: Descriptor): Promise<Image> {
    const img = this.byDigest.get(descriptor.digest);
    if (!img) throw new NotFoundError(`image ${descriptor.digest} is not in this index`);
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
