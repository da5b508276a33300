/**
 * "Will it start?" on hand-made images carrying real Go binaries (Debian's Go 1.19) and the
 * host's real glibc/musl loaders. Every static verdict is confirmed by actually starting the
 * image in the bwrap sandbox wherever one is usable here.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildFixture } from '../../test/fixtures/go/build-fixtures.js';
import { GoslimError } from '../errors.js';
import type { ContainerConfig } from '../image/model.js';
import { openImage } from '../image/open.js';
import { buildTestImage, dir, file, symlink, type TestEntry } from '../image/testing/index.js';
import { chooseSandbox, hostArchitecture, verifyImage, type VerifyReport } from './index.js';
import { describeWithTools } from '../../test/helpers/tools.js';

const haveMusl = (() => {
  try {
    execFileSync('sh', ['-c', 'command -v musl-gcc'], { stdio: 'ignore' });
    return existsSync('/lib/ld-musl-x86_64.so.1');
  } catch {
    return false;
  }
})();
const sandbox = chooseSandbox();

let work: string;
const bins: Record<string, Buffer> = {};

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'goslim-verify-'));
  const load = async (name: string, program: 'hello' | 'server', env: Record<string, string> = {}, flags: string[] = []): Promise<void> => {
    bins[name] = readFileSync(await buildFixture({ name, program, env, flags }));
  };
  await load('hello.cgo0', 'hello', { CGO_ENABLED: '0' });
  await load('server.default', 'server');
  await load('server.cgo0', 'server', { CGO_ENABLED: '0' });
  await load('hello.arm64', 'hello', { GOARCH: 'arm64', CGO_ENABLED: '0' });
  await load('hello.arm', 'hello', { GOARCH: 'arm', CGO_ENABLED: '0' });
  if (haveMusl) await load('server.musl', 'server', { CGO_ENABLED: '1', CC: 'musl-gcc' });
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/** distroless/static-like: passwd with nonroot, CA bundle, tzdata dir, no shell, no libc. */
const staticBase = (): TestEntry[] => [
  dir('etc'),
  file('etc/passwd', 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n'),
  file('etc/group', 'root:x:0:\nnonroot:x:65532:\n'),
  dir('etc/ssl/certs'),
  file('etc/ssl/certs/ca-certificates.crt', '-----BEGIN CERTIFICATE-----\n'),
  dir('usr/share/zoneinfo'),
  file('usr/share/zoneinfo/UTC', 'TZif2'),
  dir('home/nonroot'),
  dir('tmp'),
];

/** The host's real glibc loader and libc, laid out the Debian merged-/usr way. */
const glibc = (): TestEntry[] => [
  dir('usr/lib/x86_64-linux-gnu'),
  symlink('lib', 'usr/lib'),
  dir('usr/lib64'),
  symlink('lib64', 'usr/lib64'),
  file('usr/lib/x86_64-linux-gnu/libc.so.6', readFileSync('/lib/x86_64-linux-gnu/libc.so.6'), { mode: 0o755 }),
  file('usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2', readFileSync('/lib64/ld-linux-x86-64.so.2'), { mode: 0o755 }),
  symlink('usr/lib64/ld-linux-x86-64.so.2', '../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2'),
];

const musl = (): TestEntry[] => [dir('lib'), file('lib/ld-musl-x86_64.so.1', readFileSync('/lib/ld-musl-x86_64.so.1'), { mode: 0o755 })];

const distroless: ContainerConfig = { User: '65532:65532', Entrypoint: ['/app'], Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] };

let n = 0;
async function check(layers: TestEntry[][], config: ContainerConfig, arch = 'amd64'): Promise<{ report: VerifyReport; run: VerifyReport['run'] }> {
  const built = await buildTestImage(
    { layers: layers.map((entries) => ({ entries })), config, platform: { os: 'linux', architecture: arch } },
    { dir: join(work, `img${n++}`), format: 'oci' },
  );
  const image = await openImage(built.reference);
  const report = await verifyImage(image);
  const run = sandbox.kind === 'none' ? undefined : (await verifyImage(image, { run: { timeoutMs: 1500 } })).run;
  return { report, run };
}

const failed = (r: VerifyReport): string[] => r.checks.filter((c) => c.status === 'fail').map((c) => c.id);

