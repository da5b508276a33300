/**
 * distribution-spec v2 operations on one registry (distribution-spec spec.md endpoint
 * table): manifests, blobs, uploads, mounts. Thin over the transport;
 * every digest it is given is validated before it goes into a URL, and every byte it returns is
 * verified against the digest it was addressed by.
 */
import { type Readable, pipeline } from 'node:stream';
import { asError, DigestMismatchError, GoslimError, InvalidReferenceError, isGoslimError, LimitExceededError, MalformedInputError, NetworkError, RegistryError } from '../../errors.js';
import { LIMITS } from '../../limits.js';
import { arr, check, nullable, obj, str } from '../schema.js';
import { MediaType } from '../model.js';
import { parseDigest, sha256Digest, VerifyingStream, verifyBuffer } from '../digest.js';
import { nextDelay } from './retry.js';
import { RegistryTransport, type TransportOptions } from './transport.js';

/** A blob download that received this much since its last break may use the whole retry budget again. */
const RESUME_PROGRESS = 1 << 20;
/** Resumptions of one blob download, at most (with progress between them). */
const MAX_RESUMES = 32;

/** Blobs at least this big are uploaded in chunks unless told otherwise. */
export const DEFAULT_CHUNK_THRESHOLD = 64 << 20;

/** Manifests larger than this are refused (distribution's default limit is 4 MiB). */
export const MAX_MANIFEST_BYTES = LIMITS['json.documentSize'].value;

/** Everything we can read, most specific first (distribution-spec "Pulling manifests"). */
export const MANIFEST_ACCEPT = [
  MediaType.OciIndex,
  MediaType.OciManifest,
  MediaType.DockerManifestList,
  MediaType.DockerManifest,
].join(', ');

export interface FetchedManifest {
  raw: Buffer;
  mediaType: string;
  digest: string;
}

export interface ManifestHead {
  digest: string;
  mediaType: string;
  size: number;
}

/** A blob's bytes in a local file (an OCI layout or archive), for an upload without a stream (file-body.ts). */
export interface BlobFile {
  file: string;
  start: number;
  length: number;
  /** Called with each chunk's length as it is read (progress). */
  onBytes?: (n: number) => void;
}

export interface UploadOptions {
  /** Blobs at least this big are uploaded in chunks (default 64 MiB). */
  chunkThreshold?: number;
  /** Chunk size for chunked uploads (default 16 MiB; raised to the registry's OCI-Chunk-Min-Length). */
  chunkSize?: number;
}

const API_VERSION_HEADER = { 'Docker-Distribution-Api-Version': 'registry/2.0' };

function pullScope(repository: string): string {
  return `repository:${repository}:pull`;
}
function pushScope(repository: string): string {
  return `repository:${repository}:pull,push`;
}

function checkedDigest(digest: string, what: string): string {
  parseDigest(digest, what);
  return digest;
}

/** Reference (tag or digest) for URL use: digests validated, tags by the tag grammar. */
function manifestRef(ref: string): string {
  if (ref.includes(':')) return checkedDigest(ref, 'manifest digest');
  if (!/^[\w][\w.-]{0,127}$/.test(ref)) throw new InvalidReferenceError(`invalid tag "${ref}"`);
  return ref;
}

function repoPath(repository: string): string {
  // Repository components are already validated by the reference parser; encode defensively.
  return repository.split('/').map(encodeURIComponent).join('/');
}

/** Strip parameters from a Content-Type ("application/json; charset=utf-8"). */
function bareMediaType(ct: string | null): string {
  return (ct ?? '').split(';')[0]!.trim();
}

export class RegistryClient {
  readonly transport: RegistryTransport;
  /** Chunks resent on the same upload session after a transient failure (for tests and reports). */
  resumedChunks = 0;
  /** Downloads resumed or re-read after their body broke off (for tests and reports). */
  resumedReads = 0;

