/**
 * containers-storage without podman: storage.conf parsing, name resolution as podman does it,
 * and hostile stores (fault injection: a hand-made store whose tar-split names a path behind a
 * symlink out of the layer, a file where the record says another size, a record with `..`).
 * The real stores podman, buildah and skopeo write are read in engines.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergeLayers } from '../filesystem/merge.js';
import { findStoredImage, openContainersStorage, parseStorageConf } from './containers-storage.js';
import { layerReaderAvailable, layerReadsVia, releaseLayerReader } from './tar-worker.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'goslim-cstore-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

function ustar(name: string, size: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100, 'latin1');
  h.write('0000000\0', 108, 'latin1');
  h.write('0000000\0', 116, 'latin1');
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  h.write('00000000000\0', 136, 'latin1');
  h.write('        ', 148, 'latin1');
  h.write('0', 156, 'latin1');
  h.write('ustar\0' + '00', 257, 'latin1');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}

/** A one-layer overlay store whose layer holds `name` with `content`; the tar-split names `recordName`. */
async function makeStore(root: string, opts: { name: string; content: string; recordName?: string; onDisk?: (diff: string) => Promise<void> }): Promise<void> {
  await makeStoreOf(root, [{ name: opts.name, data: Buffer.from(opts.content), ...(opts.recordName !== undefined ? { recordName: opts.recordName } : {}) }], opts.onDisk);
}

/** A one-layer overlay store holding `files` (each on disk unless `onDisk` writes the layer). */
async function makeStoreOf(
  root: string,
  files: Array<{ name: string; data: Buffer; recordName?: string }>,
  onDisk?: (diff: string) => Promise<void>,
  opts: { trailer?: number; split?: (gz: Buffer) => Buffer } = {},
): Promise<void> {
  const layerId = 'a'.repeat(64);
  const parts: Buffer[] = [];
  const lines: object[] = [];
  for (const f of files) {
    const pad = Buffer.alloc((512 - (f.data.length % 512)) % 512);
    const header = ustar(f.name, f.data.length);
    parts.push(header, f.data, pad);
    lines.push({ type: 2, payload: header.toString('base64'), position: lines.length });
    lines.push({ type: 1, name: f.recordName ?? f.name, size: f.data.length, payload: null, position: lines.length });
    if (pad.length > 0) lines.push({ type: 2, payload: pad.toString('base64'), position: lines.length });
  }
  const trailer = Buffer.alloc(opts.trailer ?? 1024);
  parts.push(trailer);
  lines.push({ type: 2, payload: trailer.toString('base64'), position: lines.length });
  const tar = Buffer.concat(parts);
  const diffId = `sha256:${createHash('sha256').update(tar).digest('hex')}`;
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [diffId] }, config: {} }));
  const imageId = createHash('sha256').update(config).digest('hex');
  const diff = join(root, 'overlay', layerId, 'diff');
  await mkdir(diff, { recursive: true });
  if (onDisk) await onDisk(diff);
  else {
    for (const f of files) {
      await mkdir(join(diff, f.name, '..'), { recursive: true });
      await writeFile(join(diff, f.name), f.data);
    }
  }
  await mkdir(join(root, 'overlay-layers'), { recursive: true });
  await mkdir(join(root, 'overlay-images', imageId), { recursive: true });
  await writeFile(join(root, 'overlay-layers', 'layers.json'), JSON.stringify([{ id: layerId, 'diff-digest': diffId, 'diff-size': tar.length }]));
  const split = gzipSync(lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  await writeFile(join(root, 'overlay-layers', `${layerId}.tar-split.gz`), opts.split ? opts.split(split) : split);
  await writeFile(join(root, 'overlay-images', 'images.json'), JSON.stringify([{ id: imageId, names: ['localhost/app:1'], layer: layerId }]));
  await writeFile(join(root, 'overlay-images', imageId, `=${Buffer.from(`sha256:${imageId}`).toString('base64')}`), config);
}

