/**
 * Walking an OCI image layout (image-spec `image-layout.md`) from index.json to one image:
 * index -> (nested index)* -> manifest -> config -> layers, by descriptor, never by listing
 * blobs. Shared by the OCI layout directory, oci-archive, and the OCI half of Docker 25+ /
 * containerd `docker save` archives.
 */
import { GoslimError, LimitExceededError, MalformedInputError, NotFoundError } from '../../errors.js';
import { limit } from '../../limits.js';
import { parseDocument } from '../documents.js';
import {
  isIndexMediaType,
  isManifestMediaType,
  type Descriptor,
  type ImageConfig,
  type ImageIndexManifest,
  type ImageManifest,
  type Platform,
} from '../model.js';
import { parseDigest, verifyBuffer } from '../digest.js';
import { blobPath, type FileStore } from './file-store.js';
import { isAttestation, selectPlatform } from './platform-select.js';
import { StoredImage } from './stored-image.js';
import { StoredLayer } from './stored-layer.js';
import { sniffCompression } from './decompress.js';
import { compressionOf, MediaType } from '../model.js';
import type { Image, Layer } from '../model.js';

export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';
export const CONTAINERD_NAME_ANNOTATION = 'io.containerd.image.name';

export interface ResolveOptions {
  /** Tag / name to select among index.json entries. */
  ref?: string;
  platform?: string;
  /** Reference text recorded on the Image. */
  reference: string;
  /** Only accept the image whose config has this digest (docker-archive manifest.json). */
  configDigest?: string;
}

/** Parse and check an image config (documents.ts: shape, size; rootfs defaults to no layers). */
export function checkConfig(raw: Buffer, what: string): ImageConfig {
  return parseDocument('config', raw, what);
}

async function readBlob(store: FileStore, d: Descriptor, what: string): Promise<Buffer> {
  const data = await store.readSmall(blobPath(d.digest)).catch((err: unknown) => {
    if (err instanceof GoslimError && err.code === 'E_NOT_FOUND') {
      throw new NotFoundError(`${what} ${d.digest} is not in ${store.location}`, { cause: err });
    }
    throw err;
  });
  verifyBuffer(data, d.digest, what);
  return data;
}

interface Candidate {
  descriptor: Descriptor;
  platform?: Platform;
  refName?: string;
}

function refMatches(d: Descriptor, ref: string): boolean {
  const names = [d.annotations?.[REF_NAME_ANNOTATION], d.annotations?.[CONTAINERD_NAME_ANNOTATION]];
  return names.some((n) => n !== undefined && (n === ref || n.endsWith(`:${ref}`) || n === `docker.io/library/${ref}`));
}

/** What one resolve has read so far: bounds fan-out (image.manifests) and finds cycles. */
interface Walk {
  /** Index digests on the current nesting path (a cycle is an index that lists an ancestor). */
  path: string[];
  /** Index digests already expanded: an index listed twice is read once. */
  expanded: Set<string>;
  /** Descriptors visited so far, all levels. */
  visited: number;
}

function countVisit(walk: Walk, store: FileStore): void {
  const max = limit('image.manifests');
  if (++walk.visited > max) {
    throw new LimitExceededError('image.manifests', max, `${store.location}: more than ${max} manifests reached while resolving the image`, {
      details: { location: store.location },
    });
  }
}

async function collectManifests(
  store: FileStore,
  index: ImageIndexManifest,
  out: Candidate[],
  walk: Walk,
  refName: string | undefined,
): Promise<void> {
  const maxDepth = limit('image.indexDepth');
  if (walk.path.length > maxDepth) {
    throw new LimitExceededError('image.indexDepth', maxDepth, `image index nesting is deeper than ${maxDepth}`, {
      actual: walk.path.length,
      details: { location: store.location },
    });
  }
  for (const d of index.manifests) {
    countVisit(walk, store);
    if (isAttestation(d)) continue;
    const name = refName ?? d.annotations?.[REF_NAME_ANNOTATION] ?? d.annotations?.[CONTAINERD_NAME_ANNOTATION];
    if (isIndexMediaType(d.mediaType)) {
      if (walk.path.includes(d.digest)) {
        throw new MalformedInputError(`${store.location}: image index ${d.digest} lists itself (an index cycle)`, {
          details: { location: store.location, cycle: [...walk.path, d.digest] },
        });
      }
      if (walk.expanded.has(d.digest)) continue;
      walk.expanded.add(d.digest);
      const nested = parseDocument('index', await readBlob(store, d, 'image index'), `index ${d.digest}`);
      walk.path.push(d.digest);
      await collectManifests(store, nested, out, walk, name);
      walk.path.pop();
    } else if (isManifestMediaType(d.mediaType) || d.mediaType === undefined) {
      const c: Candidate = { descriptor: d };
      if (d.platform) c.platform = d.platform;
      if (name !== undefined) c.refName = name;
      out.push(c);
    }
    // Unknown media types MUST NOT cause an error (image-layout.md): skipped.
  }
}

