import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openImage } from '../open.js';
import { decompress } from '../sources/decompress.js';
import {
  ALL_TEST_FORMATS,
  buildLayerTar,
  buildTestImage,
  dir,
  file,
  hardlink,
  opaque,
  symlink,
  whiteout,
  type TestImageSpec,
} from '../testing/index.js';
import { isGoslimError } from '../../errors.js';
import { mapHistory, mergeLayers, normaliseEntryPath, resolveInTree, safeJoin, walkLayer, type Anomaly, type MergeResult } from './index.js';
import { imageReadProgress } from './merge.js';
import { itWithTools } from '../../../test/helpers/tools.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'goslim-fs-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const whiteoutImage: TestImageSpec = {
  layers: [
    {
      createdBy: 'ADD rootfs /',
      entries: [
        dir('etc'),
        file('etc/a', 100),
        file('etc/b', 200),
        dir('var'),
        dir('var/cache'),
        file('var/cache/x', 1000),
        file('var/cache/y', 500),
      ],
    },
    {
      createdBy: 'RUN apt-get clean',
      // z comes before the opaque marker: a whiteout never hides its own layer's entries.
      entries: [file('etc/a', 150, { seed: 9 }), whiteout('etc/b'), file('var/cache/z', 10), opaque('var/cache'), file('new', 40)],
    },
    { createdBy: 'RUN rm /new', entries: [whiteout('new')] },
  ],
};

const hardlinkImage: TestImageSpec = {
  layers: [
    { entries: [file('bin/tool', 1000), hardlink('bin/tool2', 'bin/tool'), file('lib/big', 5000)] },
    // moby#48140 without the copied-up target in the tar: a link to a lower-layer file.
    { entries: [hardlink('lib/big2', 'lib/big')] },
    { entries: [whiteout('bin/tool')] },
  ],
};

async function merged(spec: TestImageSpec, name: string, format: (typeof ALL_TEST_FORMATS)[number] = 'oci'): Promise<MergeResult> {
  const built = await buildTestImage(spec, { dir: join(work, name), format });
  return mergeLayers(await openImage(built.reference));
}

describe('mergeLayers: exact bytes', () => {
  it('file whiteouts, opaque directories, same-layer entries', async () => {
    const r = await merged(whiteoutImage, 'wh');
    expect(r.totals.writtenBytes).toBe(2000);
    expect(r.totals.visibleBytes).toBe(160);
    expect(r.wasted).toEqual({ bytes: 1840, efficiency: 160 / 2000 });
    expect([...r.files.keys()].sort()).toEqual(['etc', 'etc/a', 'var', 'var/cache', 'var/cache/z']);
    expect(r.files.get('etc/a')).toMatchObject({ size: 150, charged: 150, layer: 1, type: 'file' });
    const pick = (i: number) => {
      const l = r.layers[i]!;
      return { added: l.added, modified: l.modified, deleted: l.deleted, deletedBytes: l.deletedBytes, files: l.files };
    };
    expect(pick(0)).toEqual({ added: 1800, modified: 0, deleted: 0, deletedBytes: 0, files: 7 });
    expect(pick(1)).toEqual({ added: 50, modified: 150, deleted: 3, deletedBytes: 1700, files: 3 });
    expect(pick(2)).toEqual({ added: 0, modified: 0, deleted: 1, deletedBytes: 40, files: 0 });
    expect(r.layers.map((l) => l.createdBy)).toEqual(['ADD rootfs /', 'RUN apt-get clean', 'RUN rm /new']);
    expect(r.layers[0]!.fileBytes).toBe(1800);
  });

  it('hardlinks: charged once where the data lands, lower-layer link copies up (moby#48140)', async () => {
    const r = await merged(hardlinkImage, 'hl');
    expect(r.totals.writtenBytes).toBe(11000);
    expect(r.totals.visibleBytes).toBe(6000);
    expect(r.wasted.bytes).toBe(5000);
    // bin/tool is gone; its data survives through the link and is charged there.
    expect(r.files.has('bin/tool')).toBe(false);
    expect(r.files.get('bin/tool2')).toMatchObject({ type: 'hardlink', charged: 1000 });
    const big = r.files.get('lib/big')!.charged + r.files.get('lib/big2')!.charged;
    expect(big).toBe(5000);
    expect(r.layers[1]!.modified).toBe(5000);
    expect(r.layers[2]).toMatchObject({ deleted: 1, deletedBytes: 1000 });
  });

  it('the docker-commit shape of moby#48140 (target re-written + link) gives the same waste', async () => {
    const r = await merged(
      {
        layers: [
          { entries: [file('lib/big', 5000)] },
          { entries: [file('lib/big', 5000), hardlink('lib/big2', 'lib/big')] },
        ],
      },
      'hl2',
    );
    expect(r.wasted.bytes).toBe(5000);
    expect(r.totals.visibleBytes).toBe(5000);
    expect(r.files.get('lib/big')!.charged).toBe(5000);
    expect(r.files.get('lib/big2')!.charged).toBe(0);
  });

  it('a file replacing a directory hides the directory tree; the surviving copy is not waste', async () => {
    const r = await merged(
      {
        layers: [
          { entries: [dir('x'), file('x/y', 10), file('keep', 7)] },
          { entries: [file('x', 5), file('keep', 7)] },
        ],
      },
      'replace',
    );
    expect([...r.files.keys()].sort()).toEqual(['keep', 'x']);
    expect(r.wasted.bytes).toBe(17);
    expect(r.totals.visibleBytes).toBe(12);
  });

  it('an empty image is fully efficient', async () => {
    const r = await merged({ layers: [{ entries: [dir('empty')] }] }, 'empty');
    expect(r.wasted).toEqual({ bytes: 0, efficiency: 1 });
  });
});

