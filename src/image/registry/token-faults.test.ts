/**
 * A token service that misbehaves while sending its answer: the connection breaks in the middle
 * of the body, the body trickles past the time bound, or the body is huge. Each is a typed
 * E_NETWORK / E_REGISTRY, never an internal error, and bounded. The registry stand-in only
 * challenges (401 with a Bearer realm); the token answer is where the fault is.
 */
import http from 'node:http';
import type net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GoslimError } from '../../errors.js';
import { RegistryClient } from './client.js';

type Mode = 'reset-mid-body' | 'trickle' | 'huge';
let mode: Mode = 'reset-mid-body';
let server: http.Server;
let host: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    if (req.url?.startsWith('/token')) {
      if (mode === 'reset-mid-body') {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '1000' });
        res.write('{"token":"abc');
        setTimeout(() => res.socket?.resetAndDestroy(), 20);
      } else if (mode === 'trickle') {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        const body = `{"token":"${'a'.repeat(10_000)}"}`;
        let i = 0;
        const t = setInterval(() => {
          if (res.destroyed || i >= body.length) {
            clearInterval(t);
            if (!res.destroyed) res.end();
            return;
          }
          res.write(body[i++]!);
        }, 20);
        res.on('close', () => clearInterval(t));
      } else {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        const chunk = Buffer.alloc(1 << 20, 0x61);
        let sent = 0;
        const more = (): void => {
          while (sent < 64 && !res.destroyed) {
            sent++;
            if (!res.write(chunk)) return void res.once('drain', more);
          }
          res.end();
        };
        res.write('{"token":"');
        more();
      }
      return;
    }
    res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="http://${host}/token",service="test"`, 'Content-Type': 'application/json' }).end('{"errors":[{"code":"UNAUTHORIZED"}]}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  host = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

describe('token service faults are typed', () => {
  it.each(['reset-mid-body', 'trickle', 'huge'] as Mode[])('%s', async (m) => {
    mode = m;
    const client = new RegistryClient(host, {
      credential: { username: 'u', password: 'p' },
      idleTimeoutMs: 500,
      requestTimeoutMs: 5000,
      retry: { baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 2, maxTotalMs: 2000 },
    });
    const err = await client.getManifest('a/b', 'v1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GoslimError);
    expect(['E_NETWORK', 'E_REGISTRY']).toContain((err as GoslimError).code);
  });
});