  constructor(
    readonly registry: string,
    options: TransportOptions = {},
  ) {
    this.transport = new RegistryTransport(registry, options);
  }

  /** `GET /v2/`: reachability and auth probe. */
  async ping(): Promise<void> {
    const res = await this.transport.request({
      method: 'GET',
      url: '/v2/',
      headers: API_VERSION_HEADER,
      scopes: [],
      ok: [200],
      context: { what: 'GET /v2/' },
    });
    await res.discard();
  }

  /**
   * Every repository name of the registry (`GET /v2/_catalog?n=N`), one page at a time, following
   * the `Link: <...>; rel="next"` header (distribution-spec "Listing repositories"; the catalog
   * scope is `registry:catalog:*`). Bounded by the scan.listPages limit.
   */
  listRepositories(pageSize = 1000): AsyncGenerator<string[]> {
    return this.listPages(`/v2/_catalog?n=${pageSize}`, ['registry:catalog:*'], undefined, 'repositories', 'catalog');
  }

  /** Every tag of a repository (`GET /v2/<name>/tags/list?n=N`), page by page, following `Link`. */
  listTags(repository: string, pageSize = 1000): AsyncGenerator<string[]> {
    return this.listPages(`/v2/${repoPath(repository)}/tags/list?n=${pageSize}`, [pullScope(repository)], repository, 'tags', `tags of ${repository}`);
  }

  private async *listPages(first: string, scopes: string[], repository: string | undefined, field: 'repositories' | 'tags', what: string): AsyncGenerator<string[]> {
    let url: string | undefined = first;
    const max = LIMITS['scan.listPages'].value;
    for (let page = 0; url !== undefined; page++) {
      if (page >= max) {
        throw new LimitExceededError('scan.listPages', max, `${this.registry}: ${what} has more than ${max} pages`, { details: { registry: this.registry } });
      }
      const res = await this.transport.request({
        method: 'GET',
        url,
        headers: { ...API_VERSION_HEADER, Accept: 'application/json' },
        scopes,
        ok: [200],
        context: { ...(repository !== undefined ? { repository } : {}), what: `GET ${what}` },
      });
      const raw = await res.bytes(MAX_MANIFEST_BYTES, `${what} of ${this.registry}`);
      yield parseNamePage(raw, field, `${what} of ${this.registry}`);
      url = nextLink(res.header('link'), res.url, this.registry);
    }
  }

  /** HEAD a manifest: its digest, media type and size, or undefined when it does not exist. */
  async headManifest(repository: string, ref: string): Promise<ManifestHead | undefined> {
    const res = await this.transport.request({
      method: 'HEAD',
      url: `/v2/${repoPath(repository)}/manifests/${manifestRef(ref)}`,
      headers: { ...API_VERSION_HEADER, Accept: MANIFEST_ACCEPT },
      scopes: [pullScope(repository)],
      ok: [200],
      passThrough: [404],
      context: { repository, what: `HEAD manifest ${ref}` },
    });
    await res.discard();
    if (res.status === 404) return undefined;
    const digest = res.header('docker-content-digest');
    return {
      digest: digest ?? '',
      mediaType: bareMediaType(res.header('content-type')),
      size: Number(res.header('content-length') ?? '0'),
    };
  }

  /**
   * GET a manifest by tag or digest. When `ref` is a digest the bytes are verified against it;
   * when it is a tag, the registry's `Docker-Content-Digest` (if sha256) must match the bytes.
   */
  async getManifest(repository: string, ref: string): Promise<FetchedManifest> {
    return this.rereadOnBreak((reading) => this.getManifestOnce(repository, ref, reading));
  }

