import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { goBuildArgs, goEnv } from './go-build.js';
import { collectAdd, collectTree, parseAdd } from './inputs.js';
import { baseName, sourceDateEpoch, sourceFromModule, rfc3339 } from './build.js';

describe('go build settings', () => {
  it('sets the levers and maps variants to GOARM/GOAMD64', () => {
    const env = goEnv({ os: 'linux', architecture: 'arm', variant: 'v7' }, { CGO_ENABLED: '1', GOARM: '5', PATH: '/bin' });
    expect(env).toMatchObject({ CGO_ENABLED: '0', GOOS: 'linux', GOARCH: 'arm', GOARM: '7', PATH: '/bin' });
    expect(goEnv({ os: 'linux', architecture: 'amd64', variant: 'v3' }, {}).GOAMD64).toBe('v3');
    expect(goEnv({ os: 'linux', architecture: 'arm64', variant: 'v8' }, {}).GOARCH).toBe('arm64');
    expect(goEnv({ os: 'linux', architecture: 'amd64' }, { GOAMD64: 'v4' }).GOAMD64).toBeUndefined();
    expect(() => goEnv({ os: 'linux', architecture: 'arm', variant: 'v9' }, {})).toThrow(expect.objectContaining({ code: 'E_PLATFORM' }));
    expect(() => goEnv({ os: 'linux', architecture: 'amd64' }, { GOFLAGS: '-toolexec=/x' })).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
  });
  it('puts -s -w before the user ldflags so the user can still override', () => {
    expect(goBuildArgs('/o/app', ['-X', 'main.version=1'])).toEqual(['build', '-trimpath', '-ldflags=-s -w -X main.version=1', '-o', '/o/app', '.']);
  });
  it('reads SOURCE_DATE_EPOCH strictly', () => {
    expect(sourceDateEpoch({})).toBe(0);
    expect(sourceDateEpoch({ SOURCE_DATE_EPOCH: '1700000000' })).toBe(1_700_000_000);
    expect(() => sourceDateEpoch({ SOURCE_DATE_EPOCH: 'yesterday' })).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
    expect(rfc3339(0)).toBe('1970-01-01T00:00:00Z');
    expect(sourceFromModule('github.com/acme/svc/cmd/x')).toBe('https://github.com/acme/svc');
    expect(sourceFromModule('example.com/greeter')).toBeUndefined();
    const d = 'sha256:' + 'a'.repeat(64);
    expect(baseName(`docker://127.0.0.1:5000/x/base:1@${d}`)).toBe('127.0.0.1:5000/x/base:1');
    expect(baseName(`docker://127.0.0.1:5000/x/base@${d}`)).toBe(`127.0.0.1:5000/x/base@${d}`);
    expect(baseName('oci:/layouts/base:latest')).toBe('oci:/layouts/base:latest');
  });
});

describe('build inputs', () => {
  const root = mkdtempSync(join(tmpdir(), 'goslim-inputs-'));
  mkdirSync(join(root, 'data', 'sub'), { recursive: true });
  writeFileSync(join(root, 'data', 'a.txt'), 'a');
  writeFileSync(join(root, 'data', 'sub', 'run.sh'), '#!/bin/true\n');
  chmodSync(join(root, 'data', 'sub', 'run.sh'), 0o700);
  symlinkSync('a.txt', join(root, 'data', 'link.txt'));
  writeFileSync(join(root, 'secret'), 'host file');

  it('parses --add and maps a tree with normalised modes, following links inside the root', async () => {
    expect(parseAdd('conf/app.yaml:/etc/app.yaml')).toEqual({ src: 'conf/app.yaml', dst: '/etc/app.yaml' });
    expect(() => parseAdd('x:relative')).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
    const files = await collectAdd({ src: 'data', dst: '/srv/data' }, root);
    expect(files.map((f) => `${f.type} ${f.path} ${(f.mode ?? 0).toString(8)}`)).toEqual([
      'dir /srv/data 755',
      'file /srv/data/a.txt 644',
      'file /srv/data/link.txt 644',
      'dir /srv/data/sub 755',
      'file /srv/data/sub/run.sh 755',
    ]);
    const one = await collectAdd({ src: 'data/a.txt', dst: '/etc/' }, root);
    expect(one.map((f) => f.path)).toEqual(['/etc/a.txt']);
  });

  it('refuses a symlink that leads outside the allowed root (E_UNSAFE_PATH)', async () => {
    symlinkSync(join(root, 'secret'), join(root, 'data', 'sub', 'escape'));
    await expect(collectTree(join(root, 'data'), '/var/run/ko', join(root, 'data'))).rejects.toMatchObject({ code: 'E_UNSAFE_PATH' });
  });
});
