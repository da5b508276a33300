/**
 * Time bounds of registry requests against a real docker-registry behind a proxy that trickles or
 * stalls: the overall deadline (network.requestTimeout) and the minimum rate (network.minRate)
 * end every such request in E_NETWORK naming what was being fetched and the limit hit. The limits
 * are injected small so the file runs in seconds; the assertions are on codes, not on timings.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { GoslimError, isGoslimError } from '../../errors.js';
import type { Image } from '../model.js';
import { pushImage } from '../sinks/registry.js';
import { openOciLayout } from '../sources/oci-layout.js';
import { openRegistryImage } from '../sources/registry.js';
import { buildTestImage, file } from '../testing/index.js';
import { runCli } from '../../cli/main.js';
import { startFaultProxy, startRegistry, type FaultAction, type FaultProxy, type RegistryHandle } from '../../../test/helpers/registry.js';
import { parseDuration, parseRate } from './transport.js';
import { RegistryClient } from './client.js';
import { describeWithTools } from '../../../test/helpers/tools.js';

const fast = { retry: { baseDelayMs: 10, maxDelayMs: 50, maxAttempts: 3, maxTotalMs: 5000 } };

async function drain(s: Readable): Promise<number> {
  let n = 0;
  for await (const c of s) n += (c as Buffer).length;
  return n;
}

describeWithTools(['docker-registry'], 'registry request deadline and minimum rate', () => {
  let reg: RegistryHandle;
  let work: string;
  let image: Image;
  let big: Image;
  const proxies: FaultProxy[] = [];

  async function proxy(match: (method: string, path: string) => boolean, action: FaultAction): Promise<FaultProxy> {
    const p = await startFaultProxy(reg.port, (method, path) => (match(method, path) ? action : 'pass'));
    proxies.push(p);
    return p;
  }

  beforeAll(async () => {
    reg = await startRegistry();
    work = mkdtempSync(join(tmpdir(), 'goslim-deadline-'));
    const built = await buildTestImage(
      { layers: [{ entries: [file('srv/app', 200_000)], compression: 'none' }] },
      { dir: join(work, 'img'), format: 'oci', tag: 'v1' },
    );
    image = await openOciLayout(built.path, { ref: 'v1' });
    await pushImage(image, { registry: reg.host, repository: 'slow/base', tag: 'v1' });
    const bigBuilt = await buildTestImage({ layers: [{ entries: [file('srv/big', 16_000_000)], compression: 'none' }] }, { dir: join(work, 'big'), format: 'oci', tag: 'v1' });
    big = await openOciLayout(bigBuilt.path, { ref: 'v1' });
    await pushImage(big, { registry: reg.host, repository: 'slow/big', tag: 'v1' });
  });

  afterAll(async () => {
    for (const p of proxies) await p.close();
    await reg?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const isManifestGet = (m: string, p: string): boolean => m === 'GET' && p.includes('/manifests/');
  const isLayerGet = (m: string, p: string): boolean => m === 'GET' && p.includes('/blobs/sha256:') && !p.includes(image.configDigest());

  it('a manifest trickled one byte at a time ends at the deadline with E_NETWORK naming it', async () => {
    const p = await proxy(isManifestGet, { trickle: { bytes: 1, everyMs: 20 } });
    const err = await openRegistryImage({ registry: p.host, repository: 'slow/base', tag: 'v1' }, { ...fast, requestTimeoutMs: 600, minRate: 0 }).catch((e: unknown) => e);
    expect(isGoslimError(err, 'E_NETWORK')).toBe(true);
    expect((err as GoslimError).details).toMatchObject({ limit: 'network.requestTimeout', max: 600 });
    expect(String((err as GoslimError).details?.['what'])).toContain('slow/base');
  });

  it('a layer trickled below the minimum rate ends in E_NETWORK naming the blob', async () => {
    const p = await proxy(isLayerGet, { trickle: { bytes: 10, everyMs: 20 } });
    const img = await openRegistryImage({ registry: p.host, repository: 'slow/base', tag: 'v1' }, { ...fast, minRate: 10_000, rateWindowMs: 300, requestTimeoutMs: 0 });
    const layer = img.layers()[0]!;
    const err = await drain(await layer.compressed()).catch((e: unknown) => e);
    expect(isGoslimError(err, 'E_NETWORK')).toBe(true);
    expect((err as GoslimError).details).toMatchObject({ limit: 'network.minRate', max: 10_000 });
    expect(String((err as GoslimError).details?.['what'])).toContain(layer.digest());
  });

  it('a layer that stalls for ever (idle timeout far away) ends at the deadline', async () => {
    const p = await proxy(isLayerGet, { stallAfterBytes: 1000 });
    const img = await openRegistryImage({ registry: p.host, repository: 'slow/base', tag: 'v1' }, { ...fast, idleTimeoutMs: 600_000, minRate: 0, requestTimeoutMs: 500 });
    const err = await drain(await img.layers()[0]!.compressed()).catch((e: unknown) => e);
    expect(isGoslimError(err, 'E_NETWORK')).toBe(true);
    expect((err as GoslimError).details).toMatchObject({ limit: 'network.requestTimeout' });
  });

  it('a registry that never answers an upload ends at the deadline, not at the idle timeout', async () => {
    const p = await proxy((m, path) => m === 'PUT' && path.includes('/blobs/uploads/'), 'hang');
    const err = await pushImage(image, { registry: p.host, repository: 'slow/up', tag: 'v1' }, { ...fast, idleTimeoutMs: 600_000, requestTimeoutMs: 500, concurrency: 1 }).catch((e: unknown) => e);
    expect(isGoslimError(err, 'E_NETWORK')).toBe(true);
  });

  it('a consumer that stops reading for longer than the rate window is not a slow network', async () => {
    // A rate any transfer from a local registry beats even on a loaded machine: only the pause can trip it.
    const client = new RegistryClient(reg.host, { minRate: 10_000, rateWindowMs: 200, requestTimeoutMs: 0 });
    const layer = big.layers()[0]!;
    const s = await client.openBlob('slow/big', layer.digest(), layer.size());
    const it = s[Symbol.asyncIterator]();
    let n = ((await it.next()).value as Buffer).length;
    // Backpressure: nothing is read for five windows.
    await new Promise((r) => setTimeout(r, 1000));
    for (let r = await it.next(); !r.done; r = await it.next()) n += (r.value as Buffer).length;
    expect(n).toBe(layer.size());
    // Not aborted and resumed behind the scenes either.
    expect(client.resumedReads).toBe(0);
  });

  it('a long download that breaks off more often than the retry budget, with progress each time, completes', async () => {
    const layer = big.layers()[0]!;
    let breaks = 0;
    const p = await startFaultProxy(reg.port, (m, path) => (m === 'GET' && path.includes(layer.digest()) && breaks++ < 6 ? { truncateAfterBytes: 2_000_000 } : 'pass'));
    proxies.push(p);
    const client = new RegistryClient(p.host, { ...fast, requestTimeoutMs: 0, minRate: 0 });
    expect(await drain(await client.openBlob('slow/big', layer.digest(), layer.size()))).toBe(layer.size());
    // Six breaks, more than maxAttempts (3): each came after 2 MB of progress.
    expect(client.resumedReads).toBe(6);
  });

  it('a trickle within the bounds completes and verifies', async () => {
    const p = await proxy(isManifestGet, { trickle: { bytes: 200, everyMs: 5 } });
    const img = await openRegistryImage({ registry: p.host, repository: 'slow/base', tag: 'v1' }, { ...fast, requestTimeoutMs: 30_000, minRate: 100, rateWindowMs: 1000 });
    expect(img.digest()).toBe(image.digest());
  });

  it('inspect --request-timeout / --min-rate and $GOSLIM_REQUEST_TIMEOUT reach the transport (E_NETWORK, exit 2)', async () => {
    const p = await proxy(isManifestGet, { trickle: { bytes: 1, everyMs: 50 } });
    for (const [args, env] of [
      [['--request-timeout', '700ms'], {}],
      [[], { GOSLIM_REQUEST_TIMEOUT: '0.7s' }],
    ] as Array<[string[], Record<string, string>]>) {
      let stderr = '';
      const exit = await runCli(['inspect', ...args, `docker://${p.host}/slow/base:v1`], {
        stdout: () => undefined,
        stderr: (t) => void (stderr += t),
        isTTY: false,
        env: { ...process.env, ...env },
        cwd: work,
      });
      expect(exit).toBe(2);
      expect(/error (E_[A-Z_]+)/.exec(stderr)?.[1]).toBe('E_NETWORK');
    }
    let stderr = '';
    const bad = await runCli(['inspect', '--min-rate', 'fast', `docker://${p.host}/slow/base:v1`], { stdout: () => undefined, stderr: (t) => void (stderr += t), isTTY: false, env: process.env, cwd: work });
    expect(bad).toBe(2);
    expect(/error (E_[A-Z_]+)/.exec(stderr)?.[1]).toBe('E_USAGE');
  });

  it('parses durations and rates', () => {
    expect(parseDuration('90s', 'x')).toBe(90_000);
    expect(parseDuration('10m', 'x')).toBe(600_000);
    expect(parseDuration('1500ms', 'x')).toBe(1500);
    expect(parseDuration('2', 'x')).toBe(2000);
    expect(parseRate('10KB/s', 'x')).toBe(10_240);
    expect(parseRate('1MiB/s', 'x')).toBe(1 << 20);
    expect(parseRate('0', 'x')).toBe(0);
    expect(() => parseRate('fast', 'x')).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
  });
});
