/**
 * Registry sink: push an Image or ImageIndex over the distribution v2 API.
 *
 * Order (ggcr `remote/write.go`, "anatomy of an image upload"): every blob (layers and config) is
 * put first, at most `concurrency` at a time; for each, HEAD to skip what the registry already has,
 * then a cross-repository mount when the blob is known to live in another repository of the same
 * registry, else an upload (monolithic, or chunked above a threshold) streamed from the layer's
 * `compressed()` stream. The manifest is PUT only once every blob is in; an index only after every
 * child manifest is in (children are pushed by digest).
 */
import { Readable } from 'node:stream';
import { DigestMismatchError, isGoslimError, MalformedInputError, UnsupportedFormatError } from '../../errors.js';
import { isIndexMediaType, type Image, type ImageIndex } from '../model.js';
import { formatRegistryReference, type RegistryReference } from '../reference.js';
import { DEFAULT_CHUNK_THRESHOLD, isTransientError, RegistryClient, type BlobFile, type UploadOptions } from '../registry/client.js';
import { DEFAULT_RETRY, nextDelay } from '../registry/retry.js';
import type { TransportOptions } from '../registry/transport.js';
import type { RegistryOrigin } from '../sources/registry.js';

export interface PushOptions extends TransportOptions, UploadOptions {
  /** Blobs transferred at once (default 3). */
  concurrency?: number;
  /** Where the blobs already are on the destination registry (mount source). Defaults to the image's origin. */
  mountFrom?: RegistryOrigin;
  /** Reuse a client (and its tokens). */
  client?: RegistryClient;
  /** Called after each blob is in (progress reporting lives in the CLI). */
  onBlob?: (event: BlobEvent) => void;
}

export interface BlobEvent {
  digest: string;
  size: number;
  action: 'skipped' | 'mounted' | 'monolithic' | 'chunked';
}

export interface PushResult {
  /** Digest of the manifest (or index) pushed. */
  digest: string;
  mediaType: string;
  size: number;
  /** Canonical `registry/repository[:tag]@digest`. */
  reference: string;
  /** `retried`: blob uploads restarted after a transient failure. */
  blobs: { uploaded: number; skipped: number; mounted: number; bytesUploaded: number; retried: number };
}

interface BlobJob {
  digest: string;
  size: number;
  open: () => Promise<Readable>;
  /** The blob's bytes on local disk, when they are (sent without a stream). */
  locate?: () => Promise<BlobFile | undefined>;
}

/** Run `fn` over `items` with at most `limit` in flight; the first failure stops new work. */
async function runLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: unknown;
  const worker = async (): Promise<void> => {
    while (failed === undefined && next < items.length) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (err) {
        failed ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failed !== undefined) throw failed;
}

function originOf(image: Image): RegistryOrigin | undefined {
  const o = (image as { origin?: unknown }).origin;
  if (o !== null && typeof o === 'object' && typeof (o as RegistryOrigin).registry === 'string' && typeof (o as RegistryOrigin).repository === 'string') {
    return o as RegistryOrigin;
  }
  return undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function pushBlob(
  client: RegistryClient,
  repository: string,
  job: BlobJob,
  options: PushOptions,
  mount: RegistryOrigin | undefined,
  onRetry: () => void,
): Promise<BlobEvent['action']> {
  const existing = await client.blobSize(repository, job.digest, true);
  if (existing !== undefined) return 'skipped';
  // A failed mount (e.g. no pull access to the source repository) is not fatal: upload instead,
  // as ggcr does; a real problem with the destination will surface in the upload.
  if (mount !== undefined && (await client.mountBlob(repository, job.digest, mount.repository).catch(() => false))) return 'mounted';
  // A failed streamed upload cannot resume on its session: restart the blob, bounded like requests.
  const policy = { ...DEFAULT_RETRY, ...options.retry };
  const file = await job.locate?.();
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await client.uploadBlob(repository, job.digest, job.size, job.open, options, file);
    } catch (err) {
      // The registry may have completed the blob while the answer was lost (then a retried final
      // PUT says BLOB_UPLOAD_UNKNOWN): if it has the blob now, it verified the digest; done.
      if (isTransientError(err) || isGoslimError(err, 'E_NOT_FOUND')) {
        if ((await client.blobSize(repository, job.digest, true).catch(() => undefined)) !== undefined) {
          return (file === undefined || options.chunkThreshold !== undefined) && job.size >= (options.chunkThreshold ?? DEFAULT_CHUNK_THRESHOLD) ? 'chunked' : 'monolithic';
        }
      }
      const delay = isTransientError(err) ? nextDelay(policy, attempt, Date.now() - started, undefined) : undefined;
      if (delay === undefined) throw err;
      onRetry();
      await sleep(delay);
    }
  }
}

