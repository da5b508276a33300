/**
 * The glibc-version proof (issue 15): a cgo binary built here (Debian 12, glibc 2.36, Go 1.19)
 * needs GLIBC_2.34. On a base made from a real Debian 11 root file system (glibc 2.31,
 * test/fixtures/glibc/make-glibc-images.sh) the loader refuses it; `verify` predicts the
 * refusal in the loader's own words, and a sandboxed run shows the loader saying exactly that.
 * On a Debian 12 base the same binary passes and starts.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildFixture } from '../../test/fixtures/go/build-fixtures.js';
import { REPO_ROOT } from '../../test/helpers/images.js';
import { describeWithTools, FIXTURE_TOOLS } from '../../test/helpers/tools.js';
import { openImage } from '../image/open.js';
import { buildTestImage, dir, file, symlink } from '../image/testing/index.js';
import { chooseSandbox, verifyImage } from './index.js';

const OUT = join(REPO_ROOT, 'test', '.work', 'glibc-images');
const SCRIPT = join(REPO_ROOT, 'test', 'fixtures', 'glibc', 'make-glibc-images.sh');

describeWithTools([...FIXTURE_TOOLS, 'gcc'], 'glibc symbol versions: Debian 12 build on Debian 11 and 12 bases', () => {
  beforeAll(async () => {
    const binary = await buildFixture({ name: 'server.default', program: 'server' });
    await new Promise<void>((resolve, reject) => {
      execFile('bash', [SCRIPT, OUT, binary], { timeout: 20 * 60_000, maxBuffer: 64 << 20 }, (err, _out, stderr) =>
        err ? reject(new Error(`make-glibc-images.sh failed: ${stderr.split('\n').slice(-25).join('\n')}`)) : resolve(),
      );
    });
  });

  it('on Debian 11 (glibc 2.31): verify predicts the loader refusal, and the real run prints it', async () => {
    const image = await openImage(`oci:${join(OUT, 'oci', 'cgo-on-bullseye')}`);
    const report = await verifyImage(image);
    expect(report.verdict).toBe('fail');
    expect(report.checks.filter((c) => c.status === 'fail').map((c) => c.id)).toEqual(['symbol-versions']);
    const check = report.checks.find((c) => c.id === 'symbol-versions')!;
    const predicted = check.runtimeMessage!.split('\n');
    expect(predicted).toContain("/app: /lib/x86_64-linux-gnu/libc.so.6: version `GLIBC_2.34' not found (required by /app)");
    // Read from the image's own libc (a symlink to libc-2.31.so) and named with dpkg's glibc release.
    expect(check.message).toContain('glibc 2.31, defines up to GLIBC_2.30');
    expect(check.fix).toContain('glibc >= 2.34 and the image has 2.31');
    expect(check.fix).toMatch(/distribution release.*glibc at least as new/);

    const sandbox = chooseSandbox();
    if (sandbox.kind === 'none') return expect.fail(`no sandbox to confirm the prediction: ${sandbox.reason ?? ''}`);
    const run = (await verifyImage(image, { run: { timeoutMs: 3000 } })).run!;
    expect(run.started).toBe(false);
    const real = run.output.filter((l) => l.includes('not found (required by'));
    // The loader's lines are the predicted ones, no more, no fewer.
    expect(real.map((l) => l.trim()).sort()).toEqual([...predicted].sort());
  });

  it('on Debian 12 (glibc 2.36): the same binary passes and starts', async () => {
    const image = await openImage(`oci:${join(OUT, 'oci', 'cgo-on-bookworm')}`);
    const report = await verifyImage(image);
    expect(report.checks.filter((c) => c.status === 'fail')).toEqual([]);
    expect(report.checks.find((c) => c.id === 'symbol-versions')).toMatchObject({ status: 'pass' });
    expect(report.checks.find((c) => c.id === 'symbol-versions')!.message).toContain('libc.so.6 GLIBC_2.34');
    const sandbox = chooseSandbox();
    if (sandbox.kind === 'none') return expect.fail(`no sandbox to confirm the prediction: ${sandbox.reason ?? ''}`);
    const run = (await verifyImage(image, { run: { timeoutMs: 3000 } })).run!;
    expect(run.started).toBe(true); // a server: still running at the timeout
  });
});

describeWithTools(['go', 'gcc'], 'glibc symbol versions from the package database when libc.so.6 cannot be read', () => {
  let work: string;
  let app: Buffer;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'goslim-glibc-'));
    app = readFileSync(await buildFixture({ name: 'server.default', program: 'server' }));
  });
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  /** The host's loader, a libc.so.6 that is not an ELF file, and dpkg's record of libc6 at `version`. */
  const verifyWith = async (version: string, n: number) => {
    const built = await buildTestImage(
      {
        layers: [
          {
            entries: [
              dir('usr/lib/x86_64-linux-gnu'),
              symlink('lib', 'usr/lib'),
              dir('usr/lib64'),
              symlink('lib64', 'usr/lib64'),
              file('usr/lib/x86_64-linux-gnu/libc.so.6', 'not an ELF file', { mode: 0o755 }),
              file('usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2', readFileSync('/lib64/ld-linux-x86-64.so.2'), { mode: 0o755 }),
              symlink('usr/lib64/ld-linux-x86-64.so.2', '../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2'),
              dir('var/lib/dpkg'),
              file('var/lib/dpkg/status', `Package: base-files\nStatus: install ok installed\nVersion: 11.1\n\nPackage: libc6\nStatus: install ok installed\nArchitecture: amd64\nVersion: ${version}\n`),
              file('app', app, { mode: 0o755 }),
            ],
          },
        ],
        config: { Entrypoint: ['/app'], User: '65534' },
        platform: { os: 'linux', architecture: 'amd64' },
      },
      { dir: join(work, `img${n}`), format: 'oci' },
    );
    return verifyImage(await openImage(built.reference));
  };

  it('glibc 2.31 per dpkg: GLIBC_2.32 and GLIBC_2.34 are unmet, said to come from the database', async () => {
    const report = await verifyWith('2.31-13+deb11u11', 0);
    const check = report.checks.find((c) => c.id === 'symbol-versions')!;
    expect(check.status).toBe('fail');
    expect(check.message).toContain('glibc 2.31 per the package database (libc6 2.31-13+deb11u11)');
    expect(check.runtimeMessage!.split('\n')).toEqual([
      "/app: /lib/x86_64-linux-gnu/libc.so.6: version `GLIBC_2.32' not found (required by /app)",
      "/app: /lib/x86_64-linux-gnu/libc.so.6: version `GLIBC_2.34' not found (required by /app)",
    ]);
  });

  it('glibc 2.36 per dpkg: every need is met', async () => {
    const report = await verifyWith('2.36-9+deb12u10', 1);
    expect(report.checks.find((c) => c.id === 'symbol-versions')).toMatchObject({ status: 'pass' });
  });
});