  private async getManifestOnce(repository: string, ref: string, reading: { body: boolean }): Promise<FetchedManifest> {
    const res = await this.transport.request({
      method: 'GET',
      url: `/v2/${repoPath(repository)}/manifests/${manifestRef(ref)}`,
      headers: { ...API_VERSION_HEADER, Accept: MANIFEST_ACCEPT },
      scopes: [pullScope(repository)],
      ok: [200],
      context: { repository, what: `GET manifest ${ref}` },
    });
    reading.body = true;
    const raw = await res.bytes(MAX_MANIFEST_BYTES, `manifest ${repository}:${ref}`);
    reading.body = false;
    const what = `manifest ${this.registry}/${repository}@${ref}`;
    if (ref.includes(':')) verifyBuffer(raw, ref, what);
    const digest = sha256Digest(raw);
    const claimed = res.header('docker-content-digest');
    if (claimed !== null && claimed.startsWith('sha256:') && claimed !== digest) {
      throw new DigestMismatchError(`${what}: registry says ${claimed}, content hashes to ${digest}`, {
        details: { expected: claimed, actual: digest },
      });
    }
    let mediaType = bareMediaType(res.header('content-type'));
    try {
      const parsed = JSON.parse(raw.toString('utf8')) as { mediaType?: unknown };
      // The document's own mediaType wins over a generic Content-Type.
      if (typeof parsed.mediaType === 'string') mediaType = parsed.mediaType;
    } catch {
      throw new MalformedInputError(`${what} is not JSON`, { details: { registry: this.registry, repository } });
    }
    return { raw, mediaType, digest };
  }

  /**
   * Size of a blob when it exists, undefined otherwise (HEAD, following redirects). `forPush` asks
   * for the push scope up front, so a push needs one token instead of a pull token and a push token.
   */
  async blobSize(repository: string, digest: string, forPush = false): Promise<number | undefined> {
    const res = await this.transport.request({
      method: 'HEAD',
      url: `/v2/${repoPath(repository)}/blobs/${checkedDigest(digest, 'blob digest')}`,
      headers: API_VERSION_HEADER,
      scopes: [forPush ? pushScope(repository) : pullScope(repository)],
      ok: [200],
      passThrough: [404],
      context: { repository, what: `HEAD blob ${digest}` },
    });
    await res.discard();
    if (res.status === 404) return undefined;
    return Number(res.header('content-length') ?? '0');
  }

  private getBlobResponse(repository: string, digest: string, from = 0) {
    return this.transport.request({
      method: 'GET',
      url: `/v2/${repoPath(repository)}/blobs/${checkedDigest(digest, 'blob digest')}`,
      headers: from > 0 ? { ...API_VERSION_HEADER, Range: `bytes=${from}-` } : API_VERSION_HEADER,
      scopes: [pullScope(repository)],
      ok: from > 0 ? [200, 206] : [200],
      context: { repository, what: `GET blob ${digest}${from > 0 ? ` from byte ${from}` : ''}` },
    });
  }

