/**
 * Proves the real build/run harness (test/helpers/containers.ts) end to end, offline:
 * the bundled example's naive Dockerfile (FROM golang:1.19, unmodified) and a
 * hand-written four-lever Dockerfile of the same service are built by buildah against
 * the local registry, run by podman, and must answer the same HTTP requests; the
 * four-lever image must be at least 10x smaller. Also the broken cgo-on-static
 * fixture must fail to start with the loader's "no such file or directory".
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startContainerHarness, httpGet, type ContainerHarness } from '../helpers/containers.js';
import { ensureFixtureImages, REPO_ROOT, type FixtureImages } from '../helpers/images.js';
import { withLock } from '../helpers/lock.js';
import { FIXTURE_TOOLS, describeWithTools } from '../helpers/tools.js';

const EXAMPLE = join(REPO_ROOT, 'examples', 'greeter');
const FOUR_LEVERS = join(REPO_ROOT, 'test', 'fixtures', 'images', 'dockerfiles', 'slim-four-levers.Dockerfile');

describeWithTools([...FIXTURE_TOOLS, 'buildah', 'podman', 'runc', 'nsenter', 'slirp4netns', 'docker-registry'], 'container harness (buildah + podman + local registry)', () => {
  let fixtures: FixtureImages;
  let harness: ContainerHarness;
  let releaseLock: () => void = () => undefined;
  let lockHeld: Promise<void> = Promise.resolve();
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    let t = Date.now();
    fixtures = await ensureFixtureImages();
    timings.fixtures = Date.now() - t;
    // Container storage is shared by harnesses; hold the lock for the whole file.
    t = Date.now();
    await new Promise<void>((locked) => {
      lockHeld = withLock(join(REPO_ROOT, 'test', '.work', 'containers.lock'), () =>
        new Promise<void>((release) => {
          releaseLock = release;
          locked();
        }),
      );
    });
    timings.lock = Date.now() - t;
    t = Date.now();
    harness = await startContainerHarness({ fixtures });
    timings.harnessAndPush = Date.now() - t;
    // Bounded, but generous: other files may hold the container lock for their own builds.
  }, 30 * 60_000);

  afterAll(async () => {
    await harness?.close();
    releaseLock();
    await lockHeld; // the lock directory is gone before the worker can exit
    // Measured figures, for the record (the test asserts behaviour, not speed).
    console.log(`harness timings (ms): ${JSON.stringify(timings)}`);
  });

  it('serves the base images under the names real Dockerfiles use', async () => {
    const reg = harness.registry.address;
    expect(harness.pushed.get('golang-1.19')).toContain(`${reg}/library/golang:1.19`);
    expect(harness.pushed.get('static-debian12-nonroot')).toContain(`${reg}/distroless/static-debian12:nonroot`);
    expect(harness.pushed.get('base-debian12-nonroot')).toContain(`${reg}/distroless/base-debian12:nonroot`);
    // The rewrite is what buildah sees: docker.io/library/golang resolves to the local registry.
    const inspected = await harness.tool('skopeo', ['inspect', '--no-tags', '--tls-verify=false', 'docker://docker.io/library/golang:1.19'], 60_000);
    expect(inspected.exitCode, inspected.stderr).toBe(0);
    expect(JSON.parse(inspected.stdout).Digest).toBe(fixtures.images['golang-1.19'].info.manifestDigest);
    // Anything else on docker.io is blocked rather than fetched from the internet.
    const blocked = await harness.tool('skopeo', ['inspect', '--no-tags', 'docker://docker.io/library/alpine:3.19'], 60_000);
    expect(blocked.exitCode).not.toBe(0);
    expect(blocked.stderr).toMatch(/blocked/i);
  }, 5 * 60_000);

  it('builds and runs the naive and the four-lever greeter with identical answers, >= 10x smaller', async () => {
    let t = Date.now();
    const naive = await harness.buildahBud(EXAMPLE, join(EXAMPLE, 'Dockerfile'), 'localhost/goslim-test/greeter-naive:latest');
    timings.buildNaive = Date.now() - t;
    t = Date.now();
    const slim = await harness.buildahBud(EXAMPLE, FOUR_LEVERS, 'localhost/goslim-test/greeter-slim:latest');
    timings.buildFourLevers = Date.now() - t;
    expect(naive.imageId).toMatch(/^(sha256:)?[0-9a-f]{64}$/);
    expect(slim.imageId).toMatch(/^(sha256:)?[0-9a-f]{64}$/);

    const answers: Record<string, string[]> = {};
    for (const [label, tag] of [
      ['naive', 'localhost/goslim-test/greeter-naive:latest'],
      ['slim', 'localhost/goslim-test/greeter-slim:latest'],
    ] as const) {
      t = Date.now();
      const run = await harness.podmanRun(tag, { publish: [{ container: 8080 }] });
      const port = run.ports.get(8080);
      expect(port).toBeTypeOf('number');
      const base = `http://127.0.0.1:${port}`;
      const health = await httpGet(`${base}/healthz`, 60_000);
      timings[`start_${label}`] = Date.now() - t;
      expect(health.status).toBe(200);
      const hello = await httpGet(`${base}/hello?name=goslim`);
      const world = await httpGet(`${base}/hello`);
      answers[label] = [`${hello.status} ${hello.body}`, `${world.status} ${world.body}`];
      const version = JSON.parse((await httpGet(`${base}/version`)).body) as { version: string; uid: number };
      if (label === 'slim') {
        // the levers show in the binary's own build settings, and it runs as nonroot
        expect(version.version).toContain('CGO_ENABLED=0');
        expect(version.version).toContain('trimpath=true');
        expect(version.uid).toBe(65532);
        const probe = await harness.podmanExec(run.name, ['/greeter', '-healthcheck']);
        expect(probe.exitCode, probe.stderr).toBe(0);
      } else {
        expect(version.version).toContain('CGO_ENABLED=1');
        expect(version.uid).toBe(0);
      }
      await harness.podmanRm(run.name);
    }
    expect(answers.naive).toEqual(answers.slim);
    expect(answers.naive?.[0]).toBe('200 {"greeting":"hello, goslim"}\n');

    // Sizes: podman's uncompressed image size, and the saved archives on disk.
    const naiveSize = await harness.imageSize('localhost/goslim-test/greeter-naive:latest');
    const slimSize = await harness.imageSize('localhost/goslim-test/greeter-slim:latest');
    t = Date.now();
    const naiveTar = join(harness.root, 'naive.tar');
    const slimTar = join(harness.root, 'slim.oci.tar');
    await harness.saveImage('localhost/goslim-test/greeter-naive:latest', 'docker-archive', naiveTar);
    await harness.saveImage('localhost/goslim-test/greeter-slim:latest', 'oci-archive', slimTar);
    timings.save = Date.now() - t;
    const naiveFile = (await stat(naiveTar)).size;
    const slimFile = (await stat(slimTar)).size;
    console.log(
      `greeter sizes: naive ${naiveSize} B (docker-archive ${naiveFile} B), four levers ${slimSize} B (oci-archive ${slimFile} B), ratio ${(naiveSize / slimSize).toFixed(1)}x`,
    );
    expect(naiveSize / slimSize).toBeGreaterThanOrEqual(10);
    expect(naiveFile / slimSize).toBeGreaterThanOrEqual(10);
    // the saved OCI archive is a valid image for skopeo
    const inspect = await harness.tool('skopeo', ['inspect', `oci-archive:${slimTar}`], 60_000);
    expect(inspect.exitCode, inspect.stderr).toBe(0);
    expect(JSON.parse(inspect.stdout).Layers).toHaveLength(2);
    // Two builds, one of them compiling std with CGO off: minutes on a loaded 2-core machine.
  }, 20 * 60_000);

  it('runs the broken cgo-on-static fixture and gets the loader error', async () => {
    const reg = harness.registry.address;
    const broken = await harness.podmanRun(`${reg}/goslim-fixtures/cgo-on-static:latest`, { detach: false, args: ['-version'], timeoutMs: 120_000 });
    await harness.podmanRm(broken.name);
    expect(broken.exitCode).not.toBe(0);
    expect(broken.stdout + broken.stderr).toContain('exec /greeter: no such file or directory');
    const fine = await harness.podmanRun(`${reg}/goslim-fixtures/slim-four-levers:latest`, { detach: false, args: ['-version'], timeoutMs: 120_000 });
    await harness.podmanRm(fine.name);
    expect(fine.exitCode, fine.stderr).toBe(0);
    expect(fine.stdout).toContain('1.0.0 (go1.19');
  }, 5 * 60_000);
});
