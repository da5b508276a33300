/**
 * The image's own command against `verify --run`'s sandbox (issue 11, escape 3): a static Go
 * program (test/attacks/escape) runs as root and as a non-root USER and tries chroot
 * escapes, /proc/1/root, mounts, device nodes, setuid, new namespaces, ptrace, the host's
 * loopback, a fork bomb and a memory balloon. Canaries outside the root must not change;
 * the attempts must fail; the limits must hold. Needs bwrap and prlimit (scripts/install-deps.sh).
 */
import { createServer, type Server } from 'node:net';
import { execFileSync } from 'node:child_process';
import { lstatSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openImage } from '../../src/image/open.js';
import { chooseSandbox, runImage, type RunResult } from '../../src/verify/index.js';
import { podmanUsable } from '../../src/verify/podman.js';
import { processesReferencing } from '../../src/util/processes.js';
import { buildEscape } from './build-escape.js';
import { itWithTools } from '../helpers/tools.js';
import { gzipLayer, outcome, plantCanaries, rawTar, snapshot, writeOciImage } from './hostile.js';

/**
 * The probed service's port inside the sandbox. No host port is chosen: the namespaces sandbox has a
 * network namespace of its own, and podman publishes the port on a free host port it binds itself.
 */
const CONTAINER_PORT = 8080;

let work: string;
let canaries: string;
let escape: Buffer;
let listener: Server;
let port = 0;
let connections = 0;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'goslim-attack-run-'));
  await chmod(work, 0o711);
  canaries = await mkdtemp(join(tmpdir(), 'goslim-canary-'));
  plantCanaries(canaries);
  escape = readFileSync(await buildEscape());
  listener = createServer((s) => {
    connections++;
    s.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  port = (listener.address() as { port: number }).port;
});

afterAll(async () => {
  await new Promise((resolve) => listener?.close(resolve));
  await rm(work, { recursive: true, force: true });
  await rm(canaries, { recursive: true, force: true });
});

