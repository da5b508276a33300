/**
 * OCI image layout writer (image-spec image-layout.md v1.1): `oci-layout`,
 * `index.json`, `blobs/sha256/<hex>`.
 *
 * Atomicity: a new layout is written into a sibling temp directory and renamed into
 * place, so a reader sees either nothing or a complete layout. Adding to an existing
 * layout writes each blob via temp file + rename (a blob file is always complete)
 * and replaces index.json last, via temp file + rename, so it never points at a
 * blob that is not there yet. Every file is fsynced before its rename and the directory after
 * (src/util/atomic-write.ts), and temp files left by a killed goslim are removed on the next
 * write to the same layout.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseDocument } from '../documents.js';
import { ExistsError, MalformedInputError } from '../../errors.js';
import { parseDigest, VerifyingStream } from '../digest.js';
import { MediaType, type Descriptor, type Image, type ImageIndex, type ImageIndexManifest } from '../model.js';
import { allBlobs, rootDescriptor, type BlobItem } from './blobs.js';
import { removeStaleTemps, replaceAtomically, syncPath, writeFileAtomic } from '../../util/atomic-write.js';

export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';
export const OCI_LAYOUT_FILE = JSON.stringify({ imageLayoutVersion: '1.0.0' });

export interface WriteOciLayoutOptions {
  /** Tag recorded as org.opencontainers.image.ref.name on the index.json entry. */
  refName?: string;
}

export interface WrittenImage {
  digest: string;
  mediaType: string;
  size: number;
  /** Bytes of blobs actually written (existing ones are skipped). */
  bytesWritten: number;
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

async function writeBlob(blobsDir: string, item: BlobItem): Promise<number> {
  const hex = parseDigest(item.digest, `${item.kind} digest`).hex;
  const dest = join(blobsDir, hex);
  try {
    const st = await stat(dest);
    if (st.size === item.size) return 0; // content-addressed: same name, same bytes
  } catch {
    /* not there yet */
  }
  await replaceAtomically(
    dest,
    async (tmp) => {
      await pipeline(await item.open(), new VerifyingStream(item.digest, `${item.kind} ${item.digest}`, item.size), createWriteStream(tmp));
    },
    { cleanStale: false, what: `blob ${item.digest}` },
  );
  return item.size;
}

function indexEntry(root: Image | ImageIndex, refName: string | undefined): Descriptor {
  const d = rootDescriptor(root);
  return refName ? { ...d, annotations: { [REF_NAME_ANNOTATION]: refName } } : d;
}


/** Write `root` (an image or an index) as an OCI layout at `dir`, or add it to the layout already there. */
export async function writeOciLayout(root: Image | ImageIndex, dir: string, opts: WriteOciLayoutOptions = {}): Promise<WrittenImage> {
  const blobs = await allBlobs(root);
  const entry = indexEntry(root, opts.refName);
  let bytesWritten = 0;
  // Temp files and directories of a goslim that was killed while writing here.
  const name = basename(dir);
  await removeStaleTemps(dirname(dir), (n) => n === name || n === `.${name}`);

  if (await exists(join(dir, 'oci-layout'))) {
    const indexFile = join(dir, 'index.json');
    let raw: Buffer;
    try {
      raw = await readFile(indexFile);
    } catch (err) {
      throw new MalformedInputError(`${indexFile} is not a readable OCI index`, { cause: err });
    }
    const index: ImageIndexManifest = parseDocument('writable index', raw, indexFile);
    const blobsDir = join(dir, 'blobs', 'sha256');
    await mkdir(blobsDir, { recursive: true });
    await removeStaleTemps(blobsDir, (n) => /^[0-9a-f]{64}$/.test(n));
    await removeStaleTemps(dir, (n) => n === 'index.json');
    for (const b of blobs) bytesWritten += await writeBlob(blobsDir, b);
    // Blob renames are durable before index.json names them.
    await syncPath(blobsDir, true);
    // A ref name names one image: move it. Without a ref name, do not list the same digest twice.
    const kept = (index.manifests ?? []).filter((d) =>
      opts.refName ? d.annotations?.[REF_NAME_ANNOTATION] !== opts.refName : !(d.digest === entry.digest && !d.annotations?.[REF_NAME_ANNOTATION]),
    );
    await writeFileAtomic(indexFile, JSON.stringify({ ...index, schemaVersion: 2, mediaType: index.mediaType ?? MediaType.OciIndex, manifests: [...kept, entry] }), { inPlace: false });
    return { digest: root.digest(), mediaType: root.mediaType(), size: entry.size, bytesWritten };
  }

  if (await exists(dir)) {
    const st = await stat(dir);
    if (!st.isDirectory() || (await readdir(dir)).length > 0) {
      throw new ExistsError(`${dir} exists and is not an OCI layout; refusing to overwrite it`);
    }
  }
  await replaceAtomically(
    dir,
    async (tmpDir) => {
    const blobsDir = join(tmpDir, 'blobs', 'sha256');
    await mkdir(blobsDir, { recursive: true });
    await writeFile(join(tmpDir, 'oci-layout'), OCI_LAYOUT_FILE);
    await syncPath(join(tmpDir, 'oci-layout'));
    for (const b of blobs) bytesWritten += await writeBlob(blobsDir, b);
    const index: ImageIndexManifest = { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [entry] };
    await writeFile(join(tmpDir, 'index.json'), JSON.stringify(index));
    await syncPath(join(tmpDir, 'index.json'));
    for (const d of [blobsDir, join(tmpDir, 'blobs')]) await syncPath(d, true);
    // rename(2) replaces an empty directory atomically.
    },
    { directory: true, cleanStale: false, what: `OCI layout ${dir}` },
  );
  return { digest: root.digest(), mediaType: root.mediaType(), size: entry.size, bytesWritten };
}
