/**
 * `verify --run`: start the image's command in a sandbox and see whether it comes up.
 *
 * The sandbox is bubblewrap, always with a user namespace, never as host root:
 * - as root, the image is unpacked owned by a fresh unprivileged host uid/gid (one per run,
 *   from a high range no account uses) and bwrap is started *as that uid*, so root inside
 *   the sandbox is that uid outside and holds no capability on the host; as another user,
 *   bwrap runs as that user;
 * - its own mount, PID, IPC, UTS, cgroup and network namespaces (the network namespace has
 *   only a loopback; an HTTP probe is made from inside it, through `nsenter --net`, so the
 *   image never sees the host's network);
 * - the unpacked root bound at / (its work directory is 0700, owned by the sandbox uid), a
 *   private /proc, a minimal /dev (null, zero, full,
 *   random, urandom, tty, ptmx/pts, shm), no other host path;
 * - no_new_privs, no capabilities, no nested user namespaces (`--disable-userns`), a new
 *   session (no TIOCSTI), a seccomp filter (seccomp.ts), resource limits through util-linux
 *   `prlimit` (address space, processes, CPU time, file size, open files, no core files),
 *   and a wall-clock timeout after which the whole process group is killed (bwrap's PID 1
 *   dies with its parent, which takes the PID namespace with it).
 * If that cannot be set up, runImage throws E_SANDBOX: it never runs anything less isolated.
 * An image for another architecture runs under QEMU user emulation (emulation.ts): through the
 * host's binfmt_misc, or with qemu-<arch>-static bound read-only at EMULATOR_PATH and started as
 * the command, inside the same sandbox; when neither is there the run is skipped, not failed.
 * An HTTP probe runs the image with podman where podman is usable (see podman.ts).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, chown, lstat, mkdir, mkdtemp, open, readdir, readFile, readlink, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { SandboxError } from '../errors.js';
import type { Image } from '../image/model.js';
import { limit } from '../limits.js';
import { DEFAULT_PATH, envValue, resolveCommand } from './command-line.js';
import { parsePasswd, parseGroup, resolveUser } from './passwd.js';
import { chooseEmulation, guestReservation, hostArchitecture, type Emulation, type EmulationOptions } from './emulation.js';
import { podmanUsable, runWithPodman } from './podman.js';
import { seccompProgram } from './seccomp.js';
import type { RunResult } from './types.js';
import { ensureDirInRoot, resolveInRoot, unpackImage, type UnpackProgress } from './unpack.js';

export interface RunOptions {
  /** Extra arguments: replace Cmd, as `docker run IMAGE ARGS...` does. */
  args?: string[];
  /** How long to let it run; still running then = started. Capped at the `sandbox.wallTime` limit. */
  timeoutMs?: number;
  /** GET this URL (on 127.0.0.1) once it runs, from inside the sandbox's network namespace. */
  probe?: string;
  /**
   * Where to unpack (a fresh temp dir by default, 0700 and owned by the sandbox's uid;
   * removed afterwards). A given directory is kept; as root it must be searchable by others.
   */
  workDir?: string;
  env?: NodeJS.ProcessEnv;
  /**
   * Where to run: `auto` (podman for a probe where usable, else namespaces), `podman`, or
   * `namespaces` (bubblewrap).
   */
  sandbox?: 'auto' | 'podman' | 'namespaces';
  /**
   * Where the emulator for a foreign architecture is looked up (qemuPath: colon-separated
   * directories; binfmtDir: the binfmt_misc directory). Default: the host's PATH and /proc.
   */
  emulation?: EmulationOptions;
  /** Told as the image is unpacked (the CLI's progress line). */
  onUnpack?: (p: UnpackProgress) => void;
  /** Override resource limits (see src/limits.ts): bytes, counts and milliseconds. */
  limits?: { memory?: number; processes?: number; cpuTimeMs?: number; fileSize?: number; openFiles?: number; unpackBytes?: number };
}

const MAX_LINES = 20;
/** Where the host's prlimit, bwrap and nsenter are looked up (never the image's PATH). */
const hostPath = (): string => process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** Host uids/gids for sandboxes: far above any account, subordinate range or nobody (65534). */
const SANDBOX_ID_BASE = 1_800_000_000;
const SANDBOX_ID_SPAN = 100_000_000;
/** Largest /etc/passwd or /etc/group read from an unpacked image. */
const MAX_ACCOUNT_FILE = 1 << 20;