describeWithTools(['go', 'gcc'], 'verify: static checks confirmed by a sandboxed run', () => {
  it('a static Go binary on a distroless-like base starts', async () => {
    const { report, run } = await check([staticBase(), [file('app', bins['hello.cgo0']!, { mode: 0o755 })]], distroless);
    expect(report.verdict).toBe('pass');
    expect(report.checks.find((c) => c.id === 'interpreter')?.status).toBe('pass');
    expect(report.checks.find((c) => c.id === 'user')?.message).toContain('65532');
    if (run) {
      expect(run.started).toBe(true);
      expect(run.exitCode).toBe(0);
      expect(run.output.join('\n')).toContain('hello');
    }
  });

  it('a cgo (glibc-linked) binary on a libc-less base will not start: missing loader', async () => {
    const { report, run } = await check([staticBase(), [file('app', bins['server.default']!, { mode: 0o755 })]], distroless);
    expect(report.verdict).toBe('fail');
    expect(failed(report)).toContain('interpreter');
    const c = report.checks.find((x) => x.id === 'interpreter')!;
    expect(c.runtimeMessage).toBe('exec /app: no such file or directory');
    expect(c.message).toContain('/lib64/ld-linux-x86-64.so.2');
    if (run) {
      expect(run.started).toBe(false);
      expect(run.output.join('\n')).toMatch(/No such file or directory/);
    }
  });

  it('the same binary starts on a base with glibc (loader found through merged-/usr symlinks)', async () => {
    const { report, run } = await check([staticBase(), glibc(), [file('app', bins['server.default']!, { mode: 0o755 })]], distroless);
    expect(failed(report)).toEqual([]);
    expect(report.checks.find((c) => c.id === 'libraries')?.status).toBe('pass');
    if (run) expect(run.started).toBe(true); // a server: still running at the timeout
  });

  it('a loader without libc.so.6 fails on the library, with the loader message', async () => {
    const noLibc = glibc().filter((e) => !(e.kind === 'file' && e.path.endsWith('libc.so.6')));
    const { report, run } = await check([staticBase(), noLibc, [file('app', bins['server.default']!, { mode: 0o755 })]], distroless);
    expect(failed(report)).toEqual(['libraries']);
    expect(report.checks.find((c) => c.id === 'libraries')?.runtimeMessage).toContain('error while loading shared libraries: libc.so.6');
    if (run) {
      expect(run.started).toBe(false);
      expect(run.output.join('\n')).toContain('error while loading shared libraries: libc.so.6');
    }
  });

  it('a glibc binary on a musl (alpine-like) base is named as a libc mismatch', async () => {
    if (!haveMusl) return expect.fail('musl-tools is not installed (scripts/install-deps.sh installs it)');
    const { report, run } = await check([staticBase(), musl(), [file('app', bins['server.default']!, { mode: 0o755 })]], distroless);
    expect(failed(report)).toContain('libc-family');
    expect(report.checks.find((c) => c.id === 'libc-family')?.message).toMatch(/glibc.*musl/);
    if (run) expect(run.started).toBe(false);
  });

  it('a musl binary on a glibc base is named as a libc mismatch; on a musl base it starts', async () => {
    if (!haveMusl) return expect.fail('musl-tools is not installed (scripts/install-deps.sh installs it)');
    const onGlibc = await check([staticBase(), glibc(), [file('app', bins['server.musl']!, { mode: 0o755 })]], distroless);
    expect(failed(onGlibc.report)).toContain('libc-family');
    expect(onGlibc.report.checks.find((c) => c.id === 'libc-family')?.message).toMatch(/musl.*glibc/);
    if (onGlibc.run) expect(onGlibc.run.started).toBe(false);

    // musl resolves "libc.so" through its own loader (the loader is libc).
    const muslWithLib = [...musl(), dir('usr/lib'), file('usr/lib/libc.so', readFileSync('/lib/ld-musl-x86_64.so.1'), { mode: 0o755 })];
    const onMusl = await check([staticBase(), muslWithLib, [file('app', bins['server.musl']!, { mode: 0o755 })]], distroless);
    expect(failed(onMusl.report)).toEqual([]);
    if (onMusl.run) expect(onMusl.run.started).toBe(true);
  });

  it('an arm64 binary in an amd64 image fails with exec format error', async () => {
    const { report, run } = await check([staticBase(), [file('app', bins['hello.arm64']!, { mode: 0o755 })]], distroless);
    expect(failed(report)).toEqual(['architecture']);
    expect(report.checks.find((c) => c.id === 'architecture')?.runtimeMessage).toBe('exec /app: exec format error');
    if (run) {
      expect(run.started).toBe(false);
      // runc says "exec format error"; bwrap's execvp retries an ENOEXEC file through
      // /bin/sh (POSIX execvp), which a shell-less root lacks, so it reports ENOENT instead.
      expect(run.output.join('\n')).toMatch(/execvp \/app: No such file or directory|format error/i);
    }
  });

  it('a shell-form command on a shell-less base fails on the missing /bin/sh', async () => {
    const { report, run } = await check(
      [staticBase(), [file('app', bins['hello.cgo0']!, { mode: 0o755 })]],
      { ...distroless, Entrypoint: ['/bin/sh', '-c', '/app'] },
    );
    expect(failed(report)).toEqual(['shell']);
    expect(report.checks.find((c) => c.id === 'shell')?.runtimeMessage).toContain('stat /bin/sh: no such file or directory');
    if (run) expect(run.started).toBe(false);
  });

  it('a program name that is not in PATH, or not executable, fails', async () => {
    const missing = await check([staticBase()], { ...distroless, Entrypoint: ['server'] });
    expect(failed(missing.report)).toEqual(['program']);
    expect(missing.report.checks.find((c) => c.id === 'program')?.runtimeMessage).toContain('executable file not found in $PATH');
    if (missing.run) expect(missing.run.started).toBe(false);

    const noexec = await check([staticBase(), [file('app', bins['hello.cgo0']!, { mode: 0o644 })]], distroless);
    expect(failed(noexec.report)).toEqual(['executable']);
    if (noexec.run) expect(noexec.run.started).toBe(false);
  });

  it('a user name that is not in /etc/passwd fails; a numeric one needs no entry', async () => {
    const named = await check([staticBase(), [file('app', bins['hello.cgo0']!, { mode: 0o755 })]], { ...distroless, User: 'app' });
    expect(failed(named.report)).toEqual(['user']);
    // An unknown USER never runs (it used to fall back to root).
    if (named.run) expect(named.run).toMatchObject({ started: false, exitCode: null });
    const numeric = await check([staticBase(), [file('app', bins['hello.cgo0']!, { mode: 0o755 })]], { ...distroless, User: '10001' });
    expect(failed(numeric.report)).toEqual([]);
    if (numeric.run) expect(numeric.run.started).toBe(true);
  });

  it('warns about a curl health check and a root user, and follows a PATH symlink to the binary', async () => {
    const { report } = await check(
      [staticBase(), [dir('usr/local/bin'), file('opt/app/server', bins['server.cgo0']!, { mode: 0o755 }), symlink('usr/local/bin/server', '/opt/app/server')]],
      { Entrypoint: ['server'], Healthcheck: { Test: ['CMD-SHELL', 'curl -f http://localhost:8080/ || exit 1'] }, ExposedPorts: { '80/tcp': {} } },
    );
    expect(failed(report)).toEqual([]);
    expect(report.verdict).toBe('warn');
    const warned = report.checks.filter((c) => c.status === 'warn').map((c) => c.id);
    expect(warned).toEqual(expect.arrayContaining(['user', 'healthcheck']));
    expect(report.checks.find((c) => c.id === 'program')?.message).toContain('/usr/local/bin/server -> /opt/app/server');
    expect(report.checks.find((c) => c.id === 'ca-certificates')?.status).toBe('pass');
  });

  it('warns when a TLS-using binary has no CA bundle', async () => {
    const bare = staticBase().filter((e) => !('path' in e) || !e.path.startsWith('etc/ssl'));
    const { report } = await check([bare, [file('app', bins['server.cgo0']!, { mode: 0o755 })]], distroless);
    expect(report.checks.find((c) => c.id === 'ca-certificates')).toMatchObject({ status: 'warn', runtimeMessage: 'x509: certificate signed by unknown authority' });
  });
});