  /**
   * A blob as a stream, verified as it flows: the stream errors with E_DIGEST_MISMATCH at the end
   * when the bytes (or their count, when `size` is given) do not match. A body that breaks off
   * (reset, truncation, stall, a trickle under the minimum rate) is resumed from the last byte
   * received with a Range request (or re-read from the start, skipping what was received, when the
   * registry ignores Range), bounded by the retry policy; the digest check covers the joined bytes.
   */
  async openBlob(repository: string, digest: string, size?: number): Promise<Readable> {
    let res = await this.getBlobResponse(repository, digest);
    const what = `blob ${this.registry}/${repository}@${digest}`;
    const verifier = new VerifyingStream(digest, what, size);
    const policy = this.transport.retryPolicy;
    let started = Date.now();
    let received = 0;
    // A long download that keeps making progress may break off more than once: the retry budget
    // starts again after every RESUME_PROGRESS bytes, and MAX_RESUMES bounds the whole download.
    let receivedAtFailure = 0;
    let resumes = 0;
    const pump = async (): Promise<void> => {
      for (let attempt = 1; ; attempt++) {
        let skip = 0;
        if (received > 0) {
          if (res.status === 206) {
            const start = /^bytes (\d+)-/.exec(res.header('content-range') ?? '')?.[1];
            if (start === undefined || Number(start) !== received) {
              await res.discard();
              throw new RegistryError(`${what}: registry resumed at ${start ?? '?'} instead of byte ${received}`, { details: { registry: this.registry } });
            }
          } else {
            skip = received;
          }
        }
        const src = res.stream(what);
        try {
          for await (const chunk of src) {
            let c = chunk as Buffer;
            if (skip > 0) {
              const n = Math.min(skip, c.length);
              c = c.subarray(n);
              skip -= n;
              if (c.length === 0) continue;
            }
            if (verifier.destroyed) {
              src.destroy();
              return;
            }
            received += c.length;
            if (!verifier.write(c)) {
              await new Promise<void>((r) => {
                const done = (): void => {
                  verifier.off('drain', done);
                  verifier.off('close', done);
                  r();
                };
                verifier.on('drain', done);
                verifier.on('close', done);
              });
            }
          }
          if (skip > 0) throw new NetworkError(`${what}: the body ended before byte ${received}`);
          if (!verifier.destroyed) verifier.end();
          return;
        } catch (err) {
          src.destroy();
          if (verifier.destroyed) return;
          if (received - receivedAtFailure >= RESUME_PROGRESS) {
            attempt = 1;
            started = Date.now();
          }
          receivedAtFailure = received;
          const delay = isTransientError(err) && resumes < MAX_RESUMES ? nextDelay(policy, attempt, Date.now() - started, undefined) : undefined;
          if (delay === undefined) throw err;
          await new Promise((r) => setTimeout(r, delay));
          resumes++;
          this.resumedReads++;
          res = await this.getBlobResponse(repository, digest, received);
        }
      }
    };
    pump().catch((err: unknown) => verifier.destroy(asError(err)));
    return verifier;
  }

  /** A small blob (config) fully read, bounded and verified; a broken-off body is read again (bounded). */
  async getBlob(repository: string, digest: string, maxBytes: number): Promise<Buffer> {
    return this.rereadOnBreak(async (reading) => {
      const res = await this.getBlobResponse(repository, digest);
      reading.body = true;
      const data = await res.bytes(maxBytes, `blob ${digest}`);
      verifyBuffer(data, digest, `blob ${this.registry}/${repository}@${digest}`);
      return data;
    });
  }

