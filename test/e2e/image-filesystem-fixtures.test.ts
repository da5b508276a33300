/**
 * The image sources and the filesystem merge on the real fixture images (Debian packages,
 * built offline by test/fixtures/images/make-images.sh): every shape of one image gives the
 * same merged filesystem; layer digests, diff_ids, tar sizes and instructions match what
 * the fixture script recorded; and umoci's unpack of the OCI form agrees on paths and bytes.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstat, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openImage } from '../../src/image/open.js';
import { mergeLayers, type MergeResult } from '../../src/image/filesystem/index.js';
import { ensureFixtureImages, FIXTURE_SHAPES, missingFixtureTools, type FixtureImages } from '../helpers/images.js';
import { FIXTURE_TOOLS, describeWithTools, itWithTools } from '../helpers/tools.js';

const missing = missingFixtureTools();
let fx: FixtureImages;
let work: string;

beforeAll(async () => {
  if (missing.length > 0) return;
  fx = await ensureFixtureImages();
  work = await mkdtemp(join(tmpdir(), 'goslim-fx-fs-'));
}, 25 * 60_000);
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

function fingerprint(r: MergeResult): string {
  const h = createHash('sha256');
  for (const [path, f] of [...r.files.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) h.update(JSON.stringify([path, f]));
  h.update(JSON.stringify([r.wasted, r.totals.visibleBytes, r.totals.writtenBytes, r.totals.paths]));
  return h.digest('hex');
}

describeWithTools(FIXTURE_TOOLS, 'image sources and merge on the fixture images', () => {
  for (const name of ['slim-four-levers', 'base-debian12-nonroot'] as const) {
    it(`${name}: all five shapes agree with each other and with images.json`, async () => {
      const img = fx.images[name];
      const prints = new Set<string>();
      for (const shape of FIXTURE_SHAPES) {
        const image = await openImage(img[shape]);
        const r = await mergeLayers(image);
        expect(r.layers.map((l) => l.diffId)).toEqual(img.info.layers.map((l) => l.diffId));
        expect(r.layers.map((l) => l.tarSize)).toEqual(img.info.layers.map((l) => l.uncompressedSize));
        expect(r.layers.map((l) => l.createdBy)).toEqual(img.info.layers.map((l) => l.createdBy));
        if (shape === 'oci' || shape === 'ociArchive' || shape === 'containerd') {
          expect(image.digest()).toBe(img.info.manifestDigest);
          expect(r.layers.map((l) => l.digest)).toEqual(img.info.layers.map((l) => l.digest));
        }
        expect(r.anomalyCount).toBe(0);
        prints.add(fingerprint(r));
      }
      expect(prints.size).toBe(1);
    });
  }

  itWithTools(['umoci'], 'base-debian12-nonroot: umoci unpack has the same paths and bytes', async () => {
    const img = fx.images['base-debian12-nonroot'];
    const bundle = join(work, 'bundle');
    execFileSync('umoci', ['unpack', '--image', `${img.oci}:latest`, bundle], { stdio: 'pipe' });
    const root = join(bundle, 'rootfs');
    const paths: string[] = [];
    const inodes = new Map<number, number>();
    const walk = async (d: string): Promise<void> => {
      for (const n of await readdir(d)) {
        const p = join(d, n);
        const st = await lstat(p);
        paths.push(relative(root, p));
        if (st.isFile()) inodes.set(st.ino, st.size);
        if (st.isDirectory()) await walk(p);
      }
    };
    await walk(root);
    const r = await mergeLayers(await openImage(img.oci));
    const implied = new Set<string>();
    for (const p of r.files.keys()) {
      const parts = p.split('/');
      for (let i = 1; i <= parts.length; i++) implied.add(parts.slice(0, i).join('/'));
    }
    expect([...implied].sort()).toEqual(paths.sort());
    expect(r.totals.visibleBytes).toBe([...inodes.values()].reduce((a, b) => a + b, 0));
  });

  it('fat-greeter (about 1 GB): docker-archive and OCI layout merge identically, layers labelled', async () => {
    const img = fx.images['fat-greeter'];
    const legacy = await mergeLayers(await openImage(img.dockerArchive));
    const oci = await mergeLayers(await openImage(img.oci));
    expect(fingerprint(legacy)).toBe(fingerprint(oci));
    expect(oci.layers.map((l) => l.tarSize)).toEqual(img.info.layers.map((l) => l.uncompressedSize));
    expect(oci.layers.map((l) => l.createdBy)).toEqual(img.info.layers.map((l) => l.createdBy));
    // The Go toolchain is in the merged tree, with bytes charged.
    expect(oci.files.get('usr/lib/go-1.19/bin/go')?.type).toMatch(/symlink|file/);
    expect(oci.totals.visibleBytes).toBeGreaterThan(900_000_000);
    expect(oci.wasted.bytes).toBe(oci.totals.writtenBytes - oci.totals.visibleBytes);
  }, 10 * 60_000);
});
