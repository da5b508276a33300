/**
 * The blobs an image or index consists of, in push order (ggcr "anatomy of an
 * image upload": layers, then config, then manifest, then the index), deduplicated
 * by digest. Sinks write these; none of them is read into memory except the small
 * JSON documents, which the model already holds.
 */
import { Readable } from 'node:stream';
import { MalformedInputError, UnsupportedFormatError } from '../../errors.js';
import { isIndexMediaType, type Descriptor, type Image, type ImageIndex } from '../model.js';

export interface BlobItem {
  digest: string;
  size: number;
  mediaType: string;
  kind: 'layer' | 'config' | 'manifest' | 'index';
  /** Small JSON documents are held; layers are opened on demand. */
  bytes?: Buffer;
  open: () => Promise<Readable>;
}

export function isIndex(x: Image | ImageIndex): x is ImageIndex {
  return typeof (x as ImageIndex).indexManifest === 'function';
}

function bufferItem(digest: string, mediaType: string, kind: BlobItem['kind'], bytes: Buffer): BlobItem {
  return { digest, size: bytes.length, mediaType, kind, bytes, open: async () => Readable.from([bytes]) };
}

export function imageBlobs(img: Image): BlobItem[] {
  const manifest = img.manifest();
  const layers = img.layers();
  if (layers.length !== manifest.layers.length) {
    throw new MalformedInputError(`image ${img.digest()}: ${layers.length} layers but the manifest lists ${manifest.layers.length}`);
  }
  const items: BlobItem[] = layers.map((l, i) => {
    const d = manifest.layers[i]!;
    return { digest: d.digest, size: d.size, mediaType: d.mediaType, kind: 'layer' as const, open: () => l.compressed() };
  });
  items.push(bufferItem(img.configDigest(), manifest.config.mediaType, 'config', img.rawConfig()));
  items.push(bufferItem(img.digest(), img.mediaType(), 'manifest', img.rawManifest()));
  return items;
}

/** The images under an index (one level; nested indexes are resolved recursively). */
export async function indexImages(index: ImageIndex): Promise<Array<{ descriptor: Descriptor; image: Image }>> {
  const out: Array<{ descriptor: Descriptor; image: Image }> = [];
  for (const d of index.indexManifest().manifests) {
    if (isIndexMediaType(d.mediaType)) {
      throw new UnsupportedFormatError(`nested image indexes are not supported (${d.digest})`);
    }
    out.push({ descriptor: d, image: await index.image(d) });
  }
  return out;
}

export async function allBlobs(root: Image | ImageIndex): Promise<BlobItem[]> {
  const seen = new Set<string>();
  const out: BlobItem[] = [];
  const add = (items: BlobItem[]) => {
    for (const it of items) {
      if (seen.has(it.digest)) continue;
      seen.add(it.digest);
      out.push(it);
    }
  };
  if (isIndex(root)) {
    for (const { image } of await indexImages(root)) add(imageBlobs(image));
    add([bufferItem(root.digest(), root.mediaType(), 'index', root.rawManifest())]);
  } else {
    add(imageBlobs(root));
  }
  return out;
}

/** The descriptor that points at the root (what index.json lists). */
export function rootDescriptor(root: Image | ImageIndex): Descriptor {
  return { mediaType: root.mediaType(), digest: root.digest(), size: root.rawManifest().length };
}