  /**
   * Run a request-and-read-body step again when the body breaks off (E_NETWORK after the step set
   * `reading.body`), bounded by the retry policy. Failures of the request itself were already
   * retried by the transport and are not retried again.
   */
  private async rereadOnBreak<T>(step: (reading: { body: boolean }) => Promise<T>): Promise<T> {
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      const reading = { body: false };
      try {
        return await step(reading);
      } catch (err) {
        const delay = reading.body && isGoslimError(err, 'E_NETWORK') ? nextDelay(this.transport.retryPolicy, attempt, Date.now() - started, undefined) : undefined;
        if (delay === undefined) throw err;
        this.resumedReads++;
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  /**
   * Cross-repository mount (`POST /v2/<name>/blobs/uploads/?mount=<digest>&from=<repo>`).
   * True when mounted (201); false when the registry fell back to a new upload session (202),
   * which we cancel so it does not linger.
   */
  async mountBlob(repository: string, digest: string, fromRepository: string): Promise<boolean> {
    const url = `/v2/${repoPath(repository)}/blobs/uploads/?mount=${encodeURIComponent(checkedDigest(digest, 'blob digest'))}&from=${encodeURIComponent(fromRepository)}`;
    const res = await this.transport.request({
      method: 'POST',
      url,
      headers: { ...API_VERSION_HEADER, 'Content-Length': '0' },
      scopes: [pushScope(repository), pullScope(fromRepository)],
      ok: [201, 202],
      context: { repository, what: `mount blob ${digest} from ${fromRepository}` },
    });
    await res.discard();
    if (res.status === 201) return true;
    const location = res.header('location');
    if (location !== null) await this.cancelUpload(repository, locationUrl(location, res.url, this.registry));
    return false;
  }

  private async cancelUpload(repository: string, location: string): Promise<void> {
    try {
      const res = await this.transport.request({
        method: 'DELETE',
        url: location,
        headers: API_VERSION_HEADER,
        scopes: [pushScope(repository)],
        ok: [204, 200, 202],
        passThrough: [404, 405],
        retry: false,
        context: { repository, what: 'cancel upload' },
      });
      await res.discard();
    } catch {
      // Abandoned sessions expire on the registry's side; nothing else to do.
    }
  }

  private async startUpload(repository: string): Promise<{ location: string; minChunk: number }> {
    const res = await this.transport.request({
      method: 'POST',
      url: `/v2/${repoPath(repository)}/blobs/uploads/`,
      headers: { ...API_VERSION_HEADER, 'Content-Length': '0' },
      scopes: [pushScope(repository)],
      ok: [202],
      context: { repository, what: 'start blob upload' },
    });
    await res.discard();
    const location = res.header('location');
    if (location === null) {
      throw new RegistryError(`registry ${this.registry} started an upload without a Location`, { details: { registry: this.registry } });
    }
    const minChunk = Number(res.header('oci-chunk-min-length') ?? '0');
    // Location may be relative and may carry query parameters that must be kept (distribution-spec).
    return { location: locationUrl(location, res.url, this.registry), minChunk: Number.isFinite(minChunk) ? minChunk : 0 };
  }

  /**
   * Upload a blob from `open()` (a fresh stream per call). Monolithic (POST, then one streamed PUT
   * with `?digest=`) below the chunk threshold; chunked (PATCH with Content-Range per chunk, then
   * PUT `?digest=`) above it. Never holds more than one chunk in memory. The registry verifies the
   * digest; we check `Docker-Content-Digest` on the answer as well.
   *
   * With `file` (the blob's bytes on local disk), the upload is one monolithic PUT sent from the
   * file through reused buffers whatever the size (file-body.ts), unless `chunkThreshold` is given:
   * no chunk is held, and a failed upload is restarted from the file by the caller, so chunks
   * would buy nothing but round trips.
   */
  async uploadBlob(
    repository: string,
    digest: string,
    size: number,
    open: () => Promise<Readable>,
    options: UploadOptions = {},
    file?: BlobFile,
  ): Promise<'monolithic' | 'chunked'> {
    checkedDigest(digest, 'blob digest');
    const threshold = options.chunkThreshold ?? DEFAULT_CHUNK_THRESHOLD;
    // Chunks only when asked for (a registry or proxy with a body size limit): from a file, one PUT.
    const chunked = size >= threshold && !(file !== undefined && options.chunkThreshold === undefined);
    const fromFile = !chunked && file !== undefined && file.length === size;
    const session = await this.startUpload(repository);
    try {
      if (!chunked) {
        const url = withDigest(session.location, digest);
        const res = await this.transport.request({
          method: 'PUT',
          url,
          headers: { ...API_VERSION_HEADER, 'Content-Type': 'application/octet-stream', 'Content-Length': String(size) },
          body: fromFile ? { kind: 'file', ...file, digest, what: `blob ${digest}` } : open,
          scopes: [pushScope(repository)],
          ok: [201],
          // A half-sent stream cannot be resumed on the same session; the caller restarts the blob.
          retry: false,
          context: { repository, what: `upload blob ${digest}` },
        });
        await res.discard();
        this.checkDigestHeader(res.header('docker-content-digest'), digest);
        return 'monolithic';
      }
      const chunkSize = Math.max(options.chunkSize ?? 16 << 20, session.minChunk);
      let location = session.location;
      let offset = 0;
      const source = await open();
      try {
        for await (const chunk of chunks(source, chunkSize)) {
          location = await this.patchChunk(repository, digest, location, offset, chunk);
          offset += chunk.length;
        }
      } finally {
        source.destroy();
      }
      const res = await this.transport.request({
        method: 'PUT',
        url: withDigest(location, digest),
        headers: { ...API_VERSION_HEADER, 'Content-Length': '0' },
        scopes: [pushScope(repository)],
        ok: [201],
        context: { repository, what: `finish upload of blob ${digest}` },
      });
      await res.discard();
      this.checkDigestHeader(res.header('docker-content-digest'), digest);
      return 'chunked';
    } catch (err) {
      await this.cancelUpload(repository, session.location);
      throw err;
    }
  }

  /**
   * PATCH one chunk; on a transient failure ask the registry how much it has (`GET <location>`,
   * `Range: 0-<last>`) and resend the chunk, or move on when it did arrive. The chunk is in
   * memory, so this resumes without re-reading the blob. Returns the next Location.
   */
  private async patchChunk(repository: string, digest: string, location: string, offset: number, chunk: Buffer): Promise<string> {
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await this.transport.request({
          method: 'PATCH',
          url: location,
          headers: {
            ...API_VERSION_HEADER,
            'Content-Type': 'application/octet-stream',
            'Content-Range': `${offset}-${offset + chunk.length - 1}`,
            'Content-Length': String(chunk.length),
          },
          body: chunk,
          scopes: [pushScope(repository)],
          ok: [202],
          retry: false,
          context: { repository, what: `upload chunk of blob ${digest} at ${offset}` },
        });
        await res.discard();
        const next = res.header('location');
        return next !== null ? locationUrl(next, res.url, this.registry) : location;
      } catch (err) {
        const delay = isTransientError(err) ? nextDelay(this.transport.retryPolicy, attempt, Date.now() - started, undefined) : undefined;
        if (delay === undefined) throw err;
        await new Promise((r) => setTimeout(r, delay));
        const status = await this.uploadStatus(repository, location).catch(() => undefined);
        if (status === undefined) throw err;
        location = status.location;
        const received = status.lastByte === 0 && offset === 0 ? 0 : status.lastByte + 1;
        if (received === offset + chunk.length) return location;
        // Anything but "nothing of this chunk arrived" cannot be resumed here: restart the blob.
        if (received !== offset) throw err;
        this.resumedChunks++;
      }
    }
  }

