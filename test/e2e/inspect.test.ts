/**
 * `goslim inspect` on the real fixture images (built offline from Debian packages by
 * test/fixtures/images/make-images.sh): the issue 3 proofs.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { InspectReport } from '../../src/analysis/inspect.js';
import { runCli } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/context.js';
import { ensureFixtureImages, REPO_ROOT, type FixtureImages, type FixtureShape } from '../helpers/images.js';
import { startRegistry, type RegistryHandle } from '../helpers/registry.js';
import { FIXTURE_TOOLS, describeWithTools } from '../helpers/tools.js';


interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), isTTY: false, env, cwd: REPO_ROOT };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

async function inspectJson(ref: string, env?: NodeJS.ProcessEnv, extra: string[] = []): Promise<InspectReport> {
  // --allow-not-starting: these tests read the report of every fixture, broken ones included.
  const r = await cli(['inspect', ref, '--json', '--allow-not-starting', ...extra], env);
  if (r.code !== 0) throw new Error(`inspect ${ref} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as InspectReport;
}

/** What must not depend on where the image came from (stored blob sizes and digests may). */
function sourceIndependent(r: InspectReport): unknown {
  return {
    size: r.image.size,
    fileBytes: r.image.fileBytes,
    files: r.image.files,
    platform: r.image.platform,
    layers: r.layers.map((l) => ({ diffId: l.diffId, size: l.size, createdBy: l.createdBy, files: l.files, added: l.added, modified: l.modified, deleted: l.deleted })),
    causes: r.causes,
    packages: r.packages,
    goBinaries: r.goBinaries,
    wasted: r.wasted,
    levers: r.levers,
    headline: r.headline,
    estimate: { size: r.estimate.size, compressedSize: r.estimate.compressedSize },
  };
}

