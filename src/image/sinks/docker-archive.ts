/**
 * One tar that is both an OCI image layout and a `docker load` archive, the shape
 * Docker 25+ `docker save` writes (moby image/tarexport/save.go): `oci-layout`,
 * `index.json` (entries annotated with io.containerd.image.name and
 * org.opencontainers.image.ref.name), `blobs/sha256/<hex>`, and a `manifest.json`
 * whose Config/Layers point into `blobs/`. The classic store's loader reads
 * manifest.json and decompresses each layer itself (compression.DecompressStream),
 * checking it against the diff_id, so layers stay compressed and the manifest digest
 * is the same as in every other sink. `oci-archive` is the same tar without
 * manifest.json.
 *
 * Streamed entry by entry into a temp file next to the target, fsynced, then renamed; temp files
 * of a goslim killed while writing the same target are removed first.
 */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import tar, { type Header } from 'tar-stream';
import { asError, InvalidReferenceError } from '../../errors.js';
import { parseDigest, VerifyingStream } from '../digest.js';
import { MediaType, type Descriptor, type Image, type ImageIndex, type ImageIndexManifest } from '../model.js';
import { formatRegistryReference, parseRegistryReference } from '../reference.js';
import { allBlobs, indexImages, isIndex, rootDescriptor } from './blobs.js';
import { OCI_LAYOUT_FILE, REF_NAME_ANNOTATION, type WrittenImage } from './oci-layout.js';
import { replaceAtomically } from '../../util/atomic-write.js';

export const CONTAINERD_NAME_ANNOTATION = 'io.containerd.image.name';

export interface DockerManifestEntry {
  Config: string;
  RepoTags: string[];
  Layers: string[];
}

/** Docker-style `name:tag` for manifest.json, and the full name for containerd. Pure. */
export function normaliseTag(tag: string): { repoTag: string; fullName: string; tag: string } {
  const ref = parseRegistryReference(tag);
  if (ref.digest !== undefined) throw new InvalidReferenceError(`a docker-archive tag cannot be a digest: "${tag}"`);
  const t = ref.tag ?? 'latest';
  const full = formatRegistryReference({ registry: ref.registry, repository: ref.repository, tag: t });
  // Familiar form, as `docker save` writes RepoTags: drop docker.io/ and library/.
  let familiar = full;
  if (ref.registry === 'docker.io') familiar = `${ref.repository.replace(/^library\//, '')}:${t}`;
  return { repoTag: familiar, fullName: full, tag: t };
}

const blobPath = (digest: string) => `blobs/sha256/${parseDigest(digest).hex}`;

/** manifest.json entries for an image or each image of an index. */
export async function dockerManifestEntries(root: Image | ImageIndex, repoTags: string[]): Promise<DockerManifestEntry[]> {
  const images = isIndex(root) ? (await indexImages(root)).map((x) => x.image) : [root];
  return images.map((img) => ({
    Config: blobPath(img.configDigest()),
    RepoTags: repoTags,
    Layers: img.manifest().layers.map((l) => blobPath(l.digest)),
  }));
}

export interface WriteArchiveOptions {
  /** Tags (`name[:tag]`); the first is also the OCI ref name. */
  tags?: string[];
  /** Write manifest.json for `docker load` (default true); false gives a plain oci-archive. */
  dockerManifest?: boolean;
  /** A bare OCI ref name for the index.json entry when no tags are given (oci-archive:PATH:REF). */
  refName?: string;
}

/** Write `root` as a combined docker-archive / OCI layout tar at `file` (atomically). */
export async function writeDockerArchive(root: Image | ImageIndex, file: string, opts: WriteArchiveOptions = {}): Promise<WrittenImage> {
  const tags = (opts.tags ?? []).map(normaliseTag);
  const blobs = await allBlobs(root);
  const base = rootDescriptor(root);
  const entries: Descriptor[] =
    tags.length === 0
      ? [opts.refName ? { ...base, annotations: { [REF_NAME_ANNOTATION]: opts.refName } } : base]
      : tags.map((t) => ({ ...base, annotations: { [CONTAINERD_NAME_ANNOTATION]: t.fullName, [REF_NAME_ANNOTATION]: t.tag } }));
  const index: ImageIndexManifest = { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: entries };
  const dockerManifest = opts.dockerManifest !== false ? await dockerManifestEntries(root, tags.map((t) => t.repoTag)) : undefined;

  const epoch = new Date(0);
  const header = (name: string, size: number, type: 'file' | 'directory' = 'file'): Header => ({
    name,
    size,
    type,
    mode: type === 'directory' ? 0o755 : 0o644,
    uid: 0,
    gid: 0,
    uname: '',
    gname: '',
    mtime: epoch,
    linkname: '',
    devmajor: 0,
    devminor: 0,
  });
  const pack = tar.pack();
  const putBuffer = (name: string, bytes: Buffer) =>
    new Promise<void>((resolve, reject) => pack.entry(header(name, bytes.length), bytes, (err) => (err ? reject(err) : resolve())));
  const putDir = (name: string) =>
    new Promise<void>((resolve, reject) => pack.entry(header(name, 0, 'directory'), (err) => (err ? reject(err) : resolve())));

  const feed = async () => {
    await putDir('blobs/');
    await putDir('blobs/sha256/');
    for (const b of blobs) {
      const name = blobPath(b.digest);
      if (b.bytes) {
        await putBuffer(name, b.bytes);
      } else {
        await pipeline(await b.open(), new VerifyingStream(b.digest, `${b.kind} ${b.digest}`, b.size), pack.entry(header(name, b.size)));
      }
    }
    await putBuffer('index.json', Buffer.from(JSON.stringify(index)));
    if (dockerManifest) await putBuffer('manifest.json', Buffer.from(JSON.stringify(dockerManifest)));
    await putBuffer('oci-layout', Buffer.from(OCI_LAYOUT_FILE));
    pack.finalize();
  };
  await replaceAtomically(
    file,
    async (tmp) => {
      const fed = feed();
      fed.catch((err: unknown) => pack.destroy(asError(err)));
      const written = pipeline(pack, createWriteStream(tmp));
      try {
        await Promise.all([fed, written]);
      } catch (err) {
        // Both sides must be done before the temp file goes: the first rejection can come while
        // the write stream is still opening it, which would create it again after the rm.
        await Promise.allSettled([fed, written]);
        throw err;
      }
    },
    { what: file },
  );
  return { digest: root.digest(), mediaType: root.mediaType(), size: base.size, bytesWritten: blobs.reduce((n, b) => n + b.size, 0) };
}

/** An OCI layout in a tar (`oci-archive:`), without Docker's manifest.json. */
export function writeOciArchive(root: Image | ImageIndex, file: string, opts: Omit<WriteArchiveOptions, 'dockerManifest'> = {}): Promise<WrittenImage> {
  return writeDockerArchive(root, file, { ...opts, dockerManifest: false });
}