  /** Upload session status: last byte the registry holds and the session's current Location. */
  private async uploadStatus(repository: string, location: string): Promise<{ lastByte: number; location: string }> {
    const res = await this.transport.request({
      method: 'GET',
      url: location,
      headers: API_VERSION_HEADER,
      scopes: [pushScope(repository)],
      ok: [204],
      context: { repository, what: 'upload status' },
    });
    await res.discard();
    const m = /^(\d+)-(\d+)$/.exec(res.header('range') ?? '');
    if (m === null) throw new RegistryError(`registry ${this.registry} sent no upload Range`, { details: { registry: this.registry } });
    const next = res.header('location');
    return { lastByte: Number(m[2]), location: next !== null ? locationUrl(next, res.url, this.registry) : location };
  }

  /** PUT a manifest or index; returns the digest the registry reports (checked against ours). */
  async putManifest(repository: string, ref: string, raw: Buffer, mediaType: string): Promise<string> {
    const digest = sha256Digest(raw);
    if (ref.includes(':') && ref !== digest) {
      throw new DigestMismatchError(`manifest hashes to ${digest}, not the destination digest ${ref}`, {
        details: { expected: ref, actual: digest },
      });
    }
    const res = await this.transport.request({
      method: 'PUT',
      url: `/v2/${repoPath(repository)}/manifests/${manifestRef(ref)}`,
      // Clients MUST set Content-Type to the manifest's mediaType (distribution-spec "Pushing Manifests").
      headers: { ...API_VERSION_HEADER, 'Content-Type': mediaType },
      body: raw,
      scopes: [pushScope(repository)],
      ok: [201],
      context: { repository, what: `PUT manifest ${ref}` },
    });
    await res.discard();
    this.checkDigestHeader(res.header('docker-content-digest'), digest);
    return digest;
  }

