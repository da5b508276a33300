/**
 * Files a user names (executables, Dockerfiles, config files, Docker config, image archives) that
 * are not regular files: a FIFO (opening one for reading waits for a writer), /dev/zero (never
 * ends) and links to them. Every command refuses them with E_NOT_REGULAR instead of hanging;
 * sizes over a limit are E_LIMIT. Each CLI run is raced against a bound so a regression fails
 * instead of hanging the suite.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/main.js';
import { isGoslimError } from '../errors.js';
import { loadConfigFile } from '../config/index.js';
import { readRegularFile, readRegularFileSync } from './regular-file.js';

let dir: string;

async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ exit: number | 'hung'; stderr: string; code: string | undefined }> {
  let stderr = '';
  const io = { stdout: () => undefined, stderr: (t: string) => void (stderr += t), isTTY: false, env: { ...process.env, ...env }, cwd: dir };
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<'hung'>((r) => {
    timer = setTimeout(() => r('hung'), 20_000);
  });
  const exit = await Promise.race([runCli(args, io), bound]);
  clearTimeout(timer);
  return { exit, stderr, code: /error (E_[A-Z_]+)/.exec(stderr)?.[1] };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'goslim-regular-'));
  execFileSync('mkfifo', [join(dir, 'fifo')]);
  symlinkSync(join(dir, 'fifo'), join(dir, 'link-to-fifo'));
  symlinkSync('/dev/zero', join(dir, 'link-to-zero'));
  mkdirSync(join(dir, 'a-dir'));
  writeFileSync(join(dir, 'small'), 'x'.repeat(100));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const bad = ['fifo', 'link-to-fifo', '/dev/zero', 'link-to-zero', 'a-dir'];

describe('user-named files that are not regular files', () => {
  it.each(bad)('binary %s: E_NOT_REGULAR', async (name) => {
    const r = await cli(['binary', name]);
    expect(r.exit).toBe(2);
    expect(r.code).toBe('E_NOT_REGULAR');
  });

  it.each(bad)('lint and fix %s: E_NOT_REGULAR (lint searches a directory: E_NOT_FOUND when it holds no Dockerfile)', async (name) => {
    for (const cmd of ['lint', 'fix']) {
      const r = await cli([cmd, name]);
      expect(r.exit, cmd).toBe(2);
      expect(r.code, cmd).toBe(cmd === 'lint' && name === 'a-dir' ? 'E_NOT_FOUND' : 'E_NOT_REGULAR');
    }
  });

  it.each(['fifo', 'link-to-zero'])('lint --config %s: E_NOT_REGULAR', async (name) => {
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\n');
    const r = await cli(['lint', '--config', name, 'Dockerfile']);
    expect(r.exit).toBe(2);
    expect(r.code).toBe('E_NOT_REGULAR');
    expect(() => loadConfigFile(join(dir, name), {} as never)).toThrow(expect.objectContaining({ code: 'E_NOT_REGULAR' }));
  });

  it.each(['fifo', 'link-to-zero'])('inspect docker-archive:/oci-archive: %s: E_NOT_REGULAR', async (name) => {
    for (const t of ['docker-archive', 'oci-archive']) {
      const r = await cli(['inspect', `${t}:${join(dir, name)}`]);
      expect(r.exit, t).toBe(2);
      expect(r.code, t).toBe('E_NOT_REGULAR');
    }
  });

  it('a Docker config.json that is a FIFO: E_NOT_REGULAR, not a hang', async () => {
    const cfg = join(dir, 'docker-cfg');
    mkdirSync(cfg, { recursive: true });
    execFileSync('mkfifo', [join(cfg, 'config.json')]);
    const { resolveCredentials } = await import('../image/registry/credentials.js');
    const err = await resolveCredentials('127.0.0.1:1', undefined, { dockerConfigDir: cfg }).catch((e: unknown) => e);
    expect(isGoslimError(err, 'E_NOT_REGULAR')).toBe(true);
  });

  it('build --add of a FIFO, a device, or a directory holding a FIFO: E_NOT_REGULAR', async () => {
    const { collectAdd } = await import('../build/inputs.js');
    mkdirSync(join(dir, 'ctx'), { recursive: true });
    execFileSync('mkfifo', [join(dir, 'ctx', 'pipe')]);
    for (const src of ['fifo', 'link-to-fifo', '/dev/zero', 'ctx']) {
      const err = await collectAdd({ src, dst: '/x' }, dir).catch((e: unknown) => e);
      expect(isGoslimError(err, 'E_NOT_REGULAR'), src).toBe(true);
    }
  });

  it('reads exactly the fstat size, and a file over the limit is E_LIMIT naming it', async () => {
    expect((await readRegularFile(join(dir, 'small'), { limitKey: 'binary.fileSize' })).length).toBe(100);
    expect(readRegularFileSync(join(dir, 'small'), { limitKey: 'config.size' }).length).toBe(100);
    const err = await readRegularFile(join(dir, 'small'), { limitKey: 'binary.fileSize', max: 99 }).catch((e: unknown) => e);
    expect(isGoslimError(err, 'E_LIMIT')).toBe(true);
    expect((err as { details: unknown }).details).toMatchObject({ limit: 'binary.fileSize', max: 99, actual: 100 });
    expect(() => readRegularFileSync(join(dir, 'small'), { limitKey: 'config.size', max: 10 })).toThrow(expect.objectContaining({ code: 'E_LIMIT' }));
    const missing = await readRegularFile(join(dir, 'nope'), { limitKey: 'binary.fileSize' }).catch((e: unknown) => e);
    expect(isGoslimError(missing, 'E_NOT_FOUND')).toBe(true);
  });
});
