/**
 * Every platform of an index (issue 18): a two-platform index built by `goslim build` (Go
 * cross-compiles the bundled greeter for linux/amd64 and linux/arm64) is inspected and verified
 * with `--platform all`, from its OCI layout and from a real registry; `verify --run` starts the
 * amd64 image natively and the arm64 one under QEMU user emulation (qemu-aarch64-static from
 * Debian's qemu-user-static, started directly: this sandbox has no binfmt_misc). Without QEMU
 * (its lookup pointed at an empty directory) the arm64 run is reported as skipped, never as
 * "did not start". A base with a single platform is a clear E_PLATFORM before anything is built.
 */
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runInProcess } from '../helpers/in-process-cli.js';
import { hostArchitecture } from '../../src/verify/emulation.js';
import { ensureFixtureImages, REPO_ROOT, type FixtureImages } from '../helpers/images.js';
import { startRegistry, type RegistryHandle } from '../helpers/registry.js';
import { FIXTURE_TOOLS, describeWithTools } from '../helpers/tools.js';

const goslim = runInProcess;

interface VerifyJson {
  image: { platform: string };
  verdict: string;
  checks: Array<{ id: string; status: string; message: string }>;
  run?: { sandbox: string; started: boolean; exitCode: number | null; skipped?: boolean; reason?: string; output: string[]; emulator?: { kind: string; path: string; platform: string } };
}

interface InspectJson {
  image: { platform: string; size: number; compressedSize: number };
  goBinaries: Array<{ path: string }>;
  levers: Array<{ id: string }>;
  startup: { verdict: string };
}

const work = mkdtempSync(join(tmpdir(), 'goslim-platforms-e2e-'));
const app = join(work, 'greeter');
const layout = join(work, 'multi');
const env = { GOSLIM_CACHE: join(work, 'cache') };
let fx: FixtureImages;
let reg: RegistryHandle | undefined;

beforeAll(async () => {
  cpSync(join(REPO_ROOT, 'examples', 'greeter'), app, { recursive: true });
  fx = await ensureFixtureImages();
}, 900_000);

afterAll(async () => {
  await reg?.stop();
  rmSync(work, { recursive: true, force: true });
});

