import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GoslimError, isGoslimError } from '../../errors.js';
import { credentialKeys, DOCKER_HUB_KEY, resolveCredentials, runCredentialHelper } from './credentials.js';

let work: string;
let n = 0;
function config(value: unknown): string {
  const dir = join(work, `cfg${n++}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), typeof value === 'string' ? value : JSON.stringify(value));
  return dir;
}
const b64 = (s: string): string => Buffer.from(s).toString('base64');

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'goslim-creds-'));
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('resolveCredentials', () => {
  const env = { HOME: '/nonexistent-home', PATH: process.env['PATH'] };

  it('reads auths by host, repository and URL keys, and decodes base64 auth with colons in the password', async () => {
    const dir = config({ auths: { 'https://reg.example:5000': { auth: b64('me:pa:ss') }, 'other.example/team/app': { username: 'u', password: 'p1' } } });
    expect(await resolveCredentials('reg.example:5000', 'x/y', { dockerConfigDir: dir, env })).toEqual({ username: 'me', password: 'pa:ss' });
    expect(await resolveCredentials('other.example', 'team/app', { dockerConfigDir: dir, env })).toEqual({ username: 'u', password: 'p1' });
    expect(await resolveCredentials('other.example', 'team/else', { dockerConfigDir: dir, env })).toBeUndefined();
  });

  it('maps Docker Hub to https://index.docker.io/v1/ and keeps identity tokens', async () => {
    expect(credentialKeys('docker.io')[0]).toBe(DOCKER_HUB_KEY);
    const dir = config({ auths: { [DOCKER_HUB_KEY]: { auth: b64('hubuser:'), identitytoken: 'refresh-123' } } });
    expect(await resolveCredentials('docker.io', 'library/golang', { dockerConfigDir: dir, env })).toEqual({ username: 'hubuser', password: '', identityToken: 'refresh-123' });
  });

  it('honours DOCKER_CONFIG, then falls back to the containers auth file', async () => {
    const dir = config({ auths: { 'a.example': { auth: b64('x:y') } } });
    expect(await resolveCredentials('a.example', undefined, { env: { ...env, DOCKER_CONFIG: dir } })).toEqual({ username: 'x', password: 'y' });
    const podman = join(work, 'auth.json');
    writeFileSync(podman, JSON.stringify({ auths: { 'b.example': { auth: b64('pod:man') } } }));
    expect(await resolveCredentials('b.example', undefined, { env: { ...env, DOCKER_CONFIG: dir, REGISTRY_AUTH_FILE: podman } })).toEqual({ username: 'pod', password: 'man' });
  });

  it('reports a broken config as E_CONFIG without echoing its content', async () => {
    const dir = config('{"auths": {"a.example": {"auth": "c2VjcmV0LXZhbHVl"}');
    const err = await resolveCredentials('a.example', undefined, { dockerConfigDir: dir, env }).catch((e: unknown) => e);
    expect(isGoslimError(err, 'E_CONFIG')).toBe(true);
    expect(JSON.stringify(err) + (err as GoslimError).message).not.toContain('c2VjcmV0LXZhbHVl');
    const bad = config({ auths: { 'a.example': { auth: b64('no-colon-secret') } } });
    const err2 = await resolveCredentials('a.example', undefined, { dockerConfigDir: bad, env }).catch((e: unknown) => e);
    expect(isGoslimError(err2, 'E_CONFIG')).toBe(true);
    expect(JSON.stringify(err2) + (err2 as GoslimError).message).not.toContain('no-colon-secret');
  });

  it('runs credential helpers: tokens, "credentials not found", failures without their output', async () => {
    const bin = join(work, 'bin');
    mkdirSync(bin, { recursive: true });
    const script = (name: string, body: string): void => {
      writeFileSync(join(bin, `docker-credential-${name}`), `#!/bin/sh\nread url\n${body}\n`);
      chmodSync(join(bin, `docker-credential-${name}`), 0o755);
    };
    script('tok', `printf '{"ServerURL":"%s","Username":"<token>","Secret":"idtok-1"}' "$url"`);
    script('none', 'echo "credentials not found in native keychain"; exit 1');
    script('broken', 'echo "fatal: secret-in-output"; exit 3');
    script('echo', 'printf \'{"Username":"%s","Secret":"s3"}\' "$url"');
    const henv = { ...env, PATH: `${bin}:${process.env['PATH'] ?? ''}` };
    expect(await runCredentialHelper('tok', 'r.example', { env: henv })).toEqual({ identityToken: 'idtok-1' });
    expect(await runCredentialHelper('none', 'r.example', { env: henv })).toBeUndefined();
    const err = await runCredentialHelper('broken', 'r.example', { env: henv }).catch((e: unknown) => e);
    expect(isGoslimError(err, 'E_AUTH')).toBe(true);
    expect(JSON.stringify(err) + (err as GoslimError).message).not.toContain('secret-in-output');
    // Docker Hub's server URL is the v1 key.
    expect(await runCredentialHelper('echo', 'x', { env: henv })).toEqual({ username: 'x', password: 's3' });
    const dir = config({ credHelpers: { 'docker.io': 'echo' } });
    expect(await resolveCredentials('docker.io', 'library/x', { dockerConfigDir: dir, env: henv })).toEqual({ username: DOCKER_HUB_KEY, password: 's3' });
    const bad = await runCredentialHelper('../evil', 'x', { env: henv }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(GoslimError);
  });
});