describe('containers-storage', () => {
  it('storage.conf: the [storage] keys', () => {
    const conf = parseStorageConf('# c\n[storage]\ndriver = "overlay"\ngraphroot = "/g" # x\nrunroot="/r"\n[storage.options]\ndriver = "nope"\n');
    expect(conf).toEqual({ driver: 'overlay', graphroot: '/g' });
  });

  it('finds images as podman does: id prefix, exact name, normalised name, localhost/NAME', () => {
    const images = [
      { id: 'b'.repeat(64), names: ['docker.io/library/alpine:3'] },
      { id: 'c'.repeat(64), names: ['localhost/app:latest'] },
    ];
    expect(findStoredImage(images, 'bbbbbbbbbbbb')?.id).toBe('b'.repeat(64));
    expect(findStoredImage(images, 'alpine:3')?.id).toBe('b'.repeat(64));
    expect(findStoredImage(images, 'app')?.id).toBe('c'.repeat(64));
    expect(findStoredImage(images, 'nope')).toBeUndefined();
  });

});

// The rebuild runs on the layer-reading thread when there is one (its synchronous reader, or
// its stream reader when zlib's synchronous handle is missing: GOSLIM_SYNC_INFLATE=0), else
// here: all three are checked.
describe.each([
  ['on the layer-reading thread', undefined, undefined],
  ['on the layer-reading thread, stream reader (GOSLIM_SYNC_INFLATE=0)', undefined, '0'],
  ['on the main thread (GOSLIM_WORKER=0)', '0', undefined],
])('containers-storage layers %s', (_how, worker, syncInflate) => {
  const saved = { worker: process.env.GOSLIM_WORKER, sync: process.env.GOSLIM_SYNC_INFLATE };
  const put = (key: string, value: string | undefined): void => {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  };
  beforeAll(() => {
    releaseLayerReader(); // a reader thread reads GOSLIM_SYNC_INFLATE when it starts
    put('GOSLIM_WORKER', worker);
    put('GOSLIM_SYNC_INFLATE', syncInflate);
    expect(layerReaderAvailable()).toBe(worker === undefined);
  });
  afterAll(() => {
    releaseLayerReader();
    put('GOSLIM_WORKER', saved.worker);
    put('GOSLIM_SYNC_INFLATE', saved.sync);
  });
  const at = (name: string): string => join(work, `${name}-${worker ?? 'w'}-${syncInflate ?? 's'}`);

  it('rebuilds a record of thousands of lines and a segment longer than the reader buffer, byte for byte; a cut record is E_MALFORMED', async () => {
    const files = Array.from({ length: 3000 }, (_, i) => ({ name: `m/f${i}`, data: Buffer.from(`${i}\n`) }));
    const root = at('lines');
    await makeStoreOf(root, files, undefined, { trailer: 1536 * 1024 }); // 2 MiB of base64 on one line
    const before = layerReadsVia();
    const merged = await mergeLayers(await openContainersStorage('localhost/app:1', { store: { root } }), { verifyDiffIds: true });
    const path = syncInflate === '0' ? 'stream' : 'sync';
    if (worker === undefined) expect(layerReadsVia()[path]).toBe(before[path] + 1);
    expect([...merged.files.values()].filter((f) => f.type === 'file')).toHaveLength(3000);
    expect(merged.files.get('m/f2999')?.size).toBe(5);
    const cut = at('cut');
    await makeStoreOf(cut, files, undefined, { split: (gz) => gz.subarray(0, gz.length >> 1) });
    await expect(mergeLayers(await openContainersStorage('localhost/app:1', { store: { root: cut } }))).rejects.toMatchObject({ code: 'E_MALFORMED' });
  });

  it('rebuilds the tar from tar-split and the layer directory, byte for byte', async () => {
    const root = at('ok');
    await makeStore(root, { name: 'hello.txt', content: 'hello\n' });
    const image = await openContainersStorage('localhost/app:1', { store: { root } });
    const merged = await mergeLayers(image, { verifyDiffIds: true });
    expect(merged.files.get('hello.txt')?.size).toBe(6);
  });

  it('rebuilds a layer of many files across reading buffers (a 3 MiB file, 400 small ones in nested directories), byte for byte', async () => {
    const root = at('many');
    const big = Buffer.alloc(3 * 1024 * 1024 + 123);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE(i, i);
    const files = [{ name: 'big.bin', data: big }];
    for (let i = 0; i < 400; i++) files.push({ name: `d${i % 7}/e${i % 3}/f${i}.txt`, data: Buffer.from(`file ${i}\n`.repeat(i)) });
    await makeStoreOf(root, files);
    const image = await openContainersStorage('localhost/app:1', { store: { root } });
    const merged = await mergeLayers(image, { verifyDiffIds: true });
    expect(merged.files.get('big.bin')?.size).toBe(big.length);
    expect(merged.files.get('d0/e0/f399.txt')?.size).toBe(Buffer.byteLength('file 399\n') * 399);
    expect([...merged.files.values()].filter((f) => f.type === 'file')).toHaveLength(401);
  });

  it('a file whose bytes changed on disk (same size) fails the diff_id check', async () => {
    const root = at('tampered');
    await makeStore(root, { name: 'hello.txt', content: 'hello\n', onDisk: (diff) => writeFile(join(diff, 'hello.txt'), 'HELLO\n') });
    await expect(mergeLayers(await openContainersStorage('localhost/app:1', { store: { root } }), { verifyDiffIds: true })).rejects.toMatchObject({ code: 'E_DIGEST_MISMATCH' });
  });

  it('hostile stores: a symlink out of the layer, a `..` record, a wrong size', async () => {
    const outside = at('secret');
    await mkdir(outside, { recursive: true });
    await writeFile(join(outside, 'hello.txt'), 'hello\n');
    const viaLink = at('link');
    await makeStore(viaLink, { name: 'd/hello.txt', content: 'hello\n', onDisk: (diff) => symlink(outside, join(diff, 'd')) });
    await expect(mergeLayers(await openContainersStorage('localhost/app:1', { store: { root: viaLink } }))).rejects.toMatchObject({ code: 'E_UNSAFE_PATH' });

    const fileLink = at('filelink');
    await makeStore(fileLink, { name: 'hello.txt', content: 'hello\n', onDisk: (diff) => symlink(join(outside, 'hello.txt'), join(diff, 'hello.txt')) });
    await expect(mergeLayers(await openContainersStorage('localhost/app:1', { store: { root: fileLink } }))).rejects.toMatchObject({ code: 'E_UNSAFE_PATH' });

    const dotdot = at('dotdot');
    await makeStore(dotdot, { name: 'hello.txt', content: 'hello\n', recordName: `../../${basename(outside)}/hello.txt` });
    await expect(mergeLayers(await openContainersStorage('localhost/app:1', { store: { root: dotdot } }))).rejects.toMatchObject({ code: 'E_UNSAFE_PATH' });

    const size = at('size');
    await makeStore(size, { name: 'hello.txt', content: 'hello\n', onDisk: (diff) => writeFile(join(diff, 'hello.txt'), 'hello, world\n') });
    await expect(mergeLayers(await openContainersStorage('localhost/app:1', { store: { root: size } }))).rejects.toMatchObject({ code: 'E_MALFORMED' });

    // A FIFO where the record has a file: refused, not waited on (opening it for reading would
    // block until some writer came).
    const fifo = at('fifo');
    await makeStore(fifo, {
      name: 'hello.txt',
      content: 'hello\n',
      onDisk: async (diff) => {
        const made = spawnSync('mkfifo', [join(diff, 'hello.txt')]);
        expect(made.status).toBe(0);
      },
    });
    await expect(mergeLayers(await openContainersStorage('localhost/app:1', { store: { root: fifo } }))).rejects.toMatchObject({ code: 'E_MALFORMED' });

    await expect(openContainersStorage('localhost/none:1', { store: { root: size } })).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
  });
});
