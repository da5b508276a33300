/**
 * docker-archive source: the tar written by `docker save`, in its three shapes.
 *
 * 1. Legacy (Docker < 25): `manifest.json` [{Config, RepoTags, Layers}] with `<id>.json`
 *    configs and `<id>/layer.tar` uncompressed layers (repeats written as symlinks,
 *    moby PR #24003).
 * 2. Docker 25+ classic store (moby PR #44598): the same tar is also an OCI layout;
 *    manifest.json points into `blobs/sha256/`, layers are uncompressed (blob = diff_id).
 * 3. containerd image store: compressed blobs, index.json -> nested index with several
 *    platforms and attestation manifests; only pulled content is present (moby#49473).
 *
 * Strategy: take the image named by manifest.json (RepoTag or `@N`); when the archive is
 * also an OCI layout, load that image through the OCI descriptors (real manifest digest
 * and media types, every descriptor checked), and fall back to manifest.json's paths
 * when the OCI side is inconsistent (moby#47065 `layers: []`, moby#47210 `manifests: null`,
 * missing blobs). Without manifest.json, the archive is read as a plain OCI layout.
 */
import { createHash } from 'node:crypto';
import { GoslimError, InvalidReferenceError, MalformedInputError, NotFoundError, PlatformError, UnsupportedFormatError } from '../../errors.js';
import { MediaType, platformString, type Compression, type Image, type ImageManifest, type Layer, type Platform } from '../model.js';
import { sha256Digest, verifyBuffer } from '../digest.js';
import { formatRegistryReference, parseRegistryReference } from '../reference.js';
import { tarStore, type FileStore } from './file-store.js';
import { parseDocument, type DockerArchiveManifestEntry } from '../documents.js';
import { normaliseArchiveName } from './tar-index.js';
import { checkConfig, listPlatforms, resolveImage } from './oci-resolve.js';
import { parsePlatformOption, platformMatches } from './platform-select.js';
import { sniffCompression } from './decompress.js';
import { StoredLayer } from './stored-layer.js';
import { StoredImage } from './stored-image.js';

export type { DockerArchiveManifestEntry } from '../documents.js';

export interface OpenDockerArchiveOptions {
  /** A RepoTag (`name:tag`) or `@N` (the Nth image in manifest.json, from 0). */
  ref?: string;
  platform?: string;
  reference?: string;
}

const BLOB_PATH_RE = /^blobs\/sha256\/([a-f0-9]{64})$/;

async function readManifestJson(store: FileStore): Promise<DockerArchiveManifestEntry[] | undefined> {
  if ((await store.size('manifest.json')) === undefined) return undefined;
  const doc = parseDocument('docker-archive manifest.json', await store.readSmall('manifest.json'), `${store.location} manifest.json`);
  return doc === null || doc.length === 0 ? undefined : doc;
}

function canonicalTag(tag: string): string {
  try {
    return formatRegistryReference(parseRegistryReference(tag));
  } catch {
    return tag;
  }
}

export function selectArchiveEntry(
  entries: DockerArchiveManifestEntry[],
  ref: string | undefined,
  where: string,
): DockerArchiveManifestEntry {
  if (ref === undefined) {
    if (entries.length === 1) return entries[0]!;
    const tags = entries.flatMap((e) => e.RepoTags ?? []);
    throw new InvalidReferenceError(`${where} holds ${entries.length} images; name one with :TAG or :@N`, {
      details: { tags },
    });
  }
  const byIndex = /^@(\d+)$/.exec(ref);
  if (byIndex) {
    const entry = entries[Number(byIndex[1])];
    if (entry === undefined) throw new NotFoundError(`${where} has no image @${byIndex[1]}`);
    return entry;
  }
  const want = canonicalTag(ref);
  const found = entries.find((e) => (e.RepoTags ?? []).some((t) => t === ref || canonicalTag(t) === want));
  if (found === undefined) throw new NotFoundError(`${where} has no image tagged ${ref}`);
  return found;
}

