/**
 * `verify --run`: start the image's command in a sandbox and see whether it comes up.
 * As root: util-linux `unshare` (new mount/uts/ipc/pid namespaces, no network unless a
 * probe needs the host's loopback) with `--root`; otherwise bubblewrap with a user
 * namespace. Both are bounded by a timeout and killed as a process group. An HTTP probe
 * runs the image with podman where podman is usable (see podman.ts), else in the same
 * namespaces sharing the host network.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Image } from '../image/model.js';
import { DEFAULT_PATH, envValue, resolveCommand } from './command-line.js';
import { parsePasswd, parseGroup, resolveUser } from './passwd.js';
import type { RunResult } from './types.js';
import { unpackImage } from './unpack.js';
import { podmanUsable, runWithPodman } from './podman.js';
import { readFileSync } from 'node:fs';

export interface RunOptions {
  /** Extra arguments: replace Cmd, as `docker run IMAGE ARGS...` does. */
  args?: string[];
  /** How long to let it run; still running then = started. */
  timeoutMs?: number;
  /** GET this URL (on 127.0.0.1) once it runs; the process then shares the host network. */
  probe?: string;
  /** Where to unpack (a fresh temp dir by default; removed afterwards). */
  workDir?: string;
  env?: NodeJS.ProcessEnv;
  /**
   * Where to run: `auto` (podman for a probe where usable, else namespaces), `podman`, or
   * `namespaces` (unshare as root, else bwrap).
   */
  sandbox?: 'auto' | 'podman' | 'namespaces';
}

const MAX_LINES = 20;

function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

export function chooseSandbox(): { kind: 'unshare' | 'bwrap' | 'none'; reason?: string } {
  if (process.platform !== 'linux') return { kind: 'none', reason: 'sandboxed runs need Linux namespaces' };
  const root = process.getuid?.() === 0;
  if (root && hasCommand('unshare')) {
    const ok = spawnSync('unshare', ['--mount', '--uts', '--ipc', '--pid', '--fork', 'true'], { stdio: 'ignore', timeout: 5000 });
    if (ok.status === 0) return { kind: 'unshare' };
  }
  if (hasCommand('bwrap')) {
    const ok = spawnSync('bwrap', ['--unshare-all', '--ro-bind', '/', '/', 'true'], { stdio: 'ignore', timeout: 5000 });
    if (ok.status === 0) return { kind: 'bwrap' };
  }
  return { kind: 'none', reason: root ? 'neither unshare nor bwrap can create namespaces here' : 'not root, and bubblewrap (bwrap) is not installed or cannot create a user namespace' };
}

