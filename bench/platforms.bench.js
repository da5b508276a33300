#!/usr/bin/env node
// Every platform of an index (issue 18), on a two-platform index that `goslim build` makes from the
// bundled greeter (Go cross-compiles linux/amd64 and linux/arm64 onto scratch):
//   1. `inspect --platform all` beside its peer, two `inspect --platform X` runs (one per platform),
//      measured in the same run: the listing and the shared process should cost nothing extra;
//   2. `verify --run` of the arm64 image (QEMU started directly inside the bubblewrap sandbox) beside
//      its floor, `qemu-aarch64-static` running the same binary on the host with no sandbox, and
//      beside the native amd64 run: what the emulation and the sandbox each add.
// Each measurement runs in its own process, best of 3. Ratios, not asserts.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const here = new URL('.', import.meta.url).pathname;
const repo = join(here, '..');
const goslim = join(repo, 'bin/goslim.js');
const have = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
for (const tool of ['go', 'bwrap', 'prlimit', 'qemu-aarch64-static', 'skopeo', 'umoci']) {
  if (!have(tool)) {
    console.log(`platforms bench: ${tool} is missing (scripts/install-deps.sh installs it); skipped.`);
    process.exit(0);
  }
}

function run(label, cmd, args, opts = {}) {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26, ...opts });
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    if (r.error) throw r.error;
    if (r.status !== 0) throw new Error(`${label} failed (${r.status}): ${(r.stderr || r.stdout).slice(-400)}`);
    best = Math.min(best, secs);
  }
  return { label, secs: best };
}

const work = mkdtempSync(join(tmpdir(), 'goslim-bench-platforms-'));
try {
  const app = join(work, 'greeter');
  cpSync(join(repo, 'examples', 'greeter'), app, { recursive: true });
  const layout = join(work, 'multi');
  const built = spawnSync(process.execPath, [goslim, 'build', './cmd/greeter', '--base', 'scratch', '--platform', 'linux/amd64,linux/arm64', '--oci', layout, '--sbom', 'none'], {
    cwd: app,
    encoding: 'utf8',
    env: { ...process.env, GOSLIM_CACHE: join(work, 'cache') },
  });
  if (built.status !== 0) throw new Error(`goslim build failed: ${built.stderr}`);
  // The arm64 binary on the host, for the bare-QEMU floor.
  const bundle = join(work, 'arm64-bundle');
  spawnSync('skopeo', ['copy', '--quiet', '--override-arch', 'arm64', `oci:${layout}:latest`, `oci:${join(work, 'arm64')}:x`]);
  const unpacked = spawnSync('umoci', ['unpack', '--image', `${join(work, 'arm64')}:x`, bundle], { encoding: 'utf8' });
  if (unpacked.status !== 0) throw new Error(`umoci unpack failed: ${unpacked.stderr}`);

  const ref = `oci:${layout}:latest`;
  const all = run('inspect --platform all', process.execPath, [goslim, 'inspect', '--platform', 'all', '--json', ref]);
  const amd = run('inspect --platform linux/amd64', process.execPath, [goslim, 'inspect', '--platform', 'linux/amd64', '--json', ref]);
  const arm = run('inspect --platform linux/arm64', process.execPath, [goslim, 'inspect', '--platform', 'linux/arm64', '--json', ref]);
  const bare = run('qemu-aarch64-static greeter -version (host)', 'qemu-aarch64-static', [join(bundle, 'rootfs', 'ko-app', 'greeter'), '-version']);
  const vArm = run('verify --run linux/arm64 (qemu in bwrap)', process.execPath, [goslim, 'verify', '--run', '--args', '-version', '--platform', 'linux/arm64', '--json', ref]);
  const vAmd = run('verify --run linux/amd64 (native)', process.execPath, [goslim, 'verify', '--run', '--args', '-version', '--platform', 'linux/amd64', '--json', ref]);
  const vStatic = run('verify linux/arm64 (static only)', process.execPath, [goslim, 'verify', '--platform', 'linux/arm64', '--json', ref]);
  for (const m of [all, amd, arm, bare, vArm, vAmd, vStatic]) console.log(`${m.label.padEnd(46)} ${m.secs.toFixed(2).padStart(6)} s`);
  console.log(`inspect --platform all / (amd64 + arm64 runs):  ${(all.secs / (amd.secs + arm.secs)).toFixed(2)}x`);
  console.log(`verify --run arm64 / verify --run amd64:        ${(vArm.secs / vAmd.secs).toFixed(2)}x   (emulation's cost, whole command)`);
  console.log(`arm64 run part (verify --run - static) / bare qemu: ${((vArm.secs - vStatic.secs) / bare.secs).toFixed(2)}x   (unpack + sandbox around the emulator)`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
