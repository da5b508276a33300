/**
 * The image core, in the spirit of go-containerregistry's pkg/v1/partial: an Image is its
 * raw manifest, its raw config and its layers; an ImageIndex is its raw index and a way to
 * open a child. Every accessor that follows from those parts is written here once, and the
 * sources, mutations and artifacts only say where the parts come from.
 */
import { Readable } from 'node:stream';
import { NotFoundError } from '../errors.js';
import { sha256Digest } from './digest.js';
import {
  compressionOf,
  MediaType,
  type Compression,
  type Descriptor,
  type Image,
  type ImageConfig,
  type ImageIndex,
  type ImageIndexManifest,
  type ImageManifest,
  type Layer,
  type Platform,
  type TarChunks,
  type TarReadOptions,
} from './model.js';

export interface RawImageParts {
  rawManifest: Buffer;
  rawConfig: Buffer;
  layers: Layer[];
  /** The reference the image was opened from; default `@<digest>`. */
  reference?: string;
  /** Default: sha256 of rawManifest. */
  digest?: string;
  /** Default: the manifest's own mediaType, else OCI. */
  mediaType?: string;
  /**
   * Already parsed (and validated) documents, returned as they are. Without them each
   * manifest()/config() call parses the raw bytes afresh (callers may then edit the result).
   */
  manifest?: ImageManifest;
  config?: ImageConfig;
  /** Default: the manifest's config descriptor digest. */
  configDigest?: string;
  /** platform() also reports os.version (default true). */
  platformOsVersion?: boolean;
}

/** The platform an image config describes. Pure. */
export function platformOfConfig(c: Pick<ImageConfig, 'os' | 'architecture' | 'variant' | 'os.version'>, osVersion = true): Platform {
  const p: Platform = { os: c.os, architecture: c.architecture };
  if (c.variant) p.variant = c.variant;
  if (osVersion && c['os.version']) p['os.version'] = c['os.version'];
  return p;
}

/** An Image from its raw parts (see the module comment). */
export class RawImage implements Image {
  private readonly manifestDigest: string;

  constructor(protected readonly parts: RawImageParts) {
    this.manifestDigest = parts.digest ?? sha256Digest(parts.rawManifest);
  }
  digest(): string {
    return this.manifestDigest;
  }
  mediaType(): string {
    return this.parts.mediaType ?? this.manifest().mediaType ?? MediaType.OciManifest;
  }
  rawManifest(): Buffer {
    return this.parts.rawManifest;
  }
  manifest(): ImageManifest {
    return this.parts.manifest ?? (JSON.parse(this.parts.rawManifest.toString('utf8')) as ImageManifest);
  }
  rawConfig(): Buffer {
    return this.parts.rawConfig;
  }
  config(): ImageConfig {
    return this.parts.config ?? (JSON.parse(this.parts.rawConfig.toString('utf8')) as ImageConfig);
  }
  configDigest(): string {
    return this.parts.configDigest ?? this.manifest().config.digest;
  }
  layers(): Layer[] {
    return [...this.parts.layers];
  }
  platform(): Platform {
    return platformOfConfig(this.config(), this.parts.platformOsVersion !== false);
  }
  reference(): string {
    return this.parts.reference ?? `@${this.manifestDigest}`;
  }
}

/** An ImageIndex from its raw bytes; subclasses say how a child is opened. */
export abstract class RawIndex implements ImageIndex {
  private readonly indexDigest: string;

  constructor(
    protected readonly raw: Buffer,
    protected readonly parsed: ImageIndexManifest,
    private readonly type?: string,
    digest?: string,
  ) {
    this.indexDigest = digest ?? sha256Digest(raw);
  }
  digest(): string {
    return this.indexDigest;
  }
  mediaType(): string {
    return this.type ?? this.parsed.mediaType ?? MediaType.OciIndex;
  }
  rawManifest(): Buffer {
    return this.raw;
  }
  indexManifest(): ImageIndexManifest {
    return this.parsed;
  }
  /** E_NOT_FOUND unless the index lists `descriptor`. */
  protected requireListed(descriptor: Descriptor): void {
    if (!this.parsed.manifests.some((d) => d.digest === descriptor.digest)) {
      throw new NotFoundError(`${descriptor.digest} is not listed in index ${this.indexDigest}`);
    }
  }
  abstract image(descriptor: Descriptor): Promise<Image>;
}

/** The fixed facts of a layer: its descriptor and diff_id. */
export interface LayerFacts {
  digest: string;
  diffId: string;
  size: number;
  mediaType: string;
  /** Default: from the media type. */
  compression?: Compression;
}

/** A layer whose facts are known up front; subclasses say how the bytes are read. */
export abstract class DescribedLayer implements Layer {
  constructor(protected readonly facts: LayerFacts) {}
  digest(): string {
    return this.facts.digest;
  }
  diffId(): string {
    return this.facts.diffId;
  }
  size(): number {
    return this.facts.size;
  }
  mediaType(): string {
    return this.facts.mediaType;
  }
  compression(): Compression {
    return this.facts.compression ?? compressionOf(this.facts.mediaType);
  }
  abstract compressed(): Promise<Readable>;
  abstract uncompressed(options?: TarReadOptions): Promise<Readable>;
}

/** A layer that answers with another layer's facts and bytes; subclasses override what differs. */
export class DelegatingLayer implements Layer {
  constructor(protected readonly inner: Layer) {}
  digest(): string {
    return this.inner.digest();
  }
  diffId(): string {
    return this.inner.diffId();
  }
  size(): number {
    return this.inner.size();
  }
  mediaType(): string {
    return this.inner.mediaType();
  }
  compression(): Compression {
    return this.inner.compression();
  }
  compressed(): Promise<Readable> {
    return this.inner.compressed();
  }
  uncompressed(options?: TarReadOptions): Promise<Readable> {
    return this.inner.uncompressed(options);
  }
  async tarChunks(options?: TarReadOptions): Promise<TarChunks | undefined> {
    return this.inner.tarChunks?.(options);
  }
}

/**
 * A TarChunks source as a byte stream (for layers whose natural form is chunks: a daemon's
 * archive pass, a store's tar-split rebuild). Each chunk is copied, since the source reuses its
 * buffers; the source is closed when the stream ends or is destroyed early.
 */
export function tarChunksToStream(chunks: TarChunks): Readable {
  return Readable.from(
    (async function* () {
      try {
        for (;;) {
          const c = await chunks.read();
          if (c === undefined) return;
          yield Buffer.from(c);
        }
      } finally {
        chunks.close();
      }
    })(),
  );
}
