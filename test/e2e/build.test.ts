/**
 * Proof for `goslim build` (issue 5): real `go build` of the bundled example,
 * real base image (the fixture static base, an OCI layout built offline), and
 * real readers as oracles: skopeo, umoci, GNU tar, readelf, podman.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, statSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runInProcess } from '../helpers/in-process-cli.js';
import { openImage } from '../../src/image/open.js';
import { assertValidImage } from '../../src/image/validate.js';
import { ensureFixtureImages, REPO_ROOT, type FixtureImages } from '../helpers/images.js';
import { httpGet, withContainerHarness } from '../helpers/containers.js';
import { FIXTURE_TOOLS, describeWithTools } from '../helpers/tools.js';

const goslim = runInProcess;

const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20 });

const work = mkdtempSync(join(tmpdir(), 'goslim-build-e2e-'));
// A copy outside any git checkout: no VCS stamping, so the binary depends on the sources only.
const app = join(work, 'greeter');
let fx: FixtureImages;
let base: string;

beforeAll(async () => {
  cpSync(join(REPO_ROOT, 'examples', 'greeter'), app, { recursive: true });
  mkdirSync(join(app, 'cmd', 'greeter', 'kodata'), { recursive: true });
  writeFileSync(join(app, 'cmd', 'greeter', 'kodata', 'motd.txt'), 'served from kodata\n');
  mkdirSync(join(app, 'cmd', 'probe'), { recursive: true });
  writeFileSync(join(app, 'cmd', 'probe', 'main.go'), 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("probe ok") }\n');
  fx = await ensureFixtureImages();
  base = `oci:${fx.images['static-debian12-nonroot'].oci}:latest`;
});

interface Summary {
  digest: string;
  index: boolean;
  platforms: Array<{
    platform: string;
    digest: string;
    size: { compressed: number; uncompressed: number };
    layers: Array<{ digest: string; size: number }>;
    added: Array<{ what: string; reused: boolean }>;
    binary: { path: string; size: number; arch: string };
    base: { reference: string; digest: string | null; layers: number };
  }>;
  outputs: Array<{ destination: string; digest: string }>;
  sbom?: { files: string[] };
  compare?: { ratio: { compressed: number }; before: { compressed: number }; after: { compressed: number } };
}

describeWithTools(FIXTURE_TOOLS, 'goslim build', () => {
  let first: Summary;
  const out = join(work, 'out1');
  const cache1 = join(work, 'cache1');

  it('builds the example onto the static base; skopeo, umoci and readelf agree with what it says', async () => {
    mkdirSync(out);
    const r = await goslim(
      ['build', './cmd/greeter', '--base', base, '--oci', join(out, 'layout'), '--tar', join(out, 'img.tar'), '--port', '8080', '--label', 'team=core', '--env', 'GREETER_NAME=goslim', '--json'],
      { GOSLIM_CACHE: cache1 },
      app,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    first = JSON.parse(r.stdout) as Summary;
    const p = first.platforms[0]!;
    expect(p.platform).toBe('linux/amd64');
    expect(p.base.layers).toBe(fx.images['static-debian12-nonroot'].info.layerCount);
    expect(p.base.digest).toBe(fx.images['static-debian12-nonroot'].info.manifestDigest);
    expect(p.added.map((l) => l.what)).toEqual(['kodata', 'binary']);

    // skopeo reads the layout and the tar (both as OCI and as docker-archive), same digest.
    const raw = execFileSync('skopeo', ['inspect', '--raw', `oci:${join(out, 'layout')}:latest`]);
    expect(`sha256:${(await import('node:crypto')).createHash('sha256').update(raw).digest('hex')}`).toBe(first.digest);
    const manifest = JSON.parse(raw.toString()) as { mediaType: string; annotations: Record<string, string>; layers: unknown[] };
    expect(manifest.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(manifest.layers).toHaveLength(p.base.layers + 2);
    expect(manifest.annotations['org.opencontainers.image.base.digest']).toBe(p.base.digest);
    expect(manifest.annotations['org.opencontainers.image.created']).toBe('1970-01-01T00:00:00Z');
    const cfg = JSON.parse(sh('skopeo', ['inspect', '--config', `oci:${join(out, 'layout')}:latest`])) as {
      config: { User: string; Entrypoint: string[]; Cmd?: unknown; Env: string[]; ExposedPorts: object; Labels: Record<string, string> };
      history: Array<{ created_by?: string }>;
      rootfs: { diff_ids: string[] };
    };
    expect(cfg.config.User).toBe('65532');
    expect(cfg.config.Entrypoint).toEqual(['/ko-app/greeter']);
    expect(cfg.config.Cmd ?? null).toBeNull();
    expect(cfg.config.Env).toEqual(expect.arrayContaining(['KO_DATA_PATH=/var/run/ko', 'GREETER_NAME=goslim']));
    expect(cfg.config.Env.find((e) => e.startsWith('PATH='))).toMatch(/:\/ko-app$/);
    expect(Object.keys(cfg.config.ExposedPorts)).toEqual(['8080/tcp']);
    expect(cfg.config.Labels.team).toBe('core');
    expect(cfg.history.slice(-2).map((h) => h.created_by)).toEqual([
      'goslim build: kodata contents, at /var/run/ko',
      'goslim build: example.com/greeter/cmd/greeter -> /ko-app/greeter',
    ]);
    expect(cfg.history.filter((h) => !(h as { empty_layer?: boolean }).empty_layer)).toHaveLength(cfg.rootfs.diff_ids.length);
    const viaDocker = JSON.parse(sh('skopeo', ['inspect', `docker-archive:${join(out, 'img.tar')}`])) as { Layers: string[] };
    expect(viaDocker.Layers).toHaveLength(p.base.layers + 2);
    expect(execFileSync('skopeo', ['inspect', '--raw', `oci-archive:${join(out, 'img.tar')}`]).equals(raw)).toBe(true);
    // Our own sources read both outputs back as the same, consistent image (base layers retyped and cached by the mutation).
    for (const ref of [`oci:${join(out, 'layout')}:latest`, `docker-archive:${join(out, 'img.tar')}`, `oci-archive:${join(out, 'img.tar')}`]) {
      const back = await openImage(ref);
      assertValidImage(back);
      expect(back.digest()).toBe(first.digest);
    }

    // umoci unpacks it; the binary is a static, stripped x86-64 ELF with mode 0755, owned by root.
    const bundle = join(work, 'bundle');
    sh('umoci', ['unpack', '--image', `${join(out, 'layout')}:latest`, bundle]);
    const bin = join(bundle, 'rootfs', 'ko-app', 'greeter');
    expect(statSync(bin).mode & 0o777).toBe(0o755);
    expect(statSync(bin).uid).toBe(0);
    expect(statSync(bin).size).toBe(p.binary.size);
    const header = sh('readelf', ['-h', '-l', '-S', bin]);
    expect(header).toMatch(/Machine:\s+Advanced Micro Devices X86-64/);
    expect(header).not.toMatch(/INTERP/);
    expect(header).not.toMatch(/\.symtab/);
    expect(readFileSync(join(bundle, 'rootfs', 'var', 'run', 'ko', 'motd.txt'), 'utf8')).toBe('served from kodata\n');
    // The base's files are there too (distroless-style passwd with nonroot).
    expect(readFileSync(join(bundle, 'rootfs', 'etc', 'passwd'), 'utf8')).toMatch(/nonroot:x:65532/);

    // SPDX SBOM beside both outputs, describing the binary's real build info.
    expect(first.sbom?.files).toEqual([`${join(out, 'layout')}.spdx.json`, `${join(out, 'img.tar')}.spdx.json`]);
    const spdx = JSON.parse(readFileSync(first.sbom!.files[0]!, 'utf8')) as {
      spdxVersion: string;
      packages: Array<{ name: string; versionInfo?: string; primaryPackagePurpose: string; checksums?: Array<{ checksumValue: string }> }>;
      relationships: Array<{ relationshipType: string }>;
    };
    expect(spdx.spdxVersion).toBe('SPDX-2.3');
    const goVersion = sh('go', ['env', 'GOVERSION']).trim().replace(/^go/, '');
    expect(spdx.packages.find((x) => x.name === 'stdlib')?.versionInfo).toBe(goVersion);
    const appPkg = spdx.packages.find((x) => x.primaryPackagePurpose === 'APPLICATION')!;
    expect(appPkg.name).toBe('example.com/greeter/cmd/greeter');
    expect(appPkg.checksums?.[0]?.checksumValue).toBe(sh('sha256sum', [bin]).split(' ')[0]);
  });

  it('is reproducible: a second build from clean caches (blob cache and Go build cache) gives the same digests', async () => {
    const r = await goslim(['build', './cmd/greeter', '--base', base, '--oci', join(work, 'out2'), '--port', '8080', '--label', 'team=core', '--env', 'GREETER_NAME=goslim', '--json'], {
      GOSLIM_CACHE: join(work, 'cache2'),
      GOCACHE: join(work, 'gocache2'),
    }, app);
    expect(r.code, r.stderr).toBe(0);
    const second = JSON.parse(r.stdout) as Summary;
    expect(second.digest).toBe(first.digest);
    expect(second.platforms[0]!.layers).toEqual(first.platforms[0]!.layers);
    expect(readFileSync(join(work, 'out2.spdx.json')).equals(readFileSync(first.sbom!.files[0]!))).toBe(true);
  }, 600_000);

  it('reuses the cache on an unchanged rebuild, and SOURCE_DATE_EPOCH changes the digest and the recorded times', async () => {
    const again = await goslim(['build', './cmd/greeter', '--base', base, '--oci', join(work, 'out3'), '--port', '8080', '--label', 'team=core', '--env', 'GREETER_NAME=goslim', '--json'], { GOSLIM_CACHE: cache1 }, app);
    const s = JSON.parse(again.stdout) as Summary & { buildMs: number };
    expect(s.digest).toBe(first.digest);
    expect(s.platforms[0]!.added.every((l) => l.reused)).toBe(true);
    const dated = await goslim(['build', './cmd/greeter', '--base', base, '--oci', join(work, 'out4'), '--sbom', 'none', '--json'], { GOSLIM_CACHE: cache1, SOURCE_DATE_EPOCH: '1700000000' }, app);
    const d = JSON.parse(dated.stdout) as Summary;
    expect(d.digest).not.toBe(first.digest);
    const cfg = JSON.parse(sh('skopeo', ['inspect', '--config', `oci:${join(work, 'out4')}:latest`])) as { created: string };
    expect(cfg.created).toBe('2023-11-14T22:13:20Z');
    expect(existsSync(join(work, 'out4.spdx.json'))).toBe(false);
  });

  it('builds a multi-arch index; each platform is listed and each binary has the right ELF machine', async () => {
    const r = await goslim(['build', './cmd/greeter', '--base', 'scratch', '--platform', 'linux/amd64,linux/arm64', '--oci', join(work, 'multi'), '--sbom', 'cyclonedx', '--json'], { GOSLIM_CACHE: cache1 }, app);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as Summary;
    expect(s.index).toBe(true);
    const index = JSON.parse(sh('skopeo', ['inspect', '--raw', `oci:${join(work, 'multi')}:latest`])) as {
      mediaType: string;
      manifests: Array<{ digest: string; platform: { os: string; architecture: string } }>;
    };
    expect(index.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(index.manifests.map((m) => `${m.platform.os}/${m.platform.architecture}`)).toEqual(['linux/amd64', 'linux/arm64']);
    const machines: Record<string, RegExp> = { amd64: /X86-64/, arm64: /AArch64/ };
    for (const arch of ['amd64', 'arm64']) {
      const dir = join(work, `unpack-${arch}`);
      sh('skopeo', ['copy', '--quiet', '--override-arch', arch, `oci:${join(work, 'multi')}:latest`, `oci:${join(work, `single-${arch}`)}:x`]);
      sh('umoci', ['unpack', '--image', `${join(work, `single-${arch}`)}:x`, dir]);
      expect(sh('readelf', ['-h', join(dir, 'rootfs', 'ko-app', 'greeter')])).toMatch(machines[arch]!);
      const cfg = JSON.parse(sh('skopeo', ['inspect', '--config', `oci:${join(work, `single-${arch}`)}:x`])) as { architecture: string };
      expect(cfg.architecture).toBe(arch);
    }
    const cdx = JSON.parse(readFileSync(join(work, 'multi.cdx.json'), 'utf8')) as { specVersion: string; components: Array<{ type: string }> };
    expect(cdx.specVersion).toBe('1.5');
    expect(cdx.components.filter((c) => c.type === 'application')).toHaveLength(2);
  }, 600_000);

  it('takes a Docker-typed base (legacy docker-archive) and writes a pure OCI manifest with the same base blobs', async () => {
    const dockerBase = fx.images['static-debian12-nonroot'].dockerArchive;
    const dir = join(work, 'from-docker');
    const r = await goslim(['build', './cmd/greeter', '--base', `docker-archive:${dockerBase}`, '--oci', dir, '--sbom', 'none', '--json'], { GOSLIM_CACHE: cache1 }, app);
    expect(r.code, r.stderr).toBe(0);
    const m = JSON.parse(sh('skopeo', ['inspect', '--raw', `oci:${dir}:latest`])) as { mediaType: string; layers: Array<{ mediaType: string; digest: string }> };
    expect(m.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    for (const l of m.layers) expect(l.mediaType).toMatch(/^application\/vnd\.oci\.image\.layer\.v1\.tar/);
    const baseDiffIds = fx.images['static-debian12-nonroot'].info.layers.map((l) => l.diffId);
    const cfg = JSON.parse(sh('skopeo', ['inspect', '--config', `oci:${dir}:latest`])) as { rootfs: { diff_ids: string[] } };
    expect(cfg.rootfs.diff_ids.slice(0, baseDiffIds.length)).toEqual(baseDiffIds);
    sh('umoci', ['unpack', '--image', `${dir}:latest`, join(work, 'from-docker-bundle')]);
    expect(existsSync(join(work, 'from-docker-bundle', 'rootfs', 'ko-app', 'greeter'))).toBe(true);
  });

  it('reports before/after against the fat Dockerfile image with --compare, in numbers that match the fixture', async () => {
    const fat = fx.images['fat-greeter'];
    const r = await goslim(['build', './cmd/greeter', '--base', base, '--oci', join(work, 'compared'), '--sbom', 'none', '--compare', `oci:${fat.oci}:latest`, '--json'], { GOSLIM_CACHE: cache1 }, app);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as Summary;
    const c = s.compare!;
    expect(c.before.compressed).toBe(fat.info.compressedSize + fat.info.configSize + fat.info.manifestSize);
    expect((c.before as unknown as { uncompressed: number }).uncompressed).toBe(fat.info.uncompressedSize);
    expect(c.after.compressed).toBe(s.platforms[0]!.size.compressed);
    expect(c.ratio.compressed).toBeGreaterThan(10);
  }, 600_000);

  it('puts several main packages in one image: one layer each, the first is the entrypoint', async () => {
    const dir = join(work, 'two');
    const r = await goslim(['build', './cmd/greeter', './cmd/probe', '--base', 'scratch', '--oci', dir, '--json'], { GOSLIM_CACHE: cache1 }, app);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as Summary & { packages: string[] };
    expect(s.packages).toEqual(['example.com/greeter/cmd/greeter', 'example.com/greeter/cmd/probe']);
    expect(s.platforms[0]!.added.map((l) => l.what)).toEqual(['kodata', 'binary greeter', 'binary probe']);
    const cfg = JSON.parse(sh('skopeo', ['inspect', '--config', `oci:${dir}:latest`])) as { config: { Entrypoint: string[] } };
    expect(cfg.config.Entrypoint).toEqual(['/ko-app/greeter']);
    sh('umoci', ['unpack', '--image', `${dir}:latest`, join(work, 'two-bundle')]);
    expect(sh(join(work, 'two-bundle', 'rootfs', 'ko-app', 'probe'), [])).toBe('probe ok\n');
    const spdx = JSON.parse(readFileSync(`${dir}.spdx.json`, 'utf8')) as { packages: Array<{ primaryPackagePurpose: string }> };
    expect(spdx.packages.filter((p) => p.primaryPackagePurpose === 'APPLICATION')).toHaveLength(2);
    const clash = await goslim(['build', './cmd/probe', './cmd/probe', '--base', 'scratch', '--oci', join(work, 'clash')], { GOSLIM_CACHE: cache1 }, app);
    expect(clash.code).toBe(2);
    expect(clash.stderr).toMatch(/E_USAGE/);
  });

  it('answers input errors with exit 2 and a stable code, without a stack trace', async () => {
    const noOut = await goslim(['build', './cmd/greeter', '--base', 'scratch'], { GOSLIM_CACHE: cache1 }, app);
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toMatch(/E_USAGE/);
    expect(noOut.stderr).not.toMatch(/\n\s+at /);
    const notMain = await goslim(['build', './internal/api', '--base', 'scratch', '--oci', join(work, 'x')], { GOSLIM_CACHE: cache1 }, app);
    expect(notMain.code).toBe(2);
    expect(notMain.stderr).toMatch(/E_USAGE/);
    const badPlatform = await goslim(['build', '.', '--platform', 'linux', '--oci', join(work, 'y')], {}, join(app, 'cmd', 'greeter'));
    expect(badPlatform.code).toBe(2);
    const wrongArchBase = await goslim(['build', './cmd/greeter', '--base', base, '--platform', 'linux/arm64', '--oci', join(work, 'z')], { GOSLIM_CACHE: cache1 }, app);
    expect(wrongArchBase.code).toBe(2);
    expect(wrongArchBase.stderr).toMatch(/E_PLATFORM/);
    // The result is verified before anything is written: a named user on scratch cannot be resolved.
    const unstartable = await goslim(['build', './cmd/greeter', '--base', 'scratch', '--user', 'appuser', '--oci', join(work, 'never')], { GOSLIM_CACHE: cache1 }, app);
    expect(unstartable.code).toBe(1);
    expect(unstartable.stderr).toMatch(/would not start/);
    expect(existsSync(join(work, 'never'))).toBe(false);
  });
});

describeWithTools(['dist'], 'the installed CLI (bin/goslim.js, built dist)', () => {
  it('exits 2 with a stable code on stderr for a usage error, and 0 for --help', () => {
    const bin = join(REPO_ROOT, 'bin', 'goslim.js');
    const help = spawnSync(process.execPath, [bin, 'build', '--help'], { encoding: 'utf8', timeout: 60_000 });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/--platform <list>/);
    const bad = spawnSync(process.execPath, [bin, 'build', join(REPO_ROOT, 'examples', 'greeter', 'cmd', 'greeter'), '--base', 'scratch'], { encoding: 'utf8', timeout: 60_000 });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^goslim: error E_USAGE: /);
    expect(bad.stdout).toBe('');
  });
});

describeWithTools(FIXTURE_TOOLS, 'goslim build output runs', () => {
  // Container storage is shared with the other harness tests: one harness at a time (the lock).
  it('runs under podman and answers HTTP on /hello', async () => {
    await withContainerHarness({}, async (h) => {
      const ref = `${h.registry.address}/goslim/greeter:e2e`;
      const r = await goslim(['build', './cmd/greeter', '--base', base, '--push', ref, '--sbom', 'none', '--json'], { GOSLIM_CACHE: join(work, 'cache1') }, app);
      expect(r.code, r.stderr).toBe(0);
      const run = await h.podmanRun(ref, { publish: [{ container: 8080 }] });
      const port = run.ports.get(8080)!;
      let answer = { status: 0, body: '' };
      // Bounded wait for the service to listen: 50 tries, 200 ms apart.
      for (let i = 0; i < 50 && answer.status !== 200; i++) {
        answer = await httpGet(`http://127.0.0.1:${port}/hello`, 2000).catch(() => ({ status: 0, body: '' }));
        if (answer.status !== 200) await new Promise((res) => setTimeout(res, 200));
      }
      expect(answer.status).toBe(200);
      expect(answer.body).toMatch(/hello/);
      const logs = await h.podmanLogs(run.id);
      expect(logs.stdout + logs.stderr).toMatch(/listening on/);
      await h.podmanRm(run.id);

      // The --tar output loads like a `docker save` archive and runs.
      const tar = join(work, 'load.tar');
      const t = await goslim(['build', './cmd/greeter', '--base', base, '--tar', tar, '--tag', 'goslim-e2e/greeter:tar', '--sbom', 'none'], { GOSLIM_CACHE: join(work, 'cache1') }, app);
      expect(t.code, t.stderr).toBe(0);
      const loaded = await h.tool('podman', ['load', '-i', tar]);
      expect(loaded.exitCode, loaded.stderr).toBe(0);
      expect(loaded.stdout).toMatch(/goslim-e2e\/greeter:tar/);
      const version = await h.podmanRun('goslim-e2e/greeter:tar', { detach: false, args: ['-version'] });
      expect(version.exitCode, version.stderr).toBe(0);
      expect(version.stdout).toMatch(/CGO_ENABLED=0/);
    });
  }, 1_800_000);
});