describe('mergeLayers: analyzer hooks', () => {
  it('forwards entries, requested contents and progress on the same single pass', async () => {
    const built = await buildTestImage(whiteoutImage, { dir: join(work, 'hooks'), format: 'oci' });
    const image = await openImage(built.reference);
    const entries: string[] = [];
    const contents: Record<string, number> = {};
    const progress: number[] = [];
    const r = await mergeLayers(image, {
      visitor: {
        entry: (e) => entries.push(`${e.layer}:${e.path}`),
        wantContent: (e) => e.path === 'etc/a',
        content: async (e, data) => {
          let n = 0;
          for await (const c of data) n += (c as Buffer).length;
          contents[`${e.layer}:${e.path}`] = n;
        },
      },
      onProgress: (p) => {
        if (p.done) progress.push(p.layer);
      },
    });
    expect(contents).toEqual({ '0:etc/a': 100, '1:etc/a': 150 });
    expect(entries).toContain('1:var/cache/z');
    expect(entries.filter((e) => e.includes('.wh.'))).toEqual([]);
    expect(progress).toEqual([0, 1, 2]);
    expect(r.layers.map((l) => l.tarSize)).toEqual(await Promise.all(image.layers().map(async (l) => {
      let n = 0;
      for await (const c of await l.uncompressed()) n += (c as Buffer).length;
      return n;
    })));
  });
});

describe('all on-disk forms give identical merged results', () => {
  itWithTools(['zstd'], 'oci, oci-archive and the three docker save shapes', async () => {
    const spec: TestImageSpec = {
      layers: [...whiteoutImage.layers, ...hardlinkImage.layers.map((l) => ({ ...l, compression: 'zstd' as const }))],
    };
    const results = [];
    for (const format of ALL_TEST_FORMATS) {
      const r = await merged(spec, `same-${format}`, format);
      results.push({
        files: [...r.files.entries()].sort(([a], [b]) => a.localeCompare(b)),
        layers: r.layers.map(({ digest: _d, compressedSize: _c, ...rest }) => rest),
        wasted: r.wasted,
        totals: { ...r.totals, compressedSize: 0 },
      });
    }
    for (const r of results.slice(1)) expect(r).toEqual(results[0]);
    expect(results[0]!.wasted.bytes).toBe(1840 + 5000);
  });
});