export async function runImage(image: Image, options: RunOptions = {}): Promise<RunResult> {
  const want = options.sandbox ?? 'auto';
  if (options.probe !== undefined && want !== 'namespaces') {
    if (podmanUsable()) {
      return runWithPodman(image, { probe: options.probe, timeoutMs: options.timeoutMs ?? 3000, ...(options.args ? { args: options.args } : {}) });
    }
    if (want === 'podman') {
      return { sandbox: 'none', started: false, exitCode: null, timedOut: false, durationMs: 0, output: [], reason: 'podman (with runc and slirp4netns, as root) is not usable here' };
    }
  }
  const sandbox = chooseSandbox();
  if (sandbox.kind === 'none') {
    return { sandbox: 'none', started: false, exitCode: null, timedOut: false, durationMs: 0, output: [], reason: sandbox.reason ?? 'no sandbox' };
  }
  const base = options.workDir ?? (await mkdtemp(join(tmpdir(), 'goslim-run-')));
  const root = join(base, 'rootfs');
  try {
    await unpackImage(image, root);
    const config = image.config().config ?? {};
    const cmd = resolveCommand(options.args && options.args.length > 0 ? { ...config, Cmd: options.args } : config);
    if (cmd.argv.length === 0) {
      return { sandbox: sandbox.kind, started: false, exitCode: null, timedOut: false, durationMs: 0, output: [], reason: 'the image has no Entrypoint or Cmd' };
    }
    const readText = (p: string): string | undefined => {
      try {
        return readFileSync(join(root, p), 'utf8');
      } catch {
        return undefined;
      }
    };
    const passwd = readText('etc/passwd');
    const group = readText('etc/group');
    const user = resolveUser(config.User, passwd ? parsePasswd(passwd) : undefined, group ? parseGroup(group) : undefined);
    const uid = user.problem ? 0 : user.uid;
    const gid = user.problem ? 0 : user.gid;
    const env: Record<string, string> = {};
    for (const e of config.Env ?? []) {
      const i = e.indexOf('=');
      if (i > 0) env[e.slice(0, i)] = e.slice(i + 1);
    }
    env.PATH = envValue(config.Env, 'PATH') ?? DEFAULT_PATH;
    env.HOSTNAME = 'goslim-verify';
    const wd = config.WorkingDir || '/';
    const share = options.probe !== undefined;
    const argv =
      sandbox.kind === 'unshare'
        ? ['unshare', '--mount', '--uts', '--ipc', '--pid', '--fork', '--kill-child', ...(share ? [] : ['--net']), `--root=${root}`, `--wd=${wd}`, `--setgid=${gid}`, `--setuid=${uid}`, '--', ...cmd.argv]
        : ['bwrap', '--unshare-user', '--unshare-ipc', '--unshare-pid', '--unshare-uts', ...(share ? [] : ['--unshare-net']), '--die-with-parent', '--bind', root, '/', '--proc', '/proc', '--dev', '/dev', '--chdir', wd, '--uid', String(uid), '--gid', String(gid), '--', ...cmd.argv];
    return await supervise(argv, env, sandbox.kind, options);
  } finally {
    if (options.workDir === undefined) await rm(base, { recursive: true, force: true });
  }
}

async function supervise(argv: string[], env: Record<string, string>, kind: 'unshare' | 'bwrap', options: RunOptions): Promise<RunResult> {
  const timeoutMs = options.timeoutMs ?? 3000;
  const started = Date.now();
  const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const lines: string[] = [];
  let partial = '';
  const onData = (chunk: Buffer): void => {
    if (lines.length >= MAX_LINES) return;
    partial += chunk.toString('utf8');
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    for (const l of parts) if (lines.length < MAX_LINES) lines.push(l);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<number | null>((resolve) => {
    child.on('error', () => resolve(127));
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : null)));
  });
  let exitCode: number | null = null;
  let running = true;
  void exited.then((c) => {
    running = false;
    exitCode = c;
  });
  let probe: RunResult['probe'];
  if (options.probe !== undefined) {
    probe = await probeUntil(options.probe, exited, timeoutMs);
  } else {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }
  // Let an exit that raced the timer land before deciding.
  await new Promise((resolve) => setImmediate(resolve));
  const stillRunning = running;
  if (stillRunning) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await exited;
  if (partial !== '' && lines.length < MAX_LINES) lines.push(partial);
  const answered = probe !== undefined && probe.status !== null;
  const result: RunResult = {
    sandbox: kind,
    started: probe !== undefined ? answered : stillRunning || exitCode === 0,
    exitCode: stillRunning ? null : exitCode,
    timedOut: stillRunning && probe === undefined,
    durationMs: Date.now() - started,
    output: lines,
  };
  if (probe) result.probe = probe;
  return result;
}

/** GET the URL until it answers, the process exits, or time runs out (bounded: 50 tries). */
async function probeUntil(url: string, exited: Promise<number | null>, timeoutMs: number): Promise<NonNullable<RunResult['probe']>> {
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const until = Date.now() + timeoutMs;
  let lastError = 'no answer';
  for (let i = 0; i < 50 && Date.now() < until && !gone; i++) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      const body = (await res.text()).slice(0, 500);
      return { url, status: res.status, body };
    } catch (err) {
      lastError = err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { url, status: null, error: gone ? `the process exited before answering (${lastError})` : lastError };
}
