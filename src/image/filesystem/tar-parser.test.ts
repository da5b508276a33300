/**
 * The tar reader against GNU tar as the writer (gnu, posix/PAX and ustar formats), plus the
 * corner cases GNU tar does not write by default.
 */
import { execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { chown, link, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isGoslimError } from '../../errors.js';
import { buildLayerTar, file } from '../testing/index.js';
import { walkLayer } from './walk.js';
import type { LayerEntry } from './types.js';

let work: string;
const longDir = `${'d'.repeat(90)}/${'e'.repeat(90)}/${'f'.repeat(60)}`;
const longFile = `${longDir}/${'n'.repeat(120)}.txt`;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'goslim-tar-'));
  const root = join(work, 'root');
  await mkdir(join(root, longDir), { recursive: true });
  await writeFile(join(root, longFile), 'x'.repeat(1234));
  await writeFile(join(root, 'small'), 'hello');
  await link(join(root, 'small'), join(root, 'small-link'));
  await symlink(`../${'t'.repeat(150)}`, join(root, 'long-symlink'));
  await writeFile(join(root, 'bigid'), 'id');
  await chown(join(root, 'bigid'), 3_000_000_000, 7);
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function entriesOf(tarPath: string): Promise<LayerEntry[]> {
  const out: LayerEntry[] = [];
  await walkLayer(createReadStream(tarPath, { highWaterMark: 777 }), 0, { entry: (e) => out.push(e) });
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

describe('TarParser vs GNU tar', () => {
  for (const format of ['gnu', 'posix'] as const) {
    it(`reads --format=${format} (long names, hardlinks, long symlink targets, big uids)`, async () => {
      const tarPath = join(work, `${format}.tar`);
      execFileSync('tar', [`--format=${format}`, '-C', join(work, 'root'), '-cf', tarPath, '.']);
      const entries = await entriesOf(tarPath);
      const byPath = new Map(entries.map((e) => [e.path, e]));
      expect(byPath.get(longFile)).toMatchObject({ type: 'file', size: 1234 });
      expect(byPath.get('long-symlink')).toMatchObject({ type: 'symlink', linkname: `../${'t'.repeat(150)}` });
      const links = ['small', 'small-link'].map((p) => byPath.get(p)!);
      // One of the pair carries the data, the other is a hardlink to it.
      expect(links.map((l) => l.type).sort()).toEqual(['file', 'hardlink']);
      expect(links.find((l) => l.type === 'hardlink')!.linkname).toMatch(/^small(-link)?$/);
      expect(byPath.get('bigid')).toMatchObject({ uid: 3_000_000_000, gid: 7, size: 2 });
      // Same set of paths as GNU tar lists.
      const listed = execFileSync('tar', ['-tf', tarPath], { encoding: 'utf8' })
        .split('\n')
        .filter(Boolean)
        .map((p) => p.replace(/^\.\/?/, '').replace(/\/$/, ''))
        .filter(Boolean)
        .sort();
      expect(entries.map((e) => e.path)).toEqual(listed);
    });
  }

  it('rejects a corrupted header checksum with E_MALFORMED and a cut header with E_TRUNCATED', async () => {
    const tar = await buildLayerTar([file('a', 'hello'), file('b', 'world')]);
    const bad = Buffer.from(tar);
    bad[10] ^= 0x41;
    const err = await walkLayer(Readable.from([bad]), 0, {}).catch((e: unknown) => e);
    expect(isGoslimError(err, 'E_MALFORMED')).toBe(true);
    const cut = tar.subarray(0, 512 + 512 + 100); // inside the second header
    const err2 = await walkLayer(Readable.from([cut]), 0, {}).catch((e: unknown) => e);
    expect(isGoslimError(err2, 'E_TRUNCATED')).toBe(true);
  });

  it('accepts an archive without the end-of-archive blocks and ignores bytes after them', async () => {
    const tar = await buildLayerTar([file('a', 'hello')]);
    const noEnd = tar.subarray(0, 1024);
    const seen: string[] = [];
    await walkLayer(Readable.from([noEnd]), 0, { entry: (e) => seen.push(e.path) });
    const trailing = Buffer.concat([tar, Buffer.from('garbage after the end')]);
    await walkLayer(Readable.from([trailing]), 0, { entry: (e) => seen.push(e.path) });
    expect(seen).toEqual(['a', 'a']);
  });
});
