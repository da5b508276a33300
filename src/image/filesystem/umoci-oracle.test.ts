/**
 * Oracle: umoci (an independent OCI implementation) unpacks the same image into a real
 * directory, applying whiteouts, opaque directories and hardlinks. The merged tree must
 * have exactly the paths umoci produced, and our visible bytes must equal the sum of the
 * sizes of the distinct regular-file inodes on disk.
 */
import { execFileSync } from 'node:child_process';
import { lstat, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openImage } from '../open.js';
import { buildTestImage, dir, file, hardlink, opaque, symlink, whiteout, type TestImageSpec } from '../testing/index.js';
import { mergeLayers } from './merge.js';
import { describeWithTools } from '../../../test/helpers/tools.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'goslim-umoci-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function diskTree(root: string): Promise<{ paths: string[]; bytes: number }> {
  const paths: string[] = [];
  const inodes = new Map<number, number>();
  const walk = async (d: string): Promise<void> => {
    for (const name of await readdir(d)) {
      const p = join(d, name);
      const st = await lstat(p);
      paths.push(relative(root, p));
      if (st.isFile()) inodes.set(st.ino, st.size);
      if (st.isDirectory()) await walk(p);
    }
  };
  await walk(root);
  let bytes = 0;
  for (const s of inodes.values()) bytes += s;
  return { paths: paths.sort(), bytes };
}

async function check(spec: TestImageSpec, name: string): Promise<void> {
  const built = await buildTestImage(spec, { dir: join(work, name), format: 'oci' });
  const bundle = join(work, name, 'bundle');
  execFileSync('umoci', ['unpack', '--image', `${built.path}:latest`, bundle], { stdio: 'pipe' });
  const disk = await diskTree(join(bundle, 'rootfs'));
  const r = await mergeLayers(await openImage(built.reference));
  // Parent directories implied by deeper paths exist on disk even without a tar entry.
  const implied = new Set<string>();
  for (const p of r.files.keys()) {
    const parts = p.split('/');
    for (let i = 1; i <= parts.length; i++) implied.add(parts.slice(0, i).join('/'));
  }
  expect([...implied].sort()).toEqual(disk.paths);
  expect(r.totals.visibleBytes).toBe(disk.bytes);
}

describeWithTools(['umoci'], 'merged tree vs umoci unpack', () => {
  it('whiteouts, opaque directories, replaced directories', async () => {
    await check(
      {
        layers: [
          { entries: [dir('etc'), file('etc/a', 100), file('etc/b', 200), dir('var/cache'), file('var/cache/x', 1000), dir('x'), file('x/y', 3)] },
          { entries: [file('etc/a', 150, { seed: 5 }), whiteout('etc/b'), file('var/cache/z', 10), opaque('var/cache'), file('x', 9)] },
          { entries: [whiteout('x'), symlink('etc/link', '../var/cache/z'), dir('var/cache/sub'), file('var/cache/sub/f', 1)] },
          { entries: [opaque('var'), file('var/only', 2)] },
        ],
      },
      'wh',
    );
  });

  it('hardlinks within a layer and to a lower layer', async () => {
    await check(
      {
        layers: [
          { entries: [file('bin/tool', 1000), hardlink('bin/tool2', 'bin/tool'), file('lib/big', 5000)] },
          { entries: [hardlink('lib/big2', 'lib/big')] },
          { entries: [whiteout('bin/tool')] },
        ],
      },
      'hl',
    );
  });
});
