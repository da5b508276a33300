/**
 * The compressed size inspect gives layers a source keeps uncompressed (docker-archive here),
 * against the real gzip blobs of the same layers (the fixture script's `gzip -n` output, sizes
 * in images.json) and against the full measurement: the default `estimate` within 1 % per
 * image, `full` within 1 % too. The two Debian-based bases exist only as OCI layouts; their
 * layers are the fat image's first two, so their totals are checked from the fat image's
 * per-layer figures (matched by diff_id).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mergeLayers, type MergeResult } from './filesystem/index.js';
import { GzipSizeMeter, sampleStride, unitRole } from './gzip-size.js';
import { openImage } from './open.js';
import { ensureFixtureImages, missingFixtureTools, type FixtureImages } from '../../test/helpers/images.js';
import { FIXTURE_TOOLS, describeWithTools } from '../../test/helpers/tools.js';

let fx: FixtureImages;
const results = new Map<string, MergeResult>();

beforeAll(async () => {
  if (missingFixtureTools().length > 0) return;
  fx = await ensureFixtureImages();
}, 25 * 60_000);
afterAll(() => results.clear());

function off(actual: number, expected: number): number {
  return Math.abs(actual - expected) / expected;
}

async function measure(path: string, mode: 'estimate' | 'full'): Promise<MergeResult> {
  return mergeLayers(await openImage(`docker-archive:${path}`), { measureCompressed: mode, verifyDiffIds: false });
}

it('samples deterministically: every unit of the first 8 MiB, then brotli on every other unit and 64 evenly strided deflated units per doubling', () => {
  expect(sampleStride(0)).toBe(1);
  expect(sampleStride(127)).toBe(1);
  expect(sampleStride(128)).toBe(2);
  expect(sampleStride(255)).toBe(2);
  expect(sampleStride(256)).toBe(4);
  expect(sampleStride(16383)).toBe(128);
  let deflated = 0;
  for (let i = 0; i < 16384; i++) if (sampleStride(i) === 1 || i % sampleStride(i) === sampleStride(i) >> 1) deflated++;
  expect(deflated).toBe(128 + 64 * 7);
  // Roles: the samples are covered units (odd), one per stride; every other unit is only counted.
  const roles = { exact: 0, sample: 0, covered: 0, counted: 0 };
  for (let i = 0; i < 16384; i++) roles[unitRole(i)]++;
  expect(roles).toEqual({ exact: 128, sample: 64 * 7, covered: (16384 - 128) / 2 - 64 * 7, counted: (16384 - 128) / 2 });
  for (let i = 128; i < 16384; i++) if (unitRole(i) === 'sample') expect(i % 2).toBe(1);
  expect(unitRole(5000, 'full')).toBe('exact');
});

it('a small layer is measured in full, and the same in both modes', async () => {
  const data = Buffer.alloc(3 << 20);
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 27; // compressible, not trivially
  const sizes = [];
  for (const mode of ['estimate', 'full'] as const) {
    const m = new GzipSizeMeter(mode);
    for (let off = 0; off < data.length; off += 100_000) await m.feed(data.subarray(off, off + 100_000));
    const r = await m.finish();
    expect(r).toMatchObject({ method: 'measured', bytes: data.length, deflatedBytes: data.length });
    sizes.push(r.size);
  }
  expect(sizes[0]).toBe(sizes[1]);
});

it('a layer one unit past the exact part (brotli saw none of its tail): the tail counts as the exact part did', async () => {
  const data = Buffer.alloc((8 << 20) + 65536);
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 27;
  const sizes: number[] = [];
  for (const mode of ['estimate', 'full'] as const) {
    const m = new GzipSizeMeter(mode);
    for (let off = 0; off < data.length; off += 1 << 20) await m.feed(data.subarray(off, off + (1 << 20)));
    const r = await m.finish();
    expect(r.method).toBe(mode === 'full' ? 'measured' : 'estimated');
    sizes.push(r.size);
  }
  expect(off(sizes[0]!, sizes[1]!)).toBeLessThan(0.01);
});

describeWithTools(FIXTURE_TOOLS, 'compressed size of uncompressed layers on the fixture images', () => {
  for (const name of ['static-debian12-nonroot', 'slim-four-levers', 'cgo-on-static', 'base-debian12-nonroot'] as const) {
    it(`${name}: estimate and full within 1 % of the gzip blobs and of each other`, async () => {
      const img = fx.images[name];
      const est = await measure(img.dockerArchive, 'estimate');
      const full = await measure(img.dockerArchive, 'full');
      expect(full.layers.every((l) => l.compressedMethod === 'measured')).toBe(true);
      const blobs = img.info.compressedSize;
      expect(off(est.totals.compressedSize, blobs), `estimate ${est.totals.compressedSize} vs blobs ${blobs}`).toBeLessThan(0.01);
      expect(off(full.totals.compressedSize, blobs), `full ${full.totals.compressedSize} vs blobs ${blobs}`).toBeLessThan(0.01);
      expect(off(est.totals.compressedSize, full.totals.compressedSize)).toBeLessThan(0.01);
      // Layers up to 8 MiB are measured in full by the estimate too.
      for (const [i, l] of est.layers.entries()) {
        if (l.tarSize <= 8 << 20) expect(l.compressedSize).toBe(full.layers[i]!.compressedSize);
        else expect(l.compressedMethod).toBe('estimated');
      }
    }, 10 * 60_000);
  }

  it('fat-greeter (about 1 GB) and its bases, debian-bookworm and golang-1.19: the estimate within 1 % of the gzip blobs, sampling under 10 %', async () => {
    const img = fx.images['fat-greeter'];
    const est = await measure(img.dockerArchive, 'estimate');
    expect(off(est.totals.compressedSize, img.info.compressedSize), `${est.totals.compressedSize} vs ${img.info.compressedSize}`).toBeLessThan(0.01);
    const byDiffId = new Map(est.layers.map((l) => [l.diffId, l]));
    for (const base of ['debian-bookworm', 'golang-1.19'] as const) {
      const info = fx.images[base].info;
      const estimated = info.layers.reduce((a, l) => a + byDiffId.get(l.diffId)!.compressedSize, 0);
      expect(off(estimated, info.compressedSize), `${base}: ${estimated} vs ${info.compressedSize}`).toBeLessThan(0.01);
    }
    const deflated = est.layers.reduce((a, l) => a + (l.deflatedBytes ?? 0), 0);
    expect(deflated / est.totals.tarSize).toBeLessThan(0.1);
    expect(est.layers.filter((l) => l.compressedMethod === 'estimated').map((l) => l.index)).toEqual([0, 1, 4]);
  }, 10 * 60_000);
});
