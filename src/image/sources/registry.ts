/**
 * Registry source: an Image (or ImageIndex) read over the distribution v2 API.
 * Walk: tag or digest -> manifest (or index -> platform -> manifest) -> config blob; layers are
 * lazy and streamed on demand, each verified against its digest while it flows (and its diff_id
 * when decompressed). Nothing bigger than a manifest or config is ever held in memory.
 */
import { pipeline, type Readable } from 'node:stream';
import { MalformedInputError, UnsupportedFormatError } from '../../errors.js';
import { VerifyingStream } from '../digest.js';
import { parseDocument } from '../documents.js';
import { shapeError } from '../schema.js';
import { limit } from '../../limits.js';
import {
  compressionOf,
  isIndexMediaType,
  isManifestMediaType,
  type Descriptor,
  type Image,
  type ImageConfig,
  type ImageIndexManifest,
  type ImageManifest,
  type Layer,
  type TarChunks,
  type TarReadOptions,
} from '../model.js';
import { DescribedLayer, RawImage, RawIndex } from '../partial.js';
import { formatRegistryReference, type RegistryReference } from '../reference.js';
import { RegistryClient, type FetchedManifest } from '../registry/client.js';
import { isAttestation, selectPlatform } from './platform-select.js';
import type { TransportOptions } from '../registry/transport.js';
import { decompress, zstdUsesProgram } from './decompress.js';
import { layerReaderAvailable, openWorkerTar } from './tar-worker.js';

export interface RegistrySourceOptions extends TransportOptions {
  /** os/arch[/variant]; default linux/amd64 or the only platform of an index. */
  platform?: string;
  /** Reuse a client (and its auth tokens) across calls. */
  client?: RegistryClient;
}

/** Where an image read from a registry came from: lets a push to the same registry mount blobs. */
export interface RegistryOrigin {
  registry: string;
  repository: string;
}


class RegistryLayer extends DescribedLayer {
  constructor(
    private readonly client: RegistryClient,
    private readonly repository: string,
    private readonly desc: Descriptor,
    private readonly diff: string,
  ) {
    super({ digest: desc.digest, diffId: diff, size: desc.size, mediaType: desc.mediaType });
  }
  compressed(): Promise<Readable> {
    return this.client.openBlob(this.repository, this.desc.digest, this.desc.size);
  }
  /**
   * gzip and plain blobs are decompressed on the worker thread (tar-worker.ts): the response
   * streams in on the main thread, verified against the blob digest as it arrives, and its
   * bytes go to the worker a few MiB ahead of its gunzip.
   */
  async tarChunks(options: TarReadOptions = {}): Promise<TarChunks | undefined> {
    const compression = this.compression();
    if ((compression === 'zstd' && zstdUsesProgram()) || !layerReaderAvailable()) return undefined;
    const plainSame = compression === 'none' && this.desc.digest === this.diff;
    return openWorkerTar({
      stream: await this.compressed(),
      gzip: compression === 'gzip',
      zstd: compression === 'zstd',
      ...(plainSame || options.verifyDiffId === false ? {} : { diffId: this.diff }),
      ...(options.lead !== undefined ? { lead: options.lead } : {}),
      what: `layer ${this.desc.digest}`,
    });
  }

  async uncompressed(options: TarReadOptions = {}): Promise<Readable> {
    const blob = await this.compressed();
    const what = `layer ${this.desc.digest}`;
    const tar = decompress(blob, this.compression(), what);
    if ((this.compression() === 'none' && this.desc.digest === this.diff) || options.verifyDiffId === false) return tar;
    const v = new VerifyingStream(this.diff, `${what} (diff_id)`);
    pipeline(tar, v, () => {
      /* errors surface on v */
    });
    return v;
  }
}

export class RegistryImage extends RawImage {
  constructor(
    fetched: FetchedManifest,
    manifest: ImageManifest,
    rawConfig: Buffer,
    config: ImageConfig,
    layers: Layer[],
    reference: string,
    /** The registry and repository the blobs live in. */
    readonly origin: RegistryOrigin,
  ) {
    super({ digest: fetched.digest, mediaType: fetched.mediaType, rawManifest: fetched.raw, manifest, rawConfig, config, layers, reference });
  }
}

export class RegistryIndex extends RawIndex {
  constructor(
    private readonly client: RegistryClient,
    private readonly ref: RegistryReference,
    fetched: FetchedManifest,
    parsed: ImageIndexManifest,
  ) {
    super(fetched.raw, parsed, fetched.mediaType, fetched.digest);
  }
  async image(descriptor: Descriptor): Promise<Image> {
    this.requireListed(descriptor);
    const child = await this.client.getManifest(this.ref.repository, descriptor.digest);
    return imageFromManifest(this.client, { ...this.ref, digest: descriptor.digest }, child);
  }
}

