/**
 * Local engines, for real: a private podman storage root, images put there by `buildah bud`
 * and `skopeo copy` (one with file whiteouts and an opaque directory), `podman system service`
 * as the Docker Engine API on a temporary socket. Each image is inspected through
 * docker-daemon:, containers-storage: and (after `skopeo copy` to an OCI layout) oci:, and the
 * three reports agree apart from the source, the digests and the compressed size (which is
 * measured for the first two and within 1 % of the OCI blobs). Also: the same fixture image
 * from oci:, docker-archive: and a registry gives the same compressed size within 1 %, so
 * --max-compressed-size gives one verdict.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { inspectImageRef, type InspectReport } from '../../analysis/inspect.js';
import { checkBudgets } from '../../analysis/budgets.js';
import { GoslimError } from '../../errors.js';
import { openImage } from '../open.js';
import { buildTestImage, dir, file, opaque, whiteout, type TestImageSpec } from '../testing/index.js';
import { EngineClient } from './engine-client.js';
import { startContainerHarness, type ContainerHarness } from '../../../test/helpers/containers.js';
import { ensureFixtureImages, REPO_ROOT, type FixtureImages } from '../../../test/helpers/images.js';
import { describeWithTools } from '../../../test/helpers/tools.js';

let work: string;
let harness: ContainerHarness;
let fx: FixtureImages;
let socket: string;
let engineEnv: NodeJS.ProcessEnv;
let storageEnv: NodeJS.ProcessEnv;

/** Wait (bounded) until the service answers /_ping. */
async function waitForEngine(env: NodeJS.ProcessEnv, stderr: () => string): Promise<void> {
  let last: unknown;
  for (let i = 0; i < 300; i++) {
    try {
      await EngineClient.connect(env);
      return;
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`podman system service did not answer: ${String(last)}\n${stderr()}`);
}

const whiteoutSpec: TestImageSpec = {
  layers: [
    {
      entries: [dir('etc'), file('etc/os-release', 'ID=test\n'), file('etc/keep', 'keep\n'), dir('var/cache/apt'), file('var/cache/apt/pkg.bin', 4096), file('var/cache/apt/other.bin', 1000)],
    },
    { entries: [opaque('var/cache/apt'), file('var/cache/apt/new.bin', 300), file('usr/bin/tool', 2048)] },
    { entries: [whiteout('etc/os-release'), file('etc/added', 'added\n')] },
  ],
  config: { Entrypoint: ['/usr/bin/tool'] },
};

beforeAll(async () => {
  fx = await ensureFixtureImages();
  work = await mkdtemp(join(REPO_ROOT, 'test', '.work', 'engines-'));
  // A private storage root (not the shared harness storage): nothing else writes there.
  harness = await startContainerHarness({ storageDir: join(work, 'storage'), storageDriver: 'overlay' });
  socket = join(work, 'podman.sock');
  const service = harness.background('podman', ['system', 'service', '--time=0', `unix://${socket}`]);
  engineEnv = { ...process.env, DOCKER_HOST: `unix://${socket}` };
  storageEnv = { ...process.env, CONTAINERS_STORAGE_CONF: harness.env.CONTAINERS_STORAGE_CONF };
  await waitForEngine(engineEnv, service.stderr);

  // 1. An image with whiteouts and an opaque directory, copied into the store by skopeo.
  const built = await buildTestImage(whiteoutSpec, { dir: join(work, 'wh'), format: 'oci', tag: 'wh:1' });
  const copied = await harness.tool('skopeo', ['copy', '-q', `oci:${built.path}:1`, 'containers-storage:localhost/goslim-wh:1']);
  expect(copied.exitCode, copied.stderr).toBe(0);
  // 2. An image built by buildah bud on a fixture base.
  const ctx = join(work, 'ctx');
  await mkdir(ctx, { recursive: true });
  await writeFile(join(ctx, 'extra.txt'), 'built by buildah\n'.repeat(100));
  const base = await harness.tool('skopeo', ['copy', '-q', `oci:${fx.images['slim-four-levers'].oci}:latest`, 'containers-storage:localhost/goslim-slim:1']);
  expect(base.exitCode, base.stderr).toBe(0);
  await writeFile(join(ctx, 'Dockerfile'), 'FROM localhost/goslim-slim:1\nCOPY extra.txt /srv/extra.txt\n');
  await harness.buildahBud(ctx, join(ctx, 'Dockerfile'), 'localhost/goslim-bud:1');
  // The same images as OCI layouts, through skopeo.
  for (const name of ['goslim-wh', 'goslim-bud']) {
    const out = await harness.tool('skopeo', ['copy', '-q', `containers-storage:localhost/${name}:1`, `oci:${join(work, `${name}-oci`)}:1`]);
    expect(out.exitCode, out.stderr).toBe(0);
  }
}, 900_000);

afterAll(async () => {
  await harness?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

/** The report minus what legitimately differs between sources of one image. */
function comparable(r: InspectReport): unknown {
  const copy = JSON.parse(JSON.stringify(r)) as Record<string, unknown> & InspectReport;
  const img = copy.image as Partial<InspectReport['image']>;
  delete img.ref;
  delete img.source;
  delete img.digest;
  delete img.compressedSize;
  delete img.compressed;
  for (const l of copy.layers as Array<Partial<InspectReport['layers'][number]>>) {
    delete l.digest;
    delete l.compressedSize;
    delete l.compressedMethod;
  }
  const est = copy.estimate as Partial<InspectReport['estimate']>;
  delete est.compressedSize;
  for (const p of (est.parts ?? []) as Array<{ compressedSize?: number }>) delete p.compressedSize;
  const startup = copy.startup as unknown as { image: Record<string, unknown> };
  delete startup.image.ref;
  delete startup.image.digest;
  return copy;
}

function within(a: number, b: number, fraction: number): boolean {
  return Math.abs(a - b) <= fraction * Math.max(a, b);
}

describeWithTools(['podman', 'buildah', 'skopeo', 'unshare', 'root'], 'local engines (podman service, containers-storage)', () => {
  for (const name of ['goslim-wh', 'goslim-bud']) {
    it(`${name}: docker-daemon:, containers-storage: and oci: give the same report`, async () => {
      const daemon = await inspectImageRef(`docker-daemon:localhost/${name}:1`, { env: engineEnv });
      const storage = await inspectImageRef(`containers-storage:localhost/${name}:1`, { env: storageEnv });
      const oci = await inspectImageRef(`oci:${join(work, `${name}-oci`)}:1`);
      expect(daemon.image.source.transport).toBe('docker-daemon');
      expect(daemon.image.source.detail).toContain(`podman 4`);
      expect(daemon.image.source.detail).toContain(socket);
      expect(storage.image.source.transport).toBe('containers-storage');
      expect(oci.image.source.transport).toBe('oci');
      expect(comparable(daemon)).toEqual(comparable(oci));
      expect(comparable(storage)).toEqual(comparable(oci));
      // Uncompressed in both local stores: measured, the same figure, within 1 % of skopeo's blobs.
      expect(daemon.image.compressed.method).toBe('measured');
      expect(storage.image.compressedSize).toBe(daemon.image.compressedSize);
      // Both local sources describe the same uncompressed image: one synthesized manifest.
      expect(storage.image.digest).toBe(daemon.image.digest);
      if (name === 'goslim-wh') {
        // The whiteouts and the opaque directory took effect in every source (report paths are absolute).
        const paths = new Set(oci.largestFiles.map((f) => f.path));
        expect(paths.has('/var/cache/apt/pkg.bin')).toBe(false);
        expect(paths.has('/var/cache/apt/new.bin')).toBe(true);
        expect(oci.wasted.bytes).toBe(4096 + 1000 + 8);
        expect(daemon.wasted).toEqual(oci.wasted);
        expect(storage.wasted).toEqual(oci.wasted);
      }
    });
  }

  it('measured compressed sizes agree with the blobs within 1 %: oci:, docker-archive:, a registry, docker-daemon:', async () => {
    const image = fx.images['slim-four-levers'];
    const dest = `${harness.registry.address}/engines/slim:1`;
    const pushed = await harness.tool('skopeo', ['copy', '-q', '--dest-tls-verify=false', `oci:${image.oci}:latest`, `docker://${dest}`]);
    expect(pushed.exitCode, pushed.stderr).toBe(0);
    const loaded = await harness.tool('podman', ['load', '-q', '-i', image.dockerArchive]);
    expect(loaded.exitCode, loaded.stderr).toBe(0);
    const oci = await inspectImageRef(`oci:${image.oci}`);
    const reports = [
      oci,
      await inspectImageRef(`docker-archive:${image.dockerArchive}`),
      await inspectImageRef(`docker-archive:${image.docker25}`),
      await inspectImageRef(`docker://${dest}`, { insecure: true }),
      await inspectImageRef(`docker-daemon:${image.info.repository}:latest`, { env: engineEnv }),
      await inspectImageRef(`containers-storage:${image.info.repository}:latest`, { env: storageEnv }),
    ];
    expect(oci.image.compressed.method).toBe('blob');
    expect(oci.image.compressedSize).toBe(image.info.compressedSize);
    for (const r of reports) expect(within(r.image.compressedSize, oci.image.compressedSize, 0.01), `${r.image.ref}: ${r.image.compressedSize} vs ${oci.image.compressedSize}`).toBe(true);
    // One budget, one verdict: a limit between the smallest and largest figure would split them;
    // limits 2 % either side of the blob size give the same verdict for every source.
    for (const limit of [Math.floor(oci.image.compressedSize * 0.98), Math.ceil(oci.image.compressedSize * 1.02)]) {
      const verdicts = reports.map((r) => checkBudgets(r, { maxCompressedSize: limit }).length === 0);
      expect(new Set(verdicts).size).toBe(1);
    }
  });

  it('bare names use the engine when it has the image; errors name the engine or the sockets tried', async () => {
    const bare = await openImage('localhost/goslim-wh:1', { env: engineEnv });
    expect(bare.source?.().transport).toBe('docker-daemon');
    await expect(openImage('docker-daemon:localhost/no-such-image:1', { env: engineEnv })).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    const err = await openImage('docker-daemon:localhost/goslim-wh:1', { env: { ...process.env, DOCKER_HOST: `unix://${join(work, 'absent.sock')}` } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GoslimError);
    expect((err as GoslimError).code).toBe('E_NETWORK');
    expect((err as GoslimError).message).toContain('absent.sock');
    await expect(openImage('containers-storage:localhost/no-such-image:1', { env: storageEnv })).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
  });
});
