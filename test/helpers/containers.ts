/**
 * The real build/run harness behind the `fix`, `build` and `verify` proofs:
 * Debian's docker-registry on 127.0.0.1 serving the fixture base images under the
 * names real Dockerfiles use, buildah to build unmodified Dockerfiles offline and
 * podman to run the results, with the settings that work in this sandbox:
 *
 * - runc (crun refuses the host's hybrid cgroup layout), cgroupfs (no systemd),
 *   ulimits below the hard limits (no CAP_SYS_RESOURCE), `--health-cmd none`
 *   (podman would want a systemd timer), slirp4netns port forwarding to 127.0.0.1
 *   (touches no iptables), `buildah bud --isolation chroot --format docker`.
 * - A registries.conf that REWRITES docker.io/library/{golang,debian} and
 *   gcr.io/distroless to the local registry and blocks the rest of docker.io and
 *   gcr.io. A rewrite, not a mirror: a mirror falls back to the internet on a miss.
 * - Host state stays clean: every podman/buildah/skopeo call runs inside one private
 *   mount namespace (held by a sleeper process) where scratch directories are bound
 *   over /run, /var/lib/containers and /var/tmp; configs go through
 *   CONTAINERS_CONF / CONTAINERS_STORAGE_CONF / CONTAINERS_REGISTRIES_CONF, /etc is
 *   never edited. Container storage (overlay) persists under test/.work so that
 *   the 1 GB golang base is imported once, not per run.
 *
 * Every call has a timeout; close() removes containers, stops the registry and the
 * namespace holder by pid, and deletes the scratch directory.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FixtureImages } from './images.js';
import { REPO_ROOT } from './images.js';
import { withLock } from './lock.js';
import { freePort, startRegistry, type RegistryHandle } from './registry.js';

export { freePort };

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Wall time in milliseconds. */
  ms: number;
}

export interface LocalRegistry {
  host: string;
  port: number;
  /** `127.0.0.1:PORT` */
  address: string;
  pid: number;
  dataDir: string;
  stop(): Promise<void>;
}

/** The harness's registry: test/helpers/registry.ts's docker-registry on 127.0.0.1, without auth. */
export async function startLocalRegistry(): Promise<LocalRegistry> {
  const handle: RegistryHandle = await startRegistry({ auth: 'none' });
  return { host: '127.0.0.1', port: handle.port, address: handle.host, pid: handle.pid, dataDir: join(handle.dir, 'data'), stop: () => handle.stop() };
}

export interface RunOptions {
  name?: string;
  /** Run in the background (default true); false waits for the exit and returns its output. */
  detach?: boolean;
  /** Container ports to publish on 127.0.0.1 (host ports chosen free unless given). */
  publish?: Array<{ container: number; host?: number }>;
  env?: Record<string, string>;
  entrypoint?: string;
  user?: string;
  /** Arguments after the image (the command, or the entrypoint's arguments). */
  args?: string[];
  /** Network: slirp4netns (default when publishing), none (default otherwise) or host. */
  network?: 'slirp4netns' | 'none' | 'host';
  timeoutMs?: number;
}

export interface RunResult extends CommandResult {
  /** Container id (detached runs). */
  id: string;
  name: string;
  /** container port -> host port on 127.0.0.1 */
  ports: Map<number, number>;
}

export interface ContainerHarness {
  /** Scratch root of this harness (configs, runroot, registry data). */
  root: string;
  registry: LocalRegistry;
  /** Environment every podman/buildah/skopeo call gets. */
  env: NodeJS.ProcessEnv;
  /** Images pushed to the registry: fixture name -> `127.0.0.1:PORT/<ref>` list (bases under their
   *  real names, e.g. library/golang:1.19, and every image as goslim-fixtures/NAME:latest). */
  pushed: Map<string, string[]>;
  /** Runs podman/buildah/skopeo/any tool inside the harness namespace with the harness env. */
  tool(cmd: string, args: string[], timeoutMs?: number): Promise<CommandResult>;
  /**
   * Starts a long-running tool (e.g. `podman system service`) inside the namespace, in the
   * background; close() stops it by pid. Its stderr is kept for messages.
   */
  background(cmd: string, args: string[]): { child: ChildProcess; stderr: () => string };
  /** `buildah bud` of an unmodified Dockerfile; bases resolve to the local registry. Returns the image id. */
  buildahBud(contextDir: string, dockerfile: string, tag: string, options?: { timeoutMs?: number; buildArgs?: Record<string, string> }): Promise<CommandResult & { imageId: string }>;
  podmanRun(image: string, options?: RunOptions): Promise<RunResult>;
  podmanExec(container: string, command: string[], timeoutMs?: number): Promise<CommandResult>;
  podmanLogs(container: string): Promise<CommandResult>;
  podmanRm(container: string): Promise<void>;
  saveImage(tag: string, format: 'oci-archive' | 'docker-archive', path: string, timeoutMs?: number): Promise<void>;
  /** `podman image inspect` Size: the uncompressed size of all layers. */
  imageSize(tag: string): Promise<number>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** Push these fixture images' bases to the registry (golang, debian, distroless). */
  fixtures?: FixtureImages;
  /** Where container storage persists (default test/.work/containers/storage). */
  storageDir?: string;
  /** Also push the 1 GB fat-greeter image (default false). */
  pushFat?: boolean;
  /** Storage driver (default overlay: native overlayfs works here and is much faster than vfs for 1 GB bases). */
  storageDriver?: 'overlay' | 'vfs';
}

