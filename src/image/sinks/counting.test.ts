import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { BlobCache } from '../../build/cache.js';
import { writeLayer } from '../../build/layer.js';
import { BuiltIndex, scratchImage } from '../mutate/built-image.js';
import { mutateImage } from '../mutate/mutate.js';
import { openImage } from '../open.js';
import type { Image, Layer } from '../model.js';
import { countingRoot, layerBytesOf } from './counting.js';
import { writeOciLayout } from './oci-layout.js';
import { writeDockerArchive } from './docker-archive.js';

const work = mkdtempSync(join(tmpdir(), 'goslim-counting-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const cache = new BlobCache(join(work, 'cache'));

async function image(arch: string, files: number): Promise<Image> {
  mkdirSync(join(work, 'src'), { recursive: true });
  let img = scratchImage({ os: 'linux', architecture: arch });
  for (let i = 0; i < files; i++) {
    const f = join(work, 'src', `${arch}-${i}.bin`);
    writeFileSync(f, Buffer.alloc(50_000 + i * 1000, i + 1));
    const layer = await writeLayer([{ path: `/data/${i}.bin`, type: 'file', source: f }], { cache });
    img = mutateImage(img, { layers: [{ layer, history: { created: '1970-01-01T00:00:00Z', created_by: `layer ${i}` } }] });
  }
  return img;
}

describe('counting the layer bytes a sink reads (push progress)', () => {
  it('an image: every stored layer byte once, and the copy is the same image', async () => {
    const img = await image('amd64', 3);
    let counted = 0;
    const w = await writeOciLayout(countingRoot(img, (n) => (counted += n)), join(work, 'one'), { refName: 'v1' });
    expect(counted).toBe(layerBytesOf(img));
    expect(counted).toBe(img.manifest().layers.reduce((n, l) => n + l.size, 0));
    expect(w.digest).toBe(img.digest());
    expect((await openImage(`oci:${join(work, 'one')}:v1`)).digest()).toBe(img.digest());
  });

  it('an index: the layers of every platform (no total known up front)', async () => {
    const amd = await image('amd64', 2);
    const arm = await image('arm64', 1);
    const index = new BuiltIndex([amd, arm]);
    expect(layerBytesOf(index)).toBeUndefined();
    let counted = 0;
    const w = await writeDockerArchive(countingRoot(index, (n) => (counted += n)), join(work, 'multi.tar'));
    // each blob once: the two platforms share their first layer (the same file), which is read once
    const unique = new Map([amd, arm].flatMap((i) => i.manifest().layers).map((l) => [l.digest, l.size]));
    expect(unique.size).toBe(2);
    expect(counted).toBe([...unique.values()].reduce((n, s) => n + s, 0));
    expect(w.digest).toBe(index.digest());
  });

  it('a layer that fails mid-stream fails the copy (the error passes through the counter)', async () => {
    const img = await image('amd64', 1);
    const broken: Layer = Object.assign(Object.create(Object.getPrototypeOf(img.layers()[0]!) as object) as Layer, img.layers()[0]!);
    const failing = new Proxy(img, {
      get(t, k) {
        if (k === 'layers') {
          return () => [new Proxy(broken, {
            get(l, key) {
              if (key === 'compressed') {
                return async () => Readable.from((async function* () {
                  yield Buffer.alloc(10);
                  throw new Error('disk went away');
                })());
              }
              const v = Reflect.get(l, key, l) as unknown;
              return typeof v === 'function' ? (v as () => unknown).bind(l) : v;
            },
          })];
        }
        const v = Reflect.get(t, k, t) as unknown;
        return typeof v === 'function' ? (v as () => unknown).bind(t) : v;
      },
    });
    let counted = 0;
    await expect(writeOciLayout(countingRoot(failing, (n) => (counted += n)), join(work, 'broken'), {})).rejects.toThrow();
    expect(counted).toBe(10);
  });
});