function parseImageManifest(raw: Buffer, what: string): ImageManifest {
  const m = parseDocument('manifest', raw, what);
  // A registry layer is typed by its descriptor alone (no stored bytes to sniff).
  m.layers.forEach((l, i) => {
    if (l.mediaType === undefined) throw shapeError(what, `layers[${i}].mediaType`, 'a string', undefined);
  });
  return m;
}

function parseIndexManifest(raw: Buffer, what: string): ImageIndexManifest {
  return parseDocument('index', raw, what);
}

function kindOf(fetched: FetchedManifest, what: string): 'index' | 'image' {
  if (isIndexMediaType(fetched.mediaType)) return 'index';
  if (isManifestMediaType(fetched.mediaType)) return 'image';
  // An OCI document without mediaType: decide by shape.
  const o = parseDocument('json', fetched.raw, what) as Record<string, unknown> | null;
  if (o !== null && typeof o === 'object' && Array.isArray(o['manifests'])) return 'index';
  if (o !== null && typeof o === 'object' && o['config'] !== undefined && Array.isArray(o['layers'])) return 'image';
  throw new UnsupportedFormatError(`${what} has unsupported media type "${fetched.mediaType}"`, {
    details: { mediaType: fetched.mediaType },
  });
}

async function imageFromManifest(client: RegistryClient, ref: RegistryReference, fetched: FetchedManifest): Promise<RegistryImage> {
  const name = formatRegistryReference(ref);
  const manifest = parseImageManifest(fetched.raw, `manifest of ${name}`);
  const rawConfig = await client.getBlob(ref.repository, manifest.config.digest, limit('json.documentSize'));
  const config = parseDocument('config', rawConfig, `config of ${name}`);
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== manifest.layers.length) {
    throw new MalformedInputError(`config of ${name} lists ${diffIds.length} diff_ids for ${manifest.layers.length} layers`, {
      details: { document: `config of ${name}`, field: 'rootfs.diff_ids' },
    });
  }
  const layers = manifest.layers.map((d, i) => new RegistryLayer(client, ref.repository, d, diffIds[i]!));
  return new RegistryImage(fetched, manifest, rawConfig, config, layers, name, { registry: ref.registry, repository: ref.repository });
}

function clientFor(ref: RegistryReference, options: RegistrySourceOptions): RegistryClient {
  if (options.client !== undefined) return options.client;
  return new RegistryClient(ref.registry, options);
}

/** The manifest or index a reference names, unresolved (no platform selection). */
export async function openRegistry(ref: RegistryReference, options: RegistrySourceOptions = {}): Promise<RegistryImage | RegistryIndex> {
  const client = clientFor(ref, options);
  const name = formatRegistryReference(ref);
  const fetched = await client.getManifest(ref.repository, ref.digest ?? ref.tag ?? 'latest');
  if (kindOf(fetched, name) === 'index') {
    return new RegistryIndex(client, ref, fetched, parseIndexManifest(fetched.raw, `index of ${name}`));
  }
  return imageFromManifest(client, ref, fetched);
}

/** An image; an index is resolved to one platform (default linux/amd64 or its only platform). */
export async function openRegistryImage(ref: RegistryReference, options: RegistrySourceOptions = {}): Promise<RegistryImage> {
  const opened = await openRegistry(ref, options);
  if (opened instanceof RegistryImage) {
    // A single-platform image must still be the one asked for: the same rule as every source.
    if (options.platform !== undefined) selectPlatform([{ platform: opened.platform(), item: opened }], options.platform, opened.reference());
    return opened;
  }
  const candidates = opened
    .indexManifest()
    .manifests.filter((d) => d.platform !== undefined && !isAttestation(d))
    .map((d) => ({ platform: d.platform!, item: d }));
  const chosen = selectPlatform(candidates, options.platform, formatRegistryReference(ref));
  if (isIndexMediaType(chosen.mediaType)) {
    throw new UnsupportedFormatError(`${formatRegistryReference(ref)}: nested indexes are not supported`);
  }
  return (await opened.image(chosen)) as RegistryImage;
}

/** An index (manifest list); E_UNSUPPORTED_FORMAT when the reference names a single image. */
export async function openRegistryIndex(ref: RegistryReference, options: RegistrySourceOptions = {}): Promise<RegistryIndex> {
  const opened = await openRegistry(ref, options);
  if (!(opened instanceof RegistryIndex)) {
    throw new UnsupportedFormatError(`${formatRegistryReference(ref)} is a single image, not an index`);
  }
  return opened;
}
