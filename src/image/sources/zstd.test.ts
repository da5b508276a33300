/**
 * zstd layers without the `zstd` program (#18): fzstd on the layer-reading worker thread (and on
 * the main thread when the worker is off) gives the same merged filesystem as the program, and a
 * cut zstd blob is E_TRUNCATED / a corrupt one E_MALFORMED or E_DIGEST_MISMATCH, never a hang.
 * The test images are compressed with the real `zstd` program (the builder uses it).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { mergeLayers } from '../filesystem/merge.js';
import { openImage } from '../open.js';
import { buildTestImage, dir, file } from '../testing/index.js';
import { describeWithTools, itWithTools } from '../../../test/helpers/tools.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'goslim-zstd-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});
const saved = { zstd: process.env.GOSLIM_ZSTD, worker: process.env.GOSLIM_WORKER };
afterEach(() => {
  for (const [k, v] of [['GOSLIM_ZSTD', saved.zstd], ['GOSLIM_WORKER', saved.worker]] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

const spec = {
  layers: [
    { entries: [dir('etc'), file('etc/a', 'a\n'), file('big.bin', 3_000_000)], compression: 'zstd' as const },
    { entries: [file('usr/bin/app', 200_000)], compression: 'zstd' as const },
  ],
};

describeWithTools(['zstd'], 'zstd layers without the zstd program', () => {
  itWithTools(['zstd'], 'fzstd (worker and main thread) reads what the program reads', async () => {
    const built = await buildTestImage(spec, { dir: join(work, 'same'), format: 'oci' });
    process.env.GOSLIM_ZSTD = 'program';
    const viaProgram = await mergeLayers(await openImage(built.reference));
    process.env.GOSLIM_ZSTD = 'js';
    const viaWorker = await mergeLayers(await openImage(built.reference));
    process.env.GOSLIM_WORKER = '0';
    const viaMain = await mergeLayers(await openImage(built.reference));
    expect([...viaWorker.files.entries()]).toEqual([...viaProgram.files.entries()]);
    expect([...viaMain.files.entries()]).toEqual([...viaProgram.files.entries()]);
    expect(viaWorker.totals.tarSize).toBe(viaProgram.totals.tarSize);
  });

  itWithTools(['zstd'], 'a cut or corrupt zstd blob fails typed with fzstd', async () => {
    const built = await buildTestImage(spec, { dir: join(work, 'bad'), format: 'oci' });
    process.env.GOSLIM_ZSTD = 'js';
    const image = await openImage(built.reference);
    const layer = image.layers()[0]!;
    const blob = join(built.path, 'blobs', 'sha256', layer.digest().slice(7));
    const original = await readFile(blob);
    for (const worker of ['1', '0']) {
      process.env.GOSLIM_WORKER = worker;
      await writeFile(blob, original.subarray(0, Math.floor(original.length / 2)));
      const cut = await mergeLayers(await openImage(built.reference)).catch((e: unknown) => e);
      expect(['E_TRUNCATED', 'E_DIGEST_MISMATCH', 'E_MALFORMED']).toContain((cut as { code?: string }).code);
      const corrupt = Buffer.from(original);
      corrupt.fill(0x55, 100, 400);
      await writeFile(blob, corrupt);
      const bad = await mergeLayers(await openImage(built.reference)).catch((e: unknown) => e);
      expect(['E_MALFORMED', 'E_DIGEST_MISMATCH', 'E_TRUNCATED']).toContain((bad as { code?: string }).code);
    }
  });
});
