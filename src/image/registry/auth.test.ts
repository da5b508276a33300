/**
 * Authentication against the real docker-registry: htpasswd Basic and token (Bearer) auth, with
 * credentials from a Docker config (auths, credHelpers, credsStore), and the guarantee that
 * credentials never show up in errors.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { GoslimError, isGoslimError } from '../../errors.js';
import { openOciLayout } from '../sources/oci-layout.js';
import { openRegistryImage } from '../sources/registry.js';
import { pushImage } from '../sinks/registry.js';
import { buildTestImage, file } from '../testing/index.js';
import { REDIRECTED_PREFIX, startFaultProxy, startRegistry, type RegistryHandle } from '../../../test/helpers/registry.js';
import type { Image } from '../model.js';
import type { Readable } from 'node:stream';
import { describeWithTools } from '../../../test/helpers/tools.js';

let work: string;
let image: Image;

async function drain(s: Readable): Promise<number> {
  let n = 0;
  for await (const c of s) n += (c as Buffer).length;
  return n;
}

/** A Docker config dir whose config.json is `config`. */
function dockerConfig(name: string, config: unknown): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

function basicAuth(user: string, password: string): string {
  return Buffer.from(`${user}:${password}`).toString('base64');
}

/** The secret must appear nowhere: message, details, JSON form, stack, or the inspected cause chain. */
function expectNoSecret(err: unknown, ...secrets: string[]): void {
  expect(err).toBeInstanceOf(GoslimError);
  const e = err as GoslimError;
  const views = [e.message, JSON.stringify(e), JSON.stringify(e.details ?? {}), String(e.stack), inspect(e, { depth: 20 })];
  for (const secret of secrets) for (const v of views) expect(v).not.toContain(secret);
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'goslim-auth-'));
  const built = await buildTestImage({ layers: [{ entries: [file('srv/app', 30_000)] }] }, { dir: join(work, 'img'), format: 'oci', tag: 'v1' });
  image = await openOciLayout(built.path, { ref: 'v1' });
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describeWithTools(['docker-registry', 'htpasswd'], 'htpasswd Basic auth (real registry)', () => {
  let reg: RegistryHandle;
  beforeAll(async () => {
    reg = await startRegistry({ auth: 'htpasswd' });
  });
  afterAll(async () => {
    await reg?.stop();
  });

  it('refuses anonymous access with E_AUTH', async () => {
    const empty = dockerConfig('empty', {});
    const err = await pushImage(image, { registry: reg.host, repository: 'a/b', tag: 'v1' }, { dockerConfigDir: empty }).catch((e: unknown) => e);
    expect(isGoslimError(err, 'E_AUTH')).toBe(true);
    expect((err as GoslimError).details?.['status']).toBe(401);
  });

  it('pushes and pulls with credentials from config.json auths (base64 auth and username/password)', async () => {
    const b64 = dockerConfig('b64', { auths: { [reg.host]: { auth: basicAuth(reg.username, reg.password) } } });
    const r = await pushImage(image, { registry: reg.host, repository: 'auth/basic', tag: 'v1' }, { dockerConfigDir: b64 });
    expect(r.digest).toBe(image.digest());
    const plain = dockerConfig('plain', { auths: { [`http://${reg.host}`]: { username: reg.username, password: reg.password } } });
    const back = await openRegistryImage({ registry: reg.host, repository: 'auth/basic', tag: 'v1' }, { dockerConfigDir: plain });
    expect(back.digest()).toBe(image.digest());
    expect(await drain(await back.layers()[0]!.compressed())).toBe(back.layers()[0]!.size());
  });

  it('uses credHelpers and credsStore through the docker-credential protocol', async () => {
    const bin = join(work, 'bin');
    mkdirSync(bin, { recursive: true });
    const helper = join(bin, 'docker-credential-goslimtest');
    writeFileSync(
      helper,
      `#!/bin/sh\n[ "$1" = get ] || exit 1\nread url\ncase "$url" in\n  ${reg.host}) printf '{"ServerURL":"%s","Username":"${reg.username}","Secret":"${reg.password}"}' "$url" ;;\n  *) echo "credentials not found in native keychain"; exit 1 ;;\nesac\n`,
    );
    chmodSync(helper, 0o755);
    const env = { ...process.env, PATH: `${bin}:${process.env['PATH'] ?? ''}` };
    const viaHelpers = dockerConfig('helpers', { credHelpers: { [reg.host]: 'goslimtest' } });
    const a = await openRegistryImage({ registry: reg.host, repository: 'auth/basic', tag: 'v1' }, { dockerConfigDir: viaHelpers, env });
    expect(a.digest()).toBe(image.digest());
    const viaStore = dockerConfig('store', { credsStore: 'goslimtest' });
    const b = await pushImage(image, { registry: reg.host, repository: 'auth/store', tag: 'v1' }, { dockerConfigDir: viaStore, env });
    expect(b.digest).toBe(image.digest());
    expect(b.blobs.retried).toBe(0);
    const missing = dockerConfig('missing-helper', { credsStore: 'goslim-absent-helper' });
    const err = await openRegistryImage({ registry: reg.host, repository: 'auth/basic', tag: 'v1' }, { dockerConfigDir: missing, env }).catch((e: unknown) => e);
    expect(isGoslimError(err, 'E_TOOL_MISSING')).toBe(true);
  });

  it('never shows a rejected password in the error', async () => {
    const secret = `Wrong-${reg.password}-Secret`;
    const bad = dockerConfig('bad', { auths: { [reg.host]: { auth: basicAuth(reg.username, secret) } } });
    const err = await openRegistryImage({ registry: reg.host, repository: 'auth/basic', tag: 'v1' }, { dockerConfigDir: bad }).catch((e: unknown) => e);
    expect(isGoslimError(err, 'E_AUTH')).toBe(true);
    expectNoSecret(err, secret, basicAuth(reg.username, secret));
  });

  it('redacts credentials a registry echoes back in an error body', async () => {
    const proxy = await startFaultProxy(reg.port, (method, path) =>
      method === 'GET' && path.includes('/manifests/')
        ? { status: 400, body: JSON.stringify({ errors: [{ code: 'MANIFEST_INVALID', message: `bad request from ${reg.password}`, detail: { header: `Basic ${basicAuth(reg.username, reg.password)}` } }] }) }
        : 'pass',
    );
    try {
      const cfg = dockerConfig('echo', { auths: { [proxy.host]: { auth: basicAuth(reg.username, reg.password) } } });
      const err = await openRegistryImage({ registry: proxy.host, repository: 'auth/basic', tag: 'v1' }, { dockerConfigDir: cfg }).catch((e: unknown) => e);
      expect(isGoslimError(err, 'E_REGISTRY')).toBe(true);
      expect(((err as GoslimError).details?.['errors'] as Array<{ code: string }>)[0]!.code).toBe('MANIFEST_INVALID');
      expect((err as GoslimError).message).toContain('[REDACTED]');
      expectNoSecret(err, reg.password, basicAuth(reg.username, reg.password));
    } finally {
      await proxy.close();
    }
  });

  it('drops Authorization when a blob redirect leaves the registry host', async () => {
    let redirected = false;
    const proxy = await startFaultProxy(reg.port, (method, path) => {
      if (method === 'GET' && path.includes('/blobs/') && !redirected) {
        redirected = true;
        // Same port, another host name: a different origin for the client.
        return { status: 307, headers: { Location: `http://localhost:${proxyPort()}${REDIRECTED_PREFIX}${path}` } };
      }
      return 'pass';
    });
    const proxyPort = (): string => proxy.host.split(':')[1]!;
    try {
      const cfg = dockerConfig('redirect', { auths: { [proxy.host]: { auth: basicAuth(reg.username, reg.password) } } });
      const img = await openRegistryImage({ registry: proxy.host, repository: 'auth/basic', tag: 'v1' }, { dockerConfigDir: cfg });
      expect(redirected).toBe(true);
      const target = proxy.seen.find((s) => s.path.startsWith(REDIRECTED_PREFIX));
      expect(target).toMatchObject({ auth: false, host: `localhost:${proxyPort()}` });
      // Requests to the registry itself did carry credentials.
      expect(proxy.seen.some((s) => s.path.includes('/manifests/') && s.auth)).toBe(true);
      expect(img.digest()).toBe(image.digest());
    } finally {
      await proxy.close();
    }
  });
});

