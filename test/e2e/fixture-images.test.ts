/**
 * The fixture images are what every image test stands on, so they are checked against
 * independent readers: skopeo reads every shape, blobs hash to their names, the Docker
 * 25+ and containerd tars have the structure Docker writes, the binaries are what the
 * README says (readelf), and the toolchain figures in images.json agree with the image.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, expect, it } from 'vitest';
import { ensureFixtureImages, FIXTURE_IMAGE_NAMES, type FixtureImages } from '../helpers/images.js';
import { FIXTURE_TOOLS, describeWithTools } from '../helpers/tools.js';

const exec = promisify(execFile);
const big = { maxBuffer: 64 * 1024 * 1024, timeout: 120_000 };

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}
async function tarMember(tar: string, member: string): Promise<string> {
  return (await exec('tar', ['-xOf', tar, member], big)).stdout;
}

describeWithTools(FIXTURE_TOOLS, 'fixture images', () => {
  let fx: FixtureImages;
  beforeAll(async () => {
    fx = await ensureFixtureImages();
  }, 30 * 60_000);

  it('OCI layouts: every blob hashes to its name; the manifest is the one images.json names', async () => {
    for (const name of FIXTURE_IMAGE_NAMES) {
      const image = fx.images[name];
      const index = JSON.parse(await readFile(join(image.oci, 'index.json'), 'utf8'));
      expect(index.manifests[0].digest).toBe(image.info.manifestDigest);
      const blobs = join(image.oci, 'blobs', 'sha256');
      const names = await readdir(blobs);
      expect(names).toHaveLength(image.info.layerCount + 2);
      for (const blob of names) expect(await sha256File(join(blobs, blob))).toBe(`sha256:${blob}`);
      const config = JSON.parse(await readFile(join(blobs, image.info.configDigest.slice(7)), 'utf8'));
      expect(config.rootfs.diff_ids).toEqual(image.info.layers.map((l) => l.diffId));
      expect(config.history.filter((h: { empty_layer?: boolean }) => h.empty_layer !== true)).toHaveLength(image.info.layerCount);
    }
  }, 300_000);

  it('skopeo reads every shape of every exported image, with the same config', async () => {
    for (const name of ['slim-four-levers', 'cgo-on-static', 'base-debian12-nonroot', 'fat-greeter'] as const) {
      const image = fx.images[name];
      const sources = [
        `oci:${image.oci}:latest`,
        `oci-archive:${image.ociArchive}`,
        `docker-archive:${image.dockerArchive}`,
        `docker-archive:${image.docker25}`,
        `docker-archive:${image.containerd}`,
        `oci-archive:${image.docker25}`,
      ];
      for (const source of sources) {
        const { stdout } = await exec('skopeo', ['inspect', '--config', '--raw', source], big);
        const config = JSON.parse(stdout);
        expect(config.rootfs.diff_ids, source).toEqual(image.info.layers.map((l) => l.diffId));
      }
    }
  }, 600_000);

  it('Docker 25+ tar: uncompressed layers named by diff_id, manifest.json pointing into blobs/', async () => {
    const image = fx.images['slim-four-levers'];
    const manifestJson = JSON.parse(await tarMember(image.docker25, 'manifest.json'));
    expect(manifestJson[0].Layers).toEqual(image.info.layers.map((l) => `blobs/sha256/${l.diffId.slice(7)}`));
    expect(manifestJson[0].Config).toBe(`blobs/sha256/${image.info.configDigest.slice(7)}`);
    const index = JSON.parse(await tarMember(image.docker25, 'index.json'));
    const manifest = JSON.parse(await tarMember(image.docker25, `blobs/sha256/${index.manifests[0].digest.slice(7)}`));
    expect(manifest.layers.map((l: { digest: string }) => l.digest)).toEqual(image.info.layers.map((l) => l.diffId));
    expect(manifest.layers.map((l: { size: number }) => l.size)).toEqual(image.info.layers.map((l) => l.uncompressedSize));
    expect(index.manifests[0].annotations['io.containerd.image.name']).toBe(`docker.io/${image.info.repository}:latest`);
    expect(JSON.parse(await tarMember(image.docker25, 'repositories'))).toHaveProperty(image.info.repository);
  });

  it('containerd tar: nested index with the image and an unknown/unknown attestation manifest', async () => {
    const image = fx.images['fat-greeter'];
    const top = JSON.parse(await tarMember(image.containerd, 'index.json'));
    expect(top.manifests).toHaveLength(1);
    expect(top.manifests[0].mediaType).toBe('application/vnd.oci.image.index.v1+json');
    const nested = JSON.parse(await tarMember(image.containerd, `blobs/sha256/${top.manifests[0].digest.slice(7)}`));
    expect(nested.manifests.map((m: { platform: { os: string; architecture: string } }) => `${m.platform.os}/${m.platform.architecture}`)).toEqual([
      'linux/amd64',
      'unknown/unknown',
    ]);
    expect(nested.manifests[0].digest).toBe(image.info.manifestDigest);
    expect(nested.manifests[1].annotations['vnd.docker.reference.type']).toBe('attestation-manifest');
    expect(nested.manifests[1].annotations['vnd.docker.reference.digest']).toBe(image.info.manifestDigest);
    const listing = (await exec('tar', ['-tf', image.containerd], big)).stdout;
    expect(listing).not.toContain('repositories');
    for (const layer of image.info.layers) expect(listing).toContain(`blobs/sha256/${layer.digest.slice(7)}`);
  });

  it('binaries: the cgo build is dynamic and unstripped, the four-lever build static and stripped', async () => {
    const cgo = (await exec('readelf', ['-lS', '--wide', fx.binaries.cgo], big)).stdout;
    expect(cgo).toContain('Requesting program interpreter: /lib64/ld-linux-x86-64.so.2');
    expect(cgo).toContain('.symtab');
    const slim = (await exec('readelf', ['-lS', '--wide', fx.binaries.static], big)).stdout;
    expect(slim).not.toContain('program interpreter');
    expect(slim).not.toContain('.symtab');
    expect(slim).not.toContain('.debug_info');
    // the slim image holds exactly this binary, the cgo image the fat image's binary
    expect(fx.json.binaries['greeter-static'].size).toBeLessThan(fx.json.binaries['greeter-cgo'].size);
  });

  it('images.json: toolchain sizes from dpkg, caches populated, the fat image ~100x the slim one', () => {
    const { toolchain, moduleCache, buildCache } = fx.json.fat;
    expect(toolchain.packages.map((p) => p.name)).toEqual(expect.arrayContaining(['golang-1.19-go', 'golang-1.19-src']));
    expect(toolchain.installedSize).toBeGreaterThan(400e6);
    // dpkg's Installed-Size (KiB, rounded up per package) and du of the trees agree within 5 %
    const du = toolchain.gorootDiskUsage + toolchain.srcDiskUsage;
    expect(Math.abs(du - toolchain.installedSize) / toolchain.installedSize).toBeLessThan(0.05);
    expect(moduleCache.diskUsage).toBeGreaterThan(10e6);
    expect(buildCache.diskUsage).toBeGreaterThan(100e3);
    const fat = fx.json.images['fat-greeter'];
    const slim = fx.json.images['slim-four-levers'];
    expect(fat.uncompressedSize / slim.uncompressedSize).toBeGreaterThan(100);
    expect(fat.history.map((h) => h.created_by)).toContain('COPY . . # buildkit');
    expect(fat.config.Cmd).toEqual(['/bin/sh', '-c', 'greeter']);
    expect(slim.config.User).toBe('65532:65532');
    expect(slim.config.Entrypoint).toEqual(['/greeter']);
    expect(fx.json.images['static-debian12-nonroot'].config.User).toBe('65532');
    expect(fx.json.images['static-debian12-latest'].layers[0]?.diffId).toBe(fx.json.images['static-debian12-nonroot'].layers[0]?.diffId);
    expect(fx.json.images['base-debian12-nonroot'].refs).toEqual(['distroless/base-debian12:nonroot']);
  });
});
