/**
 * The verify capture's lookbehind (collect.ts): for a source whose re-read costs a whole export
 * (docker-daemon), a program behind a symlink that comes after its data in a sorted layer
 * (`usr/bin/sh -> dash` after `usr/bin/dash`), and the C library it needs symbol versions from,
 * are kept as they pass, so finish() reads no layer again; the view is the same as with the
 * targeted re-reads. Real ELF files: this host's dash and libc.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Image, Layer, TarChunks, TarReadOptions } from '../image/model.js';
import { openImage } from '../image/open.js';
import { DelegatingLayer } from '../image/partial.js';
import { buildTestImage, dir, file, symlink } from '../image/testing/index.js';
import { collectImageView } from './collect.js';
import type { Readable } from 'node:stream';

const DASH = ['/usr/bin/dash', '/bin/dash'].find((p) => existsSync(p));
const LIBC = ['/usr/lib/x86_64-linux-gnu/libc.so.6', '/lib/x86_64-linux-gnu/libc.so.6', '/usr/lib/aarch64-linux-gnu/libc.so.6', '/lib/aarch64-linux-gnu/libc.so.6'].find((p) => existsSync(p));

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'goslim-lookbehind-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** The image with every layer read counted. */
function counting(image: Image): { image: Image; reads: number[] } {
  const reads = image.layers().map(() => 0);
  class Counted extends DelegatingLayer {
    constructor(
      inner: Layer,
      private readonly i: number,
    ) {
      super(inner);
    }
    override uncompressed(options?: TarReadOptions): Promise<Readable> {
      reads[this.i]!++;
      return super.uncompressed(options);
    }
    override async tarChunks(options?: TarReadOptions): Promise<TarChunks | undefined> {
      const c = await super.tarChunks(options);
      if (c !== undefined) reads[this.i]!++;
      return c;
    }
  }
  const layers = image.layers().map((l, i) => new Counted(l, i));
  return { image: Object.assign(Object.create(image) as Image, { layers: () => [...layers] }), reads };
}

describe.runIf(DASH !== undefined && LIBC !== undefined)('verify capture lookbehind', () => {
  it('keeps a program behind a later symlink and its C library: no re-read, the same view', async () => {
    const multiarch = LIBC!.split('/').slice(-2, -1)[0]!;
    const built = await buildTestImage(
      {
        layers: [
          {
            entries: [
              symlink('bin', 'usr/bin'),
              symlink('lib', 'usr/lib'),
              dir('usr/bin'),
              file('usr/bin/bash-like', 5000, { mode: 0o755 }),
              file('usr/bin/dash', readFileSync(DASH!), { mode: 0o755 }),
              file('usr/bin/env', '#!/bin/sh\necho\n', { mode: 0o755 }),
              symlink('usr/bin/sh', 'dash'),
              dir(`usr/lib/${multiarch}`),
              file(`usr/lib/${multiarch}/libc.so.6`, readFileSync(LIBC!), { mode: 0o755 }),
              file(`usr/lib/${multiarch}/libz.so.1`, 3000),
            ],
          },
          { entries: [file('srv/app.txt', 'app\n')] },
        ],
        config: { Cmd: ['/bin/sh', '-c', 'echo hi'] },
      },
      { dir: join(work, 'img'), format: 'oci' },
    );
    const plain = counting(await openImage(built.reference));
    const rereads = await collectImageView(plain.image, { lookbehind: false });
    const kept = counting(await openImage(built.reference));
    const behind = await collectImageView(kept.image, { lookbehind: true });
    // Without the lookbehind, layer 0 is read once more, for dash (started as soon as layer 0 is
    // merged, while layer 1 is read); the C library was kept as it passed.
    expect(plain.reads).toEqual([2, 1]);
    expect(kept.reads).toEqual([1, 1]);
    for (const path of ['usr/bin/dash', `usr/lib/${multiarch}/libc.so.6`]) {
      expect(behind.read(path), path).toBeDefined();
      expect(Buffer.from(behind.read(path)!).equals(Buffer.from(rereads.read(path)!)), path).toBe(true);
    }
  });
});

describe('verify capture: programs read early, while the layers above are read', () => {
  it('uses the early read when the final tree names the same file, and reads again when a layer above re-points the link', async () => {
    const base = [
      dir('usr/bin'),
      file('usr/bin/dash', 'dash-bytes\n', { mode: 0o755 }),
      file('usr/bin/other', 'other-bytes\n', { mode: 0o755 }),
      symlink('usr/bin/sh', 'dash'),
    ];
    const same = await buildTestImage(
      { layers: [{ entries: base }, { entries: [file('srv/big', 2 << 20)] }], config: { Entrypoint: ['/usr/bin/sh'] } },
      { dir: join(work, 'early-same'), format: 'oci' },
    );
    const a = counting(await openImage(same.reference));
    const viewA = await collectImageView(a.image, { lookbehind: false });
    expect(viewA.read('usr/bin/dash')?.toString()).toBe('dash-bytes\n');
    expect(a.reads).toEqual([2, 1]); // the walk, then the early read of dash: none after the walk

    const repointed = await buildTestImage(
      {
        layers: [{ entries: base }, { entries: [file('srv/big', 2 << 20)] }, { entries: [symlink('usr/bin/sh', 'other')] }],
        config: { Entrypoint: ['/usr/bin/sh'] },
      },
      { dir: join(work, 'early-repointed'), format: 'oci' },
    );
    const b = counting(await openImage(repointed.reference));
    const viewB = await collectImageView(b.image, { lookbehind: false });
    expect(viewB.read('usr/bin/other')?.toString()).toBe('other-bytes\n');
    // Layer 0 was read early for dash (not used), then again for other after the walk.
    expect(b.reads[0]).toBe(3);
  });
});
