/**
 * Cross-check against a real, independent implementation: skopeo (containers/image) reads
 * the images our test builder writes, and re-writes them as a docker-archive, an OCI layout
 * and an oci-archive; our sources must read skopeo's output to the same merged filesystem.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openImage } from '../open.js';
import { mergeLayers, type MergeResult } from '../filesystem/index.js';
import { buildTestImage, dir, file, hardlink, opaque, symlink, whiteout, type TestImageSpec } from '../testing/index.js';
import { describeWithTools } from '../../../test/helpers/tools.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'goslim-skopeo-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const spec: TestImageSpec = {
  layers: [
    { entries: [dir('etc'), file('etc/os-release', 'ID=test\n'), dir('var/cache/apt'), file('var/cache/apt/pkg.bin', 4096)] },
    { entries: [opaque('var/cache/apt'), file('usr/bin/tool', 2048), hardlink('usr/bin/tool-alias', 'usr/bin/tool')], compression: 'none' },
    { entries: [whiteout('etc/os-release'), symlink('etc/alt', '/usr/bin/tool')] },
  ],
};

function fingerprint(r: MergeResult) {
  return {
    files: [...r.files.entries()].sort(([a], [b]) => a.localeCompare(b)),
    wasted: r.wasted,
    visible: r.totals.visibleBytes,
    diffIds: r.layers.map((l) => l.diffId),
  };
}

describeWithTools(['skopeo'], 'interop with skopeo', () => {
  it('reads skopeo-written docker-archive, OCI layout and oci-archive identically', async () => {
    const built = await buildTestImage(spec, { dir: work, format: 'oci', tag: 'interop:1' });
    const raw = execFileSync('skopeo', ['inspect', '--raw', `oci:${built.path}:1`]);
    const ours = await openImage(`oci:${built.path}:1`);
    expect(raw.equals(ours.rawManifest())).toBe(true);
    const base = fingerprint(await mergeLayers(ours));
    expect(base.wasted.bytes).toBe(4096 + 8); // the opaque-hidden cache file and the deleted os-release

    const targets = [
      `docker-archive:${join(work, 'skopeo-docker.tar')}:interop:1`,
      `oci:${join(work, 'skopeo-oci')}:1`,
      `oci-archive:${join(work, 'skopeo-oci.tar')}:1`,
    ];
    for (const target of targets) {
      execFileSync('skopeo', ['copy', '-q', `oci:${built.path}:1`, target], { stdio: 'pipe' });
      const image = await openImage(target);
      expect(fingerprint(await mergeLayers(image))).toEqual(base);
    }
    // And the bare path of skopeo's docker-archive auto-detects.
    const bare = await openImage(join(work, 'skopeo-docker.tar'));
    expect(bare.config().rootfs.diff_ids).toEqual(base.diffIds);
  });
});
