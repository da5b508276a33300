import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BlobCache } from '../../build/cache.js';
import { writeLayer } from '../../build/layer.js';
import { BuiltIndex, scratchImage } from '../mutate/built-image.js';
import { mutateImage } from '../mutate/mutate.js';
import { openImage } from '../open.js';
import { assertValidImage, assertValidIndex } from '../validate.js';
import { writeDockerArchive, writeOciArchive } from './docker-archive.js';
import { writeOciLayout } from './oci-layout.js';
import { itWithTools } from '../../../test/helpers/tools.js';

const work = mkdtempSync(join(tmpdir(), 'goslim-sinks-'));
const cache = new BlobCache(join(work, 'cache'));
const skopeo = (...args: string[]) => JSON.parse(execFileSync('skopeo', args, { encoding: 'utf8' })) as Record<string, unknown>;

async function sampleImage(arch = 'amd64', text = 'hello') {
  mkdirSync(join(work, 'src'), { recursive: true });
  const f = join(work, 'src', `greeting-${arch}.txt`);
  writeFileSync(f, `${text} ${arch}\n`);
  const layer = await writeLayer([{ path: '/etc/greeting.txt', type: 'file', source: f }], { cache });
  const image = mutateImage(scratchImage({ os: 'linux', architecture: arch }), {
    layers: [{ layer, history: { created: '1970-01-01T00:00:00Z', created_by: 'test: greeting' } }],
    config: { entrypoint: ['/greeter'], user: '65532', ports: ['8080'], env: ['A=1'], labels: { b: '2', a: '1' } },
    annotations: { 'org.opencontainers.image.source': 'https://example.com/x' },
  });
  assertValidImage(image);
  return image;
}

/** What a sink wrote, read back by our own source: the same image, and valid. */
async function expectReadsBack(reference: string, img: { digest(): string }, platform?: string): Promise<void> {
  const back = await openImage(reference, platform === undefined ? {} : { platform });
  assertValidImage(back);
  expect(back.digest()).toBe(img.digest());
}

describe('image sinks', () => {
  itWithTools(['skopeo', 'umoci'], 'writes an OCI layout that skopeo and umoci read, and adds a second tag to it', async () => {
    const img = await sampleImage();
    const dir = join(work, 'layout');
    const w = await writeOciLayout(img, dir, { refName: 'v1' });
    expect(w.digest).toBe(img.digest());
    const raw = execFileSync('skopeo', ['inspect', '--raw', `oci:${dir}:v1`]);
    expect(raw.equals(img.rawManifest())).toBe(true);
    await expectReadsBack(`oci:${dir}:v1`, img);
    const info = skopeo('inspect', '--config', `oci:${dir}:v1`) as { config: { User: string; Entrypoint: string[]; ExposedPorts: object; Labels: object } };
    expect(info.config.User).toBe('65532');
    expect(info.config.Entrypoint).toEqual(['/greeter']);
    expect(Object.keys(info.config.ExposedPorts)).toEqual(['8080/tcp']);
    execFileSync('umoci', ['unpack', '--rootless', '--image', `${dir}:v1`, join(work, 'bundle')]);
    expect(readFileSync(join(work, 'bundle', 'rootfs', 'etc', 'greeting.txt'), 'utf8')).toBe('hello amd64\n');

    const other = await sampleImage('amd64', 'bye');
    const w2 = await writeOciLayout(other, dir, { refName: 'v2' });
    expect(w2.bytesWritten).toBeLessThan(other.rawManifest().length + other.rawConfig().length + other.layers()[0]!.size() + 1);
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
    expect(index.manifests.map((m) => m.digest)).toEqual([img.digest(), other.digest()]);
    // Re-tagging v1 moves the name instead of listing it twice.
    await writeOciLayout(other, dir, { refName: 'v1' });
    expect((JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests: unknown[] }).manifests).toHaveLength(2);
  });

  it('refuses to overwrite a non-layout directory (E_EXISTS) and leaves no temp dir behind', async () => {
    const dir = join(work, 'occupied');
    mkdirSync(dir);
    writeFileSync(join(dir, 'file'), 'x');
    await expect(writeOciLayout(await sampleImage(), dir)).rejects.toMatchObject({ code: 'E_EXISTS' });
    expect(execFileSync('ls', ['-a', work], { encoding: 'utf8' })).not.toMatch(/\.occupied\.goslim-/);
  });

  itWithTools(['skopeo'], 'writes one tar that skopeo reads both as docker-archive and as oci-archive, with the same manifest', async () => {
    const img = await sampleImage();
    const file = join(work, 'img.tar');
    await writeDockerArchive(img, file, { tags: ['greeter:test'] });
    expect(existsSync(file)).toBe(true);
    const listing = execFileSync('tar', ['-tf', file], { encoding: 'utf8' }).trim().split('\n');
    expect(listing).toEqual(expect.arrayContaining(['manifest.json', 'index.json', 'oci-layout', `blobs/sha256/${img.digest().slice(7)}`]));
    const manifestJson = JSON.parse(execFileSync('tar', ['-xOf', file, 'manifest.json'], { encoding: 'utf8' })) as Array<{ RepoTags: string[] }>;
    expect(manifestJson[0]!.RepoTags).toEqual(['greeter:test']);
    const viaDocker = skopeo('inspect', `docker-archive:${file}`) as { Architecture: string; Layers: string[] };
    expect(viaDocker.Architecture).toBe('amd64');
    expect(viaDocker.Layers).toHaveLength(1);
    const raw = execFileSync('skopeo', ['inspect', '--raw', `oci-archive:${file}:test`]);
    expect(raw.equals(img.rawManifest())).toBe(true);
    await expectReadsBack(`docker-archive:${file}`, img);
    await expectReadsBack(`oci-archive:${file}:test`, img);
    // podman load reads the docker side; skopeo copy to a layout proves every blob verifies.
    execFileSync('skopeo', ['copy', '--quiet', `docker-archive:${file}`, `oci:${join(work, 'from-archive')}:x`]);
    const oa = join(work, 'img.oci.tar');
    await writeOciArchive(img, oa, { refName: 'r1' });
    expect(execFileSync('tar', ['-tf', oa], { encoding: 'utf8' })).not.toContain('manifest.json');
    expect(execFileSync('skopeo', ['inspect', '--raw', `oci-archive:${oa}:r1`]).equals(img.rawManifest())).toBe(true);
    await expectReadsBack(`oci-archive:${oa}:r1`, img);
  });

  itWithTools(['skopeo'], 'writes a multi-platform index that skopeo resolves per platform', async () => {
    const amd = await sampleImage('amd64');
    const arm = await sampleImage('arm64');
    const index = new BuiltIndex([amd, arm]);
    await assertValidIndex(index);
    const dir = join(work, 'multi');
    await writeOciLayout(index, dir, { refName: 'latest' });
    await expectReadsBack(`oci:${dir}:latest`, arm, 'linux/arm64');
    await expectReadsBack(`oci:${dir}:latest`, amd, 'linux/amd64');
    const raw = JSON.parse(execFileSync('skopeo', ['inspect', '--raw', `oci:${dir}:latest`], { encoding: 'utf8' })) as {
      manifests: Array<{ platform: { architecture: string } }>;
    };
    expect(raw.manifests.map((m) => m.platform.architecture)).toEqual(['amd64', 'arm64']);
    // skopeo resolves the index to the arm64 child (its config says arm64; its layer is arm's).
    const arm64 = skopeo('inspect', '--override-arch', 'arm64', `oci:${dir}:latest`) as { Architecture: string; Layers: string[] };
    expect(arm64.Architecture).toBe('arm64');
    expect(arm64.Layers).toEqual([arm.layers()[0]!.digest()]);
    const tarFile = join(work, 'multi.tar');
    await writeDockerArchive(index, tarFile, { tags: ['127.0.0.1:5000/x/multi:1'] });
    await expectReadsBack(`docker-archive:${tarFile}:@1`, arm);
    const idx = JSON.parse(execFileSync('tar', ['-xOf', tarFile, 'index.json'], { encoding: 'utf8' })) as {
      manifests: Array<{ annotations: Record<string, string> }>;
    };
    expect(idx.manifests[0]!.annotations).toEqual({ 'io.containerd.image.name': '127.0.0.1:5000/x/multi:1', 'org.opencontainers.image.ref.name': '1' });
  });

  it('is deterministic: the same parts give the same digests', async () => {
    const a = await sampleImage();
    const b = await sampleImage();
    expect(a.digest()).toBe(b.digest());
    expect(a.config().history?.map((h) => h.created_by)).toEqual(['test: greeting']);
    expect(a.config().config?.Labels).toEqual({ a: '1', b: '2' });
  });
});