function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/** bubblewrap flags shared by the self-test and the real run. */
const NAMESPACE_FLAGS = ['--unshare-user', '--disable-userns', '--unshare-ipc', '--unshare-pid', '--unshare-uts', '--unshare-net', '--unshare-cgroup', '--die-with-parent', '--new-session'];

export function chooseSandbox(): { kind: 'bwrap' | 'none'; reason?: string } {
  if (process.platform !== 'linux') return { kind: 'none', reason: 'sandboxed runs need Linux namespaces' };
  if (!hasCommand('bwrap')) return { kind: 'none', reason: 'bubblewrap (bwrap) is not installed' };
  if (!hasCommand('prlimit')) return { kind: 'none', reason: 'util-linux prlimit is not installed' };
  const root = process.getuid?.() === 0;
  const id = root ? SANDBOX_ID_BASE : undefined;
  const ok = spawnSync('bwrap', [...NAMESPACE_FLAGS, '--ro-bind', '/', '/', '--proc', '/proc', '--dev', '/dev', 'true'], {
    stdio: 'ignore',
    timeout: 10_000,
    cwd: '/',
    ...(id !== undefined ? { uid: id, gid: id } : {}),
  });
  if (ok.status === 0) return { kind: 'bwrap' };
  return { kind: 'none', reason: root ? 'bubblewrap cannot create a user namespace as an unprivileged uid here' : 'bubblewrap cannot create a user namespace here' };
}

function notStarted(reason: string, sandbox: RunResult['sandbox'] = 'bwrap'): RunResult {
  return { sandbox, started: false, exitCode: null, timedOut: false, durationMs: 0, output: [], reason };
}

/** Nothing was run: this host cannot run the image's architecture. Not a failure of the image. */
function skipped(reason: string): RunResult {
  return { ...notStarted(reason, 'none'), skipped: true };
}

/** Where the emulator is bound (read-only) inside the sandbox, when QEMU is started directly. */
export const EMULATOR_PATH = '/.goslim-qemu';

function emulatorInfo(e: Emulation, platform: string): RunResult['emulator'] {
  const host = `linux/${hostArchitecture()}`;
  if (e.kind === 'binfmt') return { kind: 'binfmt', path: e.interpreter, platform, host };
  if (e.kind === 'qemu') return { kind: 'qemu', path: e.emulator, platform, host };
  return undefined;
}

