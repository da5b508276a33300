import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openImage } from '../image/open.js';
import { buildTestImage, dir, file, opaque, symlink, whiteout } from '../image/testing/index.js';
import { unpackImage } from './unpack.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'goslim-unpack-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('unpackImage', () => {
  it('never writes outside its root, whatever links and names a layer carries', async () => {
    const outside = join(work, 'outside');
    const built = await buildTestImage(
      {
        layers: [
          { entries: [symlink('abs', outside), symlink('rel', '../../../../outside'), dir('etc')] },
          { entries: [file('abs/pwned', 'x'), file('rel/pwned', 'y'), file('../escape', 'z'), file('/etc/ok', 'ok')] },
        ],
      },
      { dir: join(work, 'img1'), format: 'oci' },
    );
    const root = join(work, 'root1');
    await unpackImage(await openImage(built.reference), root);
    expect(existsSync(outside)).toBe(false);
    expect(existsSync(join(work, 'escape'))).toBe(false);
    // Links are followed inside the root: absolute targets are root-relative.
    expect(readFileSync(join(root, outside.slice(1), 'pwned'), 'utf8')).toBe('x');
    expect(readFileSync(join(root, 'outside', 'pwned'), 'utf8')).toBe('y');
    expect(readFileSync(join(root, 'etc/ok'), 'utf8')).toBe('ok');
    expect(readlinkSync(join(root, 'abs'))).toBe(outside);
  });

  it('applies whiteouts and opaque directories to lower layers only', async () => {
    const built = await buildTestImage(
      {
        layers: [
          { entries: [dir('a'), file('a/old', 'old'), file('gone', 'g'), dir('keep'), file('keep/k', 'k')] },
          { entries: [dir('a'), opaque('a'), file('a/new', 'new'), whiteout('gone')] },
        ],
      },
      { dir: join(work, 'img2'), format: 'docker-archive-legacy' },
    );
    const root = join(work, 'root2');
    await unpackImage(await openImage(built.reference), root);
    expect(existsSync(join(root, 'a/old'))).toBe(false);
    expect(readFileSync(join(root, 'a/new'), 'utf8')).toBe('new');
    expect(existsSync(join(root, 'gone'))).toBe(false);
    expect(readFileSync(join(root, 'keep/k'), 'utf8')).toBe('k');
  });
});