describeWithTools([...FIXTURE_TOOLS, 'prlimit', 'qemu-aarch64-static', 'docker-registry'], '--platform all on a two-platform index built by goslim build', () => {
  it('builds the index (Go cross-compiles arm64)', async () => {
    const r = await goslim(['build', './cmd/greeter', '--base', 'scratch', '--platform', 'linux/amd64,linux/arm64', '--oci', layout, '--sbom', 'none', '--json'], env, app);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { platforms: Array<{ platform: string }> }).platforms.map((p) => p.platform)).toEqual(['linux/amd64', 'linux/arm64']);
  }, 600_000);

  it('inspect --platform all: one report per platform (JSON list), a summary table and a section each (text)', async () => {
    const json = await goslim(['inspect', '--platform', 'all', '--json', `oci:${layout}:latest`]);
    expect(json.code, json.stderr).toBe(0);
    const reports = JSON.parse(json.stdout) as InspectJson[];
    expect(reports.map((r) => r.image.platform)).toEqual(['linux/amd64', 'linux/arm64']);
    for (const r of reports) {
      expect(r.goBinaries.map((b) => b.path)).toEqual(['/ko-app/greeter']);
      expect(r.image.size).toBeGreaterThan(1_000_000);
      expect(r.startup.verdict).not.toBe('fail');
    }
    // The same figures as inspecting each platform on its own.
    for (const r of reports) {
      const one = await goslim(['inspect', '--platform', r.image.platform, '--json', `oci:${layout}:latest`]);
      expect(JSON.parse(one.stdout)).toEqual(r);
    }

    const text = await goslim(['inspect', '--platform', 'all', `oci:${layout}:latest`]);
    expect(text.code, text.stderr).toBe(0);
    const lines = text.stdout.split('\n');
    expect(lines[0]).toBe(`oci:${layout}:latest: 2 platforms`);
    expect(lines[1]).toMatch(/^ {2}platform\s+size\s+stored\s+will it start\s+levers$/);
    expect(lines[2]).toMatch(/^ {2}linux\/amd64\s/);
    expect(lines[3]).toMatch(/^ {2}linux\/arm64\s/);
    expect(text.stdout).toMatch(/── linux\/amd64 ─+\n/);
    expect(text.stdout).toMatch(/── linux\/arm64 ─+\n/);
    expect(text.stdout.indexOf('── linux/amd64')).toBeLessThan(text.stdout.indexOf('── linux/arm64'));

    // A budget holds for every platform: one line per platform that misses it, exit 1.
    const limit = Math.min(...reports.map((r) => r.image.size)) - 1;
    const budget = await goslim(['inspect', '--platform', 'all', '--json', '--max-size', String(limit), `oci:${layout}:latest`]);
    expect(budget.code).toBe(1);
    expect(budget.stderr.trim().split('\n')).toHaveLength(2);
    expect(budget.stderr).toMatch(/^goslim: budget: linux\/amd64: /m);
    expect(budget.stderr).toMatch(/^goslim: budget: linux\/arm64: /m);
  }, 300_000);

  it('verify --platform all --run: amd64 starts natively, arm64 under qemu-aarch64-static', async () => {
    const r = await goslim(['verify', '--platform', 'all', '--run', '--args', '-version', '--timeout', '30000', '--json', `oci:${layout}:latest`]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const reports = JSON.parse(r.stdout) as VerifyJson[];
    expect(reports.map((x) => x.image.platform)).toEqual(['linux/amd64', 'linux/arm64']);
    const [amd64, arm64] = reports as [VerifyJson, VerifyJson];
    expect(amd64.run).toMatchObject({ sandbox: 'bwrap', started: true, exitCode: 0 });
    expect(amd64.run!.emulator).toBeUndefined();
    expect(arm64.run).toMatchObject({ sandbox: 'bwrap', started: true, exitCode: 0, emulator: { kind: 'qemu', platform: 'linux/arm64' } });
    expect(arm64.run!.emulator!.path).toMatch(/\/qemu-aarch64-static$/);
    for (const x of reports) {
      // -version prints "VERSION (goVERSION, CGO_ENABLED=0, trimpath=true)" and exits 0.
      expect(x.run!.output.join('\n')).toMatch(/\(go1\.\d+(\.\d+)?, CGO_ENABLED=0, trimpath=true\)/);
      expect(x.checks.find((c) => c.id === 'run')).toMatchObject({ status: 'pass' });
      expect(x.checks.find((c) => c.id === 'architecture')).toMatchObject({ status: 'pass' });
      expect(x.verdict).not.toBe('fail');
    }

    const text = await goslim(['verify', '--platform', 'all', '--run', '--args', '-version', '--timeout', '30000', `oci:${layout}:latest`]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^ {2}linux\/arm64\s+(will start|starts, warnings); started \(qemu-aarch64-static\)/m);
    expect(text.stdout).toMatch(/run \(bwrap, linux\/arm64 under \/\S+\/qemu-aarch64-static\): started: exited with code 0/);
    expect(text.stdout).not.toContain('DID NOT START');
  }, 300_000);

  it('without QEMU the arm64 run is skipped, not failed; the verdict header says the static checks stand alone', async () => {
    const empty = mkdtempSync(join(work, 'no-qemu-'));
    const noQemu = { GOSLIM_QEMU_PATH: empty, GOSLIM_BINFMT_MISC: empty };
    const r = await goslim(['verify', '--platform', 'all', '--run', '--args', '-version', '--timeout', '30000', '--json', `oci:${layout}:latest`], noQemu);
    expect(r.code, r.stderr).toBe(0);
    const [amd64, arm64] = JSON.parse(r.stdout) as [VerifyJson, VerifyJson];
    expect(amd64.run).toMatchObject({ started: true, exitCode: 0 });
    expect(arm64.run).toMatchObject({ sandbox: 'none', started: false, skipped: true, output: [] });
    expect(arm64.run!.reason).toContain(`cannot run linux/arm64 on this linux/${hostArchitecture()} host`);
    expect(arm64.checks.find((c) => c.id === 'run')).toMatchObject({ status: 'skip' });
    expect(arm64.verdict).not.toBe('fail');

    const single = await goslim(['verify', '--platform', 'linux/arm64', '--run', `oci:${layout}:latest`], noQemu);
    expect(single.code).toBe(0);
    const [header] = single.stdout.split('\n');
    expect(header).toMatch(/\(linux\/arm64\): (will start|starts, with warnings) \(static checks only; the run was skipped\)$/);
    expect(single.stdout).toContain(`run: skipped: cannot run linux/arm64 on this linux/${hostArchitecture()} host`);
    expect(single.stdout).not.toMatch(/DID NOT START|did not start/);
  }, 300_000);

  it('--platform all reads the index from a registry too', async () => {
    reg = await startRegistry();
    const ref = `${reg.host}/goslim/multi:v1`;
    const pushed = await goslim(['push', `oci:${layout}:latest`, ref], env);
    expect(pushed.code, pushed.stderr).toBe(0);
    const fromLayout = JSON.parse((await goslim(['inspect', '--platform', 'all', '--json', `oci:${layout}:latest`])).stdout) as InspectJson[];
    const r = await goslim(['inspect', '--platform', 'all', '--json', ref]);
    expect(r.code, r.stderr).toBe(0);
    const fromRegistry = JSON.parse(r.stdout) as InspectJson[];
    expect(fromRegistry.map((x) => x.image.platform)).toEqual(['linux/amd64', 'linux/arm64']);
    expect(fromRegistry.map((x) => [x.image.size, x.image.compressedSize])).toEqual(fromLayout.map((x) => [x.image.size, x.image.compressedSize]));
  }, 300_000);

  it('a single-platform base for two platforms is E_PLATFORM naming the missing one and how to pick a base; nothing is written', async () => {
    const base = `oci:${fx.images['static-debian12-nonroot'].oci}:latest`;
    const out = join(work, 'never');
    const r = await goslim(['build', './cmd/greeter', '--base', base, '--platform', 'linux/amd64,linux/arm64', '--oci', out, '--sbom', 'none'], env, app);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/E_PLATFORM/);
    expect(r.stderr).toContain(`base ${base} has no linux/arm64 image (it has linux/amd64)`);
    expect(r.stderr).toContain('multi-platform base');
    expect(r.stderr).toContain('--platform linux/amd64');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);
  }, 300_000);
});