describeWithTools(['go', 'bwrap', 'prlimit'], 'verify --run: where the run happens', () => {
  it('as root, a run directory under one the sandbox user cannot pass through (TMPDIR of mode 0700) is E_SANDBOX, not "did not start"', async () => {
    const built = await buildTestImage(
      { layers: [{ entries: staticBase() }, { entries: [file('app', bins['hello.cgo0']!, { mode: 0o755 })] }], config: distroless },
      { dir: join(work, `img${n++}`), format: 'oci' },
    );
    const image = await openImage(built.reference);
    await chmod(work, 0o711);
    const locked = await mkdtemp(join(work, 'locked-'));
    await chmod(locked, 0o700);
    const workDir = join(locked, 'run');
    await mkdir(workDir, { mode: 0o711 });
    const outcome = await verifyImage(image, { run: { timeoutMs: 5000, workDir } }).catch((e: unknown) => e);
    if (process.getuid?.() === 0) {
      // As root the program runs as a sandbox uid that owns nothing here.
      expect(outcome).toBeInstanceOf(GoslimError);
      expect((outcome as GoslimError).code).toBe('E_SANDBOX');
      expect((outcome as GoslimError).message).toContain(locked);
      expect(existsSync(join(workDir, 'rootfs'))).toBe(false); // refused before the unpack
      // The same directory opened to others: the run starts.
      await chmod(locked, 0o711);
      const report = await verifyImage(image, { run: { timeoutMs: 5000, workDir } });
      expect(report.run).toMatchObject({ started: true, exitCode: 0 });
    } else {
      // Unprivileged, the program runs as this user, who owns the directory.
      expect((outcome as VerifyReport).run).toMatchObject({ started: true, exitCode: 0 });
    }
  });
});