describeWithTools(FIXTURE_TOOLS, 'goslim inspect on the fixture images', () => {
  let fx: FixtureImages;
  let fat: InspectReport;

  beforeAll(async () => {
    fx = await ensureFixtureImages();
    fat = await inspectJson(`oci:${fx.images['fat-greeter'].oci}`);
  });

  it('reports the image and its layers with their instructions', () => {
    const info = fx.images['fat-greeter'].info;
    expect(fat.image.size).toBe(info.uncompressedSize);
    expect(fat.image.compressedSize).toBe(info.compressedSize);
    expect(fat.image.digest).toBe(info.manifestDigest);
    expect(fat.image.platform).toBe('linux/amd64');
    expect(fat.layers.map((l) => l.diffId)).toEqual(info.layers.map((l) => l.diffId));
    expect(fat.layers.map((l) => l.createdBy)).toEqual(info.layers.map((l) => l.createdBy));
    expect(fat.layers.map((l) => l.size)).toEqual(info.layers.map((l) => l.uncompressedSize));
    // every byte of the final filesystem in exactly one cause
    expect(fat.causes.reduce((s, c) => s + c.bytes, 0)).toBe(fat.image.fileBytes);
  });

  it('the toolchain cause covers >= 90 % of the toolchain packages’ installed size', () => {
    const toolchain = fat.causes.find((c) => c.id === 'go-toolchain');
    const installed = fx.json.fat.toolchain.installedSize;
    expect(toolchain?.bytes ?? 0).toBeGreaterThanOrEqual(0.9 * installed);
    // and not more than what is there (dpkg Installed-Size rounds each file up to 1 KiB)
    expect(toolchain?.bytes ?? 0).toBeLessThanOrEqual(installed * 1.05);
    const mod = fat.causes.find((c) => c.id === 'go-module-cache');
    expect(mod?.bytes ?? 0).toBeGreaterThan(0.9 * fx.json.fat.moduleCache.diskUsage - 2_000_000);
    expect(fat.causes.find((c) => c.id === 'go-build-cache')?.bytes ?? 0).toBeGreaterThan(0);
  });

  it('finds the dynamic, unstripped Go binary and ranks multi-stage first', () => {
    // paths are absolute in the image, in JSON as in text
    const bin = fat.goBinaries.find((b) => b.path === fx.json.fat.binaryPath);
    expect(bin).toBeDefined();
    expect(bin?.linking).toBe('dynamic');
    expect(bin?.willStart).toBe(true);
    expect(bin?.size).toBe(fx.json.binaries['greeter-cgo'].size);
    expect(bin?.strip.total).toBeGreaterThan(0);
    expect(fat.levers[0]?.id).toBe('multi-stage');
    for (let i = 1; i < fat.levers.length; i++) expect(fat.levers[i - 1]!.bytes).toBeGreaterThanOrEqual(fat.levers[i]!.bytes);
    expect(fat.levers.map((l) => l.id)).toEqual(expect.arrayContaining(['multi-stage', 'static-base', 'cgo-off', 'strip-symbols', 'trimpath']));
    expect(fat.headline).toMatch(/^fix this first: \d+ MB of Go toolchain/);
  });

  it('estimates the fat image after all levers within 25 % of the real four-lever image', async () => {
    const slim = await inspectJson(`oci:${fx.images['slim-four-levers'].oci}`);
    const real = slim.image.size;
    expect(Math.abs(fat.estimate.size - real) / real).toBeLessThanOrEqual(0.25);
    const realCompressed = fx.images['slim-four-levers'].info.compressedSize;
    expect(Math.abs(fat.estimate.compressedSize - realCompressed) / realCompressed).toBeLessThanOrEqual(0.5);
    // the slim image itself: nothing big left, its binary is static, stripped and trimmed
    expect(slim.levers.filter((l) => l.bytes > 100_000)).toEqual([]);
    expect(slim.goBinaries[0]).toMatchObject({ linking: 'static', willStart: true, strip: { total: 0 } });
  });

  it('says the cgo binary on a static base will not start', async () => {
    const r = await inspectJson(`oci:${fx.images['cgo-on-static'].oci}`);
    expect(r.goBinaries).toHaveLength(1);
    expect(r.goBinaries[0]?.willStart).toBe(false);
    expect(r.goBinaries[0]?.problem).toContain('ld-linux');
    const cgo = r.levers.find((l) => l.id === 'cgo-off');
    expect(cgo?.verdict).toBe('will not start');
    expect(r.headline).toMatch(/^broken: /);
    const text = await cli(['inspect', `oci:${fx.images['cgo-on-static'].oci}`]);
    // an image that will not start: exit 1, and the start verdict heads the text above every lever
    expect(text.code).toBe(1);
    expect(text.stderr).toContain('--allow-not-starting');
    expect(text.stdout).toContain('WILL NOT START');
    expect(text.stdout.indexOf('Will it start?')).toBeLessThan(text.stdout.indexOf('Levers, biggest first'));
    expect(text.stdout.indexOf('Will it start?')).toBeLessThan(text.stdout.indexOf('Layers'));
    expect(r.levers[0]?.id).toBe('cgo-off');
    expect((await cli(['inspect', `oci:${fx.images['cgo-on-static'].oci}`, '--allow-not-starting'])).code).toBe(0);
    // the "will it start" section: verify's static checks from the same pass
    expect(r.startup.verdict).toBe('fail');
    expect(r.startup.checks.find((c: { id: string }) => c.id === 'interpreter')).toMatchObject({ status: 'fail', runtimeMessage: 'exec /greeter: no such file or directory' });
    expect(text.stdout).toMatch(/Will it start\? WILL NOT START/);
    const slim = await inspectJson(`oci:${fx.images['slim-four-levers'].oci}`);
    expect(slim.startup.verdict).toBe('pass');
  });

  it('gives identical results from every local source shape', async () => {
    for (const name of ['cgo-on-static', 'base-debian12-nonroot'] as const) {
      const img = fx.images[name];
      const refs: Record<FixtureShape, string> = {
        oci: `oci:${img.oci}`,
        ociArchive: `oci-archive:${img.ociArchive}`,
        dockerArchive: `docker-archive:${img.dockerArchive}`,
        docker25: `docker-archive:${img.docker25}`,
        containerd: `docker-archive:${img.containerd}`,
      };
      const base = sourceIndependent(await inspectJson(refs.oci));
      for (const shape of ['ociArchive', 'dockerArchive', 'docker25', 'containerd'] as const) {
        expect(sourceIndependent(await inspectJson(refs[shape])), `${name} as ${shape}`).toEqual(base);
      }
    }
  });

  it('gives the same report on the worker thread, on the main thread and with --verify-diff-ids', async () => {
    for (const shape of ['oci', 'dockerArchive'] as const) {
      const ref = `${shape === 'oci' ? 'oci' : 'docker-archive'}:${fx.images['cgo-on-static'][shape]}`;
      const worker = await inspectJson(ref);
      const strict = await inspectJson(ref, process.env, ['--verify-diff-ids']);
      const before = process.env.GOSLIM_WORKER;
      process.env.GOSLIM_WORKER = '0';
      let mainThread: InspectReport;
      try {
        mainThread = await inspectJson(ref);
      } finally {
        if (before === undefined) delete process.env.GOSLIM_WORKER;
        else process.env.GOSLIM_WORKER = before;
      }
      expect(strict, shape).toEqual(worker);
      expect(mainThread, shape).toEqual(worker);
    }
  });

  it('reads layers on its worker thread from a host started as an ES module (node --input-type=module)', () => {
    const ref = `oci:${fx.images['cgo-on-static'].oci}`;
    const code = `const { inspectImageRef } = await import(${JSON.stringify(join(REPO_ROOT, 'dist', 'index.js'))});
      const r = await inspectImageRef(${JSON.stringify(ref)});
      console.log(JSON.stringify({ size: r.image.size, lever: r.levers[0]?.id }));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { size: number; lever: string };
    expect(out.size).toBeGreaterThan(0);
    expect(out.lever).toBe('cgo-off'); // the lever that fixes "will not start" comes first
  });

  it('enforces budgets with one line per reason and exit 1', async () => {
    const ref = `oci:${fx.images['cgo-on-static'].oci}`;
    const over = await cli(['inspect', ref, '--allow-not-starting', '--max-size', '1MB', '--max-compressed-size', '1MB', '--fail-on-lever', 'cgo-off,strip-symbols']);
    expect(over.code).toBe(1);
    const reasons = over.stderr.trim().split('\n');
    expect(reasons).toHaveLength(4);
    expect(reasons.every((l) => l.startsWith('goslim: budget: '))).toBe(true);
    const ok = await cli(['inspect', ref, '--json', '--allow-not-starting', '--max-size', '50MB', '--min-efficiency', '95%', '--fail-on-lever', 'multi-stage']);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toBe('');
    const bad = await cli(['inspect', ref, '--fail-on-lever', 'smaller-please']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('E_USAGE');
    const arm = await cli(['inspect', ref, '--platform', 'linux/arm64']);
    expect(arm.code).toBe(2);
    expect(arm.stderr).toContain('E_PLATFORM');
    const amd = await cli(['inspect', ref, '--platform', 'linux/amd64', '--json']);
    expect((JSON.parse(amd.stdout) as InspectReport).image.platform).toBe('linux/amd64');
    const nothing = await cli(['inspect', 'oci:/nonexistent/goslim-image']);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).not.toContain('    at ');
  });

  it('prints no progress bar when stderr is not a TTY (spawned CLI)', async () => {
    const r = await new Promise<{ code: number | null; stderr: string; stdout: string }>((resolve) => {
      execFile(process.execPath, [join(REPO_ROOT, 'bin', 'goslim.js'), 'inspect', `oci:${fx.images['slim-four-levers'].oci}`], { timeout: 120_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(r.code).toBe(0);
    // No progress output of any kind: no carriage returns, no escape codes, no bar.
    expect(r.stderr).not.toContain('\r');
    expect(r.stderr).not.toContain('\u001b[');
    expect(r.stderr).not.toContain('inspect [');
    expect(r.stdout).not.toContain('\r');
    expect(r.stdout).toContain('Levers, biggest first');
  });
});

describeWithTools([...FIXTURE_TOOLS, 'docker-registry'], 'goslim inspect from a registry', () => {
  let reg: RegistryHandle;
  let dockerConfig: string;
  let fx: FixtureImages;

  beforeAll(async () => {
    fx = await ensureFixtureImages();
    reg = await startRegistry({ auth: 'htpasswd' });
    dockerConfig = mkdtempSync(join(tmpdir(), 'goslim-inspect-auth-'));
    const auth = Buffer.from(`${reg.username}:${reg.password}`).toString('base64');
    writeFileSync(join(dockerConfig, 'config.json'), JSON.stringify({ auths: { [reg.host]: { auth } } }));
    execFileSync(
      'skopeo',
      ['copy', '-q', '--dest-tls-verify=false', '--dest-creds', `${reg.username}:${reg.password}`, `oci:${fx.images['cgo-on-static'].oci}`, `docker://${reg.host}/goslim/cgo-on-static:latest`],
      { timeout: 120_000 },
    );
  });

  afterAll(async () => {
    await reg?.stop();
    if (dockerConfig) rmSync(dockerConfig, { recursive: true, force: true });
  });

  it('gives the same result as the OCI layout, with credentials from DOCKER_CONFIG, and never prints them', async () => {
    const env = { ...process.env, DOCKER_CONFIG: dockerConfig };
    const r = await cli(['inspect', `docker://${reg.host}/goslim/cgo-on-static:latest`, '--json', '--allow-not-starting'], env);
    expect(r.code, r.stderr).toBe(0);
    const fromRegistry = JSON.parse(r.stdout) as InspectReport;
    const fromLayout = await inspectJson(`oci:${fx.images['cgo-on-static'].oci}`);
    expect(sourceIndependent(fromRegistry)).toEqual(sourceIndependent(fromLayout));
    expect(r.stdout + r.stderr).not.toContain(reg.password);
  });
});