describe('sink failures (fault injection)', () => {
  /** A layer whose stream dies half way: stands in for a registry connection reset. */
  async function brokenImage() {
    const good = await sampleImage('amd64', 'broken');
    const real = good.layers()[0]!;
    const { Readable } = await import('node:stream');
    const broken = {
      digest: () => real.digest(),
      diffId: () => real.diffId(),
      size: () => real.size(),
      mediaType: () => real.mediaType(),
      compression: () => real.compression(),
      uncompressed: () => real.uncompressed(),
      compressed: async () =>
        new Readable({
          read() {
            this.push(Buffer.alloc(10));
            this.destroy(new Error('connection reset'));
          },
        }),
    };
    return mutateImage(scratchImage({ os: 'linux', architecture: 'amd64' }), {
      layers: [{ layer: broken, history: { created_by: 'broken' } }],
    });
  }

  it('leaves neither a layout nor a temp directory when a blob fails', async () => {
    const dir = join(work, 'broken-layout');
    await expect(writeOciLayout(await brokenImage(), dir)).rejects.toMatchObject({ code: 'E_IO' });
    expect(existsSync(dir)).toBe(false);
    expect(execFileSync('ls', ['-a', work], { encoding: 'utf8' })).not.toMatch(/broken-layout\.goslim-/);
  });

  it('leaves neither the archive nor its temp file when a blob fails', async () => {
    const file = join(work, 'broken.tar');
    await expect(writeDockerArchive(await brokenImage(), file, { tags: ['x:y'] })).rejects.toBeTruthy();
    expect(existsSync(file)).toBe(false);
    expect(execFileSync('ls', ['-a', work], { encoding: 'utf8' })).not.toMatch(/broken\.tar\.goslim-/);
  });

  it('rejects a digest-only tag for docker-archive (docker load needs name:tag)', async () => {
    await expect(writeDockerArchive(await sampleImage(), join(work, 'd.tar'), { tags: ['x@sha256:' + 'a'.repeat(64)] })).rejects.toMatchObject({
      code: 'E_REFERENCE',
    });
  });
});
