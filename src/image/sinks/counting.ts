/**
 * Counting the blob bytes a sink reads, whatever the medium (registry, layout, archive), for the
 * CLI's progress line: the image (or index) is wrapped so that each layer's compressed() stream
 * reports the bytes that pass through it. Everything else is the wrapped object's own (a Proxy
 * whose methods run on the target, so classes with private state keep working).
 */
import { pipeline, Transform, type Readable } from 'node:stream';
import type { Descriptor, Image, ImageIndex, Layer } from '../model.js';
import { isIndex } from './blobs.js';

type OnBytes = (n: number) => void;

function counted(stream: Readable, onBytes: OnBytes): Readable {
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      onBytes(chunk.length);
      done(null, chunk);
    },
  });
  // An error on either side destroys both; the reader sees it on `counter`.
  pipeline(stream, counter, () => undefined);
  return counter;
}

/** Methods bound to the target; the named ones replaced. */
function proxied<T extends object>(target: T, replace: Partial<Record<keyof T, unknown>>): T {
  return new Proxy(target, {
    get(t, key, _receiver) {
      if (Object.prototype.hasOwnProperty.call(replace, key)) return replace[key as keyof T];
      const v = Reflect.get(t, key, t) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
  });
}

function countingLayer(layer: Layer, onBytes: OnBytes): Layer {
  return proxied(layer, {
    compressed: async () => counted(await layer.compressed(), onBytes),
    // A blob sent from its file (registry/file-body.ts) reports its bytes as they are read.
    blobLocation: async () => {
      const where = await layer.blobLocation?.();
      return where === undefined ? undefined : { ...where, onBytes };
    },
  });
}

function countingImage(image: Image, onBytes: OnBytes): Image {
  return proxied(image, { layers: () => image.layers().map((l) => countingLayer(l, onBytes)) });
}

/** The same image or index, reporting every compressed layer byte read from it. */
export function countingRoot<T extends Image | ImageIndex>(root: T, onBytes: OnBytes): T {
  if (isIndex(root)) {
    const index = root as ImageIndex;
    return proxied(index, { image: async (d: Descriptor) => countingImage(await index.image(d), onBytes) }) as T;
  }
  return countingImage(root as Image, onBytes) as T;
}

/** Bytes of an image's layers as stored (what countingRoot counts), when the root is one image; undefined for an index. */
export function layerBytesOf(root: Image | ImageIndex): number | undefined {
  if (isIndex(root)) return undefined;
  return root.manifest().layers.reduce((n, l) => n + l.size, 0);
}
