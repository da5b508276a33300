/**
 * `verify --run --probe URL` with podman, where it is usable: the image is written as an
 * oci-archive and run by a rootful podman whose storage, run and temp directories are all
 * under a temporary directory (nothing is left in the host's container storage), with the
 * URL's port (the container's port) published on a free port of 127.0.0.1 that podman binds
 * itself, through slirp4netns (no firewall changes); the probe goes to that port with the URL's path.
 *
 * Settings chosen to work on hosts without systemd or with limits root cannot raise:
 * runc, cgroupfs, file events, and modest nofile/nproc limits (podman's rootful defaults
 * ask for more than such hosts allow, and the container then fails in setrlimit).
 *
 * Isolation added to podman's own (namespaces, its default seccomp profile, masked /proc
 * paths): a user namespace mapping the container's ids 0-65535 to a fresh unprivileged host
 * range (root in the container is not root on the host), every capability dropped but
 * NET_BIND_SERVICE (a root service may still bind port 80), no_new_privs, and cgroup limits
 * on processes and memory. Nothing here adds a privilege (no --privileged, no host
 * namespaces, no devices, no volumes).
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomInt } from 'node:crypto';
import { promisify } from 'node:util';
import { limit } from '../limits.js';
import type { Image } from '../image/model.js';
import { writeOciArchive } from '../image/sinks/docker-archive.js';
import { waitForProcessesReferencing } from '../util/processes.js';
import type { RunResult } from './types.js';

const exec = promisify(execFile);
const MAX_LINES = 20;
/** Where podman's run state goes: root's tmpfs (podman needs root here), else /tmp; both short paths. */
const SHORT_TMP = existsSync('/run') ? '/run' : '/tmp';

/** podman, runc and slirp4netns present, and we are root (rootless podman needs a user session). */
export function podmanUsable(): boolean {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  const has = (cmd: string, args: string[]): boolean => spawnSync(cmd, args, { stdio: 'ignore', timeout: 10_000 }).status === 0;
  return has('podman', ['--version']) && has('runc', ['--version']) && has('slirp4netns', ['--version']);
}

export interface PodmanRunOptions {
  probe: string;
  timeoutMs: number;
  args?: string[];
}

