/**
 * Fault injection: a proxy in front of the real docker-registry returns 503/429, resets
 * connections or hangs, N times; the client retries (bounded) or fails typed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { GoslimError, isGoslimError } from '../../errors.js';
import type { Image } from '../model.js';
import { pushImage } from '../sinks/registry.js';
import { RegistryClient } from './client.js';
import { openOciLayout } from '../sources/oci-layout.js';
import { openRegistryImage } from '../sources/registry.js';
import { buildTestImage, file } from '../testing/index.js';
import { startFaultProxy, startRegistry, type FaultAction, type FaultProxy, type RegistryHandle } from '../../../test/helpers/registry.js';
import { describeWithTools } from '../../../test/helpers/tools.js';

const fast = { retry: { baseDelayMs: 20, maxDelayMs: 200, maxAttempts: 4, maxTotalMs: 10_000 } };

async function drain(s: Readable): Promise<number> {
  let n = 0;
  for await (const c of s) n += (c as Buffer).length;
  return n;
}

describeWithTools(['docker-registry'], 'retries and failures through a fault-injecting proxy (real registry behind it)', () => {
  let reg: RegistryHandle;
  let work: string;
  let image: Image;
  const proxies: FaultProxy[] = [];

  /** A proxy applying `faults` (keyed by a predicate) a bounded number of times each. */
  async function proxy(match: (method: string, path: string) => boolean, actions: FaultAction[]): Promise<FaultProxy> {
    let used = 0;
    const p = await startFaultProxy(reg.port, (method, path) => (match(method, path) && used < actions.length ? actions[used++]! : 'pass'));
    proxies.push(p);
    return p;
  }

  beforeAll(async () => {
    reg = await startRegistry();
    work = mkdtempSync(join(tmpdir(), 'goslim-faults-'));
    const built = await buildTestImage(
      { layers: [{ entries: [file('srv/app', 3_000_000)], compression: 'none' }, { entries: [file('etc/x', 'x')] }] },
      { dir: join(work, 'img'), format: 'oci', tag: 'v1' },
    );
    image = await openOciLayout(built.path, { ref: 'v1' });
    await pushImage(image, { registry: reg.host, repository: 'faults/base', tag: 'v1' });
  });

  afterAll(async () => {
    for (const p of proxies) await p.close();
    await reg?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const isManifestGet = (m: string, p: string): boolean => m === 'GET' && p.includes('/manifests/');
  const isBlobGet = (m: string, p: string): boolean => m === 'GET' && p.includes('/blobs/sha256:');

  it('retries 503 on a manifest and succeeds', async () => {
    const p = await proxy(isManifestGet, [{ status: 503 }, { status: 503 }]);
    const img = await openRegistryImage({ registry: p.host, repository: 'faults/base', tag: 'v1' }, fast);
    expect(img.digest()).toBe(image.digest());
    expect(p.seen.filter((s) => s.path.includes('/manifests/')).map((s) => s.action)).toEqual(['503', '503', 'pass']);
  });

  it('honours Retry-After on 429', async () => {
    const p = await proxy(isManifestGet, [{ status: 429, headers: { 'Retry-After': '1' }, body: '{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}' }]);
    const t0 = Date.now();
    const img = await openRegistryImage({ registry: p.host, repository: 'faults/base', tag: 'v1' }, fast);
    const waited = Date.now() - t0;
    expect(img.digest()).toBe(image.digest());
    // It waited at least what the server asked (a lower bound, which load cannot break); the retry
    // count bounds the rest, not a wall-clock ceiling.
    expect(waited).toBeGreaterThanOrEqual(950);
    expect(p.seen.filter((s) => s.path.includes('/manifests/')).map((s) => s.action)).toEqual(['429', 'pass']);
  });

  it('retries a connection reset on a blob and the stream still verifies', async () => {
    const p = await proxy(isBlobGet, ['reset', 'reset']);
    const img = await openRegistryImage({ registry: p.host, repository: 'faults/base', tag: 'v1' }, fast);
    // The config blob GET took both resets; the layers stream cleanly.
    expect(p.seen.filter((s) => s.action === 'reset')).toHaveLength(2);
    const l = img.layers()[0]!;
    expect(await drain(await l.compressed())).toBe(l.size());
  });

  it('gives up after the bounded number of attempts with E_REGISTRY and the status', async () => {
    const p = await proxy(isManifestGet, Array.from({ length: 50 }, () => ({ status: 503, body: '{"errors":[{"code":"UNAVAILABLE","message":"down"}]}' })));
    const err = await openRegistryImage({ registry: p.host, repository: 'faults/base', tag: 'v1' }, fast).catch((e: unknown) => e);
    expect(isGoslimError(err, 'E_REGISTRY')).toBe(true);
    expect((err as GoslimError).details).toMatchObject({ status: 503, attempts: 4, errors: [{ code: 'UNAVAILABLE', message: 'down' }] });
    expect(p.seen.filter((s) => s.path.includes('/manifests/'))).toHaveLength(4);
  });

  it('times out a registry that never answers with E_NETWORK, bounded', async () => {
    const p = await proxy(isManifestGet, ['hang', 'hang', 'hang']);
    const err = await openRegistryImage(
      { registry: p.host, repository: 'faults/base', tag: 'v1' },
      { retry: { baseDelayMs: 10, maxDelayMs: 50, maxAttempts: 2, maxTotalMs: 5000 }, idleTimeoutMs: 300 },
    ).catch((e: unknown) => e);
    expect(isGoslimError(err, 'E_NETWORK')).toBe(true);
    expect((err as GoslimError).details).toMatchObject({ attempts: 2, errno: 'ETIMEDOUT' });
    expect(p.seen.filter((s) => s.path.includes('/manifests/')).map((s) => s.action)).toEqual(['hang', 'hang']);
  });

  it('resumes a blob download that stalls mid-body from the byte received (Range) and still verifies', async () => {
    const layerGet = (m: string, path: string): boolean => isBlobGet(m, path) && path.includes(image.layers()[0]!.digest());
    const p = await proxy(layerGet, [{ stallAfterBytes: 100_000 }, { truncateAfterBytes: 50_000, reset: true }]);
    const client = new RegistryClient(p.host, { ...fast, idleTimeoutMs: 400 });
    const l = image.layers()[0]!;
    expect(await drain(await client.openBlob('faults/base', l.digest(), l.size()))).toBe(l.size());
    // The stall is resumed by openBlob; the reset may come before the headers (then the transport retries it).
    expect(client.resumedReads).toBeGreaterThanOrEqual(1);
    expect(p.seen.filter((s) => layerGet(s.method, s.path)).map((s) => s.action)).toEqual(['stall@100000', 'reset@50000', 'pass']);
  });

  it('fails a blob download that stalls mid-body on every attempt with E_NETWORK, bounded', async () => {
    const layerGet = (m: string, path: string): boolean => isBlobGet(m, path) && path.includes(image.layers()[0]!.digest());
    const p = await proxy(layerGet, Array.from({ length: 10 }, () => ({ stallAfterBytes: 100_000 })));
    const client = new RegistryClient(p.host, { ...fast, idleTimeoutMs: 300 });
    const l = image.layers()[0]!;
    const err = await drain(await client.openBlob('faults/base', l.digest(), l.size())).catch((e: unknown) => e);
    expect(isGoslimError(err, 'E_NETWORK')).toBe(true);
    // The first request and three resumptions (maxAttempts 4), no more.
    expect(p.seen.filter((s) => layerGet(s.method, s.path))).toHaveLength(4);
  });

  it('E_NETWORK when nothing listens', async () => {
    const p = await startFaultProxy(reg.port, () => 'pass');
    const host = p.host;
    await p.close();
    const err = await openRegistryImage({ registry: host, repository: 'faults/base', tag: 'v1' }, fast).catch((e: unknown) => e);
    expect(isGoslimError(err, 'E_NETWORK')).toBe(true);
    expect((err as GoslimError).details?.['errno']).toBe('ECONNREFUSED');
  });

  it('resumes a chunked upload on the same session when a PATCH fails before any byte arrived', async () => {
    let patches = 0;
    const p = await proxy(
      (m) => m === 'PATCH' && ++patches >= 2,
      [{ status: 503 }, 'reset'],
    );
    const client = new RegistryClient(p.host, fast);
    const r = await pushImage(image, { registry: p.host, repository: 'faults/resumed', tag: 'v1' }, { ...fast, client, concurrency: 1, chunkThreshold: 1 << 20, chunkSize: 1 << 20 });
    expect(r.digest).toBe(image.digest());
    expect(r.blobs.retried).toBe(0);
    expect(client.resumedChunks).toBe(2);
    // One upload session per uploaded blob: nothing was restarted.
    expect(p.seen.filter((s) => s.method === 'POST')).toHaveLength(3);
    expect(p.seen.filter((s) => s.method === 'GET' && s.path.includes('/blobs/uploads/'))).toHaveLength(2);
    const back = await openRegistryImage({ registry: reg.host, repository: 'faults/resumed', tag: 'v1' });
    for (const l of back.layers()) expect(await drain(await l.compressed())).toBe(l.size());
  });

  it('falls back to an upload when a cross-repository mount is refused', async () => {
    const p = await proxy((m, path) => m === 'POST' && path.includes('mount='), Array.from({ length: 3 }, () => ({ status: 403, body: '{"errors":[{"code":"DENIED"}]}' })));
    const src = await openRegistryImage({ registry: p.host, repository: 'faults/base', tag: 'v1' }, fast);
    const r = await pushImage(src, { registry: p.host, repository: 'faults/nomount', tag: 'v1' }, fast);
    expect(r.blobs).toMatchObject({ mounted: 0, uploaded: 3 });
    expect(p.seen.filter((s) => s.path.includes('mount=')).map((s) => s.action)).toEqual(['403', '403', '403']);
  });

  it('counts a blob as uploaded when the registry completed it but the answer was lost', async () => {
    const p = await proxy((m, path) => m === 'PUT' && path.includes('/blobs/uploads/'), ['lose-response']);
    const r = await pushImage(image, { registry: p.host, repository: 'faults/lost', tag: 'v1' }, { ...fast, concurrency: 1, chunkThreshold: 1 << 30 });
    expect(r.digest).toBe(image.digest());
    expect(r.blobs).toMatchObject({ uploaded: 3, retried: 0 });
    expect(p.seen.filter((s) => s.method === 'POST')).toHaveLength(3);
    expect(p.seen.filter((s) => s.action === 'lose-response')).toHaveLength(1);
  });

  it('restarts a blob upload whose PUT was reset or got 503', async () => {
    const p = await proxy((m, path) => m === 'PUT' && path.includes('/blobs/uploads/'), ['reset', { status: 503 }]);
    const dest = { registry: p.host, repository: 'faults/pushed', tag: 'v1' };
    // Monolithic uploads: a streamed PUT cannot be resent on its session, so the blob restarts.
    const r = await pushImage(image, dest, { ...fast, concurrency: 1, chunkThreshold: 1 << 30 });
    expect(r.digest).toBe(image.digest());
    expect(r.blobs.retried).toBe(2);
    expect(p.seen.filter((s) => s.method === 'POST')).toHaveLength(5);
    expect(r.blobs.uploaded).toBe(3);
    const back = await openRegistryImage({ registry: reg.host, repository: 'faults/pushed', tag: 'v1' });
    for (const l of back.layers()) expect(await drain(await l.compressed())).toBe(l.size());
  });
});
