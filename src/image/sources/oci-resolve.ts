/**
 * Walking an OCI image layout (image-spec `image-layout.md`) from index.json to one image:
 * index -> (nested index)* -> manifest -> config -> layers, by descriptor, never by listing
 * blobs. Shared by the OCI layout directory, oci-archive, and the OCI half of Docker 25+ /
 * containerd `docker save` archives.
 */
import { GoslimError, MalformedInputError } from '../../errors.js';
import {
  isIndexMediaType,
  isManifestMediaType,
  type Descriptor,
  type ImageConfig,
  type ImageIndexManifest,
  type ImageManifest,
  type Platform,
} from '../model.js';
import { isSha256Digest, parseDigest, verifyBuffer } from '../digest.js';
import { blobPath, parseJsonDocument, type FileStore } from './file-store.js';
import { isAttestation, selectPlatform } from './platform-select.js';
import { StoredImage } from './stored-image.js';
import { StoredLayer } from './stored-layer.js';
import { sniffCompression } from './decompress.js';
import { compressionOf, MediaType } from '../model.js';
import type { Image, Layer } from '../model.js';

export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';
export const CONTAINERD_NAME_ANNOTATION = 'io.containerd.image.name';
const MAX_INDEX_DEPTH = 4;

export interface ResolveOptions {
  /** Tag / name to select among index.json entries. */
  ref?: string;
  platform?: string;
  /** Reference text recorded on the Image. */
  reference: string;
  /** Only accept the image whose config has this digest (docker-archive manifest.json). */
  configDigest?: string;
}

/** Validate a descriptor read from JSON (digest syntax, non-negative integer size). */
export function checkDescriptor(d: unknown, what: string): Descriptor {
  const desc = d as Descriptor | null;
  if (desc === null || typeof desc !== 'object' || !isSha256Digest(desc.digest)) {
    throw new MalformedInputError(`${what}: descriptor without a valid sha256 digest`);
  }
  if (typeof desc.size !== 'number' || !Number.isSafeInteger(desc.size) || desc.size < 0) {
    throw new MalformedInputError(`${what}: descriptor ${desc.digest} has an invalid size`);
  }
  return desc;
}

export function checkConfig(raw: Buffer, what: string): ImageConfig {
  const config = parseJsonDocument<ImageConfig>(raw, what);
  if (config === null || typeof config !== 'object' || typeof config.os !== 'string' || typeof config.architecture !== 'string') {
    throw new MalformedInputError(`${what}: missing os/architecture`);
  }
  const diffIds = config.rootfs?.diff_ids as unknown;
  if (diffIds === null || diffIds === undefined) {
    config.rootfs = { type: 'layers', diff_ids: [] };
  } else if (!Array.isArray(diffIds) || !diffIds.every((d) => isSha256Digest(d))) {
    throw new MalformedInputError(`${what}: rootfs.diff_ids must be sha256 digests`);
  }
  if (config.history === null) delete config.history;
  return config;
}

async function readBlob(store: FileStore, d: Descriptor, what: string): Promise<Buffer> {
  const data = await store.readSmall(blobPath(d.digest)).catch((err: unknown) => {
    if (err instanceof GoslimError && err.code === 'E_NOT_FOUND') {
      throw new GoslimError('E_NOT_FOUND', `${what} ${d.digest} is not in ${store.location}`, { cause: err });
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

async function collectManifests(
  store: FileStore,
  index: ImageIndexManifest,
  out: Candidate[],
  depth: number,
  refName: string | undefined,
): Promise<void> {
  if (depth > MAX_INDEX_DEPTH) throw new MalformedInputError('image index nesting is deeper than 4');
  for (const [i, raw] of index.manifests.entries()) {
    const d = checkDescriptor(raw, `index entry ${i}`);
    if (isAttestation(d)) continue;
    const name = refName ?? d.annotations?.[REF_NAME_ANNOTATION] ?? d.annotations?.[CONTAINERD_NAME_ANNOTATION];
    if (isIndexMediaType(d.mediaType)) {
      const nested = parseJsonDocument<ImageIndexManifest>(await readBlob(store, d, 'image index'), `index ${d.digest}`);
      if (!Array.isArray(nested?.manifests)) throw new MalformedInputError(`index ${d.digest} has no manifests array`);
      await collectManifests(store, nested, out, depth + 1, name);
    } else if (isManifestMediaType(d.mediaType) || d.mediaType === undefined) {
      const c: Candidate = { descriptor: d };
      if (d.platform) c.platform = d.platform;
      if (name !== undefined) c.refName = name;
      out.push(c);
    }
    // Unknown media types MUST NOT cause an error (image-layout.md): skipped.
  }
}

/** Read index.json and choose one image manifest by ref, config digest and platform. */
export async function resolveImage(store: FileStore, options: ResolveOptions): Promise<Image> {
  const index = parseJsonDocument<ImageIndexManifest>(await store.readSmall('index.json'), `${store.location} index.json`);
  if (index === null || typeof index !== 'object' || !Array.isArray(index.manifests)) {
    // docker save of name@digest writes "manifests": null (moby#47210).
    throw new MalformedInputError(`${store.location}: index.json has no manifests list`);
  }
  let top = index.manifests;
  if (options.ref !== undefined) {
    top = top.filter((d) => refMatches(d, options.ref!));
    if (top.length === 0) {
      throw new GoslimError('E_NOT_FOUND', `${store.location}: no image named "${options.ref}" in index.json`);
    }
  }
  const candidates: Candidate[] = [];
  await collectManifests(store, { schemaVersion: 2, manifests: top }, candidates, 0, undefined);
  // Read manifests (and configs when the platform is unknown) only as far as needed.
  const loaded: Array<{ platform: Platform; item: Candidate }> = [];
  for (const c of candidates) {
    if (c.platform !== undefined && options.configDigest === undefined) {
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
  const chosen = selectPlatform([...unique.values()], options.platform, store.location);
  return loadImage(store, chosen.descriptor, options.reference);
}

async function readManifest(store: FileStore, d: Descriptor): Promise<{ raw: Buffer; manifest: ImageManifest }> {
  const raw = await readBlob(store, d, 'image manifest');
  const manifest = parseJsonDocument<ImageManifest>(raw, `manifest ${d.digest}`);
  if (manifest === null || typeof manifest !== 'object' || manifest.schemaVersion !== 2) {
    throw new MalformedInputError(`manifest ${d.digest}: not a schemaVersion 2 image manifest`);
  }
  checkDescriptor(manifest.config, `manifest ${d.digest} config`);
  if (manifest.layers === null || manifest.layers === undefined) manifest.layers = [];
  if (!Array.isArray(manifest.layers)) throw new MalformedInputError(`manifest ${d.digest}: layers is not a list`);
  manifest.layers.forEach((l, i) => checkDescriptor(l, `manifest ${d.digest} layer ${i}`));
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
      throw new GoslimError('E_NOT_FOUND', `layer ${i} blob ${l.digest} is missing from ${store.location}`, {
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

