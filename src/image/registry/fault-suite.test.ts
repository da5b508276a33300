/**
 * The registry fault suite: a fault-injecting proxy (seeded PRNG, 127.0.0.1, ephemeral port) in
 * front of the real docker-registry injects 500/502/503, 429 with Retry-After, connection resets
 * before and in the middle of bodies, truncated bodies, stalls and trickles. 100 pushes and 100
 * pulls of small images each end complete with the right digests, or with a typed (non-internal)
 * error. After every push, successful or not, the registry is asked directly (bypassing the proxy)
 * whether it holds a manifest for the tag; if it does, every blob it names must be there, and a
 * push that succeeded is pulled back and its digests verified. Limits are injected small so the
 * suite takes seconds; every operation is bounded in time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { GoslimError } from '../../errors.js';
import type { Image } from '../model.js';
import { pushImage } from '../sinks/registry.js';
import { openOciLayout } from '../sources/oci-layout.js';
import { openRegistryImage } from '../sources/registry.js';
import { buildTestImage, file } from '../testing/index.js';
import { seededFaultPlan, startFaultProxy, startRegistry, type FaultProxy, type RegistryHandle } from '../../../test/helpers/registry.js';
import { describeWithTools } from '../../../test/helpers/tools.js';

const SEED = Number(process.env.GOSLIM_FAULT_SEED ?? '20261201');
const OPS = 100;
const PARALLEL = 10;
const IMAGES = 10;
const FAULT_RATE = 0.2;
// Hang detection, not a speed target: far above what an operation takes even on a loaded machine
// (about 0.1-1 s each here), so only an operation that never ends reaches it.
const OP_BOUND_MS = 120_000;
const limits = {
  retry: { baseDelayMs: 5, maxDelayMs: 40, maxAttempts: 5, maxTotalMs: 3000 },
  idleTimeoutMs: 250,
  requestTimeoutMs: 3000,
  minRate: 2000,
  rateWindowMs: 250,
};

async function drain(s: Readable): Promise<number> {
  let n = 0;
  for await (const c of s) n += (c as Buffer).length;
  return n;
}

type Outcome = { ok: true } | { ok: false; code: string } | { ok: false; untyped: unknown };

async function bounded<T>(p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`operation did not end within ${OP_BOUND_MS} ms`)), OP_BOUND_MS);
  });
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}

function outcome(err: unknown): Outcome {
  if (err instanceof GoslimError && err.code !== 'E_INTERNAL') return { ok: false, code: err.code };
  return { ok: false, untyped: err };
}

/** Ask the registry itself (no proxy): the manifest under `tag`, and whether each of its blobs exists. */
async function registryHolds(host: string, repo: string, tag: string): Promise<{ manifest: string | null; missing: string[] }> {
  const res = await fetch(`http://${host}/v2/${repo}/manifests/${tag}`, {
    headers: { Accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' },
  });
  if (res.status === 404) {
    await res.body?.cancel();
    return { manifest: null, missing: [] };
  }
  const text = await res.text();
  const doc = JSON.parse(text) as { config?: { digest: string }; layers?: Array<{ digest: string }> };
  if (res.status !== 200 || doc.config === undefined || doc.layers === undefined) {
    throw new Error(`registry answered GET /v2/${repo}/manifests/${tag} with ${res.status}: ${text.slice(0, 500)}`);
  }
  const missing: string[] = [];
  for (const d of [doc.config.digest, ...doc.layers.map((l) => l.digest)]) {
    const h = await fetch(`http://${host}/v2/${repo}/blobs/${d}`, { method: 'HEAD' });
    if (h.status !== 200) missing.push(d);
  }
  return { manifest: res.headers.get('docker-content-digest'), missing };
}

describeWithTools(['docker-registry'], 'registry fault suite (seeded faults in front of the real docker-registry)', () => {
  let reg: RegistryHandle;
  let work: string;
  const images: Image[] = [];
  const proxies: FaultProxy[] = [];

  beforeAll(async () => {
    reg = await startRegistry();
    work = mkdtempSync(join(tmpdir(), 'goslim-fault-suite-'));
    for (let k = 0; k < IMAGES; k++) {
      const built = await buildTestImage(
        { layers: [{ entries: [file(`srv/app${k}`, 20_000 + k * 1000, { seed: k + 1 })] }, { entries: [file('etc/id', `image ${k}`)] }] },
        { dir: join(work, `img${k}`), format: 'oci', tag: 'v1' },
      );
      const image = await openOciLayout(built.path, { ref: 'v1' });
      images.push(image);
      // Pull sources, pushed directly (no proxy).
      await pushImage(image, { registry: reg.host, repository: `suite/src${k}`, tag: 'v1' });
    }
  });

  afterAll(async () => {
    for (const p of proxies) await p.close();
    await reg?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  async function runAll(count: number, op: (i: number) => Promise<Outcome>): Promise<Outcome[]> {
    const out: Outcome[] = new Array(count);
    let next = 0;
    await Promise.all(
      Array.from({ length: PARALLEL }, async () => {
        while (next < count) {
          const i = next++;
          out[i] = await op(i);
        }
      }),
    );
    return out;
  }

  function tally(results: Outcome[]): { complete: number; typed: Record<string, number>; untyped: unknown[] } {
    const typed: Record<string, number> = {};
    const untyped: unknown[] = [];
    let complete = 0;
    for (const r of results) {
      if (r.ok) complete++;
      else if ('code' in r) typed[r.code] = (typed[r.code] ?? 0) + 1;
      else untyped.push(r.untyped);
    }
    return { complete, typed, untyped };
  }

  it(`${OPS} pushes: complete and verified, or a typed error; never a manifest over a missing blob`, async () => {
    const faults = seededFaultPlan(SEED, FAULT_RATE);
    const proxy = await startFaultProxy(reg.port, faults.plan);
    proxies.push(proxy);
    let manifestsOverMissingBlobs = 0;
    let lost = 0;
    const results = await runAll(OPS, async (i) => {
      const image = images[i % IMAGES]!;
      const repo = `suite/push${i}`;
      let result: Outcome;
      try {
        const r = await bounded(pushImage(image, { registry: proxy.host, repository: repo, tag: 'v1' }, { ...limits, concurrency: 1 }));
        result = r.digest === image.digest() ? { ok: true } : { ok: false, untyped: new Error(`pushed ${r.digest}, expected ${image.digest()}`) };
      } catch (err) {
        result = outcome(err);
      }
      const held = await registryHolds(reg.host, repo, 'v1');
      if (held.manifest !== null && held.missing.length > 0) manifestsOverMissingBlobs++;
      if (result.ok) {
        // Complete means the registry holds exactly this image: pull it back directly and verify.
        try {
          const back = await openRegistryImage({ registry: reg.host, repository: repo, tag: 'v1' });
          if (back.digest() !== image.digest()) throw new Error('digest differs');
          for (const l of back.layers()) await drain(await l.compressed());
        } catch {
          lost++;
        }
      }
      return result;
    });
    const t = tally(results);
    const injected = Object.fromEntries(faults.injected);
    console.log(`fault suite pushes: ${t.complete} complete, typed errors ${JSON.stringify(t.typed)}, faults injected ${JSON.stringify(injected)} (${[...faults.injected.values()].reduce((a, b) => a + b, 0)}), requests ${proxy.seen.length}`);
    expect(t.untyped).toEqual([]);
    expect(t.complete + Object.values(t.typed).reduce((a, b) => a + b, 0)).toBe(OPS);
    expect(manifestsOverMissingBlobs).toBe(0);
    expect(lost).toBe(0);
    // The suite means something only when faults were injected and both outcomes occurred.
    expect([...faults.injected.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(OPS / 2);
    expect(t.complete).toBeGreaterThan(0);
  }, 900_000);

  it(`${OPS} pulls: the right digests, verified layer by layer, or a typed error`, async () => {
    const faults = seededFaultPlan(SEED + 1, FAULT_RATE);
    const proxy = await startFaultProxy(reg.port, faults.plan);
    proxies.push(proxy);
    const results = await runAll(OPS, async (i) => {
      const k = i % IMAGES;
      try {
        await bounded(
          (async () => {
            const img = await openRegistryImage({ registry: proxy.host, repository: `suite/src${k}`, tag: 'v1' }, limits);
            if (img.digest() !== images[k]!.digest()) throw new Error(`pulled ${img.digest()}, expected ${images[k]!.digest()}`);
            // Each layer stream verifies its digest and size as it ends (E_DIGEST_MISMATCH otherwise).
            for (const l of img.layers()) await drain(await l.compressed());
          })(),
        );
        return { ok: true };
      } catch (err) {
        return outcome(err);
      }
    });
    const t = tally(results);
    console.log(`fault suite pulls: ${t.complete} complete, typed errors ${JSON.stringify(t.typed)}, faults injected ${JSON.stringify(Object.fromEntries(faults.injected))} (${[...faults.injected.values()].reduce((a, b) => a + b, 0)}), requests ${proxy.seen.length}`);
    expect(t.untyped).toEqual([]);
    expect(t.complete + Object.values(t.typed).reduce((a, b) => a + b, 0)).toBe(OPS);
    expect([...faults.injected.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(OPS / 2);
    expect(t.complete).toBeGreaterThan(0);
  }, 900_000);
});
