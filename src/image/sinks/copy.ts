/**
 * `skopeo copy` semantics: open a source without resolving a multi-platform
 * index to one image (unless a platform is asked for), so an index is copied
 * whole, byte for byte, and the destination digest equals the source digest.
 * Single images go through openImage; indexes in OCI layouts and oci-archives
 * are read with the sources' own file stores and loaders.
 */
import { NotFoundError } from '../../errors.js';
import { verifyBuffer } from '../digest.js';
import { RawIndex } from '../partial.js';
import { isIndexMediaType, type Descriptor, type Image, type ImageIndex, type ImageIndexManifest } from '../model.js';
import { openParsedImage } from '../open.js';
import { formatImageReference, type ImageReference } from '../reference.js';
import { dirStore, tarStore, type FileStore } from '../sources/file-store.js';
import { parseDocument } from '../documents.js';
import { checkLayoutMarker } from '../sources/oci-layout.js';
import { loadImage, REF_NAME_ANNOTATION } from '../sources/oci-resolve.js';
import { resolveImageReference } from '../sources/probe.js';
import { openRegistry } from '../sources/registry.js';
import { writeToSink, type SinkResult } from './index.js';
import type { PushOptions } from './registry.js';
import { layerBytesOf, countingRoot } from './counting.js';

/** An index read from a local layout store; children load lazily. */
class StoredIndex extends RawIndex {
  constructor(
    private readonly store: FileStore,
    raw: Buffer,
    parsed: ImageIndexManifest,
    private readonly ref: string,
  ) {
    super(raw, parsed);
  }
  image(d: Descriptor): Promise<Image> {
    return loadImage(this.store, d, `${this.ref}@${d.digest}`);
  }
}

/** The index a layout's ref points at, or undefined when it points at a single image. */
async function layoutIndex(store: FileStore, ref: string | undefined, reference: string): Promise<ImageIndex | undefined> {
  await checkLayoutMarker(store);
  const top = parseDocument('index', await store.readSmall('index.json'), `${store.location} index.json`);
  const entries = top.manifests.filter((d) => ref === undefined || d.annotations?.[REF_NAME_ANNOTATION] === ref);
  if (entries.length !== 1 || !isIndexMediaType(entries[0]!.mediaType)) return undefined;
  const d = entries[0]!;
  const raw = await store.readSmall(`blobs/sha256/${d.digest.slice('sha256:'.length)}`);
  verifyBuffer(raw, d.digest, 'image index');
  return new StoredIndex(store, raw, parseDocument('index', raw, `index ${d.digest}`), reference);
}

export interface OpenForCopyOptions {
  /** Copy only this platform's image out of an index. */
  platform?: string;
  insecure?: boolean;
  env?: NodeJS.ProcessEnv;
}

export async function openForCopy(src: string, opts: OpenForCopyOptions = {}): Promise<Image | ImageIndex> {
  const ref: ImageReference = await resolveImageReference(src);
  const common = { ...(opts.env ? { env: opts.env } : {}), ...(opts.insecure ? { insecure: true } : {}) };
  if (opts.platform === undefined) {
    if (ref.transport === 'docker') return openRegistry(ref.registry, common);
    if (ref.transport === 'oci') {
      const index = await layoutIndex(dirStore(ref.path), ref.ref, formatImageReference(ref));
      if (index) return index;
    }
    if (ref.transport === 'oci-archive') {
      const index = await layoutIndex(await tarStore(ref.path), ref.ref, formatImageReference(ref));
      if (index) return index;
    }
  }
  return openParsedImage(ref, { ...common, ...(opts.platform ? { platform: opts.platform } : {}) });
}

/** Progress of a copy: the bytes of the layers to copy (when the source is one image), and each layer byte as it is read. */
export interface CopyProgress {
  total(bytes: number | undefined): void;
  bytes(n: number): void;
}

/** Copy SRC to DEST (any source to any sink). */
export async function copyImage(src: string, dest: string, opts: OpenForCopyOptions & PushOptions & { progress?: CopyProgress } = {}): Promise<SinkResult & { source: string }> {
  const opened = await openForCopy(src, opts);
  if (!opened) throw new NotFoundError(`cannot open ${src}`);
  const progress = opts.progress;
  progress?.total(layerBytesOf(opened));
  const root = progress ? countingRoot(opened, (n) => progress.bytes(n)) : opened;
  const r = await writeToSink(root, dest, opts);
  return { ...r, source: src };
}