export async function runImage(image: Image, options: RunOptions = {}): Promise<RunResult> {
  const want = options.sandbox ?? 'auto';
  const platform = image.platform();
  const platformText = `${platform.os}/${platform.architecture}${platform.variant ? `/${platform.variant}` : ''}`;
  const emulation = chooseEmulation(platform, options.emulation);
  // Never "did not start": the image may be fine, this host just cannot run it.
  if (emulation.kind === 'unavailable') return skipped(emulation.reason);
  // podman runs a foreign image only through the host's binfmt_misc; QEMU started directly
  // needs the bubblewrap sandbox.
  const podmanCanRun = emulation.kind !== 'qemu';
  if (options.probe !== undefined && want !== 'namespaces') {
    if (want === 'podman' && !podmanCanRun) {
      return skipped(`podman cannot run ${platformText} on this linux/${hostArchitecture()} host without a binfmt_misc handler (use --sandbox namespaces to run it under ${emulation.kind === 'qemu' ? emulation.emulator : 'QEMU'})`);
    }
    if (podmanCanRun && podmanUsable()) {
      return runWithPodman(image, { probe: options.probe, timeoutMs: clampTimeout(options.timeoutMs), ...(options.args ? { args: options.args } : {}) });
    }
    if (want === 'podman') {
      throw new SandboxError('podman (with runc and slirp4netns, as root) is not usable here');
    }
  }
  const sandbox = chooseSandbox();
  if (sandbox.kind === 'none') throw new SandboxError(`cannot create a sandbox for --run: ${sandbox.reason ?? 'no sandbox'}`);

  const asRoot = process.getuid?.() === 0;
  if (options.probe !== undefined && !asRoot) {
    // The probe enters the sandbox's network namespace; an unprivileged caller cannot
    // (bwrap's --disable-userns nests the process one user namespace below the one owning it).
    throw new SandboxError('a --probe in the bubblewrap sandbox needs root to enter its network namespace (or use podman)');
  }
  const hostId = asRoot ? SANDBOX_ID_BASE + randomInt(1, SANDBOX_ID_SPAN) : undefined;
  const base = options.workDir ?? (await mkdtemp(join(tmpdir(), 'goslim-run-')));
  const root = join(base, 'rootfs');
  try {
    if (hostId !== undefined && options.workDir === undefined) {
      // Only root and the sandbox's uid may enter the work directory (bwrap, running as that
      // uid, binds the root by its path; --bind-fd is refused once bwrap is not dumpable).
      await chown(base, hostId, hostId);
      await chmod(base, 0o700);
    }
    if (hostId !== undefined) {
      // bwrap runs as the sandbox's uid and binds the root by its path: every directory above it must
      // let that uid through, or the program "does not start" for a reason that is not the image's
      // (a TMPDIR of mode 0700, say). Refused here, before the unpack, with the way out.
      const blocked = await unsearchableAncestor(base, hostId);
      if (blocked !== undefined) {
        throw new SandboxError(
          `the sandbox's user cannot reach the run's directory ${base}: ${blocked.path} (mode ${blocked.mode.toString(8).padStart(4, '0')}, owner uid ${blocked.uid}) ` +
            'does not let other users through; set TMPDIR to a directory that does, such as /tmp',
        );
      }
    }
    const unpacked = await unpackImage(image, root, {
      ...(hostId !== undefined ? { owner: { uid: hostId, gid: hostId } } : {}),
      ...(options.limits?.unpackBytes !== undefined ? { maxBytes: options.limits.unpackBytes } : {}),
      ...(options.onUnpack ? { onProgress: options.onUnpack } : {}),
    });
    const config = image.config().config ?? {};
    const cmd = resolveCommand(options.args && options.args.length > 0 ? { ...config, Cmd: options.args } : config);
    if (cmd.argv.length === 0) return notStarted('the image has no Entrypoint or Cmd');
    if (cmd.argv.some((a) => a.includes('\0'))) return notStarted('the command contains a NUL byte, which no exec can pass');
    const passwd = await readAccountFile(root, 'etc/passwd');
    const group = await readAccountFile(root, 'etc/group');
    const user = resolveUser(config.User, passwd ? parsePasswd(passwd) : undefined, group ? parseGroup(group) : undefined);
    // An unknown USER fails, as it does in a container runtime; never a fallback to root.
    if (user.problem !== undefined) return notStarted(`USER ${JSON.stringify(config.User ?? '')} cannot be resolved: ${user.problem}`);
    if (!validId(user.uid) || !validId(user.gid)) return notStarted(`USER ${JSON.stringify(config.User ?? '')} is not a valid uid:gid`);
    const wd = config.WorkingDir || '/';
    await ensureMountPoints(root, hostId);
    // A missing WorkingDir is created, as runtimes do (the static `workdir` check warns).
    if (wd !== '/' && !ensureDirInRoot(root, wd, hostId !== undefined ? { uid: hostId, gid: hostId } : undefined)) {
      return notStarted(`WorkingDir ${wd} cannot be a directory in the image`);
    }

    let argv = cmd.argv;
    if (emulation.kind === 'qemu') {
      // QEMU opens the program by path (it does not search PATH): resolve it as runc would.
      const found = await findProgramInRoot(root, cmd.argv[0]!, envValue(config.Env, 'PATH') ?? DEFAULT_PATH, wd);
      if (found === undefined) return notStarted(`exec: "${cmd.argv[0]}": executable file not found in $PATH`);
      await ensureEmulatorMountPoint(root, hostId);
      argv = [EMULATOR_PATH, '-0', cmd.argv[0]!, found, ...cmd.argv.slice(1)];
    }

    // The image's environment reaches only its own process (bwrap --clearenv/--setenv): the
    // host's prlimit and bwrap run with a clean one (an image's LD_PRELOAD, LD_LIBRARY_PATH or
    // PATH must not steer host programs).
    const env: Record<string, string> = {};
    for (const e of config.Env ?? []) {
      const i = e.indexOf('=');
      if (i > 0 && !e.includes('\0')) env[e.slice(0, i)] = e.slice(i + 1);
    }
    env.PATH = envValue(config.Env, 'PATH') ?? DEFAULT_PATH;
    env.HOSTNAME = 'goslim-verify';
    const setenv = Object.entries(env).flatMap(([k, v]) => ['--setenv', k, v]);

    const program = seccompProgram();
    const seccompPath = join(base, 'seccomp.bpf');
    if (program) await writeFile(seccompPath, program, { mode: 0o600 });
    const lim = options.limits ?? {};
    // Under emulation the emulator's own reservation for a 32-bit guest counts against RLIMIT_AS.
    const reserve = emulation.kind === 'native' ? 0 : guestReservation(platform.architecture);
    const prlimit = [
      'prlimit',
      `--as=${(lim.memory ?? limit('sandbox.memory')) + reserve}`,
      `--nproc=${lim.processes ?? limit('sandbox.processes')}`,
      `--cpu=${Math.max(1, Math.ceil((lim.cpuTimeMs ?? limit('sandbox.cpuTime')) / 1000))}`,
      `--fsize=${lim.fileSize ?? limit('sandbox.fileSize')}`,
      `--nofile=${lim.openFiles ?? limit('sandbox.openFiles')}`,
      '--core=0',
      '--',
    ];
    const bwrap = [
      'bwrap',
      ...NAMESPACE_FLAGS,
      '--hostname', 'goslim-verify',
      '--clearenv',
      ...setenv,
      '--bind', root, '/',
      ...(emulation.kind === 'qemu' ? ['--ro-bind', emulation.emulator, EMULATOR_PATH] : []),
      '--proc', '/proc',
      '--dev', '/dev',
      '--chdir', wd,
      '--uid', String(user.uid),
      '--gid', String(user.gid),
      '--info-fd', '3',
      ...(program ? ['--seccomp', '4'] : []),
      '--',
      ...argv,
    ];
    const seccompFd = program ? await open(seccompPath, constants.O_RDONLY) : undefined;
    try {
      const result = await supervise([...prlimit, ...bwrap], hostId, seccompFd?.fd, options);
      const notes: string[] = [];
      if (!program) notes.push(`no seccomp filter: none is defined for ${process.arch}`);
      if (emulation.kind === 'qemu') {
        notes.push(`${platformText} ran under ${emulation.emulator} (QEMU user-mode emulation, started directly): programs it execs are not emulated`);
      } else if (emulation.kind === 'binfmt') {
        notes.push(`${platformText} ran under the host's binfmt_misc handler ${emulation.handler} (${emulation.interpreter})`);
      }
      if (notes.length > 0) result.notes = notes;
      const info = emulatorInfo(emulation, platformText);
      if (info) result.emulator = info;
      if (unpacked.warnings.length > 0) result.unpackWarnings = unpacked.warnings.slice(0, MAX_LINES);
      return result;
    } finally {
      await seccompFd?.close();
    }
  } finally {
    // Nothing of the sandbox may still run while its root is removed (a process swapping a
    // directory for a symlink under a root-run `rm -r` is the classic race).
    if (hostId !== undefined) await killUid(hostId);
    if (options.workDir === undefined) await rm(base, { recursive: true, force: true });
  }
}

