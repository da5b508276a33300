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
import { isGoslimError, type GoslimError } from '../../errors.js';
import { indexTar } from '../sources/tar-index.js';
import { buildLayerTar, file, rawTar } from '../testing/index.js';
import { walkLayer } from './walk.js';
import { checkEntryCount, checkEntryName } from './tar-parser.js';
import { LIMITS } from '../../limits.js';
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
    bad[10] = bad[10]! ^ 0x41;
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

/** Hostile headers (issue 11): each ends in a typed error from the layer walk and the archive index alike. */
describe('hostile tar headers', () => {
  const file1 = { header: { name: 'f' }, data: Buffer.from('hello') };
  const negative = Buffer.alloc(12, 0xff);
  const cases: Array<[string, Buffer, string, string?]> = [
    ['PAX size "abcde"', rawTar([{ pax: { size: 'abcde' } }, file1]), 'E_MALFORMED'],
    ['PAX size "1.5"', rawTar([{ pax: { size: '1.5' } }, file1]), 'E_MALFORMED'],
    ['PAX size "-1"', rawTar([{ pax: { size: '-1' } }, file1]), 'E_MALFORMED'],
    ['PAX size ""', rawTar([{ pax: { size: '' } }, file1]), 'E_MALFORMED'],
    ['PAX size 2^70', rawTar([{ pax: { size: String(2n ** 70n) } }, file1]), 'E_MALFORMED'],
    ['PAX uid "x"', rawTar([{ pax: { uid: 'x' } }, file1]), 'E_MALFORMED'],
    ['octal size "zzzz"', rawTar([{ header: { name: 'f', size: 'zzzz' } }]), 'E_MALFORMED'],
    [
      'base-256 negative size',
      (() => {
        const t = rawTar([file1]);
        negative.copy(t, 124);
        // re-checksum the header
        t.fill(0x20, 148, 156);
        let sum = 0;
        for (let i = 0; i < 512; i++) sum += t[i]!;
        t.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
        return t;
      })(),
      'E_MALFORMED',
    ],
    ['70k PAX path', rawTar([{ pax: { path: 'p'.repeat(70_000) } }, file1]), 'E_LIMIT', 'tar.pathLength'],
    ['1 MiB GNU long name', rawTar([{ longName: 'n'.repeat(1 << 20) }, file1]), 'E_LIMIT', 'tar.paxHeaderSize'],
    ['5000-byte GNU long name', rawTar([{ longName: 'n'.repeat(5000) }, file1]), 'E_LIMIT', 'tar.pathLength'],
    ['10,000-deep path', rawTar([{ pax: { path: 'd/'.repeat(10_000) + 'f' } }, file1]), 'E_LIMIT', 'tar.pathLength'],
    ['300-deep path', rawTar([{ pax: { path: 'd/'.repeat(300) + 'f' } }, file1]), 'E_LIMIT', 'tar.pathDepth'],
    ['5000-byte symlink target', rawTar([{ pax: { linkpath: 't'.repeat(5000) } }, { header: { name: 'l', typeflag: '2' } }]), 'E_LIMIT', 'tar.pathLength'],
    ['2 MiB PAX header', rawTar([{ pax: { comment: 'c'.repeat(2 << 20) } }, file1]), 'E_LIMIT', 'tar.paxHeaderSize'],
  ];

  it.each(cases)('%s: the walk fails typed', async (_name, tar, code, limitKey) => {
    const err = await walkLayer(Readable.from([tar]), 0, { entry: () => {} }).catch((e: unknown) => e);
    expect(isGoslimError(err, code as 'E_MALFORMED')).toBe(true);
    if (limitKey !== undefined) expect((err as GoslimError).details?.['limit']).toBe(limitKey);
  });

  // The archive index reads no uid/gid (an archive member's owner is never used).
  it.each(cases.filter((c) => !c[0].includes('uid')))('%s: the archive index fails typed', async (name, tar, code, limitKey) => {
    const path = join(work, `hostile-${name.replace(/[^a-z0-9]/gi, '_')}.tar`);
    await writeFile(path, tar);
    const err = await indexTar(path).catch((e: unknown) => e);
    expect(isGoslimError(err, code as 'E_MALFORMED')).toBe(true);
    if (limitKey !== undefined) expect((err as GoslimError).details?.['limit']).toBe(limitKey);
  });

  it('a PAX size of digits is read as the entry size (the valid case)', async () => {
    const tar = rawTar([{ pax: { size: '5' } }, { header: { name: 'f', size: 0 }, data: Buffer.from('hello') }]);
    const seen: LayerEntry[] = [];
    // The header says 0 but PAX says 5: the 5 data bytes (one block) belong to the entry.
    await walkLayer(Readable.from([tar]), 0, { entry: (e) => seen.push(e) });
    expect(seen.map((e) => [e.path, e.size])).toEqual([['f', 5]]);
  });
});

describe('tar limits by name', () => {
  it('entry count, path length and depth fail with E_LIMIT naming their limit and value', () => {
    const caught = (f: () => void): GoslimError | undefined => {
      try {
        f();
      } catch (e) {
        return e as GoslimError;
      }
      return undefined;
    };
    expect(caught(() => checkEntryCount(LIMITS['tar.entries'].value))).toBeUndefined();
    expect(caught(() => checkEntryCount(LIMITS['tar.entries'].value + 1))?.details).toMatchObject({ limit: 'tar.entries', max: LIMITS['tar.entries'].value });
    expect(caught(() => checkEntryName('a/'.repeat(255) + 'b', 'path'))).toBeUndefined();
    expect(caught(() => checkEntryName('a/'.repeat(256) + 'b', 'path'))?.details).toMatchObject({ limit: 'tar.pathDepth', actual: 257 });
    expect(caught(() => checkEntryName('\u00e9'.repeat(2049), 'linkpath'))?.details).toMatchObject({ limit: 'tar.pathLength', actual: 4098, field: 'linkpath' });
  });
});
