/**
 * goslim's read-only OCI image model, in the spirit of go-containerregistry's pkg/v1:
 * sources (docker-archive, OCI layout, registry) produce these objects; analyzers and
 * sinks consume them. Layers are always streamed, never held in memory.
 */
import type { Readable } from 'node:stream';
import { UsageError } from '../errors.js';

export const MediaType = {
  OciIndex: 'application/vnd.oci.image.index.v1+json',
  OciManifest: 'application/vnd.oci.image.manifest.v1+json',
  OciConfig: 'application/vnd.oci.image.config.v1+json',
  OciLayer: 'application/vnd.oci.image.layer.v1.tar',
  OciLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  OciLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  OciLayerNondistributableGzip: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  DockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  DockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  DockerConfig: 'application/vnd.docker.container.image.v1+json',
  DockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  DockerForeignLayerGzip: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  /** Some producers (old docker save) label uncompressed layers this way. */
  DockerLayerTar: 'application/vnd.docker.image.rootfs.diff.tar',
} as const;

export type Compression = 'none' | 'gzip' | 'zstd';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: string[];
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  platform?: Platform;
  artifactType?: string;
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

export interface ImageIndexManifest {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface HealthConfig {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  Retries?: number;
}

export interface ContainerConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  Healthcheck?: HealthConfig;
  /** Docker's record of shell form ("/bin/sh -c"). */
  Shell?: string[];
}

export interface ImageConfig {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  variant?: string;
  'os.version'?: string;
  config?: ContainerConfig;
  rootfs: { type: 'layers'; diff_ids: string[] };
  history?: HistoryEntry[];
}

/** One filesystem layer. Streams are fresh on every call; each read is a new pass. */
export interface Layer {
  /** Digest of the blob as stored/transferred (compressed when the blob is compressed). */
  digest(): string;
  /** Digest of the uncompressed tar (config rootfs.diff_ids). */
  diffId(): string;
  /** Size of the stored blob in bytes. */
  size(): number;
  mediaType(): string;
  compression(): Compression;
  /** The stored blob bytes, verified against digest() as they stream (error at end on mismatch). */
  compressed(): Promise<Readable>;
  /**
   * The uncompressed tar stream, verified against the blob digest and (unless
   * `verifyDiffId: false`) against the diff_id.
   */
  uncompressed(options?: TarReadOptions): Promise<Readable>;
  /**
   * The uncompressed tar as reused chunks, read, decompressed and verified off the main
   * thread (the layer walk's fast path); undefined when this layer has none (then use
   * uncompressed()).
   */
  tarChunks?(options?: TarReadOptions): Promise<TarChunks | undefined>;
  /**
   * Where the stored blob's bytes sit on local disk (a file and a byte range), when they do
   * and the range is the descriptor's size: a push sends them from the file without a stream
   * (registry/file-body.ts). The bytes are not verified here; the reader checks the digest.
   */
  blobLocation?(): Promise<BlobLocation | undefined>;
}

export interface BlobLocation {
  file: string;
  start: number;
  length: number;
}

export interface TarReadOptions {
  /**
   * Also hash the tar and compare it with the config's diff_id (default true). The blob
   * digest, which the manifest pins, is always checked; the diff_id check finds a config
   * that disagrees with its layers (what a runtime checks when it unpacks), and costs a
   * SHA-256 pass over the uncompressed bytes.
   */
  verifyDiffId?: boolean;
  /**
   * This is the read an image's walk waits on most (its largest layer, read beside the others):
   * a source that reads on a worker thread gives it more buffer, so that the main thread's
   * pauses (an analysis, another layer's walk) do not stop its reader, and checks the blob's
   * digest and gzip CRCs off that thread. false: another read is the lead, so this one's reader
   * checks its own (it has the time). Unset: as the source sees fit.
   */
  lead?: boolean;
}

/**
 * A tar byte stream whose chunks live in reused buffers: each chunk is valid only until the
 * next read(). read() resolves undefined at the end and rejects typed (E_DIGEST_MISMATCH,
 * E_TRUNCATED, E_MALFORMED) after the last good chunk. close() stops early.
 */
export interface TarChunks {
  read(): Promise<Buffer | undefined>;
  close(): void;
}

export interface Image {
  /** Digest of the raw manifest bytes. */
  digest(): string;
  mediaType(): string;
  rawManifest(): Buffer;
  manifest(): ImageManifest;
  rawConfig(): Buffer;
  config(): ImageConfig;
  configDigest(): string;
  layers(): Layer[];
  platform(): Platform;
  /** Human reference it was opened from (as given by the user, normalised). */
  reference(): string;
  /** Where it was read from, when the reference alone does not say (a local engine). */
  source?(): ImageSource;
}

/** Which source an image was read from (the report's first line). */
export interface ImageSource {
  /** The transport: docker, docker-archive, docker-daemon, oci, oci-archive, containers-storage. */
  transport: string;
  /** e.g. `podman 4.3.1 at unix:///run/podman/podman.sock`, or the store's root. */
  detail?: string;
}

/** The source an image says it came from, else the transport of its reference. */
export function imageSource(image: Image): ImageSource {
  const own = image.source?.();
  if (own !== undefined) return own;
  const ref = image.reference();
  const m = /^([a-z-]+):/.exec(ref);
  return { transport: m?.[1] ?? 'docker' };
}

export interface ImageIndex {
  digest(): string;
  mediaType(): string;
  rawManifest(): Buffer;
  indexManifest(): ImageIndexManifest;
  /** Resolve a child image (by platform or digest). */
  image(descriptor: Descriptor): Promise<Image>;
}

export function platformString(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}

export function parsePlatform(text: string): Platform {
  const [os, architecture, variant] = text.split('/');
  if (!os || !architecture) {
    throw new UsageError(`platform must be os/arch[/variant], got "${text}"`);
  }
  return variant ? { os, architecture, variant } : { os, architecture };
}

export function isIndexMediaType(mt: string | undefined): boolean {
  return mt === MediaType.OciIndex || mt === MediaType.DockerManifestList;
}

export function isManifestMediaType(mt: string | undefined): boolean {
  return mt === MediaType.OciManifest || mt === MediaType.DockerManifest;
}

export function compressionOf(mediaType: string): Compression {
  if (mediaType.endsWith('+gzip') || mediaType.endsWith('.tar.gzip')) return 'gzip';
  if (mediaType.endsWith('+zstd')) return 'zstd';
  return 'none';
}