describeWithTools(['docker-registry', 'openssl'], 'token (Bearer) auth (real registry, test token issuer)', () => {
  let reg: RegistryHandle;
  beforeAll(async () => {
    reg = await startRegistry({ auth: 'token' });
  });
  afterAll(async () => {
    await reg?.stop();
  });

  it('pushes and pulls with Basic credentials exchanged for scoped tokens, cached per scope', async () => {
    const cfg = dockerConfig('token', { auths: { [reg.host]: { auth: basicAuth(reg.username, reg.password) } } });
    const dest = { registry: reg.host, repository: 'tok/app', tag: 'v1' };
    const before = reg.issuer!.requests.length;
    const r = await pushImage(image, dest, { dockerConfigDir: cfg });
    expect(r.digest).toBe(image.digest());
    expect(r.blobs.retried).toBe(0);
    const pushTokens = reg.issuer!.requests.slice(before);
    // Two blobs and a manifest, several requests each: one token for the push scope suffices.
    expect(pushTokens).toHaveLength(1);
    expect(pushTokens.every((t) => t.user === reg.username)).toBe(true);
    expect(pushTokens.some((t) => t.scopes.includes('repository:tok/app:pull,push'))).toBe(true);

    const back = await openRegistryImage(dest, { dockerConfigDir: cfg });
    expect(back.digest()).toBe(image.digest());
    expect(await drain(await back.layers()[0]!.uncompressed())).toBeGreaterThan(30_000);
  });

  it('uses an identity token (OAuth2 refresh grant) and mounts across repositories with merged scopes', async () => {
    const cfg = dockerConfig('idtoken', { auths: { [reg.host]: { auth: basicAuth(reg.username, ''), identitytoken: reg.password } } });
    const src = await openRegistryImage({ registry: reg.host, repository: 'tok/app', tag: 'v1' }, { dockerConfigDir: cfg });
    expect(reg.issuer!.requests.at(-1)).toMatchObject({ method: 'POST', user: reg.username });
    const before = reg.issuer!.requests.length;
    const r = await pushImage(src, { registry: reg.host, repository: 'tok/copy', tag: 'v1' }, { dockerConfigDir: cfg });
    expect(r.blobs).toMatchObject({ mounted: 2, uploaded: 0 });
    const scopes = reg.issuer!.requests.slice(before).flatMap((t) => t.scopes);
    expect(scopes).toContain('repository:tok/app:pull');
    expect(scopes).toContain('repository:tok/copy:pull,push');
  });

  it('E_AUTH for anonymous pulls the issuer grants nothing to, and for a wrong password (not shown)', async () => {
    const dest = { registry: reg.host, repository: 'tok/app', tag: 'v1' };
    const anon = await openRegistryImage(dest, { dockerConfigDir: dockerConfig('anon', {}) }).catch((e: unknown) => e);
    expect(isGoslimError(anon, 'E_AUTH')).toBe(true);
    const secret = 'Tok3n-Secret-Password!';
    const bad = dockerConfig('badtoken', { auths: { [reg.host]: { username: reg.username, password: secret } } });
    const err = await openRegistryImage(dest, { dockerConfigDir: bad }).catch((e: unknown) => e);
    expect(isGoslimError(err, 'E_AUTH')).toBe(true);
    expect(reg.issuer!.requests.at(-1)?.user).toBe('REJECTED');
    expectNoSecret(err, secret, basicAuth(reg.username, secret));
  });
});