  private checkDigestHeader(claimed: string | null, expected: string): void {
    if (claimed !== null && claimed.startsWith('sha256:') && claimed !== expected) {
      throw new DigestMismatchError(`registry ${this.registry} stored ${claimed}, expected ${expected}`, {
        details: { expected, actual: claimed, registry: this.registry },
      });
    }
  }
}

/** A Location header resolved against the request URL; one that does not parse is E_REGISTRY (pure). */
export function locationUrl(location: string, base: URL | string | undefined, registry: string): string {
  try {
    return new URL(location, base).toString();
  } catch {
    throw new RegistryError(`registry ${registry} sent a Location that is not a URL`, { details: { registry } });
  }
}

/** Failures worth another attempt: network errors and transient HTTP statuses (pure). */
export function isTransientError(err: unknown): boolean {
  if (!(err instanceof GoslimError)) return false;
  if (err.code === 'E_NETWORK') return true;
  const status = err.details?.['status'];
  return err.code === 'E_REGISTRY' && typeof status === 'number' && (status >= 500 || status === 429 || status === 408);
}

/** Append `digest=` to an upload Location, keeping its own query parameters (pure). */
export function withDigest(location: string, digest: string): string {
  const url = new URL(locationUrl(location, undefined, '(registry)'));
  url.searchParams.set('digest', digest);
  return url.toString();
}

/** Re-chunk a stream into buffers of exactly `size` bytes (the last may be shorter). */
export async function* chunks(source: Readable, size: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let have = 0;
  for await (const data of source) {
    let buf = data as Buffer;
    while (buf.length > 0) {
      const take = Math.min(size - have, buf.length);
      parts.push(buf.subarray(0, take));
      have += take;
      buf = buf.subarray(take);
      if (have === size) {
        yield Buffer.concat(parts, have);
        parts = [];
        have = 0;
      }
    }
  }
  if (have > 0) yield Buffer.concat(parts, have);
}

/**
 * One page of `_catalog` or `tags/list`: `{"repositories": [...]}` / `{"name": ..., "tags": [...]}`;
 * `tags: null` (distribution's answer for a repository whose tags were all deleted) is no tags (pure).
 */
export function parseNamePage(raw: Buffer, field: 'repositories' | 'tags', doc: string): string[] {
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new MalformedInputError(`${doc} is not JSON`, { details: { document: doc } });
  }
  const page = check(obj({ [field]: nullable(arr(str)) }), value, doc) as Record<string, string[] | null | undefined>;
  return page[field] ?? [];
}

/**
 * The `rel="next"` target of a Link header (RFC 8288), resolved against the request URL; only a
 * target on the same origin is followed (a registry sending us elsewhere is E_REGISTRY) (pure).
 */
export function nextLink(header: string | null, base: URL, registry: string): string | undefined {
  if (header === null) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>\s*((?:;[^;]*)*)$/.exec(part);
    if (m === null) continue;
    const rels = [...m[2]!.matchAll(/;\s*rel\s*=\s*"?([^";]+)"?/gi)].flatMap((r) => r[1]!.toLowerCase().split(/\s+/));
    if (!rels.includes('next')) continue;
    const target = new URL(locationUrl(m[1]!, base, registry));
    if (target.origin !== base.origin) {
      throw new RegistryError(`registry ${registry} pointed its next page at another origin (${target.origin})`, { details: { registry } });
    }
    return `${target.pathname}${target.search}`;
  }
  return undefined;
}