describeWithTools(['go', 'bwrap', 'prlimit', 'qemu-aarch64-static', 'qemu-arm-static'], 'verify --run of a foreign architecture (issue 18)', () => {
  const arm64Image = async (arch = 'arm64', extra: TestEntry[] = []): Promise<ReturnType<typeof openImage>> => {
    const built = await buildTestImage(
      { layers: [{ entries: staticBase() }, { entries: [file('app', bins[`hello.${arch}`]!, { mode: 0o755 }), ...extra] }], config: distroless, platform: { os: 'linux', architecture: arch } },
      { dir: join(work, `img${n++}`), format: 'oci' },
    );
    return openImage(built.reference);
  };

  it('an arm64 image starts under qemu-aarch64-static, started directly in the sandbox', async () => {
    const report = await verifyImage(await arm64Image(), { run: { timeoutMs: 20_000 } });
    expect(failed(report)).toEqual([]);
    expect(report.run).toMatchObject({ sandbox: 'bwrap', started: true, exitCode: 0, emulator: { kind: 'qemu', platform: 'linux/arm64' } });
    expect(report.run!.emulator!.path).toMatch(/qemu-aarch64(-static)?$/);
    expect(report.run!.output.join('\n')).toContain('hello');
    expect(report.checks.find((c) => c.id === 'run')).toMatchObject({ status: 'pass' });
    expect(report.verdict).toBe('pass');
  });

  it('an image that ships its own /.goslim-qemu (a link to its passwd) still gets the host emulator there, and its file is untouched', async () => {
    // A kept work dir must be reachable by the sandbox's uid (as root, bwrap runs as that uid).
    await chmod(work, 0o711);
    const workDir = await mkdtemp(join(work, 'run-'));
    await chmod(workDir, 0o711);
    const report = await verifyImage(await arm64Image('arm64', [symlink('.goslim-qemu', '/etc/passwd'), dir('x'), symlink('x/qemu', '/.goslim-qemu')]), { run: { timeoutMs: 20_000, workDir } });
    expect(report.run, report.run!.output.join('\n')).toMatchObject({ started: true, exitCode: 0, emulator: { kind: 'qemu' } });
    expect(report.run!.output.join('\n')).toContain('hello');
    expect(readFileSync(join(workDir, 'rootfs', 'etc', 'passwd'), 'utf8')).toContain('nonroot:x:65532:65532');
    expect(lstatSync(join(workDir, 'rootfs', '.goslim-qemu')).isFile()).toBe(true);
  });

  it('a 32-bit arm image starts too: the emulator\'s 4 GiB guest reservation is added to the address-space limit', async () => {
    const report = await verifyImage(await arm64Image('arm'), { run: { timeoutMs: 20_000 } });
    expect(report.run).toMatchObject({ started: true, exitCode: 0, emulator: { kind: 'qemu', platform: 'linux/arm' } });
    expect(report.run!.output.join('\n')).toContain('hello');
  });

  it('without QEMU the run is skipped (not "did not start") and the verdict stays the static one', async () => {
    const empty = await mkdtemp(join(work, 'no-qemu-'));
    const report = await verifyImage(await arm64Image(), { run: { timeoutMs: 5000, emulation: { qemuPath: empty, binfmtDir: empty } } });
    expect(report.run).toMatchObject({ sandbox: 'none', started: false, skipped: true });
    expect(report.run!.reason).toContain(`cannot run linux/arm64 on this linux/${hostArchitecture()} host`);
    expect(report.checks.find((c) => c.id === 'run')).toMatchObject({ status: 'skip' });
    expect(report.verdict).toBe('pass');
  });
});
