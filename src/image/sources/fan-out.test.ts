/**
 * Index fan-out (issue 11): an index of indexes pointing at many manifests exhausted the heap
 * (inspect) and hung (verify). Nesting depth (image.indexDepth), manifests per index and
 * manifests reached in one resolve (image.manifests) are bounded, with E_LIMIT naming the limit;
 * an index listed many times is read once.
 */
import { cp, mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GoslimError } from '../../errors.js';
import { LIMITS } from '../../limits.js';
import { sha256Digest } from '../digest.js';
import { MediaType, type Descriptor } from '../model.js';
import { openImage } from '../open.js';
import { buildTestImage } from '../testing/index.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'goslim-fanout-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function failure(p: Promise<unknown>): Promise<GoslimError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof GoslimError) return err;
    throw err;
  }
  throw new Error('expected a typed error');
}

/** A layout writer: blobs by content, index.json last. */
async function layoutDir(name: string): Promise<{ dir: string; put: (doc: unknown) => Promise<Descriptor>; finish: (top: Descriptor[]) => Promise<string> }> {
  const dir = join(root, name);
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  return {
    dir,
    async put(doc) {
      const data = Buffer.from(JSON.stringify(doc));
      const digest = sha256Digest(data);
      await writeFile(join(dir, 'blobs', 'sha256', digest.slice(7)), data);
      return { mediaType: MediaType.OciIndex, digest, size: data.length };
    },
    async finish(top) {
      await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
      await writeFile(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: top }));
      return `oci:${dir}`;
    },
  };
}

const fakeManifest = (i: number): Descriptor => ({
  mediaType: MediaType.OciManifest,
  digest: sha256Digest(`manifest ${i}`),
  size: 100,
  platform: { os: 'linux', architecture: `arch${i}` },
});

describe('index fan-out', () => {
  it('nesting deeper than image.indexDepth is E_LIMIT', async () => {
    const l = await layoutDir('deep');
    let d = await l.put({ schemaVersion: 2, manifests: [fakeManifest(0)] });
    for (let i = 0; i < LIMITS['image.indexDepth'].value + 2; i++) d = await l.put({ schemaVersion: 2, manifests: [d] });
    const err = await failure(openImage(await l.finish([d])));
    expect(err.code).toBe('E_LIMIT');
    expect(err.details?.['limit']).toBe('image.indexDepth');
  });

  it('one index listing more than image.manifests entries is E_LIMIT naming the field', async () => {
    const l = await layoutDir('wide');
    const many = Array.from({ length: LIMITS['image.manifests'].value + 1 }, (_, i) => fakeManifest(i));
    const err = await failure(openImage(await l.finish(many)));
    expect(err.code).toBe('E_LIMIT');
    expect(err.details).toMatchObject({ limit: 'image.manifests', field: 'manifests' });
  });

  it('an index of indexes reaching more than image.manifests manifests in all is E_LIMIT, before any manifest is read', async () => {
    const l = await layoutDir('fan');
    const nested: Descriptor[] = [];
    // 40 distinct nested indexes of 100 (absent) manifests each: 4,000 reachable.
    for (let n = 0; n < 40; n++) {
      nested.push(await l.put({ schemaVersion: 2, manifests: Array.from({ length: 100 }, (_, i) => fakeManifest(n * 1000 + i)) }));
    }
    const err = await failure(openImage(await l.finish(nested)));
    expect(err.code).toBe('E_LIMIT');
    expect(err.details?.['limit']).toBe('image.manifests');
  });

  it('the same nested index listed many times is read once (no multiplication)', async () => {
    const built = await buildTestImage({ layers: [{ entries: [] }] }, { dir: join(root, 'real'), format: 'oci' });
    const l = await layoutDir('diamond');
    const idx = JSON.parse(await readFile(join(built.path, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
    await cp(join(built.path, 'blobs'), join(l.dir, 'blobs'), { recursive: true });
    // B lists the real manifest 10 times; A lists B 50 times; index.json lists A 20 times.
    const b = await l.put({ schemaVersion: 2, manifests: Array.from({ length: 10 }, () => idx.manifests[0]!) });
    const a = await l.put({ schemaVersion: 2, manifests: Array.from({ length: 50 }, () => b) });
    const image = await openImage(await l.finish(Array.from({ length: 20 }, () => a)));
    expect(image.digest()).toBe(built.images[0]!.manifestDigest);
  });
});