export async function runWithPodman(image: Image, options: PodmanRunOptions): Promise<RunResult> {
  const url = new URL(options.probe);
  const port = Number(url.port || '80');
  const base = await mkdtemp(join(tmpdir(), 'goslim-podman-'));
  // The image and the container's files (large: vfs copies every layer) go under TMPDIR; podman's
  // run state and sockets go under a short directory of their own, because podman refuses a runroot
  // longer than 50 characters and slirp4netns a socket path of 108 or more (a long TMPDIR broke both).
  const short = await mkdtemp(join(SHORT_TMP, 'goslim-'));
  const dirs = { storage: join(base, 'storage'), run: join(short, 'run'), tmp: join(short, 'tmp') };
  for (const d of Object.values(dirs)) await mkdir(d);
  const global = ['--root', dirs.storage, '--runroot', dirs.run, '--tmpdir', dirs.tmp, '--storage-driver', 'vfs', '--runtime', 'runc', '--cgroup-manager', 'cgroupfs', '--events-backend', 'file'];
  const podman = async (args: string[], timeout = 300_000): Promise<{ code: number; out: string }> => {
    try {
      const r = await exec('podman', [...global, ...args], { timeout, maxBuffer: 16 << 20 });
      return { code: 0, out: `${r.stdout}${r.stderr}` };
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof e.code === 'number' ? e.code : 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
    }
  };
  const name = `goslim-verify-${process.pid}-${Date.now()}`;
  // A 65,536-id host range of its own, far above any account (as run.ts's sandbox uids).
  const hostBase = 1_800_000_000 + randomInt(0, 1500) * 65_536;
  const started = Date.now();
  try {
    const archive = join(base, 'image.tar');
    await writeOciArchive(image, archive);
    const run = await podman([
      'run', '-d', '--name', name, '--network', 'slirp4netns:port_handler=slirp4netns', '-p', `127.0.0.1::${port}`,
      '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=4096:4096', '--health-cmd', 'none',
      '--uidmap', `0:${hostBase}:65536`, '--gidmap', `0:${hostBase}:65536`,
      '--cap-drop', 'all', '--cap-add', 'NET_BIND_SERVICE', '--security-opt', 'no-new-privileges',
      '--pids-limit', String(limit('sandbox.processes')), '--memory', String(limit('sandbox.memory')),
      `oci-archive:${archive}`, ...(options.args ?? []),
    ]);
    if (run.code !== 0) {
      return {
        sandbox: 'podman', started: false, exitCode: run.code, timedOut: false, durationMs: Date.now() - started,
        output: run.out.trim().split('\n').slice(-MAX_LINES),
        probe: { url: options.probe, status: null, error: 'podman could not start the container' },
      };
    }
    // The URL's port is the container's; podman publishes it on a free host port it binds itself
    // (`-p 127.0.0.1::PORT`), so a service already on the host's port (or a second verify at the same
    // time) cannot collide with it, and there is no window between choosing a port and binding it.
    const exited = async (): Promise<number | undefined> => {
      const st = await podman(['inspect', '--format', '{{.State.Running}} {{.State.ExitCode}}', name], 30_000);
      const [running, code] = st.out.trim().split(/\s+/);
      return running === 'true' ? undefined : Number(code);
    };
    const mapped = await podman(['port', name, `${port}/tcp`], 30_000);
    const hostPort = Number(/127\.0\.0\.1:(\d+)/.exec(mapped.out)?.[1] ?? NaN);
    let probe: Awaited<ReturnType<typeof probeWhileRunning>>;
    if (Number.isInteger(hostPort)) {
      const target = new URL(options.probe);
      target.hostname = '127.0.0.1';
      target.port = String(hostPort);
      probe = await probeWhileRunning(target.href, options.timeoutMs, exited);
    } else {
      // A stopped container has no published port: it exited before the probe could start.
      const code = await exited();
      probe = code !== undefined
        ? { status: null, error: `the container exited with code ${code} before answering`, exitCode: code }
        : { status: null, error: `podman published no host port for the container's port ${port}` };
    }
    const logs = await podman(['logs', name], 30_000);
    return {
      sandbox: 'podman',
      started: probe.status !== null,
      exitCode: probe.exitCode ?? null,
      timedOut: false,
      durationMs: Date.now() - started,
      output: logs.out.split('\n').filter((l) => l !== '').slice(0, MAX_LINES),
      probe: probe.status !== null ? { url: options.probe, status: probe.status, body: probe.body ?? '' } : { url: options.probe, status: null, error: probe.error ?? 'no answer' },
    };
  } finally {
    await podman(['rm', '-f', '-t', '0', name], 60_000);
    // conmon runs `podman container cleanup --root <base>/storage` when the container exits, and
    // that process may still be opening the store after `podman rm` returned: removing the root
    // under it failed with ENOTEMPTY (seen in CI). Wait for every process naming our directory.
    for (const dir of [base, short]) {
      await waitForProcessesReferencing(dir, 60_000);
      await rm(dir, { recursive: true, force: true, maxRetries: 3, retryDelay: 200 });
    }
  }
}

/** GET until it answers, the container exits, or time runs out (bounded: 100 tries). */
async function probeWhileRunning(
  url: string,
  timeoutMs: number,
  exited: () => Promise<number | undefined>,
): Promise<{ status: number | null; body?: string; error?: string; exitCode?: number }> {
  const until = Date.now() + timeoutMs;
  let lastError = 'no answer';
  for (let i = 0; i < 100 && Date.now() < until; i++) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      return { status: res.status, body: await readCapped(res, 500) };
    } catch (err) {
      lastError = err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
    }
    const code = await exited();
    if (code !== undefined) return { status: null, error: `the container exited with code ${code} before answering`, exitCode: code };
    await new Promise((r) => setTimeout(r, 200));
  }
  return { status: null, error: lastError };
}

/**
 * The first `max` characters of a response body, reading no more than about that many bytes
 * (an image may answer with an endless body; `res.text()` would hold all of it).
 */
export async function readCapped(res: Response, max: number): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let n = 0;
  while (n < max) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    n += value.length;
  }
  await reader.cancel().catch(() => undefined);
  return Buffer.concat(chunks).toString('utf8').slice(0, max);
}
