import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BlobCache } from './cache.js';
import { normaliseImagePath, planLayer, writeLayer } from './layer.js';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

describe('planLayer', () => {
  it('adds parents, sorts bytewise and rejects duplicates', () => {
    const plan = planLayer(
      [
        { path: '/ko-app/greeter', type: 'file', source: 's', mode: 0o755 },
        { path: 'var/run/ko/a-b', type: 'file', source: 's' },
        { path: 'var/run/ko/a/b', type: 'file', source: 's' },
      ],
      new Map([['s', 3]]),
    );
    expect(plan.map((e) => `${e.type}:${e.path}`)).toEqual([
      'dir:ko-app',
      'file:ko-app/greeter',
      'dir:var',
      'dir:var/run',
      'dir:var/run/ko',
      'dir:var/run/ko/a',
      'file:var/run/ko/a-b',
      'file:var/run/ko/a/b',
    ].sort((a, b) => (a.split(':')[1]! < b.split(':')[1]! ? -1 : 1)));
    expect(() => planLayer([{ path: 'a', type: 'file', source: 's' }, { path: '/a', type: 'file', source: 's' }], new Map())).toThrow(
      expect.objectContaining({ code: 'E_USAGE' }),
    );
    expect(() => planLayer([{ path: 'a', type: 'file', source: 's' }, { path: 'a/b', type: 'file', source: 's' }], new Map())).toThrow(
      expect.objectContaining({ code: 'E_USAGE' }),
    );
  });
  it('rejects escaping paths', () => {
    expect(() => normaliseImagePath('/')).toThrow(expect.objectContaining({ code: 'E_UNSAFE_PATH' }));
    expect(normaliseImagePath('/a/../b/')).toBe('b');
  });
});

describe('writeLayer', () => {
  const work = mkdtempSync(join(tmpdir(), 'goslim-layer-'));
  const src = join(work, 'src');
  mkdirSync(src);
  writeFileSync(join(src, 'bin'), Buffer.alloc(200_000, 7));
  writeFileSync(join(src, 'data.txt'), 'hello\n');
  const files = [
    { path: '/ko-app/app', type: 'file' as const, source: join(src, 'bin'), mode: 0o755 },
    { path: '/var/run/ko/data.txt', type: 'file' as const, source: join(src, 'data.txt') },
    { path: '/var/run/ko/' + 'x'.repeat(120), type: 'file' as const, source: join(src, 'data.txt') },
    { path: '/ko-app/link', type: 'symlink' as const, linkname: 'app' },
  ];

  it('is byte-identical across runs and caches, with correct digests and a pinned gzip header', async () => {
    const a = await writeLayer(files, { cache: new BlobCache(join(work, 'c1')), mtime: 0 });
    const b = await writeLayer([...files].reverse(), { cache: new BlobCache(join(work, 'c2')), mtime: 0 });
    expect(b.digest()).toBe(a.digest());
    expect(b.diffId()).toBe(a.diffId());
    const blob = readFileSync(a.file);
    expect(sha(blob)).toBe(a.digest());
    expect(blob.length).toBe(a.size());
    expect([...blob.subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
    const tarBytes = gunzipSync(blob);
    expect(sha(tarBytes)).toBe(a.diffId());
    // GNU tar as the oracle for the entries, owners and times.
    const tarFile = join(work, 'l.tar');
    writeFileSync(tarFile, tarBytes);
    const listing = execFileSync('tar', ['--numeric-owner', '--full-time', '-tvf', tarFile], { encoding: 'utf8' }).trim().split('\n');
    expect(listing[0]).toMatch(/^drwxr-xr-x 0\/0 +0 1970-01-01 00:00:00 ko-app\/$/);
    expect(listing[1]).toMatch(/^-rwxr-xr-x 0\/0 +200000 1970-01-01 00:00:00 ko-app\/app$/);
    expect(listing[2]).toMatch(/^lrwxrwxrwx 0\/0 .* ko-app\/link -> app$/);
    expect(listing.some((l) => l.endsWith('x'.repeat(120)))).toBe(true);
    expect(listing).toHaveLength(8);
  });

  it('changes the digests with SOURCE_DATE_EPOCH and records that mtime', async () => {
    const c = new BlobCache(join(work, 'c3'));
    const a = await writeLayer(files, { cache: c, mtime: 0 });
    const e = await writeLayer(files, { cache: c, mtime: 1_700_000_000 });
    expect(e.diffId()).not.toBe(a.diffId());
    const tarFile = join(work, 'e.tar');
    writeFileSync(tarFile, gunzipSync(readFileSync(e.file)));
    expect(execFileSync('tar', ['--full-time', '-tvf', tarFile], { encoding: 'utf8' })).toContain('2023-11-14 22:13:20');
  });

  it('streams uncompressed() back to the diff_id and reports a missing source as E_NOT_FOUND', async () => {
    const a = await writeLayer(files, { cache: new BlobCache(join(work, 'c4')), gzipLevel: 9 });
    const h = createHash('sha256');
    for await (const chunk of await a.uncompressed()) h.update(chunk as Buffer);
    expect(`sha256:${h.digest('hex')}`).toBe(a.diffId());
    await expect(
      writeLayer([{ path: 'x', type: 'file', source: join(work, 'nope') }], { cache: new BlobCache(join(work, 'c4')) }),
    ).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
  });
});
