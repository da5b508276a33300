import { mkdtemp, readFile, rm, writeFile, readdir, truncate, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listImagePlatforms, openImage } from '../open.js';
import { platformString } from '../model.js';
import { mergeLayers } from '../filesystem/merge.js';
import { inspectImage } from '../../analysis/inspect.js';
import { ALL_TEST_FORMATS, buildTestImage, file, dir, writeTarFile, type TestImageSpec } from '../testing/index.js';
import { isGoslimError } from '../../errors.js';
import { sha256Digest } from '../digest.js';
import { assertValidImage } from '../validate.js';
import type { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { itWithTools } from '../../../test/helpers/tools.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'goslim-sources-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function collect(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    return isGoslimError(err) ? err.code : `untyped: ${String(err)}`;
  }
}

const spec: TestImageSpec = {
  layers: [
    { entries: [dir('app'), file('app/a.txt', 'hello')], compression: 'gzip', createdBy: 'COPY a /app' },
    { entries: [file('app/b.bin', 3000)], compression: 'zstd', createdBy: 'COPY b /app' },
    { entries: [dir('app'), file('app/a.txt', 'hello')], compression: 'gzip', createdBy: 'COPY a /app again' },
  ],
};

describe('image sources', () => {
  for (const format of ALL_TEST_FORMATS) {
    itWithTools(['zstd'], `opens ${format} and streams verified layers`, async () => {
      const built = await buildTestImage(spec, { dir: join(work, format), format });
      const image = await openImage(built.reference);
      assertValidImage(image);
      expect(image.config().rootfs.diff_ids).toEqual(built.images[0]!.diffIds);
      expect(image.layers().map((l) => l.diffId())).toEqual(built.images[0]!.diffIds);
      expect(image.platform()).toEqual({ os: 'linux', architecture: 'amd64' });
      for (const layer of image.layers()) {
        const tar = await collect(await layer.uncompressed());
        expect(sha256Digest(tar)).toBe(layer.diffId());
        const blob = await collect(await layer.compressed());
        expect(sha256Digest(blob)).toBe(layer.digest());
        expect(blob.length).toBe(layer.size());
      }
      if (format !== 'docker-archive-legacy') {
        // Every OCI-carrying shape yields the real manifest, not a synthesized one.
        expect(image.digest()).toBe(built.images[0]!.manifestDigest);
      }
      // A bare path auto-detects to the same image.
      const bare = await openImage(built.path);
      assertValidImage(bare);
      expect(bare.configDigest()).toBe(image.configDigest());
    });
  }

  itWithTools(['zstd'], 'picks a platform from a multi-platform index and skips attestations', async () => {
    const arm: TestImageSpec = { ...spec, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } };
    for (const format of ['oci', 'docker-archive-containerd'] as const) {
      const built = await buildTestImage([arm, spec], { dir: join(work, `multi-${format}`), format, attestations: true });
      const def = await openImage(built.reference);
      assertValidImage(def);
      expect(def.platform().architecture).toBe('amd64');
      const a = await openImage(built.reference, { platform: 'linux/arm64' });
      assertValidImage(a);
      expect(a.platform()).toMatchObject({ architecture: 'arm64', variant: 'v8' });
      expect(await codeOf(openImage(built.reference, { platform: 'linux/s390x' }))).toBe('E_PLATFORM');
    }
  });

  itWithTools(['zstd'], 'lists every platform of an index (attestations left out) for --platform all, and each opens', async () => {
    const arm: TestImageSpec = { ...spec, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } };
    for (const format of ['oci', 'oci-archive', 'docker-archive-containerd'] as const) {
      const built = await buildTestImage([arm, spec], { dir: join(work, `list-${format}`), format, attestations: true });
      const platforms = await listImagePlatforms(built.reference);
      expect(platforms, format).toEqual([{ os: 'linux', architecture: 'arm64', variant: 'v8' }, { os: 'linux', architecture: 'amd64' }]);
      for (const p of platforms) {
        const image = await openImage(built.reference, { platform: platformString(p) });
        expect(image.platform()).toEqual(p);
      }
    }
    // A single image is its own one platform, from every shape.
    for (const format of ALL_TEST_FORMATS) {
      const built = await buildTestImage(spec, { dir: join(work, `list-one-${format}`), format });
      expect(await listImagePlatforms(built.reference), format).toEqual([{ os: 'linux', architecture: 'amd64' }]);
    }
  });

  itWithTools(['zstd'], 'fails with E_PLATFORM listing choices when there is no default', async () => {
    const arm: TestImageSpec = { ...spec, platform: { os: 'linux', architecture: 'arm64' } };
    const ppc: TestImageSpec = { ...spec, platform: { os: 'linux', architecture: 'ppc64le' } };
    const built = await buildTestImage([arm, ppc], { dir: join(work, 'noamd64'), format: 'oci' });
    const err = await openImage(built.reference).catch((e: unknown) => e);
    expect(isGoslimError(err, 'E_PLATFORM')).toBe(true);
    expect((err as { details: { available: string[] } }).details.available).toEqual(['linux/arm64', 'linux/ppc64le']);
  });

  itWithTools(['zstd'], 'a config whose diff_id disagrees with its layer fails where diff_ids are checked, and only there', async () => {
    // A consistent image (every digest right) whose config names a wrong diff_id for layer 0.
    const built = await buildTestImage(spec, { dir: join(work, 'bad-diff'), format: 'oci' });
    const blob = (d: string): string => join(built.path, 'blobs/sha256', d.slice(7));
    const indexPath = join(built.path, 'index.json');
    const index = JSON.parse(await readFile(indexPath, 'utf8')) as { manifests: Array<{ digest: string; size: number }> };
    const manifest = JSON.parse(await readFile(blob(index.manifests[0]!.digest), 'utf8')) as { config: { digest: string; size: number } };
    const config = JSON.parse(await readFile(blob(manifest.config.digest), 'utf8')) as { rootfs: { diff_ids: string[] } };
    config.rootfs.diff_ids[0] = sha256Digest('not this layer');
    const put = async (data: Buffer): Promise<{ digest: string; size: number }> => {
      const digest = sha256Digest(data);
      await writeFile(blob(digest), data);
      return { digest, size: data.length };
    };
    Object.assign(manifest.config, await put(Buffer.from(JSON.stringify(config))));
    Object.assign(index.manifests[0]!, await put(Buffer.from(JSON.stringify(manifest))));
    await writeFile(indexPath, JSON.stringify(index));

    const image = await openImage(built.reference);
    const layer = image.layers()[0]!;
    expect(await codeOf((async () => collect(await layer.uncompressed()))())).toBe('E_DIGEST_MISMATCH');
    expect(await codeOf(collect(await layer.uncompressed({ verifyDiffId: false })))).toBeUndefined();
    // The worker-thread path answers the same.
    const drain = async (verifyDiffId: boolean): Promise<void> => {
      const chunks = (await layer.tarChunks?.({ verifyDiffId }))!;
      while ((await chunks.read()) !== undefined);
    };
    expect(await codeOf(drain(true))).toBe('E_DIGEST_MISMATCH');
    expect(await codeOf(drain(false))).toBeUndefined();
    // The layer walk checks by default; inspect reads what the manifest pins unless asked.
    expect(await codeOf(mergeLayers(image))).toBe('E_DIGEST_MISMATCH');
    expect(await codeOf(inspectImage(image))).toBeUndefined();
    expect(await codeOf(inspectImage(image, { verifyDiffIds: true }))).toBe('E_DIGEST_MISMATCH');
  });

  itWithTools(['zstd'], 'inspect fails a swapped layer blob by default (the blob digest is always checked)', async () => {
    // Same tar, recompressed: valid gzip with the right diff_id, but not the blob the manifest names.
    const built = await buildTestImage(spec, { dir: join(work, 'swap'), format: 'oci' });
    const p = join(built.path, 'blobs/sha256', built.images[0]!.layerDigests[0]!.slice(7));
    await writeFile(p, gzipSync(gunzipSync(await readFile(p)), { level: 1 }));
    expect(await codeOf(inspectImage(await openImage(built.reference)))).toBe('E_DIGEST_MISMATCH');
  });

  itWithTools(['zstd'], 'a tampered layer blob fails with E_DIGEST_MISMATCH', async () => {
    const built = await buildTestImage(spec, { dir: join(work, 'tamper'), format: 'oci' });
    const digest = built.images[0]!.layerDigests[1]!;
    const p = join(built.path, 'blobs/sha256', digest.slice(7));
    const data = await readFile(p);
    data[data.length - 20] = data[data.length - 20]! ^ 0xff;
    await writeFile(p, data);
    const image = await openImage(built.reference);
    const layer = image.layers()[1]!;
    expect(await codeOf((async () => collect(await layer.compressed()))())).toBe('E_DIGEST_MISMATCH');
    expect(await codeOf((async () => collect(await layer.uncompressed()))())).toMatch(/E_DIGEST_MISMATCH|E_MALFORMED/);
  });

  it('a tampered uncompressed legacy layer.tar fails with E_DIGEST_MISMATCH', async () => {
    const built = await buildTestImage(spec, { dir: join(work, 'tamper-legacy'), format: 'docker-archive-legacy' });
    const data = await readFile(built.path);
    const at = data.indexOf(Buffer.from('hello'));
    data[at] = 'j'.charCodeAt(0);
    await writeFile(built.path, data);
    const image = await openImage(built.reference);
    expect(await codeOf((async () => collect(await image.layers()[0]!.uncompressed()))())).toBe('E_DIGEST_MISMATCH');
    // The stored tar is the blob: inspect checks it by default too (on the worker thread).
    expect(await codeOf(inspectImage(image))).toBe('E_DIGEST_MISMATCH');
  });

  it('a layer whose gzip stream is cut short (digest consistent) fails with E_TRUNCATED', async () => {
    const built = await buildTestImage({ layers: [{ entries: [file('big', 200_000)], compression: 'gzip' }] }, { dir: join(work, 'cutgz'), format: 'oci' });
    const blobs = join(built.path, 'blobs/sha256');
    const img = built.images[0]!;
    const gz = await readFile(join(blobs, img.layerDigests[0]!.slice(7)));
    const cut = gz.subarray(0, gz.length >> 1);
    const cutDigest = sha256Digest(cut);
    await writeFile(join(blobs, cutDigest.slice(7)), cut);
    const manifest = JSON.parse((await readFile(join(blobs, img.manifestDigest.slice(7)))).toString());
    manifest.layers[0] = { ...manifest.layers[0], digest: cutDigest, size: cut.length };
    const raw = Buffer.from(JSON.stringify(manifest));
    await writeFile(join(blobs, sha256Digest(raw).slice(7)), raw);
    await writeFile(
      join(built.path, 'index.json'),
      JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: manifest.mediaType, digest: sha256Digest(raw), size: raw.length }] }),
    );
    const image = await openImage(built.reference);
    expect(await codeOf((async () => collect(await image.layers()[0]!.uncompressed()))())).toBe('E_TRUNCATED');
  });

  itWithTools(['zstd'], 'tolerates wrong descriptor sizes (moby#47072): the digest pins the content', async () => {
    const built = await buildTestImage(spec, { dir: join(work, 'wrongsize'), format: 'oci' });
    const blobs = join(built.path, 'blobs/sha256');
    const img = built.images[0]!;
    const manifest = JSON.parse((await readFile(join(blobs, img.manifestDigest.slice(7)))).toString());
    manifest.layers = manifest.layers.map((l: { size: number }) => ({ ...l, size: l.size + 7 }));
    const raw = Buffer.from(JSON.stringify(manifest));
    await writeFile(join(blobs, sha256Digest(raw).slice(7)), raw);
    await writeFile(
      join(built.path, 'index.json'),
      JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: manifest.mediaType, digest: sha256Digest(raw), size: raw.length }] }),
    );
    const image = await openImage(built.reference);
    for (const layer of image.layers()) {
      expect(sha256Digest(await collect(await layer.compressed()))).toBe(layer.digest());
      expect(sha256Digest(await collect(await layer.uncompressed()))).toBe(layer.diffId());
    }
  });

  itWithTools(['zstd'], 'a consumer that stops early releases the layer (gzip and zstd)', async () => {
    const built = await buildTestImage(
      { layers: [{ entries: [file('a', 3_000_000)], compression: 'gzip' }, { entries: [file('b', 3_000_000)], compression: 'zstd' }] },
      { dir: join(work, 'early'), format: 'oci' },
    );
    const image = await openImage(built.reference);
    for (const layer of image.layers()) {
      const s = await layer.uncompressed();
      const first = await new Promise<Buffer>((resolve) => s.once('data', resolve));
      expect(first.length).toBeGreaterThan(0);
      s.destroy();
      await new Promise((r) => setTimeout(r, 50));
      expect(s.destroyed).toBe(true);
    }
  });

  it('a truncated archive fails with E_TRUNCATED', async () => {
    const built = await buildTestImage(spec, { dir: join(work, 'trunc'), format: 'docker-archive-docker25' });
    const size = (await stat(built.path)).size;
    await truncate(built.path, Math.floor(size / 2) + 100);
    expect(await codeOf(openImage(built.reference))).toBe('E_TRUNCATED');
  });

  it('tolerates docker save bugs: layers: [] (moby#47065) and manifests: null (moby#47210)', async () => {
    const built = await buildTestImage(spec, { dir: join(work, 'bugs'), format: 'docker-archive-docker25' });
    const img = built.images[0]!;
    const { indexTar } = await import('./tar-index.js');
    const index = await indexTar(built.path);
    const tree = [];
    const raw = await readFile(built.path);
    for (const [name, e] of index.entries) {
      if (e.type !== 'file') continue;
      let data = raw.subarray(e.offset, e.offset + e.size);
      if (name === 'index.json') data = Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: null }));
      tree.push({ name, data });
    }
    // Also break the OCI manifest (layers: []) by pointing index.json at a manifest with no layers.
    const nullIdx = join(work, 'bugs', 'null-manifests.tar');
    await writeTarFile(nullIdx, tree);
    const a = await openImage(`docker-archive:${nullIdx}`);
    expect(a.layers().map((l) => l.diffId())).toEqual(img.diffIds);
    const emptyManifest = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: img.configDigest, size: 0 }, layers: [] }),
    );
    const emptyDigest = sha256Digest(emptyManifest);
    const tree2 = tree.map((e) =>
      e.name === 'index.json'
        ? { name: e.name, data: Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: emptyDigest, size: emptyManifest.length }] })) }
        : e,
    );
    tree2.push({ name: `blobs/sha256/${emptyDigest.slice(7)}`, data: emptyManifest });
    const emptyLayers = join(work, 'bugs', 'empty-layers.tar');
    await writeTarFile(emptyLayers, tree2);
    const b = await openImage(`docker-archive:${emptyLayers}`);
    expect(b.layers().map((l) => l.diffId())).toEqual(img.diffIds);
    for (const l of b.layers()) expect(sha256Digest(await collect(await l.uncompressed()))).toBe(l.diffId());
  });

  itWithTools(['zstd'], 'reports a missing layer blob as E_NOT_FOUND and bad references as E_REFERENCE / E_NOT_FOUND', async () => {
    const built = await buildTestImage(spec, { dir: join(work, 'missing'), format: 'oci' });
    await rm(join(built.path, 'blobs/sha256', built.images[0]!.layerDigests[0]!.slice(7)));
    expect(await codeOf(openImage(built.reference))).toBe('E_NOT_FOUND');
    expect(await codeOf(openImage(join(work, 'nope.tar')))).toBe('E_NOT_FOUND');
    expect(await codeOf(openImage('oci:' + join(work, 'nothing-here')))).toBe('E_UNSUPPORTED_FORMAT');
    const names = await readdir(join(work, 'missing'));
    expect(names).toContain('oci');
  });

  it('a docker-archive with several images needs :TAG or :@N (E_REFERENCE otherwise)', async () => {
    const built = await buildTestImage(spec, { dir: join(work, 'multi-legacy'), format: 'docker-archive-legacy', tag: 'one:1' });
    const { indexTar } = await import('./tar-index.js');
    const index = await indexTar(built.path);
    const raw = await readFile(built.path);
    const tree = [];
    for (const [name, e] of index.entries) {
      if (e.type === 'symlink') tree.push({ name, type: 'symlink' as const, linkname: e.linkname! });
      else if (e.type === 'file') {
        let data = raw.subarray(e.offset, e.offset + e.size);
        if (name === 'manifest.json') {
          const m = JSON.parse(data.toString());
          data = Buffer.from(JSON.stringify([m[0], { ...m[0], RepoTags: ['two:2'] }]));
        }
        tree.push({ name, data });
      }
    }
    const path = join(work, 'multi-legacy', 'two-images.tar');
    await writeTarFile(path, tree);
    const err = await openImage(`docker-archive:${path}`).catch((e: unknown) => e);
    expect(isGoslimError(err, 'E_REFERENCE')).toBe(true);
    expect((err as { details: { tags: string[] } }).details.tags).toEqual(['one:1', 'two:2']);
    expect((await openImage(`docker-archive:${path}:two:2`)).layers()).toHaveLength(3);
    expect((await openImage(`docker-archive:${path}:@1`)).config().rootfs.diff_ids).toEqual(built.images[0]!.diffIds);
    // docker.io normalisation applies to RepoTags: "one:1" is docker.io/library/one:1.
    expect((await openImage(`docker-archive:${path}:docker.io/library/one:1`)).layers()).toHaveLength(3);
  });

  it('a gzip-compressed docker save is reported as such (E_UNSUPPORTED_FORMAT)', async () => {
    const built = await buildTestImage(spec, { dir: join(work, 'gz-archive'), format: 'docker-archive-legacy' });
    const { gzipSync } = await import('node:zlib');
    const gz = join(work, 'gz-archive', 'image.tar.gz');
    await writeFile(gz, gzipSync(await readFile(built.path)));
    const err = await openImage(gz).catch((e: unknown) => e);
    expect(isGoslimError(err, 'E_UNSUPPORTED_FORMAT')).toBe(true);
    expect((err as Error).message).toMatch(/compressed/);
    expect(await codeOf(openImage(`docker-archive:${gz}`))).toBe('E_UNSUPPORTED_FORMAT');
  });

  itWithTools(['zstd'], 'selects by tag in docker-archive and oci layouts', async () => {
    const d = await buildTestImage(spec, { dir: join(work, 'tags'), format: 'docker-archive-legacy', tag: 'svc:1.0' });
    expect((await openImage(`${d.reference}:svc:1.0`)).layers()).toHaveLength(3);
    expect((await openImage(`${d.reference}:@0`)).layers()).toHaveLength(3);
    expect(await codeOf(openImage(`${d.reference}:svc:2.0`))).toBe('E_NOT_FOUND');
    const o = await buildTestImage(spec, { dir: join(work, 'tags'), format: 'oci', tag: 'svc:1.0' });
    expect((await openImage(`${o.reference}:1.0`)).layers()).toHaveLength(3);
    expect(await codeOf(openImage(`${o.reference}:2.0`))).toBe('E_NOT_FOUND');
  });
});