describe('walkLayer', () => {
  it('neutralises and reports traversal names and escaping symlinks', async () => {
    const tar = await buildLayerTar([
      file('../evil', 3),
      file('/abs/file', 4),
      file('./ok/./a/../b', 5),
      symlink('etc/link', '../../../etc/passwd'),
      symlink('etc/abs', '/etc/passwd'),
      hardlink('h', '../../outside'),
    ]);
    const anomalies: Anomaly[] = [];
    const paths: string[] = [];
    await walkLayer(Readable.from([tar]), 0, { entry: (e) => paths.push(e.path), anomaly: (a) => anomalies.push(a) });
    expect(paths).toEqual(['evil', 'abs/file', 'ok/b', 'etc/link', 'etc/abs', 'h']);
    expect(anomalies.map((a) => [a.kind, a.path])).toEqual([
      ['parent-escape', 'evil'],
      ['absolute', 'abs/file'],
      ['symlink-escape', 'etc/link'],
      ['hardlink-escape', 'h'],
    ]);
    expect(() => safeJoin('/tmp/root', '../x')).toThrowError(expect.objectContaining({ code: 'E_UNSAFE_PATH' }));
    expect(safeJoin('/tmp/root', '/abs/x')).toBe('/tmp/root/abs/x');
    expect(normaliseEntryPath('a/../../b')).toEqual({ path: 'b', issue: 'parent-escape' });
  });

  it('hands requested file contents to the visitor and drains the rest', async () => {
    const tar = await buildLayerTar([file('a', 'alpha'), file('big', 200_000), file('c', 'gamma'), file('d', 'delta')]);
    const seen: Record<string, string> = {};
    await walkLayer(Readable.from([tar]), 0, {
      wantContent: (e) => e.path !== 'd',
      content: async (e, data) => {
        if (e.path === 'big') {
          // Stop after the first chunk: the walk must still finish cleanly.
          for await (const chunk of data) {
            seen[e.path] = `${(chunk as Buffer).length > 0}`;
            break;
          }
          return;
        }
        const chunks: Buffer[] = [];
        for await (const c of data) chunks.push(c as Buffer);
        seen[e.path] = Buffer.concat(chunks).toString();
      },
    });
    expect(seen).toEqual({ a: 'alpha', big: 'true', c: 'gamma' });
  });

  it('a truncated tar or gzip stream is E_TRUNCATED', async () => {
    const tar = await buildLayerTar([file('a', 5000), file('b', 5000)]);
    const cut = tar.subarray(0, 3000);
    const err = await walkLayer(Readable.from([cut]), 2, {}).catch((e: unknown) => e);
    expect(isGoslimError(err, 'E_TRUNCATED')).toBe(true);
    const gz = gzipSync(tar);
    const err2 = await walkLayer(decompress(Readable.from([gz.subarray(0, gz.length - 30)]), 'gzip', 'layer'), 0, {}).catch(
      (e: unknown) => e,
    );
    expect(isGoslimError(err2, 'E_TRUNCATED')).toBe(true);
  });

  it('stops when the visitor is done and stops reading its source', async () => {
    const tar = await buildLayerTar([file('a', 'alpha'), file('b', 3_000_000), file('c', 3_000_000), file('d', 'delta')]);
    // Served in 64 KiB pieces (the parser buffers up to 1 MiB) so that an early stop leaves
    // most of them unread.
    const pieces: Buffer[] = [];
    for (let o = 0; o < tar.length; o += 1 << 16) pieces.push(tar.subarray(o, o + (1 << 16)));
    let served = 0;
    const source = Readable.from(
      (function* () {
        for (const p of pieces) {
          served++;
          yield p;
        }
      })(),
      { highWaterMark: 1 },
    );
    const paths: string[] = [];
    let got = '';
    const stats = await walkLayer(source, 0, {
      entry: (e) => paths.push(e.path),
      wantContent: (e) => e.path === 'a',
      content: async (_e, data) => {
        for await (const c of data) got += (c as Buffer).toString();
      },
      done: () => got !== '',
    });
    expect(got).toBe('alpha');
    expect(stats.stopped).toBe(true);
    expect(paths).toEqual(['a']);
    expect(served).toBeLessThan(pieces.length / 2);
    expect(source.destroyed).toBe(true);
    // Without done(), the same walk reads everything.
    const full = await walkLayer(Readable.from([tar]), 0, { entry: () => {} });
    expect(full).toMatchObject({ stopped: false, entries: 4 });
  });

  it('a failing content visitor fails the walk with its error', async () => {
    const tar = await buildLayerTar([file('a', 'x'), file('b', 'y')]);
    const err = await walkLayer(Readable.from([tar]), 0, {
      wantContent: () => true,
      content: async () => {
        throw new Error('analyzer broke');
      },
    }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/analyzer broke/);
  });
});

describe('history and symlink resolution', () => {
  it('maps layers to history skipping empty_layer; tolerates null and short history', () => {
    const m = mapHistory(
      [{ created_by: 'FROM x', empty_layer: true }, { created_by: 'RUN a' }, { created_by: 'ENV b', empty_layer: true }, { created_by: 'COPY c' }],
      2,
    );
    expect(m).toEqual({ layers: [{ createdBy: 'RUN a' }, { createdBy: 'COPY c' }], mismatch: false });
    expect(mapHistory(null, 2)).toEqual({ layers: [undefined, undefined], mismatch: true });
    expect(mapHistory([{ created_by: 'RUN a' }], 2).layers[1]).toBeUndefined();
  });

  it('resolves symlinks inside the merged tree only', async () => {
    const r = await merged(
      {
        layers: [
          {
            entries: [
              dir('usr/lib'),
              file('usr/lib/libc.so.6', 10),
              symlink('lib', 'usr/lib'),
              symlink('etc/escape', '../../../usr/lib/libc.so.6'),
              symlink('loop', 'loop'),
            ],
          },
        ],
      },
      'symlinks',
    );
    expect(resolveInTree(r.files, 'lib/libc.so.6')?.path).toBe('usr/lib/libc.so.6');
    expect(resolveInTree(r.files, 'etc/escape')?.path).toBe('usr/lib/libc.so.6');
    expect(resolveInTree(r.files, 'loop')).toBeUndefined();
    expect(r.anomalies.map((a) => a.kind)).toEqual(['symlink-escape']);
  });
});

describe('imageReadProgress', () => {
  it('adds up layers as they finish and weighs the fraction by stored bytes', () => {
    const out: unknown[] = [];
    const on = imageReadProgress([100, 300], (p) => out.push(p));
    on({ layer: 0, layers: 2, bytes: 50, done: false });
    on({ layer: 0, layers: 2, bytes: 400, done: true });
    on({ layer: 1, layers: 2, bytes: 10, done: false });
    on({ layer: 1, layers: 2, bytes: 900, done: true });
    expect(out).toEqual([
      { layer: 0, layers: 2, bytes: 50, storedTotal: 400, storedDone: 0 },
      { layer: 0, layers: 2, bytes: 400, storedTotal: 400, storedDone: 100 },
      { layer: 1, layers: 2, bytes: 410, storedTotal: 400, storedDone: 100 },
      { layer: 1, layers: 2, bytes: 1300, storedTotal: 400, storedDone: 400 },
    ]);
  });
});
