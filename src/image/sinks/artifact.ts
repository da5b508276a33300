/**
 * Files pushed to a registry as one OCI artifact (image-spec 1.1, "Guidelines for Artifact
 * Usage"): an image manifest whose `artifactType` says what it holds, whose config is the empty
 * descriptor (`application/vnd.oci.empty.v1+json`, the two bytes `{}`), and whose layers are the
 * files, each with its own media type and an `org.opencontainers.image.title` annotation naming
 * the file (what `oras pull` writes it back as). `goslim push --artifact` uses it to publish scan
 * results, `goslim pull` writes them back (docs/scale.md, "Results in the registry").
 *
 * Each file is hashed, then sent from disk like a layout's layer (registry/file-body.ts): no file
 * is held in memory whatever its size; a file that changes between the two reads fails its digest
 * check and is never completed on the registry.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { IoError, MalformedInputError, NotFoundError, UnsafePathError, UnsupportedFormatError, UsageError } from '../../errors.js';
import { parseDocument } from '../documents.js';
import { replaceAtomically } from '../../util/atomic-write.js';
import { sha256Digest } from '../digest.js';
import { MediaType } from '../model.js';
import type { RegistryReference } from '../reference.js';
import { RegistryClient } from '../registry/client.js';
import type { TransportOptions } from '../registry/transport.js';

/** The artifact type of goslim's scan results (`goslim scan`/`goslim merge` outputs). */
export const SCAN_ARTIFACT_TYPE = 'application/vnd.goslim.scan.v1';
/** image-spec 1.1 "empty descriptor": the config of an artifact that has none. */
export const EMPTY_CONFIG_MEDIA_TYPE = 'application/vnd.oci.empty.v1+json';
const EMPTY_CONFIG = Buffer.from('{}');
export const TITLE_ANNOTATION = 'org.opencontainers.image.title';

/**
 * The media type of a file in a scan artifact, by its extension: the scan's records (JSON Lines),
 * a fleet summary in JSON, Markdown or text; anything else is octet-stream.
 */
export function artifactFileMediaType(name: string): string {
  const lower = name.toLowerCase();
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'application/vnd.goslim.scan.records.v1+jsonl';
  if (lower.endsWith('.json')) return 'application/vnd.goslim.scan.summary.v1+json';
  if (lower.endsWith('.md')) return 'text/markdown';
  if (lower.endsWith('.txt')) return 'text/plain';
  return 'application/octet-stream';
}

export interface ArtifactFile {
  path: string;
  title: string;
  mediaType: string;
  digest: string;
  size: number;
}

export interface ArtifactPushOptions extends TransportOptions {
  /** Default: SCAN_ARTIFACT_TYPE. */
  artifactType?: string;
  client?: RegistryClient;
}

export interface ArtifactPushResult {
  digest: string;
  mediaType: string;
  artifactType: string;
  size: number;
  /** `registry/repository[:tag]@digest`. */
  reference: string;
  files: ArtifactFile[];
  /** Blob bytes sent (blobs the registry already had are skipped). */
  bytesUploaded: number;
}

const MEDIA_TYPE_RE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;

/** sha256 and size of a file, read through one reused buffer. */
async function hashFile(path: string): Promise<{ digest: string; size: number }> {
  const fh = await open(path, 'r');
  try {
    const hash = createHash('sha256');
    const buf = Buffer.allocUnsafe(1 << 20);
    let size = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, size);
      if (bytesRead === 0) break;
      hash.update(buf.subarray(0, bytesRead));
      size += bytesRead;
    }
    return { digest: `sha256:${hash.digest('hex')}`, size };
  } finally {
    await fh.close();
  }
}

async function describeFile(path: string): Promise<ArtifactFile> {
  const st = await stat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') throw new NotFoundError(`artifact file ${path} does not exist`, { details: { path } });
    throw new IoError(`cannot read artifact file ${path}: ${err.code ?? err.message}`, { details: { path } });
  });
  if (!st.isFile()) throw new UsageError(`artifact file ${path} is not a regular file`);
  const { digest, size } = await hashFile(path);
  const title = basename(path);
  return { path, title, mediaType: artifactFileMediaType(title), digest, size };
}

/** The artifact manifest for these files (pure; the bytes that are pushed and hashed). */
export function artifactManifest(files: readonly ArtifactFile[], artifactType: string): Buffer {
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    artifactType,
    config: { mediaType: EMPTY_CONFIG_MEDIA_TYPE, digest: sha256Digest(EMPTY_CONFIG), size: EMPTY_CONFIG.length },
    layers: files.map((f) => ({ mediaType: f.mediaType, digest: f.digest, size: f.size, annotations: { [TITLE_ANNOTATION]: f.title } })),
  };
  return Buffer.from(JSON.stringify(manifest));
}

