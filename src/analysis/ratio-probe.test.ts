import { randomBytes } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { RatioProbe } from './ratio-probe.js';

describe('RatioProbe', () => {
  it('matches one-shot deflate on the same bytes, fed in chunks', async () => {
    const text = Buffer.from('Europe/Paris CET-1CEST,M3.5.0,M10.5.0/3\n'.repeat(5000));
    const p = new RatioProbe();
    for (let i = 0; i < text.length; i += 777) p.feed(text.subarray(i, i + 777));
    const r = await p.ratio();
    expect(r).toBeCloseTo(deflateRawSync(text, { level: 6 }).length / text.length, 2);
    expect(r).toBeLessThan(0.05);
  });

  it('stops at its budget and reports incompressible data near 1', async () => {
    const p = new RatioProbe(100_000);
    for (let i = 0; i < 10; i++) p.feed(randomBytes(50_000));
    expect(p.full).toBe(true);
    const r = await p.ratio();
    expect(r).toBeGreaterThan(0.99);
    expect(await new RatioProbe().ratio()).toBeUndefined();
  });
});
