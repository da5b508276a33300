/**
 * `goslim verify` end to end, on the real fixture images built offline from Debian packages
 * (test/fixtures/images): the four-lever image passes, cgo-on-static fails on its loader,
 * the fat single-stage image passes with warnings; each static verdict is confirmed by --run.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, expect, it } from 'vitest';
import { ensureFixtureImages, REPO_ROOT, type FixtureImages } from '../helpers/images.js';
import { FIXTURE_TOOLS, describeWithTools } from '../helpers/tools.js';

const run = promisify(execFile);
const BIN = join(REPO_ROOT, 'bin/goslim.js');

async function goslim(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [BIN, ...args], { maxBuffer: 64 << 20, timeout: 300_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The JSON report, or a failure that shows what goslim said instead. */
function reportOf(r: { code: number; stdout: string; stderr: string }): any {
  expect(r.stdout, `exit ${r.code}, stderr:\n${r.stderr}`).not.toBe('');
  return JSON.parse(r.stdout);
}

/**
 * The service's port inside the container. No host port is chosen here: the namespaces sandbox has a
 * network namespace of its own, and podman publishes the port on a free host port it binds itself.
 */
const PORT = 8080;

let fx: FixtureImages;
beforeAll(async () => {
  fx = await ensureFixtureImages();
});

describeWithTools([...FIXTURE_TOOLS, 'dist'], 'goslim verify on the fixture images', () => {
  it('the four-lever image will start, and does', async () => {
    const r = await goslim(['verify', '--json', '--run', `oci:${fx.images['slim-four-levers'].oci}`]);
    expect(r.code).toBe(0);
    const report = reportOf(r);
    expect(report.verdict).toBe('pass');
    expect(report.checks.find((c: { id: string }) => c.id === 'interpreter').status).toBe('pass');
    if (report.run.sandbox !== 'none') expect(report.run.started).toBe(true);
  });

  it('cgo-on-static will not start: the loader is missing (exit 1), confirmed by running it', async () => {
    const r = await goslim(['verify', '--run', `docker-archive:${fx.images['cgo-on-static'].dockerArchive}`]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('WILL NOT START');
    expect(r.stdout).toMatch(/the runtime says: exec \/\S+: no such file or directory/);
    expect(r.stdout).toMatch(/run \((unshare|bwrap)\): DID NOT START|run: not run/);
  });

  it('the fat single-stage image starts, with warnings (root user)', { timeout: 400_000 }, async () => {
    const r = await goslim(['verify', '--json', '--run', '--timeout', '2s', `oci:${fx.images['fat-greeter'].oci}`]);
    expect(r.code).toBe(0);
    const report = reportOf(r);
    expect(report.verdict).toBe('warn');
    expect(report.checks.filter((c: { status: string }) => c.status === 'fail')).toEqual([]);
    expect(report.checks.find((c: { id: string }) => c.id === 'user').status).toBe('warn');
    if (report.run.sandbox !== 'none') expect(report.run.started).toBe(true);
  });

  it('--probe gets an HTTP answer from the four-lever image, with podman and in namespaces', { timeout: 300_000 }, async () => {
    for (const sandbox of ['podman', 'namespaces'] as const) {
      const port = PORT;
      const r = await goslim([
        'verify', '--json', '--sandbox', sandbox, '--timeout', '10000', '--args', `-addr :${port}`,
        '--probe', `http://127.0.0.1:${port}/hello?name=probe`, `oci:${fx.images['slim-four-levers'].oci}`,
      ]);
      const report = reportOf(r);
      expect(report.run.sandbox).toBe(sandbox === 'podman' ? 'podman' : 'bwrap');
      expect(report.run.probe).toMatchObject({ status: 200 });
      expect(report.run.probe.body).toContain('hello, probe');
      expect(r.code).toBe(0);
    }
  });

  it('--probe with podman shows the runtime refusing cgo-on-static, as docker run would', { timeout: 300_000 }, async () => {
    const port = PORT;
    const r = await goslim(['verify', '--json', '--sandbox', 'podman', '--timeout', '5000', '--probe', `http://127.0.0.1:${port}/healthz`, `oci:${fx.images['cgo-on-static'].oci}`]);
    expect(r.code).toBe(1);
    const report = reportOf(r);
    expect(report.run).toMatchObject({ sandbox: 'podman', started: false });
    expect(report.run.output.join('\n')).toContain('exec /greeter: no such file or directory');
  });

  it('bad references are input errors with a code', async () => {
    const r = await goslim(['verify', 'oci:/nonexistent/layout']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/goslim: error E_[A-Z_]+:/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