/** Push `paths` as one artifact to `dest` (a tag, or the digest the manifest must have). */
export async function pushArtifact(paths: readonly string[], dest: RegistryReference, options: ArtifactPushOptions = {}): Promise<ArtifactPushResult> {
  if (paths.length === 0) throw new UsageError('an artifact needs at least one file');
  const artifactType = options.artifactType ?? SCAN_ARTIFACT_TYPE;
  if (!MEDIA_TYPE_RE.test(artifactType)) throw new UsageError(`artifact type "${artifactType}" is not a media type (type/subtype, RFC 6838)`);
  const files: ArtifactFile[] = [];
  for (const p of paths) files.push(await describeFile(p));
  const titles = new Set<string>();
  for (const f of files) {
    if (titles.has(f.title)) throw new UsageError(`two artifact files are named ${f.title}: each file is fetched back by its name`);
    titles.add(f.title);
  }
  const client = options.client ?? new RegistryClient(dest.registry, options);
  let bytesUploaded = 0;
  const configDigest = sha256Digest(EMPTY_CONFIG);
  if ((await client.blobSize(dest.repository, configDigest, true)) === undefined) {
    await client.uploadBlob(dest.repository, configDigest, EMPTY_CONFIG.length, async () => Readable.from([EMPTY_CONFIG]));
    bytesUploaded += EMPTY_CONFIG.length;
  }
  for (const f of files) {
    if ((await client.blobSize(dest.repository, f.digest, true)) !== undefined) continue;
    await client.uploadBlob(dest.repository, f.digest, f.size, async () => Readable.from([]), {}, { file: f.path, start: 0, length: f.size });
    bytesUploaded += f.size;
  }
  const raw = artifactManifest(files, artifactType);
  const ref = dest.tag ?? dest.digest ?? 'latest';
  const digest = await client.putManifest(dest.repository, ref, raw, MediaType.OciManifest);
  return {
    digest,
    mediaType: MediaType.OciManifest,
    artifactType,
    size: raw.length,
    reference: `${dest.registry}/${dest.repository}${dest.tag !== undefined ? `:${dest.tag}` : ''}@${digest}`,
    files,
    bytesUploaded,
  };
}

export interface ArtifactPullResult {
  digest: string;
  artifactType: string | undefined;
  files: Array<Omit<ArtifactFile, 'path'> & { path: string }>;
}

/** A layer title usable as a file name in the output folder: one plain name, nothing else (pure). */
export function safeTitle(title: string): boolean {
  return title !== '' && title !== '.' && title !== '..' && !/[/\\\0]/.test(title) && Buffer.byteLength(title) <= 255;
}

/**
 * Fetch an artifact's files into `dir`, each under its `org.opencontainers.image.title` (as
 * `oras pull` does): every blob streamed and verified against its digest, each file written to a
 * temp name and renamed (a failed pull leaves no partial file). A title that is not one plain file
 * name (a path, `..`) is E_UNSAFE_PATH, checked for every layer before anything is written.
 */
export async function pullArtifact(src: RegistryReference, dir: string, options: TransportOptions & { client?: RegistryClient } = {}): Promise<ArtifactPullResult> {
  const client = options.client ?? new RegistryClient(src.registry, options);
  const ref = src.digest ?? src.tag ?? 'latest';
  const fetched = await client.getManifest(src.repository, ref);
  const what = `${src.registry}/${src.repository}@${fetched.digest}`;
  if (fetched.mediaType !== MediaType.OciManifest) {
    throw new UnsupportedFormatError(`${what} is ${fetched.mediaType || 'of no media type'}, not an OCI image manifest: not an artifact goslim pulls`);
  }
  const manifest = parseDocument('manifest', fetched.raw, `manifest ${what}`);
  const files: ArtifactPullResult['files'] = [];
  const titles = new Set<string>();
  for (const [i, l] of manifest.layers.entries()) {
    const title = l.annotations?.[TITLE_ANNOTATION];
    if (title === undefined) throw new MalformedInputError(`${what}: layer ${i} has no ${TITLE_ANNOTATION} annotation, so no file name`);
    if (!safeTitle(title)) throw new UnsafePathError(`${what}: layer ${i} is titled ${JSON.stringify(title)}, which is not a plain file name`);
    if (titles.has(title)) throw new MalformedInputError(`${what}: two layers are titled ${title}`);
    titles.add(title);
    files.push({ path: join(dir, title), title, mediaType: l.mediaType, digest: l.digest, size: l.size });
  }
  await mkdir(dir, { recursive: true });
  for (const f of files) {
    await replaceAtomically(f.path, async (tmp) => pipeline(await client.openBlob(src.repository, f.digest, f.size), createWriteStream(tmp, { flags: 'wx' })), { what: f.path });
  }
  return { digest: fetched.digest, artifactType: manifest.artifactType, files };
}