/** Every image manifest index.json names (by ref and config digest), each with its platform. */
async function resolveCandidates(
  store: FileStore,
  options: Omit<ResolveOptions, 'reference' | 'platform'>,
  /** Read every manifest, so that only images whose manifest is present are listed. */
  present = false,
): Promise<Array<{ platform: Platform; item: Candidate }>> {
  // docker save of name@digest writes "manifests": null (moby#47210): E_MALFORMED here.
  const index = parseDocument('index', await store.readSmall('index.json'), `${store.location} index.json`);
  let top = index.manifests;
  if (options.ref !== undefined) {
    top = top.filter((d) => refMatches(d, options.ref!));
    if (top.length === 0) {
      throw new NotFoundError(`${store.location}: no image named "${options.ref}" in index.json`);
    }
  }
  const candidates: Candidate[] = [];
  await collectManifests(store, { schemaVersion: 2, manifests: top }, candidates, { path: [], expanded: new Set(), visited: 0 }, undefined);
  // Read manifests (and configs when the platform is unknown) only as far as needed.
  const loaded: Array<{ platform: Platform; item: Candidate }> = [];
  for (const c of candidates) {
    if (c.platform !== undefined && options.configDigest === undefined && !present) {
      loaded.push({ platform: c.platform, item: c });
      continue;
    }
    let manifest: ImageManifest;
    try {
      ({ manifest } = await readManifest(store, c.descriptor));
    } catch (err) {
      // Only content that was pulled is in a containerd-store archive (moby#49473).
      if (err instanceof GoslimError && err.code === 'E_NOT_FOUND') continue;
      throw err;
    }
    if (options.configDigest !== undefined && manifest.config.digest !== options.configDigest) continue;
    const platform = c.platform ?? (await readConfigPlatform(store, manifest));
    loaded.push({ platform, item: c });
  }
  // Several tags for the same manifest are one image.
  const unique = new Map<string, { platform: Platform; item: Candidate }>();
  for (const l of loaded) unique.set(l.item.descriptor.digest, l);
  return [...unique.values()];
}

/** Read index.json and choose one image manifest by ref, config digest and platform. */
export async function resolveImage(store: FileStore, options: ResolveOptions): Promise<Image> {
  const chosen = selectPlatform(await resolveCandidates(store, options), options.platform, store.location);
  return loadImage(store, chosen.descriptor, options.reference);
}

/**
 * The platforms of the images index.json names (attestations left out), in index order; only
 * those whose manifest is there (a containerd-store archive holds only what was pulled).
 */
export async function listPlatforms(store: FileStore, options: { ref?: string } = {}): Promise<Platform[]> {
  return (await resolveCandidates(store, options.ref !== undefined ? { ref: options.ref } : {}, true)).map((c) => c.platform);
}

async function readManifest(store: FileStore, d: Descriptor): Promise<{ raw: Buffer; manifest: ImageManifest }> {
  const raw = await readBlob(store, d, 'image manifest');
  const manifest = parseDocument('manifest', raw, `manifest ${d.digest}`);
  return { raw, manifest };
}

async function readConfigPlatform(store: FileStore, manifest: ImageManifest): Promise<Platform> {
  const config = checkConfig(await readBlob(store, manifest.config, 'image config'), `config ${manifest.config.digest}`);
  const p: Platform = { os: config.os, architecture: config.architecture };
  if (config.variant) p.variant = config.variant;
  return p;
}

/** Load one image manifest and its config; layers are checked for presence, not read. */
export async function loadImage(store: FileStore, d: Descriptor, reference: string): Promise<Image> {
  const { raw, manifest } = await readManifest(store, d);
  const rawConfig = await readBlob(store, manifest.config, 'image config');
  const config = checkConfig(rawConfig, `config ${manifest.config.digest}`);
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== manifest.layers.length) {
    // moby#47065: Docker 25 wrote OCI manifests with "layers": [].
    throw new MalformedInputError(
      `manifest ${d.digest} lists ${manifest.layers.length} layers but its config has ${diffIds.length} diff_ids`,
    );
  }
  const layers: Layer[] = [];
  for (const [i, l] of manifest.layers.entries()) {
    const path = blobPath(l.digest);
    const actual = await store.size(path);
    if (actual === undefined) {
      // containerd-store archives only hold content that was pulled (moby#49473).
      throw new NotFoundError(`layer ${i} blob ${l.digest} is missing from ${store.location}`, {
        details: { digest: l.digest },
      });
    }
    const sniffed = sniffCompression(await store.head(path, 4));
    const declared = compressionOf(l.mediaType ?? '');
    layers.push(
      new StoredLayer({
        store,
        path,
        digest: l.digest,
        diffId: diffIds[i]!,
        // moby#47072: some Docker 25 release candidates wrote wrong sizes; the digest
        // still pins the content, so the stored size is what we trust.
        size: actual,
        mediaType: l.mediaType ?? (sniffed === 'gzip' ? MediaType.DockerLayerGzip : MediaType.DockerLayerTar),
        compression: sniffed !== declared ? sniffed : declared,
      }),
    );
  }
  parseDigest(d.digest, 'manifest digest');
  return new StoredImage({
    digest: d.digest,
    mediaType: manifest.mediaType ?? d.mediaType ?? MediaType.OciManifest,
    rawManifest: raw,
    manifest,
    rawConfig,
    config,
    configDigest: manifest.config.digest,
    layers,
    reference,
  });
}

