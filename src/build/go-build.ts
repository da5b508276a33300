/**
 * Compiling with the local Go toolchain and the four levers: CGO_ENABLED=0,
 * -trimpath, -ldflags="-s -w" (plus the user's ldflags), GOOS/GOARCH (GOARM /
 * GOAMD64 from the platform variant). The toolchain's own build cache makes an
 * unchanged rebuild a cache hit. I/O edge: this is the only module that runs `go`.
 */
import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { BuildError, IoError, PlatformError, ToolMissingError, UsageError } from '../errors.js';
import type { Platform } from '../image/model.js';

export interface BuildPackage {
  /** Import path, e.g. "example.com/greeter/cmd/greeter". */
  importPath: string;
  /** Directory of the package's sources. */
  dir: string;
  /** Binary name: the last element of the import path (as `go build` names it). */
  name: string;
  /** Main module path and directory, when in module mode. */
  module?: { path: string; dir: string };
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run a command without a shell; output is bounded so a runaway tool cannot exhaust memory. */
export function run(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<CommandResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const limit = 4 << 20;
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      if (stdout.length < limit) stdout += d.toString('utf8');
    });
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < limit) stderr += d.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 15 * 60_000);
    child.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        err.code === 'ENOENT'
          ? new ToolMissingError(`${cmd} is not installed or not on PATH`, { cause: err })
          : new IoError(`cannot run ${cmd}`, { cause: err }),
      );
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
  });
}

/** Environment variables `go build` gets for a platform. Pure. */
export function goEnv(platform: Platform, base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, CGO_ENABLED: '0', GOOS: platform.os, GOARCH: platform.architecture };
  delete env.GOARM;
  delete env.GOAMD64;
  // GOFLAGS may carry -toolexec and friends that make output unreproducible or unsafe (ko rejects -toolexec).
  if (env.GOFLAGS && /-toolexec/.test(env.GOFLAGS)) {
    throw new UsageError('GOFLAGS contains -toolexec, which goslim build does not allow');
  }
  const v = platform.variant;
  if (v) {
    if (platform.architecture === 'arm') {
      const m = /^v([5-7])$/.exec(v);
      if (!m) throw new PlatformError(`arm variant must be v5, v6 or v7, got "${v}"`);
      env.GOARM = m[1];
    } else if (platform.architecture === 'amd64') {
      if (!/^v[1-4]$/.test(v)) throw new PlatformError(`amd64 variant must be v1-v4, got "${v}"`);
      env.GOAMD64 = v;
    } else if (!(platform.architecture === 'arm64' && v === 'v8')) {
      throw new PlatformError(`variant "${v}" is not supported for ${platform.architecture}`);
    }
  }
  return env;
}

/** `-s -w` first, then the user's flags (later flags win in the Go linker). Pure. */
export function goBuildArgs(out: string, ldflags: string[] = []): string[] {
  return ['build', '-trimpath', `-ldflags=${['-s', '-w', ...ldflags].join(' ')}`, '-o', out, '.'];
}

/**
 * Resolve a directory or package pattern to one main package. `target` is a
 * directory (absolute or relative to cwd) or a Go package path resolved by
 * `go list` from cwd (e.g. "./cmd/greeter" or an import path).
 */
export async function resolvePackage(target: string, cwd: string, env: NodeJS.ProcessEnv): Promise<BuildPackage> {
  let listDir = cwd;
  let pattern = target;
  const asDir = isAbsolute(target) ? target : resolve(cwd, target);
  try {
    if ((await stat(asDir)).isDirectory()) {
      listDir = asDir;
      pattern = '.';
    }
  } catch {
    /* not a directory: let go list resolve it as a package path */
  }
  const r = await run('go', ['list', '-json', pattern], { cwd: listDir, env: { ...env, CGO_ENABLED: '0' }, timeoutMs: 120_000 });
  if (r.code !== 0) {
    throw new BuildError(`go list ${pattern} failed: ${r.stderr.trim().split('\n').slice(0, 5).join('; ')}`, {
      details: { target },
    });
  }
  let info: { Name?: string; ImportPath?: string; Dir?: string; Module?: { Path: string; Dir: string } };
  try {
    info = JSON.parse(r.stdout) as typeof info;
  } catch (err) {
    throw new BuildError(`go list ${pattern} matched more than one package; name one main package`, { cause: err });
  }
  if (info.Name !== 'main' || !info.ImportPath || !info.Dir) {
    throw new UsageError(`${target} is package ${info.Name ?? '?'}, not a main package`);
  }
  const name = info.ImportPath.split('/').pop()!;
  return {
    importPath: info.ImportPath,
    dir: info.Dir,
    name,
    ...(info.Module ? { module: { path: info.Module.Path, dir: info.Module.Dir } } : {}),
  };
}

/** Compile `pkg` for `platform` into `out`. */
export async function goBuild(pkg: BuildPackage, platform: Platform, out: string, opts: { ldflags?: string[]; env: NodeJS.ProcessEnv }): Promise<void> {
  const env = goEnv(platform, opts.env);
  const r = await run('go', goBuildArgs(out, opts.ldflags), { cwd: pkg.dir, env });
  if (r.code !== 0) {
    throw new BuildError(
      `go build of ${pkg.importPath} for ${platform.os}/${platform.architecture}${platform.variant ? `/${platform.variant}` : ''} failed:\n${r.stderr.trim()}`,
      { details: { package: pkg.importPath } },
    );
  }
}