const DEFAULT_TIMEOUT = 300_000;

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<CommandResult> {
  const started = Date.now();
  return new Promise((resolveRun) => {
    execFile(cmd, args, { env, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 124;
      resolveRun({ exitCode: code, stdout: String(stdout), stderr: String(stderr) + (err && code === 124 ? `\n${err.message}` : ''), ms: Date.now() - started });
    });
  });
}

function must(what: string, result: CommandResult): CommandResult {
  if (result.exitCode !== 0) {
    throw new Error(`${what} failed (exit ${result.exitCode}, ${result.ms} ms):\n${result.stderr.trim().split('\n').slice(-30).join('\n')}`);
  }
  return result;
}

/** Starts the harness: namespace holder, configs, registry, and (optionally) pushes the fixture bases. */
export async function startContainerHarness(options: HarnessOptions = {}): Promise<ContainerHarness> {
  const work = join(REPO_ROOT, 'test', '.work');
  await mkdir(work, { recursive: true });
  const root = await mkdtemp(join(work, 'harness-'));
  const storage = resolve(options.storageDir ?? join(work, 'containers', 'storage'));
  const driver = options.storageDriver ?? 'overlay';
  const scratch = { run: join(root, 'run'), lib: join(root, 'var-lib-containers'), vartmp: join(root, 'var-tmp') };
  const runroot = join(root, 'runroot');
  // libpod's tmp_dir holds slirp4netns's API socket (<tmp_dir>/<64 hex>.net), and a unix socket
  // path must stay under 108 bytes: keep it short and independent of where the checkout is.
  const libpodTmp = await mkdtemp(join(tmpdir(), 'gslh-'));
  for (const dir of [...Object.values(scratch), runroot, storage, join(root, 'tmp'), join(scratch.run, 'lock')]) {
    await mkdir(dir, { recursive: true });
  }

  // The namespace holder: a private mount namespace with scratch dirs over the paths
  // where rootful podman/buildah keep host-wide state. It sleeps until we kill it.
  const holder: ChildProcess = spawn(
    'unshare',
    [
      '--mount',
      '--propagation',
      'private',
      '--',
      'sh',
      '-c',
      'mount --bind "$1" /run && mount --bind "$2" /var/lib/containers && mount --bind "$3" /var/tmp && echo ready && exec sleep 7200',
      'harness-ns',
      scratch.run,
      scratch.lib,
      scratch.vartmp,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], detached: false },
  );
  const holderPid = holder.pid ?? -1;
  await new Promise<void>((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error('namespace holder did not start')), 10_000);
    holder.stdout?.once('data', () => {
      clearTimeout(timer);
      resolveReady();
    });
    holder.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`namespace holder exited with ${code}`));
    });
  });

  let registry: LocalRegistry | undefined;
  const cleanups: Array<() => Promise<void>> = [];
  try {
    registry = await startLocalRegistry();
    const reg = registry.address;
    await writeFile(
      join(root, 'containers.conf'),
      [
        '[containers]',
        'default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]',
        'netns = "none"',
        '[engine]',
        'runtime = "runc"',
        'cgroup_manager = "cgroupfs"',
        'events_logger = "file"',
        `tmp_dir = "${libpodTmp}"`,
        `image_copy_tmp_dir = "${join(root, 'tmp')}"`,
        '',
      ].join('\n'),
    );
    await writeFile(
      join(root, 'storage.conf'),
      ['[storage]', `driver = "${driver}"`, `graphroot = "${storage}"`, `runroot = "${runroot}"`, ''].join('\n'),
    );
    const rewrite = (prefix: string, location: string): string =>
      `[[registry]]\nprefix = "${prefix}"\nlocation = "${location}"\ninsecure = true\n`;
    await writeFile(
      join(root, 'registries.conf'),
      [
        'unqualified-search-registries = ["docker.io"]',
        'short-name-mode = "permissive"',
        '',
        rewrite('docker.io/library/golang', `${reg}/library/golang`),
        rewrite('docker.io/library/debian', `${reg}/library/debian`),
        rewrite('gcr.io/distroless', `${reg}/distroless`),
        `[[registry]]\nlocation = "${reg}"\ninsecure = true\n`,
        // everything else on the public registries is blocked: tests never reach the internet
        '[[registry]]\nprefix = "docker.io"\nlocation = "docker.io"\nblocked = true\n',
        '[[registry]]\nprefix = "gcr.io"\nlocation = "gcr.io"\nblocked = true\n',
        '[[registry]]\nprefix = "quay.io"\nlocation = "quay.io"\nblocked = true\n',
      ].join('\n'),
    );
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      HOME: join(root, 'home'),
      TMPDIR: join(root, 'tmp'),
      CONTAINERS_CONF: join(root, 'containers.conf'),
      CONTAINERS_STORAGE_CONF: join(root, 'storage.conf'),
      CONTAINERS_REGISTRIES_CONF: join(root, 'registries.conf'),
      REGISTRY_AUTH_FILE: join(root, 'auth.json'),
    };
    await mkdir(join(root, 'home'), { recursive: true });
    await writeFile(join(root, 'auth.json'), '{"auths":{}}');

    // skopeo 1.9 ignores CONTAINERS_REGISTRIES_CONF (buildah and podman honour it): pass the flag.
    const tool = (cmd: string, args: string[], timeoutMs = DEFAULT_TIMEOUT): Promise<CommandResult> => {
      const globals = cmd === 'skopeo' ? ['--registries-conf', join(root, 'registries.conf')] : [];
      return run('nsenter', [`--mount=/proc/${holderPid}/ns/mnt`, '--', cmd, ...globals, ...args], env, timeoutMs);
    };

    const pushed = new Map<string, string[]>();
    if (options.fixtures !== undefined) {
      for (const image of Object.values(options.fixtures.images)) {
        // Bases under the names real Dockerfiles use; every image (the 1 GB fat one only
        // when asked) under goslim-fixtures/NAME:latest so podman can run it by name.
        const refs = [...image.info.refs];
        if (image.info.name !== 'fat-greeter' || options.pushFat === true) refs.push(`${image.info.repository}:latest`);
        for (const ref of refs) {
          const dest = `${reg}/${ref}`;
          must(`push ${image.info.name} -> ${dest}`, await tool('skopeo', ['copy', '-q', '--dest-tls-verify=false', `oci:${image.oci}:latest`, `docker://${dest}`]));
          pushed.set(image.info.name, [...(pushed.get(image.info.name) ?? []), dest]);
        }
      }
    }

    const containers = new Set<string>();
    let counter = 0;
    const background = (cmd: string, args: string[]): { child: ChildProcess; stderr: () => string } => {
      const child = spawn('nsenter', [`--mount=/proc/${holderPid}/ns/mnt`, '--', cmd, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr?.on('data', (c: Buffer) => {
        if (err.length < 64 * 1024) err += c.toString('utf8');
      });
      cleanups.push(async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGTERM'); // our own child, by pid
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      });
      return { child, stderr: () => err };
    };
    const harness: ContainerHarness = {
      root,
      registry,
      env,
      pushed,
      tool,
      background,
      async buildahBud(contextDir, dockerfile, tag, budOptions = {}) {
        const idFile = join(root, `bud-${++counter}.iid`);
        const args = ['bud', '--isolation', 'chroot', '--format', 'docker', '--tls-verify=false', '--layers=false', '--iidfile', idFile, '-t', tag, '-f', resolve(dockerfile)];
        for (const [k, v] of Object.entries(budOptions.buildArgs ?? {})) args.push('--build-arg', `${k}=${v}`);
        args.push(resolve(contextDir));
        const result = must(`buildah bud ${dockerfile}`, await tool('buildah', args, budOptions.timeoutMs ?? 900_000));
        const imageId = (await readFile(idFile, 'utf8')).trim();
        return { ...result, imageId };
      },
      async podmanRun(image, runOptions = {}) {
        const name = runOptions.name ?? `goslim-test-${process.pid}-${++counter}`;
        const detach = runOptions.detach ?? true;
        const ports = new Map<number, number>();
        const args = ['run', '--name', name, '--health-cmd', 'none', '--tls-verify=false'];
        if (detach) args.push('-d');
        const network = runOptions.network ?? ((runOptions.publish?.length ?? 0) > 0 ? 'slirp4netns' : 'none');
        // Ports through slirp4netns's own forwarder, not podman's default rootlessport helper: with
        // rootlessport, podman 4.3 sometimes hangs between creating and starting the container
        // (podman waiting on rootlessport, rootlessport-child on a pipe), at any load; seen in
        // test:repeat runs as `podman run -d` timing out after 300 s.
        args.push('--network', network === 'slirp4netns' ? 'slirp4netns:port_handler=slirp4netns' : network);
        // Without a host port, podman binds a free one itself (`-p 127.0.0.1::PORT`) and `podman port`
        // tells which: no window between choosing a port and binding it.
        const assigned: number[] = [];
        for (const p of runOptions.publish ?? []) {
          if (p.host !== undefined) ports.set(p.container, p.host);
          else assigned.push(p.container);
          args.push('-p', `127.0.0.1:${p.host ?? ''}:${p.container}`);
        }
        for (const [k, v] of Object.entries(runOptions.env ?? {})) args.push('-e', `${k}=${v}`);
        if (runOptions.entrypoint !== undefined) args.push('--entrypoint', runOptions.entrypoint);
        if (runOptions.user !== undefined) args.push('--user', runOptions.user);
        args.push(image, ...(runOptions.args ?? []));
        containers.add(name);
        const result = await tool('podman', args, runOptions.timeoutMs ?? DEFAULT_TIMEOUT);
        if (detach) must(`podman run ${image}`, result);
        for (const container of assigned) {
          if (!detach) break;
          const q = await tool('podman', ['port', name, `${container}/tcp`], 30_000);
          const port = Number(/127\.0\.0\.1:(\d+)/.exec(q.stdout)?.[1] ?? NaN);
          if (!Number.isInteger(port)) throw new Error(`podman port ${name} ${container}: ${q.stdout}${q.stderr}`);
          ports.set(container, port);
        }
        return { ...result, id: detach ? result.stdout.trim().split('\n').pop() ?? '' : '', name, ports };
      },
      podmanExec: (container, command, timeoutMs = 60_000) => tool('podman', ['exec', container, ...command], timeoutMs),
      podmanLogs: (container) => tool('podman', ['logs', container], 30_000),
      async podmanRm(container) {
        await tool('podman', ['rm', '-f', '-t', '2', container], 60_000);
        containers.delete(container);
      },
      async saveImage(tag, format, path, timeoutMs = 300_000) {
        await rm(path, { force: true });
        must(`podman save ${tag}`, await tool('podman', ['save', '--format', format, '-o', resolve(path), tag], timeoutMs));
      },
      async imageSize(tag) {
        const result = must(`podman image inspect ${tag}`, await tool('podman', ['image', 'inspect', '--format', '{{.Size}}', tag], 60_000));
        return Number.parseInt(result.stdout.trim(), 10);
      },
      async close() {
        for (const c of [...containers]) await harness.podmanRm(c).catch(() => undefined);
        for (const cleanup of cleanups) await cleanup().catch(() => undefined);
        await registry?.stop();
        killHolder(holder);
        await rm(root, { recursive: true, force: true }).catch(() => undefined);
        await rm(libpodTmp, { recursive: true, force: true }).catch(() => undefined);
      },
    };
    return harness;
  } catch (err) {
    await registry?.stop().catch(() => undefined);
    killHolder(holder);
    await rm(root, { recursive: true, force: true }).catch(() => undefined);
    await rm(libpodTmp, { recursive: true, force: true }).catch(() => undefined);
    throw err;
  }
}

function killHolder(holder: ChildProcess): void {
  // By pid, our own child only. Its mount namespace (and every mount in it) goes with it.
  if (holder.exitCode === null && holder.signalCode === null) holder.kill('SIGTERM');
}

/** Runs `body` with a harness, one harness at a time across workers (they share container storage). */
export async function withContainerHarness<T>(options: HarnessOptions, body: (h: ContainerHarness) => Promise<T>): Promise<T> {
  return withLock(join(REPO_ROOT, 'test', '.work', 'containers.lock'), async () => {
    const harness = await startContainerHarness(options);
    try {
      return await body(harness);
    } finally {
      await harness.close();
    }
  });
}

/** GETs a URL until it answers (bounded), returning status and body text. */
export async function httpGet(url: string, timeoutMs = 30_000): Promise<{ status: number; body: string }> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (let attempt = 0; attempt < 1000 && Date.now() < deadline; attempt++) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      return { status: res.status, body: await res.text() };
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`GET ${url} did not answer within ${timeoutMs} ms: ${String(lastError)}`);
}