async function pushBlobs(client: RegistryClient, dest: RegistryReference, jobs: BlobJob[], options: PushOptions, mount: RegistryOrigin | undefined, result: PushResult['blobs']): Promise<void> {
  const seen = new Set<string>();
  const unique = jobs.filter((j) => (seen.has(j.digest) ? false : (seen.add(j.digest), true)));
  await runLimited(unique, options.concurrency ?? 3, async (job) => {
    const action = await pushBlob(client, dest.repository, job, options, mount, () => result.retried++);
    if (action === 'skipped') result.skipped++;
    else if (action === 'mounted') result.mounted++;
    else {
      result.uploaded++;
      result.bytesUploaded += job.size;
    }
    options.onBlob?.({ digest: job.digest, size: job.size, action });
  });
}

function imageJobs(image: Image): BlobJob[] {
  const manifest = image.manifest();
  const layers = image.layers();
  if (layers.length !== manifest.layers.length) {
    throw new MalformedInputError(`image ${image.digest()}: ${layers.length} layers but the manifest lists ${manifest.layers.length}`);
  }
  const config = image.rawConfig();
  return [
    ...layers.map((l, i) => ({
      digest: manifest.layers[i]!.digest,
      size: manifest.layers[i]!.size,
      open: () => l.compressed(),
      // The layer's own digest: the file holds the layer's blob, which the manifest names.
      ...(l.blobLocation !== undefined && l.digest() === manifest.layers[i]!.digest ? { locate: () => l.blobLocation!() as Promise<BlobFile | undefined> } : {}),
    })),
    { digest: image.configDigest(), size: config.length, open: async () => Readable.from([config]) },
  ];
}

function manifestRefFor(dest: RegistryReference, digest: string): string {
  if (dest.digest !== undefined && dest.digest !== digest) {
    throw new DigestMismatchError(`cannot push ${digest} to ${formatRegistryReference(dest)}: the destination names another digest`, {
      details: { expected: dest.digest, actual: digest },
    });
  }
  return dest.tag ?? dest.digest ?? 'latest';
}

function mountSource(image: Image, dest: RegistryReference, options: PushOptions): RegistryOrigin | undefined {
  const origin = options.mountFrom ?? originOf(image);
  if (origin === undefined || origin.registry !== dest.registry || origin.repository === dest.repository) return undefined;
  return origin;
}

/** Push one image; the manifest goes last. */
export async function pushImage(image: Image, dest: RegistryReference, options: PushOptions = {}): Promise<PushResult> {
  const client = options.client ?? new RegistryClient(dest.registry, options);
  const ref = manifestRefFor(dest, image.digest());
  const blobs = { uploaded: 0, skipped: 0, mounted: 0, bytesUploaded: 0, retried: 0 };
  await pushBlobs(client, dest, imageJobs(image), options, mountSource(image, dest, options), blobs);
  const raw = image.rawManifest();
  const digest = await client.putManifest(dest.repository, ref, raw, image.mediaType());
  return {
    digest,
    mediaType: image.mediaType(),
    size: raw.length,
    reference: `${dest.registry}/${dest.repository}${dest.tag !== undefined ? `:${dest.tag}` : ''}@${digest}`,
    blobs,
  };
}

/** Push an index: each child image by digest (blobs first), then the index itself. */
export async function pushIndex(index: ImageIndex, dest: RegistryReference, options: PushOptions = {}): Promise<PushResult> {
  const client = options.client ?? new RegistryClient(dest.registry, options);
  const ref = manifestRefFor(dest, index.digest());
  const blobs = { uploaded: 0, skipped: 0, mounted: 0, bytesUploaded: 0, retried: 0 };
  for (const d of index.indexManifest().manifests) {
    if (isIndexMediaType(d.mediaType)) {
      throw new UnsupportedFormatError(`nested image indexes are not supported (${d.digest})`);
    }
    const child = await index.image(d);
    if (child.digest() !== d.digest) {
      throw new DigestMismatchError(`index entry ${d.digest} resolved to an image with digest ${child.digest()}`, {
        details: { expected: d.digest, actual: child.digest() },
      });
    }
    const r = await pushImage(child, { registry: dest.registry, repository: dest.repository, digest: d.digest }, { ...options, client });
    blobs.uploaded += r.blobs.uploaded;
    blobs.skipped += r.blobs.skipped;
    blobs.mounted += r.blobs.mounted;
    blobs.bytesUploaded += r.blobs.bytesUploaded;
    blobs.retried += r.blobs.retried;
  }
  const raw = index.rawManifest();
  const digest = await client.putManifest(dest.repository, ref, raw, index.mediaType());
  return {
    digest,
    mediaType: index.mediaType(),
    size: raw.length,
    reference: `${dest.registry}/${dest.repository}${dest.tag !== undefined ? `:${dest.tag}` : ''}@${digest}`,
    blobs,
  };
}

/** Push either kind. */
export function pushToRegistry(root: Image | ImageIndex, dest: RegistryReference, options: PushOptions = {}): Promise<PushResult> {
  return typeof (root as ImageIndex).indexManifest === 'function'
    ? pushIndex(root as ImageIndex, dest, options)
    : pushImage(root as Image, dest, options);
}