/**
 * SIGKILL every process whose real uid is `uid` (the per-run sandbox uid, which nothing else
 * uses) until none is left; bounded (50 rounds). bwrap's PID namespace normally ends them all
 * when its init dies; this waits for that and covers the gap.
 */
async function killUid(uid: number): Promise<void> {
  for (let round = 0; round < 50; round++) {
    let found = 0;
    for (const name of await readdir('/proc').catch(() => [] as string[])) {
      if (!/^\d+$/.test(name)) continue;
      const status = await readFile(`/proc/${name}/status`, 'utf8').catch(() => '');
      const m = /^Uid:\s+(\d+)/m.exec(status);
      if (m && Number(m[1]) === uid && !/^State:\s+Z/m.test(status)) {
        found++;
        try {
          process.kill(Number(name), 'SIGKILL');
        } catch {
          // gone already
        }
      }
    }
    if (found === 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The program of the command as a path QEMU can open, looked up the way runc does (a name with
 * a slash is a path relative to the working directory; anything else is searched in PATH):
 * a regular file with an execute bit, resolved inside the unpacked root.
 */
async function findProgramInRoot(root: string, name: string, pathVar: string, wd: string): Promise<string | undefined> {
  const candidates = name.includes('/')
    ? [name.startsWith('/') ? name : `${wd.replace(/\/+$/, '')}/${name}`]
    : pathVar.split(':').filter(Boolean).map((d) => `${d.replace(/\/+$/, '')}/${name}`);
  for (const c of candidates) {
    if (await isExecutableInRoot(root, c)) return c.startsWith('/') ? c : `/${c}`;
  }
  return undefined;
}

/** Follows every link (the last one too) inside the root, never to a host path; bounded. */
async function isExecutableInRoot(root: string, path: string): Promise<boolean> {
  let rel = path.replace(/^\/+/, '');
  for (let hops = 0; hops < 40; hops++) {
    try {
      const host = resolveInRoot(root, rel);
      const st = await lstat(host);
      if (st.isSymbolicLink()) {
        const target = await readlink(host);
        rel = target.startsWith('/') ? target.replace(/^\/+/, '') : posix.join(posix.dirname(rel), target);
        continue;
      }
      return st.isFile() && (st.mode & 0o111) !== 0;
    } catch {
      return false;
    }
  }
  return false;
}

function validId(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n < 0xffffffff;
}

function clampTimeout(ms: number | undefined): number {
  const t = ms ?? 3000;
  return Math.max(1, Math.min(t, limit('sandbox.wallTime')));
}

/**
 * Read /etc/passwd or /etc/group from the unpacked root: resolved inside the root, opened
 * without following a last symlink, a regular file, at most 1 MiB (a link to a host file, a
 * FIFO or /dev/zero reads as missing).
 */
async function readAccountFile(root: string, rel: string): Promise<string | undefined> {
  try {
    const host = resolveInRoot(root, rel);
    const fh = await open(host, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      const st = await fh.stat();
      if (!st.isFile()) return undefined;
      const buf = Buffer.alloc(Math.min(st.size, MAX_ACCOUNT_FILE));
      const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
      return buf.subarray(0, bytesRead).toString('utf8');
    } finally {
      await fh.close();
    }
  } catch {
    return undefined;
  }
}

/**
 * The first directory above `path` (symlinks resolved) that user and group `id` may not search, by
 * its mode bits (an ACL that grants more is not read: such a directory is refused too).
 */
async function unsearchableAncestor(path: string, id: number): Promise<{ path: string; mode: number; uid: number } | undefined> {
  let dir = dirname(await realpath(path));
  // Bounded by the path's depth.
  for (;;) {
    const st = await stat(dir);
    const bit = st.uid === id ? 0o100 : st.gid === id ? 0o010 : 0o001;
    if ((st.mode & bit) === 0) return { path: dir, mode: st.mode & 0o7777, uid: st.uid };
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/**
 * bwrap mounts /proc and /dev at those paths of the new root: make them plain directories
 * (an image may ship them as links or files), owned by the sandbox user.
 */
async function ensureMountPoints(root: string, hostId: number | undefined): Promise<void> {
  for (const name of ['proc', 'dev']) {
    const p = join(root, name);
    const st = await lstat(p).catch(() => undefined);
    if (st && !st.isDirectory()) await rm(p, { recursive: true, force: true });
    if (!st || !st.isDirectory()) await mkdir(p, { mode: 0o755 });
  }
  if (hostId !== undefined) {
    await chown(root, hostId, hostId);
    for (const name of ['proc', 'dev']) await chown(join(root, name), hostId, hostId);
  }
}

/**
 * The emulator is bound at EMULATOR_PATH: make that an empty regular file of our own (whatever
 * the image put there, a link included, is removed first), owned by the sandbox user.
 */
async function ensureEmulatorMountPoint(root: string, hostId: number | undefined): Promise<void> {
  const p = join(root, EMULATOR_PATH.slice(1));
  await rm(p, { recursive: true, force: true });
  const fh = await open(p, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o755);
  try {
    if (hostId !== undefined) await fh.chown(hostId, hostId);
  } finally {
    await fh.close();
  }
}

/** `seccompFd` becomes fd 4 in the child; bwrap's --info-fd is fd 3. */
async function supervise(argv: string[], hostId: number | undefined, seccompFd: number | undefined, options: RunOptions): Promise<RunResult> {
  const timeoutMs = clampTimeout(options.timeoutMs);
  const started = Date.now();
  const child = spawn(argv[0]!, argv.slice(1), {
    env: { PATH: hostPath() },
    cwd: '/',
    stdio: ['ignore', 'pipe', 'pipe', 'pipe', seccompFd ?? 'ignore'],
    detached: true,
    ...(hostId !== undefined ? { uid: hostId, gid: hostId } : {}),
  });
  const lines: string[] = [];
  let partial = '';
  const onData = (chunk: Buffer): void => {
    if (lines.length >= MAX_LINES) return;
    partial += chunk.toString('utf8');
    if (partial.length > 64 * 1024) partial = partial.slice(0, 64 * 1024);
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    for (const l of parts) if (lines.length < MAX_LINES) lines.push(l.slice(0, 4096));
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const childPid = readChildPid(child);
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
    const pid = await Promise.race([childPid, exited.then(() => undefined)]);
    probe = pid === undefined
      ? { url: options.probe, status: null, error: 'the sandbox exited before the probe' }
      : await probeInside(pid, options.probe, exited, timeoutMs);
  } else {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }
  // Let an exit that raced the timer land before deciding.
  await new Promise((resolve) => setImmediate(resolve));
  const stillRunning = running;
  if (stillRunning) killGroup(child);
  await exited;
  if (partial !== '' && lines.length < MAX_LINES) lines.push(partial);
  const answered = probe !== undefined && probe.status !== null;
  const result: RunResult = {
    sandbox: 'bwrap',
    started: probe !== undefined ? answered : stillRunning || exitCode === 0,
    exitCode: stillRunning ? null : exitCode,
    timedOut: stillRunning && probe === undefined,
    durationMs: Date.now() - started,
    output: lines,
  };
  if (probe) result.probe = probe;
  return result;
}

function killGroup(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** bwrap's `--info-fd` JSON: the host pid of the sandbox's first process. */
function readChildPid(child: ChildProcess): Promise<number | undefined> {
  const info = child.stdio[3] as NodeJS.ReadableStream | null;
  if (!info) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    let text = '';
    info.on('data', (c: Buffer) => {
      if (text.length < 4096) text += c.toString('utf8');
      const m = /"child-pid"\s*:\s*(\d+)/.exec(text);
      if (m) resolve(Number(m[1]));
    });
    info.on('end', () => resolve(undefined));
    info.on('error', () => resolve(undefined));
  });
}

/**
 * GET the URL from inside the sandbox's network namespace (`nsenter --net` into the
 * sandbox's first process, running this Node with a small fetch loop), until it answers,
 * the sandbox exits, or time runs out. The image never shares the host's network.
 */
async function probeInside(pid: number, url: string, exited: Promise<number | null>, timeoutMs: number): Promise<NonNullable<RunResult['probe']>> {
  const script = `
const [url, ms] = process.argv.slice(-2);
const until = Date.now() + Number(ms);
let last = 'no answer';
(async () => {
  for (let i = 0; i < 200 && Date.now() < until; i++) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      // At most ~500 bytes of the body are read (an image may answer with an endless one).
      const reader = res.body && res.body.getReader();
      const chunks = [];
      let n = 0;
      while (reader && n < 500) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        n += value.length;
      }
      if (reader) await reader.cancel().catch(() => {});
      const body = Buffer.concat(chunks).toString('utf8').slice(0, 500);
      process.stdout.write(JSON.stringify({ status: res.status, body }));
      return;
    } catch (err) {
      last = (err && err.cause && err.cause.message) || (err && err.message) || String(err);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  process.stdout.write(JSON.stringify({ status: null, error: last }));
})();`;
  const prober = spawn('nsenter', ['--target', String(pid), '--net', '--', process.execPath, '-e', script, url, String(timeoutMs)], { stdio: ['ignore', 'pipe', 'ignore'], detached: true });
  let out = '';
  prober.stdout!.on('data', (c: Buffer) => {
    if (out.length < 8192) out += c.toString('utf8');
  });
  const done = new Promise<void>((resolve) => {
    prober.on('close', () => resolve());
    prober.on('error', () => resolve());
  });
  let gone = false;
  await Promise.race([done, exited.then(() => (gone = true))]);
  if (gone) {
    // Give an answer already on its way a moment, then stop the prober.
    await Promise.race([done, new Promise((r) => setTimeout(r, 200))]);
    killGroup(prober);
    await done;
  }
  try {
    const r = JSON.parse(out) as { status: number | null; body?: string; error?: string };
    if (r.status !== null) return { url, status: r.status, body: r.body ?? '' };
    return { url, status: null, error: gone ? `the process exited before answering (${r.error ?? 'no answer'})` : (r.error ?? 'no answer') };
  } catch {
    return { url, status: null, error: gone ? 'the process exited before answering' : 'the probe could not run in the sandbox network' };
  }
}