function escapeImage(name: string, user: string, extra: Record<string, unknown> = {}, program: { bytes: Buffer; arch: string } | undefined = undefined): string {
  const tar = rawTar([
    { name: 'tmp/', type: '5', mode: 0o1777 },
    { name: 'etc/', type: '5' },
    { name: 'etc/passwd', data: 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532::/home/nonroot:/sbin/nologin\n' },
    { name: 'etc/group', data: 'root:x:0:\nnonroot:x:65532:\n' },
    { name: 'escape', data: program?.bytes ?? escape, mode: 0o4755 },
  ]);
  return writeOciImage(join(work, name), [gzipLayer(tar)], { Entrypoint: ['/escape'], Cmd: [canaries, String(port)], ...(user ? { User: user } : {}), ...extra }, program?.arch);
}

type Attempts = Record<string, { ok: boolean; detail?: string }>;

function linePrefixed(run: RunResult, prefix: string): Attempts | undefined {
  const line = run.output.find((l) => l.startsWith(prefix));
  return line === undefined ? undefined : (JSON.parse(line.slice(prefix.length)) as Attempts);
}

/** Run the escape program in the bwrap sandbox and check every way out failed. */
async function escapeAttempts(name: string, user: string, program?: { bytes: Buffer; arch: string }): Promise<RunResult> {
  const before = snapshot(canaries);
  const image = await openImage(escapeImage(name, user, {}, program));
  const workDir = await mkdtemp(join(work, 'run-'));
  await chmod(workDir, 0o711);
  const run = await runImage(image, { workDir, timeoutMs: 10_000, limits: { processes: 64, memory: 1024 * 1024 * 1024 } });
  const a = linePrefixed(run, 'ESCAPE ')!;
  expect(a, run.output.join('\n')).toBeDefined();
  // Who it is: root or the USER inside, an unprivileged uid outside, nothing effective.
  const map = /uid_map="\s*(\d+)\s+(\d+)\s+(\d+)"/.exec(a.identity!.detail ?? '');
  expect(map, a.identity!.detail).not.toBeNull();
  expect(Number(map![1])).toBe(user === '' ? 0 : 65532);
  expect(Number(map![3])).toBe(1);
  expect(a['status-NoNewPrivs']!.detail).toBe('1');
  expect(a['status-Seccomp']!.detail).toBe('2');
  expect(a['status-CapEff']!.detail).toBe('0000000000000000');
  // /dev is the minimal one.
  const devs = (a['dev-listing']!.detail ?? '').split(',');
  for (const d of ['null', 'zero', 'random', 'urandom', 'tty']) expect(devs).toContain(d);
  expect(devs.filter((d) => /^(sd|vd|nvme|mem|kmem|port|loop|fuse|kvm)/.test(d))).toEqual([]);
  // Every way out failed.
  for (const k of ['write-host-path', 'write-proc1-root', 'chroot-escape', 'mount-tmpfs', 'mount-proc', 'mknod-block', 'mknod-mem', 'read-block', 'unshare-user', 'unshare-mount', 'ptrace-pid1', 'connect-host-loopback']) {
    expect(a[k], `${k}: ${JSON.stringify(a[k])}`).toMatchObject({ ok: false });
  }
  if (user !== '') expect(a['setuid-0']).toMatchObject({ ok: false });
  // The limits: at most 64 processes of the sandbox's uid, at most 1 GiB of address space.
  // The program either reports both refused, or the Go runtime died of the limit.
  const limits = linePrefixed(run, 'LIMITS ');
  if (limits !== undefined) {
    expect(limits['fork-children']!.ok).toBe(false);
    expect(limits.allocate!.ok).toBe(false);
  } else {
    expect(run.output.join('\n')).toMatch(/out of memory|failed to create new OS thread|resource temporarily unavailable/);
  }
  // What the sandbox created (its chroot jail) belongs to an unprivileged host uid, not root.
  const jail = lstatSync(join(workDir, 'rootfs', 'tmp', 'jail'));
  if (process.getuid?.() === 0) {
    expect(jail.uid).toBeGreaterThanOrEqual(1_800_000_000);
    expect(jail.gid).toBeGreaterThanOrEqual(1_800_000_000);
    // And nothing of that uid still runs once runImage has returned (its children included).
    const left = readdirSync('/proc').filter((n) => /^\d+$/.test(n)).filter((n) => {
      try {
        const st = readFileSync(`/proc/${n}/status`, 'utf8');
        return new RegExp(`^Uid:\\s+${jail.uid}\\s`, 'm').test(st) && !/^State:\s+Z/m.test(st);
      } catch {
        return false;
      }
    });
    expect(left).toEqual([]);
  }
  // Nothing outside changed, and the host listener saw nobody.
  expect(snapshot(canaries)).toEqual(before);
  expect(connections).toBe(0);
  return run;
}

describe('the sandbox holds against the image command', () => {
  it('bwrap is usable here (CI installs it): no silent skip', () => {
    expect(chooseSandbox()).toEqual({ kind: 'bwrap' });
  });

  for (const user of ['', '65532']) {
    it(`as ${user === '' ? 'root' : `USER ${user}`}: no escape, no privilege, limits hold`, { timeout: 120_000 }, async () => {
      await escapeAttempts(`img-${user || 'root'}`, user);
    });
  }

  // Under QEMU the emulator is the process the sandbox confines: the guest's system calls become
  // the host's, which the same seccomp filter, limits and namespaces meet (issue 18).
  itWithTools(['go', 'qemu-aarch64-static'], 'a foreign-architecture image under QEMU (arm64 on amd64, as root): no escape, no privilege, limits hold', async () => {
    const foreign = process.arch === 'arm64' ? 'amd64' : 'arm64';
    const bytes = readFileSync(await buildEscape(foreign));
    const run = await escapeAttempts(`img-${foreign}`, '', { bytes, arch: foreign });
    expect(run.emulator).toMatchObject({ kind: 'qemu', platform: `linux/${foreign}` });
  }, 300_000);

  it('podman (the --probe path): the same attempts fail, canaries hold', { timeout: 300_000 }, async () => {
    expect(podmanUsable()).toBe(true);
    const before = snapshot(canaries);
    const image = await openImage(escapeImage('img-podman', ''));
    const probePort = CONTAINER_PORT;
    const run = await runImage(image, { sandbox: 'podman', probe: `http://127.0.0.1:${probePort}/`, timeoutMs: 5000 });
    expect(run.sandbox).toBe('podman');
    const a = linePrefixed(run, 'ESCAPE ')!;
    expect(a, run.output.join('\n')).toBeDefined();
    expect(a['status-NoNewPrivs']!.detail).toBe('1');
    expect(a['status-Seccomp']!.detail).toBe('2');
    // Only CAP_NET_BIND_SERVICE (bit 10) is left.
    expect(a['status-CapEff']!.detail).toBe('0000000000000400');
    for (const k of ['write-host-path', 'write-proc1-root', 'chroot-escape', 'mount-tmpfs', 'mount-proc', 'mknod-block', 'mknod-mem', 'read-block', 'unshare-user', 'unshare-mount', 'connect-host-loopback']) {
      expect(a[k], `${k}: ${JSON.stringify(a[k])}`).toMatchObject({ ok: false });
    }
    expect(snapshot(canaries)).toEqual(before);
    expect(connections).toBe(0);
  });

  it('an unknown USER does not run at all (it used to run as root)', async () => {
    for (const user of ['ghost', 'nonroot:ghosts', 'ghost:0']) {
      const run = await runImage(await openImage(escapeImage(`img-user-${user.replace(':', '-')}`, user)), { timeoutMs: 5000 });
      expect(run).toMatchObject({ sandbox: 'bwrap', started: false, exitCode: null, output: [] });
      expect(run.reason).toBeDefined();
    }
  });

  it('no usable sandbox is E_SANDBOX, never a weaker run', async () => {
    const bin = await mkdtemp(join(work, 'bin-'));
    for (const tool of ['sh', 'prlimit']) symlinkSync(execFileSync('sh', ['-c', `command -v ${tool}`]).toString().trim(), join(bin, tool));
    const saved = process.env.PATH;
    process.env.PATH = bin;
    try {
      expect(chooseSandbox().kind).toBe('none');
      expect(await outcome(async () => runImage(await openImage(escapeImage('img-nosandbox', '')), { timeoutMs: 1000 }))).toEqual({ ok: false, code: 'E_SANDBOX' });
    } finally {
      process.env.PATH = saved;
    }
    expect(snapshot(canaries).size).toBeGreaterThan(0);
  });

  it("the image's environment reaches only its own process, never the host's prlimit and bwrap", async () => {
    const before = snapshot(canaries);
    const env = ['LD_PRELOAD=/goslim-no-such-preload.so', 'LD_LIBRARY_PATH=/goslim-nowhere', 'PATH=/goslim-nowhere'];
    // A missing WorkingDir is created inside the root, as runtimes do; one aimed at the host stays inside.
    const run = await runImage(await openImage(escapeImage('img-env', '', { Env: env, WorkingDir: `${canaries}/made-by-workdir` })), { timeoutMs: 10_000 });
    expect(run.output.join('\n')).not.toMatch(/ld\.so|preload/i);
    expect(linePrefixed(run, 'ESCAPE ')).toBeDefined();
    expect(snapshot(canaries)).toEqual(before);
    const nul = await runImage(await openImage(escapeImage('img-nul', '', { Entrypoint: ['/escape\u0000x'] })), { timeoutMs: 1000 });
    expect(nul).toMatchObject({ started: false, exitCode: null });
  });

  for (const sandbox of ['namespaces', 'podman'] as const) {
    it(`a probe reads only the start of an endless HTTP answer (${sandbox})`, { timeout: 300_000 }, async () => {
      const probePort = CONTAINER_PORT;
      const base = process.memoryUsage().rss;
      // A temporary directory of this test's own, to see that the run leaves nothing in it: podman's
      // exit command (`podman container cleanup`, started by conmon) used to still be re-creating
      // files in the storage root while goslim removed it (ENOTEMPTY in CI).
      const privateTmp = join(work, `tmp-${sandbox}`);
      await mkdir(privateTmp);
      const savedTmp = process.env.TMPDIR;
      process.env.TMPDIR = privateTmp;
      let run: RunResult;
      try {
        run = await runImage(await openImage(escapeImage(`img-serve-${sandbox}`, '65532')), {
          sandbox,
          args: ['serve', `:${probePort}`],
          probe: `http://127.0.0.1:${probePort}/`,
          timeoutMs: 15_000,
        });
      } finally {
        if (savedTmp === undefined) delete process.env.TMPDIR;
        else process.env.TMPDIR = savedTmp;
      }
      expect(readdirSync(privateTmp), run.output.join("\n")).toEqual([]);
      expect(await processesReferencing(privateTmp)).toEqual([]);
      expect(run.sandbox).toBe(sandbox === 'podman' ? 'podman' : 'bwrap');
      expect(run.probe?.status, JSON.stringify(run.probe) + run.output.join("\n")).toBe(200);
      expect(run.probe!.body!.length).toBeLessThanOrEqual(500);
      expect(process.memoryUsage().rss - base).toBeLessThan(256 * 1024 * 1024);
    });
  }
});
