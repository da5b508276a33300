/**
 * The verify capture keeps small files (passwd, group, ...) as the layers pass, from the highest
 * layer that has them. The checks must see them as the final tree has them: a file deleted or
 * replaced by a later layer is not read as its old content.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openImage } from '../image/open.js';
import { buildTestImage, dir, file, symlink, whiteout } from '../image/testing/index.js';
import { collectImageView } from './collect.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'goslim-collect-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('verify capture: what the checks read', () => {
  it('reads a captured file only as the final tree has it (deleted, replaced by a link, rewritten)', async () => {
    const passwd = 'root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n';
    const built = await buildTestImage(
      {
        layers: [
          { entries: [dir('etc'), file('etc/passwd', passwd), file('etc/group', 'root:x:0:\n'), file('etc/ld.so.cache', 'old cache')] },
          { entries: [whiteout('etc/passwd'), symlink('etc/group', '/elsewhere/group'), file('etc/ld.so.cache', 'new cache')] },
        ],
      },
      { dir: join(work, 'img'), format: 'oci' },
    );
    const view = await collectImageView(await openImage(built.reference));
    expect(view.files.has('etc/passwd')).toBe(false);
    expect(view.read('etc/passwd')).toBeUndefined();
    expect(view.files.get('etc/group')?.type).toBe('symlink');
    expect(view.read('etc/group')).toBeUndefined();
    expect(view.read('etc/ld.so.cache')?.toString()).toBe('new cache');
  });
});