async function hashStored(store: FileStore, path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of await store.open(path)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

const LAYER_MEDIA_TYPE: Record<Compression, string> = {
  none: MediaType.DockerLayerTar,
  gzip: MediaType.DockerLayerGzip,
  zstd: 'application/vnd.docker.image.rootfs.diff.tar.zstd',
};

/** Build the image from manifest.json paths alone (legacy shape, or a broken OCI half). */
async function imageFromManifestJson(
  store: FileStore,
  entry: DockerArchiveManifestEntry,
  reference: string,
  platform: string | undefined,
): Promise<Image> {
  const configPath = normaliseArchiveName(entry.Config);
  const rawConfig = await store.readSmall(configPath);
  const configHex = BLOB_PATH_RE.exec(configPath)?.[1];
  if (configHex !== undefined) verifyBuffer(rawConfig, `sha256:${configHex}`, 'image config');
  const configDigest = sha256Digest(rawConfig);
  const config = checkConfig(rawConfig, `${store.location} ${configPath}`);
  if (platform !== undefined) {
    const have = { os: config.os, architecture: config.architecture, ...(config.variant ? { variant: config.variant } : {}) };
    if (!platformMatches(parsePlatformOption(platform), have)) {
      throw new PlatformError(`${store.location}: no image for platform ${platform}; available: ${platformString(have)}`, {
        details: { available: [platformString(have)] },
      });
    }
  }
  const paths = (entry.Layers ?? []).map(normaliseArchiveName);
  const diffIds = config.rootfs.diff_ids;
  if (paths.length !== diffIds.length) {
    throw new MalformedInputError(`${store.location}: manifest.json lists ${paths.length} layers, config has ${diffIds.length} diff_ids`);
  }
  const layers: Layer[] = [];
  const descriptors: ImageManifest['layers'] = [];
  for (const [i, path] of paths.entries()) {
    const size = await store.size(path);
    if (size === undefined) throw new NotFoundError(`layer ${i} (${path}) is missing from ${store.location}`);
    const compression = sniffCompression(await store.head(path, 4));
    const blobHex = BLOB_PATH_RE.exec(path)?.[1];
    // A legacy layer.tar is the uncompressed tar itself: its digest is its diff_id.
    const digest =
      blobHex !== undefined ? `sha256:${blobHex}` : compression === 'none' ? diffIds[i]! : await hashStored(store, path);
    const mediaType = LAYER_MEDIA_TYPE[compression];
    layers.push(new StoredLayer({ store, path, digest, diffId: diffIds[i]!, size, mediaType, compression }));
    descriptors.push({ mediaType, digest, size });
  }
  // Legacy archives carry no registry manifest; this is the Docker v2 manifest that
  // `docker push` would produce for these blobs (documented as synthesized).
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.DockerManifest,
    config: { mediaType: MediaType.DockerConfig, digest: configDigest, size: rawConfig.length },
    layers: descriptors,
  };
  const rawManifest = Buffer.from(JSON.stringify(manifest));
  return new StoredImage({
    digest: sha256Digest(rawManifest),
    mediaType: MediaType.DockerManifest,
    rawManifest,
    manifest,
    rawConfig,
    config,
    configDigest,
    layers,
    reference,
  });
}

function recoverable(err: unknown): boolean {
  return err instanceof GoslimError && ['E_MALFORMED', 'E_NOT_FOUND', 'E_DIGEST_MISMATCH'].includes(err.code);
}

export async function openDockerArchive(path: string, options: OpenDockerArchiveOptions = {}): Promise<Image> {
  const store = await tarStore(path);
  const reference = options.reference ?? `docker-archive:${path}${options.ref !== undefined ? `:${options.ref}` : ''}`;
  const isOciLayout = (await store.size('index.json')) !== undefined && (await store.size('oci-layout')) !== undefined;
  const entries = await readManifestJson(store);
  const platformOpt = options.platform !== undefined ? { platform: options.platform } : {};
  if (entries === undefined) {
    if (isOciLayout) return resolveImage(store, { reference, ...platformOpt });
    throw new UnsupportedFormatError(`${path}: not a docker-archive (no manifest.json with images, no index.json)`);
  }
  const entry = selectArchiveEntry(entries, options.ref, path);
  const configHex = BLOB_PATH_RE.exec(normaliseArchiveName(entry.Config))?.[1];
  if (isOciLayout && configHex !== undefined) {
    try {
      return await resolveImage(store, { reference, configDigest: `sha256:${configHex}`, ...platformOpt });
    } catch (err) {
      // The named image is another platform than asked for: pick by platform in the index.
      if (err instanceof GoslimError && err.code === 'E_PLATFORM' && options.platform !== undefined) {
        return resolveImage(store, { reference, ...platformOpt });
      }
      if (!recoverable(err)) throw err;
    }
  }
  return imageFromManifestJson(store, entry, reference, options.platform);
}

/**
 * The platforms of a docker-archive (for `--platform all`): the platforms of its OCI index
 * when it carries one (Docker 25+ and containerd-store archives; a multi-platform save lists
 * several) and names no image, else the one image it holds.
 */
export async function listDockerArchivePlatforms(path: string, options: { ref?: string } = {}): Promise<Platform[]> {
  const store = await tarStore(path);
  const isOciLayout = (await store.size('index.json')) !== undefined && (await store.size('oci-layout')) !== undefined;
  if (isOciLayout && options.ref === undefined) {
    const platforms = await listPlatforms(store);
    if (platforms.length > 0) return platforms;
  }
  return [(await openDockerArchive(path, options)).platform()];
}
