import { mkdtempSync, mkdirSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ANALYSIS_VERSION, cacheKey, LayerCache } from './layer-cache.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'goslim-layer-cache-unit-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const any = (v: unknown): unknown => v;

function entries(): string[] {
  const root = join(dir, `analysis-v${ANALYSIS_VERSION}`, 'layer');
  if (!existsSync(root)) return [];
  return readdirSync(root).flatMap((sub) => readdirSync(join(root, sub)).map((n) => n.slice(0, -'.json'.length))).sort();
}

describe('LayerCache', () => {
  it('reads back what it wrote, checked by digest; a miss is undefined', async () => {
    const c = new LayerCache(dir);
    const k = cacheKey(['a']);
    expect(await c.write('layer', k, { x: [1, 2, 3] })).toBe(true);
    expect(await c.read('layer', k, any)).toEqual({ x: [1, 2, 3] });
    expect(await c.read('layer', cacheKey(['b']), any)).toBeUndefined();
    expect(c.stats).toMatchObject({ writes: 1, hits: 1, misses: 1, corrupt: 0 });
  });

  it('deletes an entry whose body does not fit its shape, and one that is not a cache entry at all', async () => {
    const c = new LayerCache(dir);
    const k = cacheKey(['a']);
    await c.write('layer', k, { x: 1 });
    const reject = (): never => {
      throw new Error('not the shape');
    };
    expect(await c.read('layer', k, reject)).toBeUndefined();
    expect(existsSync(c.entryPath('layer', k))).toBe(false);
    mkdirSync(join(c.entryPath('layer', k), '..'), { recursive: true });
    writeFileSync(c.entryPath('layer', k), '{"x":1}');
    expect(await c.read('layer', k, any)).toBeUndefined();
    expect(c.stats.corrupt).toBe(2);
  });

  it('evicts the least recently used entries (a read counts as a use) down to the cap, and entries of other analysis versions', async () => {
    const c = new LayerCache(dir);
    const body = { pad: 'x'.repeat(1000) };
    const keys = ['a', 'b', 'c', 'd'].map((s) => cacheKey([s]));
    for (const k of keys) await c.write('layer', k, body);
    // Uses in a known order, oldest first: a, b, c, d; then a is read (used now).
    keys.forEach((k, i) => utimesSync(c.entryPath('layer', k), 1_000_000 + i, 1_000_000 + i));
    expect(await c.read('layer', keys[0]!, any)).toEqual(body);
    const one = statSync(c.entryPath('layer', keys[0]!)).size;
    const old = join(dir, 'analysis-v0', 'layer', 'aa');
    mkdirSync(old, { recursive: true });
    writeFileSync(join(old, `${'a'.repeat(64)}.json`), 'old');
    const capped = new LayerCache(dir, { maxSize: 2 * one });
    await capped.evict();
    expect(entries()).toEqual([keys[0]!, keys[3]!].sort());
    expect(existsSync(join(dir, 'analysis-v0'))).toBe(false);
    expect(capped.stats.evicted).toBe(2);
  });

  it('two caches writing and evicting in one directory at once neither fail nor leave it over the cap', async () => {
    const a = new LayerCache(dir, { maxSize: 20_000 });
    const b = new LayerCache(dir, { maxSize: 20_000 });
    const body = { pad: 'y'.repeat(2000) };
    const work = (c: LayerCache, tag: string) =>
      (async () => {
        for (let i = 0; i < 30; i++) {
          await c.write('layer', cacheKey([tag, String(i)]), body);
          // Both also write the same keys: the same content renamed over itself.
          await c.write('layer', cacheKey(['shared', String(i)]), body);
          if (i % 5 === 4) await c.evict();
        }
      })();
    await Promise.all([work(a, 'a'), work(b, 'b'), a.evict(), b.evict()]);
    await a.evict();
    const root = join(dir, `analysis-v${ANALYSIS_VERSION}`, 'layer');
    let total = 0;
    for (const sub of readdirSync(root)) {
      for (const n of readdirSync(join(root, sub))) {
        expect(n).toMatch(/^[0-9a-f]{64}\.json$/); // no temp left behind
        total += statSync(join(root, sub, n)).size;
      }
    }
    expect(total).toBeLessThanOrEqual(20_000);
    for (const k of entries()) expect(await a.read('layer', k, any)).toEqual(body);
    expect(a.stats.corrupt).toBe(0);
    expect(a.stats.writeErrors + b.stats.writeErrors).toBe(0);
  });
});
