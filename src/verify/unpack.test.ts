import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync, mkdirSync, chmodSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openImage } from '../image/open.js';
import { buildTestImage, dir, fifo, file, hardlink, opaque, symlink, whiteout } from '../image/testing/index.js';
import { gzipLayer, rawTar, writeOciImage } from '../../test/attacks/hostile.js';
import { unpackImage } from './unpack.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'goslim-unpack-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('unpackImage', () => {
  it('reports progress by bytes of file data written, layer by layer, ending at the total', async () => {
    const built = await buildTestImage(
      { layers: [{ entries: [file('a', 'x'.repeat(3000)), file('b', 'y'.repeat(500))] }, { entries: [file('c', 'z'.repeat(7000))] }] },
      { dir: join(work, 'img-progress'), format: 'oci' },
    );
    const seen: Array<{ layer: number; layers: number; bytes: number }> = [];
    const stats = await unpackImage(await openImage(built.reference), join(work, 'root-progress'), { onProgress: (p) => seen.push(p) });
    expect(stats.bytes).toBe(10_500);
    expect(seen.at(-1)).toEqual({ layer: 1, layers: 2, bytes: 10_500 });
    expect(seen.every((p, i) => i === 0 || (p.bytes >= seen[i - 1]!.bytes && p.layer >= seen[i - 1]!.layer))).toBe(true);
    expect(seen.filter((p) => p.layer === 0).at(-1)!.bytes).toBe(3500);
  });

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

  it('a directory replaced by a symlink keeps its mode to itself (issue 11, escape 1)', async () => {
    const host = join(work, 'host-e1');
    mkdirSync(host);
    writeFileSync(join(host, 'f'), 'host');
    chmodSync(join(host, 'f'), 0o644);
    const hostMode = statSync(host).mode;
    const built = await buildTestImage(
      { layers: [{ entries: [dir('d'), symlink('d', join(host, 'f'))] }, { entries: [dir('e/x')] }, { entries: [symlink('e', host)] }] },
      { dir: join(work, 'img-e1'), format: 'oci' },
    );
    const root = join(work, 'root-e1');
    await unpackImage(await openImage(built.reference), root);
    expect(statSync(join(host, 'f')).mode & 0o7777).toBe(0o644);
    expect(statSync(host).mode).toBe(hostMode);
    expect(lstatSync(join(root, 'd')).isSymbolicLink()).toBe(true);
  });

  it('whiteouts never follow a symlink (issue 11, escape 2)', async () => {
    const host = join(work, 'host-e2');
    mkdirSync(host);
    for (const n of ['a', 'b', 'c']) writeFileSync(join(host, n), n);
    const built = await buildTestImage(
      { layers: [{ entries: [symlink('d', host), symlink('e', host)] }, { entries: [opaque('d'), whiteout('e/a'), dir('real'), symlink('real/l', host)] }, { entries: [whiteout('real/l/b')] }] },
      { dir: join(work, 'img-e2'), format: 'oci' },
    );
    await unpackImage(await openImage(built.reference), join(work, 'root-e2'));
    expect(readdirSync(host).sort()).toEqual(['a', 'b', 'c']);
  });

  it('drops setuid/setgid bits and skips FIFOs, with warnings; hardlinks stay inside', async () => {
    const built = await buildTestImage(
      { layers: [{ entries: [dir('bin'), file('bin/su', 'x', { mode: 0o4755 }), file('bin/sg', 'y', { mode: 0o2711 }), hardlink('bin/su2', 'bin/su'), fifo('p'), hardlink('h', '../../etc/passwd')] }] },
      { dir: join(work, 'img-s'), format: 'oci' },
    );
    const root = join(work, 'root-s');
    const stats = await unpackImage(await openImage(built.reference), root);
    expect(statSync(join(root, 'bin/su')).mode & 0o7777).toBe(0o755);
    expect(statSync(join(root, 'bin/sg')).mode & 0o7777).toBe(0o711);
    expect(statSync(join(root, 'bin/su2')).ino).toBe(statSync(join(root, 'bin/su')).ino);
    expect(existsSync(join(root, 'p'))).toBe(false);
    expect(existsSync(join(root, 'h'))).toBe(false);
    // Two setuid/setgid notes (kept files), two skipped entries (the FIFO, the escaping hardlink).
    expect(stats.warnings).toHaveLength(4);
    expect(stats.skipped).toBe(2);
  });

  it('skips names the file system refuses, with warnings, and keeps the rest', async () => {
    const deep = (n: number): string => Array.from({ length: n }, () => 'd').join('/');
    const tar = rawTar([
      { name: `${deep(200)}/ok`, data: 'ok' },
      { name: 'n'.repeat(300), data: 'x' },
      { name: `x/${'n'.repeat(256)}/y`, data: 'x' },
      { name: 'fine', data: 'fine' },
    ]);
    const ref = writeOciImage(join(work, 'img-long'), [gzipLayer(tar)]);
    const root = join(work, 'root-long');
    const stats = await unpackImage(await openImage(ref), root);
    expect(readFileSync(join(root, deep(200), 'ok'), 'utf8')).toBe('ok');
    expect(readFileSync(join(root, 'fine'), 'utf8')).toBe('fine');
    expect(stats.skipped).toBe(2);
    expect(stats.warnings).toHaveLength(2);
  });

  it('refuses names past tar.pathDepth and tar.pathLength with E_LIMIT naming the limit', async () => {
    const deep = (n: number): string => Array.from({ length: n }, () => 'd').join('/');
    for (const [i, [name, limitKey]] of ([
      [`${deep(300)}/too-deep`, 'tar.pathDepth'],
      [Array.from({ length: 20 }, () => 'm'.repeat(250)).join('/'), 'tar.pathLength'],
      ['p'.repeat(70_000), 'tar.pathLength'],
    ] as const).entries()) {
      const ref = writeOciImage(join(work, `img-limit-${i}`), [gzipLayer(rawTar([{ name, data: 'x' }, { name: 'fine', data: 'fine' }]))]);
      const err = await unpackImage(await openImage(ref), join(work, `root-limit-${i}`)).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'E_LIMIT', details: { limit: limitKey } });
    }
  });
});
