/**
 * A hostile or broken registry (an in-process stand-in) answering with headers no real registry
 * sends: unparseable Location URLs on redirects and upload sessions, a Bearer realm that is not a
 * URL. Each ends in a typed error, never an internal one.
 */
import http from 'node:http';
import type net from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GoslimError } from '../../errors.js';
import { RegistryClient } from './client.js';
import { sha256Digest } from '../digest.js';

type Case = 'bad-redirect' | 'bad-upload-location' | 'bad-realm' | 'null-manifest';
let mode: Case = 'bad-redirect';
let server: http.Server;
let host: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    if (mode === 'bad-realm') {
      res.writeHead(401, { 'WWW-Authenticate': 'Bearer realm="http://[::1",service="x"' }).end();
    } else if (mode === 'bad-redirect') {
      res.writeHead(307, { Location: 'http://[::1' }).end();
    } else if (mode === 'null-manifest') {
      res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' }).end('null');
    } else if (req.method === 'POST') {
      res.writeHead(202, { Location: 'http://[::1/v2/x/blobs/uploads/1' }).end();
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  host = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

const opts = { credential: { username: 'u', password: 'p' }, retry: { baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 2, maxTotalMs: 2000 } };

describe('hostile registry answers are typed errors', () => {
  it.each(['bad-redirect', 'bad-realm', 'null-manifest'] as Case[])('GET manifest: %s', async (m) => {
    mode = m;
    const err = await new RegistryClient(host, opts).getManifest('a/b', 'v1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GoslimError);
    expect((err as GoslimError).code).not.toBe('E_INTERNAL');
  });

  it('upload with an unparseable Location', async () => {
    mode = 'bad-upload-location';
    const data = Buffer.from('hello');
    const err = await new RegistryClient(host, opts).uploadBlob('a/b', sha256Digest(data), data.length, async () => Readable.from([data])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GoslimError);
    expect((err as GoslimError).code).not.toBe('E_INTERNAL');
  });
});
