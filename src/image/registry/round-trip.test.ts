/**
 * Pull and push against Debian's real docker-registry on 127.0.0.1, cross-checked with skopeo.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { isGoslimError } from '../../errors.js';
import { MediaType } from '../model.js';
import { BuiltIndex } from '../mutate/built-image.js';
import { openOciLayout } from '../sources/oci-layout.js';
import { assertValidImage, assertValidIndex } from '../validate.js';
import { openRegistry, openRegistryImage, openRegistryIndex, RegistryImage, RegistryIndex } from '../sources/registry.js';
import { pushImage, pushIndex } from '../sinks/registry.js';
import { RegistryClient } from './client.js';
import { buildTestImage, file, type BuiltTestImage } from '../testing/index.js';
import { startRegistry, type RegistryHandle } from '../../../test/helpers/registry.js';
import { describeWithTools } from '../../../test/helpers/tools.js';

async function sha256Of(stream: Readable): Promise<{ digest: string; bytes: number }> {
  const h = createHash('sha256');
  let bytes = 0;
  for await (const c of stream) {
    h.update(c as Buffer);
    bytes += (c as Buffer).length;
  }
  return { digest: `sha256:${h.digest('hex')}`, bytes };
}

function skopeo(...args: string[]): string {
  return execFileSync('skopeo', args, { encoding: 'utf8', timeout: 120_000, env: { ...process.env, REGISTRY_AUTH_FILE: '/nonexistent-goslim-auth.json' } });
}

describeWithTools(['docker-registry', 'skopeo'], 'registry round trips (real docker-registry)', () => {
  let reg: RegistryHandle;
  let work: string;
  let multi: BuiltTestImage;
  let single: BuiltTestImage;

  beforeAll(async () => {
    reg = await startRegistry();
    work = mkdtempSync(join(tmpdir(), 'goslim-rt-'));
    single = await buildTestImage(
      { layers: [{ entries: [file('app/server', 200_000)] }, { entries: [file('etc/config.json', '{"a":1}')], compression: 'none' }] },
      { dir: join(work, 'single'), format: 'oci', tag: 'v1' },
    );
    multi = await buildTestImage(
      [
        { layers: [{ entries: [file('bin/app', 50_000, { seed: 7 })] }] },
        { layers: [{ entries: [file('bin/app', 50_000, { seed: 8 })] }], platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
      ],
      { dir: join(work, 'multi'), format: 'oci', tag: 'v1' },
    );
  });

  afterAll(async () => {
    await reg?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('reads an index that skopeo pushed: platform selection, verified streams, typed platform error', async () => {
    skopeo('copy', '-q', '--all', '--dest-tls-verify=false', `oci:${multi.path}:v1`, `docker://${reg.host}/skopeo/multi:v1`);
    const ref = { registry: reg.host, repository: 'skopeo/multi', tag: 'v1' };

    const amd = await openRegistryImage(ref);
    assertValidImage(amd);
    expect(amd.digest()).toBe(multi.images[0]!.manifestDigest);
    expect(amd.platform()).toMatchObject({ os: 'linux', architecture: 'amd64' });
    const arm = await openRegistryImage(ref, { platform: 'linux/arm64' });
    assertValidImage(arm);
    expect(arm.digest()).toBe(multi.images[1]!.manifestDigest);
    expect(arm.configDigest()).toBe(multi.images[1]!.configDigest);

    const layer = arm.layers()[0]!;
    const blob = await sha256Of(await layer.compressed());
    expect(blob.digest).toBe(layer.digest());
    expect(blob.bytes).toBe(layer.size());
    expect((await sha256Of(await layer.uncompressed())).digest).toBe(multi.images[1]!.diffIds[0]);

    const index = await openRegistryIndex(ref);
    await assertValidIndex(index);
    const indexJson = JSON.parse(readFileSync(join(multi.path, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
    expect(index.digest()).toBe(indexJson.manifests[0]!.digest);
    expect(index.indexManifest().manifests).toHaveLength(2);

    const err = await openRegistryImage(ref, { platform: 'linux/s390x' }).catch((e: unknown) => e);
    expect(isGoslimError(err, 'E_PLATFORM')).toBe(true);
    expect((err as { details: { available: string[] } }).details.available).toEqual(['linux/amd64', 'linux/arm64/v8']);

    // Pulled by digest: verified against the digest.
    const byDigest = await openRegistryImage({ ...ref, tag: undefined, digest: multi.images[0]!.manifestDigest } as unknown as typeof ref);
    expect(byDigest.digest()).toBe(multi.images[0]!.manifestDigest);
  });

  it('pushes an image that skopeo and our source read back with identical digests; re-push skips, cross-repo push mounts', async () => {
    const image = await openOciLayout(single.path, { ref: 'v1' });
    assertValidImage(image);
    const dest = { registry: reg.host, repository: 'goslim/single', tag: 'v1' };
    const pushed = await pushImage(image, dest);
    expect(pushed.digest).toBe(image.digest());
    expect(pushed.blobs).toMatchObject({ uploaded: 3, skipped: 0, mounted: 0, retried: 0 });

    const raw = skopeo('inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/goslim/single:v1`);
    expect(Buffer.from(raw)).toEqual(image.rawManifest());
    const inspected = JSON.parse(skopeo('inspect', '--tls-verify=false', `docker://${reg.host}/goslim/single:v1`)) as { Digest: string; Layers: string[] };
    expect(inspected.Digest).toBe(image.digest());
    expect(inspected.Layers).toEqual(image.layers().map((l) => l.digest()));
    // skopeo copies it out again (full blob verification on its side).
    skopeo('copy', '-q', '--src-tls-verify=false', `docker://${reg.host}/goslim/single:v1`, `oci:${join(work, 'out')}:v1`);

    const back = await openRegistryImage(dest);
    assertValidImage(back);
    expect(back.digest()).toBe(image.digest());
    expect(back.rawConfig()).toEqual(image.rawConfig());
    for (const [i, l] of back.layers().entries()) {
      expect(l.diffId()).toBe(image.layers()[i]!.diffId());
      expect((await sha256Of(await l.uncompressed())).digest).toBe(l.diffId());
    }

    const again = await pushImage(image, dest);
    expect(again.blobs).toMatchObject({ uploaded: 0, skipped: 3, mounted: 0 });

    expect(back).toBeInstanceOf(RegistryImage);
    const events: string[] = [];
    const mounted = await pushImage(back, { registry: reg.host, repository: 'goslim/other', tag: 'copy' }, { onBlob: (e) => events.push(e.action) });
    expect(mounted.digest).toBe(image.digest());
    expect(mounted.blobs).toMatchObject({ uploaded: 0, skipped: 0, mounted: 3 });
    expect(events).toEqual(['mounted', 'mounted', 'mounted']);
    expect((await openRegistryImage({ registry: reg.host, repository: 'goslim/other', tag: 'copy' })).digest()).toBe(image.digest());
  });

  it('reads and re-pushes a Docker schema 2 image (Docker media types kept byte for byte)', async () => {
    skopeo('copy', '-q', '--format', 'v2s2', '--dest-tls-verify=false', `oci:${single.path}:v1`, `docker://${reg.host}/skopeo/v2s2:v1`);
    const ref = { registry: reg.host, repository: 'skopeo/v2s2', tag: 'v1' };
    const img = await openRegistryImage(ref);
    assertValidImage(img);
    expect(img.mediaType()).toBe(MediaType.DockerManifest);
    expect(img.manifest().config.mediaType).toBe(MediaType.DockerConfig);
    for (const l of img.layers()) {
      expect([MediaType.DockerLayerGzip, MediaType.DockerLayerTar]).toContain(l.mediaType());
      expect((await sha256Of(await l.uncompressed())).digest).toBe(l.diffId());
    }
    const r = await pushImage(img, { registry: reg.host, repository: 'goslim/v2s2', tag: 'v1' });
    expect(r.mediaType).toBe(MediaType.DockerManifest);
    const raw = skopeo('inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/goslim/v2s2:v1`);
    expect(Buffer.from(raw)).toEqual(img.rawManifest());
    // The registry serves it with the Content-Type we PUT it with.
    expect(await new RegistryClient(reg.host).headManifest('goslim/v2s2', 'v1')).toMatchObject({ mediaType: MediaType.DockerManifest, digest: img.digest() });
  });

  it('pushes an index (children by digest first) and reads it back identically', async () => {
    const amd = await openOciLayout(multi.path, { ref: 'v1', platform: 'linux/amd64' });
    const arm = await openOciLayout(multi.path, { ref: 'v1', platform: 'linux/arm64' });
    const index = new BuiltIndex([amd, arm]);
    const dest = { registry: reg.host, repository: 'goslim/multi', tag: 'v2' };
    const pushed = await pushIndex(index, dest, { concurrency: 2 });
    expect(pushed.digest).toBe(index.digest());
    const raw = skopeo('inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/goslim/multi:v2`);
    expect(Buffer.from(raw)).toEqual(index.rawManifest());
    await assertValidIndex(index);
    const back = await openRegistry(dest);
    expect(back).toBeInstanceOf(RegistryIndex);
    await assertValidIndex(back as RegistryIndex);
    expect(back.digest()).toBe(index.digest());
    const armBack = await openRegistryImage(dest, { platform: 'linux/arm64/v8' });
    assertValidImage(armBack);
    expect(armBack.digest()).toBe(arm.digest());
  });

  it('refuses to push a local layer that fails its digest, and never writes the manifest', async () => {
    const copy = join(work, 'tampered-src');
    cpSync(single.path, copy, { recursive: true });
    const image = await openOciLayout(copy, { ref: 'v1' });
    const layer = image.layers()[0]!;
    const path = join(copy, 'blobs/sha256', layer.digest().slice(7));
    const data = readFileSync(path);
    data[data.length - 20] = data[data.length - 20]! ^ 0x55;
    writeFileSync(path, data);
    for (const chunkThreshold of [1 << 30, 1024]) {
      const dest = { registry: reg.host, repository: `goslim/tampered${chunkThreshold}`, tag: 'v1' };
      const err = await pushImage(image, dest, { chunkThreshold, chunkSize: 4096 }).catch((e: unknown) => e);
      expect(isGoslimError(err, 'E_DIGEST_MISMATCH')).toBe(true);
      expect(await new RegistryClient(reg.host).headManifest(dest.repository, 'v1')).toBeUndefined();
    }
  });

  it('uploads big blobs in chunks, streamed, and they verify on the way back', async () => {
    const big = await buildTestImage(
      { layers: [{ entries: [file('data/blob.bin', 6_000_000, { seed: 3 })], compression: 'none' }] },
      { dir: join(work, 'big'), format: 'oci', tag: 'v1' },
    );
    const image = await openOciLayout(big.path, { ref: 'v1' });
    const dest = { registry: reg.host, repository: 'goslim/big', tag: 'v1' };
    const events: string[] = [];
    const res = await pushImage(image, dest, { chunkThreshold: 1 << 20, chunkSize: 1 << 20, onBlob: (e) => events.push(`${e.action}:${e.size > 1 << 20 ? 'big' : 'small'}`) });
    expect(events.sort()).toEqual(['chunked:big', 'monolithic:small']);
    expect(res.blobs.retried).toBe(0);
    const back = await openRegistryImage(dest);
    const l = back.layers()[0]!;
    const got = await sha256Of(await l.compressed());
    expect(got).toEqual({ digest: l.digest(), bytes: l.size() });
    expect(l.size()).toBeGreaterThan(6_000_000);
  });

  it('fails a tampered blob with E_DIGEST_MISMATCH, and unknown names with E_NOT_FOUND', async () => {
    const dest = { registry: reg.host, repository: 'goslim/single', tag: 'v1' };
    const image = await openRegistryImage(dest);
    const layer = image.layers()[0]!;
    // Flip one byte of the stored blob inside the registry's own storage.
    const path = join(reg.dir, 'data/docker/registry/v2/blobs/sha256', layer.digest().slice(7, 9), layer.digest().slice(7), 'data');
    const data = readFileSync(path);
    data[100] = data[100]! ^ 0xff;
    writeFileSync(path, data);
    expect(statSync(path).size).toBe(layer.size());
    const err = await sha256Of(await layer.compressed()).catch((e: unknown) => e);
    expect(isGoslimError(err, 'E_DIGEST_MISMATCH')).toBe(true);

    // A tampered manifest (by tag: the registry's Docker-Content-Digest disagrees; by digest: the
    // bytes do not hash to it) and a tampered config both fail typed.
    const blobFile = (d: string): string => join(reg.dir, 'data/docker/registry/v2/blobs/sha256', d.slice(7, 9), d.slice(7), 'data');
    const manifestPath = blobFile(image.digest());
    writeFileSync(manifestPath, Buffer.concat([readFileSync(manifestPath), Buffer.from(' ')]));
    for (const ref of [dest, { registry: reg.host, repository: 'goslim/single', digest: image.digest() }]) {
      const bad = await openRegistryImage(ref).catch((e: unknown) => e);
      expect(isGoslimError(bad, 'E_DIGEST_MISMATCH')).toBe(true);
    }
    const other = await openRegistryImage({ registry: reg.host, repository: 'goslim/multi', tag: 'v2' });
    const configPath = blobFile(other.configDigest());
    const config = readFileSync(configPath);
    config[0] = 0x20;
    writeFileSync(configPath, config);
    const badConfig = await openRegistryImage({ registry: reg.host, repository: 'goslim/multi', tag: 'v2' }).catch((e: unknown) => e);
    expect(isGoslimError(badConfig, 'E_DIGEST_MISMATCH')).toBe(true);

    const missing = await openRegistryImage({ registry: reg.host, repository: 'goslim/single', tag: 'nope' }).catch((e: unknown) => e);
    expect(isGoslimError(missing, 'E_NOT_FOUND')).toBe(true);
    expect((missing as { details: { errors: Array<{ code: string }> } }).details.errors[0]!.code).toBe('MANIFEST_UNKNOWN');
    const noRepo = await openRegistryImage({ registry: reg.host, repository: 'goslim/absent', tag: 'v1' }).catch((e: unknown) => e);
    expect(isGoslimError(noRepo, 'E_NOT_FOUND')).toBe(true);
  });
});
