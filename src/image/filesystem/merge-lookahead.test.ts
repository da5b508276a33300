// mergeLayers reads the layers above the one merging at the same time (its lookahead): the
// merged tree must come out exactly as from one layer at a time, a lower layer's failure must
// come first, and the analyzers that keep a file's bytes must keep the highest layer's copy
// whichever read finishes first.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectImage } from '../../analysis/inspect.js';
import { isGoslimError } from '../../errors.js';
import { openImage } from '../open.js';
import type { Image, Layer, TarReadOptions } from '../model.js';
import { buildTestImage, dir, file, opaque, symlink, whiteout, type TestImageSpec } from '../testing/index.js';
import { mergeLayers, type MergeResult } from './merge.js';
import { layerReadersRunning, layerReadsVia, releaseLayerReader } from '../sources/tar-worker.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'goslim-lookahead-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** The merge as plain data (the files map in path order). */
function plain(r: MergeResult): unknown {
  return { ...r, files: [...r.files.entries()].sort((a, b) => a[0].localeCompare(b[0])) };
}

// Layer 0 is slow to read (6 MiB of incompressible data before its small files); the layers
// above it are small and read ahead, so they finish long before layer 0's last entries arrive.
const layered: TestImageSpec = {
  config: { User: 'high', Entrypoint: ['/bin/app'] },
  layers: [
    {
      entries: [
        dir('bin'),
        dir('etc'),
        dir('var'),
        file('var/big', 6 << 20),
        file('bin/app', '#!/bin/sh\n', { mode: 0o755 }),
        file('etc/passwd', 'root:x:0:0:root:/root:/bin/sh\nlow:x:1000:1000::/home/low:/bin/sh\n'),
        dir('usr'),
        dir('usr/bin'),
        file('usr/bin/tool', 3000),
        dir('var/lib'),
        dir('var/lib/dpkg'),
        dir('var/lib/dpkg/info'),
        file('var/lib/dpkg/info/tool.list', '/usr/bin/tool\n'),
        file('var/lib/dpkg/status', 'Package: tool\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.0\nInstalled-Size: 1\n\n'),
        file('etc/old', 500),
      ],
    },
    {
      entries: [
        file('etc/passwd', 'root:x:0:0:root:/root:/bin/sh\nhigh:x:1001:1001::/home/high:/bin/sh\n'),
        file('var/lib/dpkg/status', 'Package: tool\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.0\nInstalled-Size: 7\n\n'),
        whiteout('etc/old'),
        symlink('bin/sh', 'app'),
      ],
    },
    { entries: [opaque('usr/bin'), file('usr/bin/tool', 2000, { seed: 4 }), file('usr/bin/other', 10)] },
    { entries: [whiteout('var/big'), file('var/small', 100)] },
  ],
};

/** The same image, with what each layer's read was asked for `lead` recorded (by layer index). */
function leadsAsked(image: Image): { watched: Image; asked: Array<boolean | undefined> } {
  const asked: Array<boolean | undefined> = [];
  const layers = image.layers().map((l, i) => {
    const seen = Object.create(l) as Layer;
    seen.tarChunks = async (options?: TarReadOptions) => {
      asked[i] = options?.lead;
      return l.tarChunks!(options);
    };
    return seen;
  });
  const watched = Object.create(image) as Image;
  watched.layers = () => layers;
  return { watched, asked };
}

describe('mergeLayers: layers read side by side', () => {
  it('gives the same merged tree, summaries and progress totals as one layer at a time', async () => {
    const built = await buildTestImage(layered, { dir: join(work, 'same'), format: 'oci' });
    const image = await openImage(built.reference);
    const one = await mergeLayers(image, { lookahead: 0 });
    const doneOrder: number[] = [];
    const side = await mergeLayers(image, { lookahead: 3, onProgress: (p) => (p.done ? doneOrder.push(p.layer) : undefined) });
    expect(plain(side)).toEqual(plain(one));
    expect(doneOrder).toEqual([0, 1, 2, 3]); // layers are merged, and said done, bottom to top
    expect(side.files.get('usr/bin/tool')).toMatchObject({ layer: 2, size: 2000 });
    expect(side.files.has('etc/old')).toBe(false);
  });

  it('a layer read ahead that fills its buffer waits for its turn, and merges the same', async () => {
    const many: TestImageSpec = {
      layers: [
        { entries: [file('big', 4 << 20), file('after', 10)] },
        { entries: [dir('d'), ...Array.from({ length: 300 }, (_, k) => file(`d/f${k}`, 10 + k))] },
        { entries: [whiteout('d/f7'), file('d/f8', 1)] },
      ],
    };
    const built = await buildTestImage(many, { dir: join(work, 'many'), format: 'oci' });
    const image = await openImage(built.reference);
    const one = await mergeLayers(image, { lookahead: 0 });
    const side = await mergeLayers(image, { lookahead: 2, aheadEvents: 5 });
    expect(plain(side)).toEqual(plain(one));
    expect(side.layers[1]!.entries).toBe(301);
  });

  it("reads the largest compressed layer (16 MiB stored or more) as the lead, the others beside it as not", async () => {
    const spec: TestImageSpec = {
      // Random bytes: stored as large as they are (the builder's filler compresses to almost nothing).
      layers: [{ entries: [file('a', randomBytes(1 << 20))] }, { entries: [file('big', randomBytes(17 << 20))] }, { entries: [file('c', 100)] }],
    };
    const built = await buildTestImage(spec, { dir: join(work, 'lead'), format: 'oci' });
    const image = await openImage(built.reference);
    const { watched, asked } = leadsAsked(image);
    const side = await mergeLayers(watched, { lookahead: 2 });
    expect(asked).toEqual([false, true, false]);
    expect(plain(side)).toEqual(plain(await mergeLayers(image, { lookahead: 0 })));
    // No lead: no layer that large, or (docker-archive) none stored compressed.
    for (const [name, s, format] of [
      ['no-lead', layered, 'oci'],
      ['no-lead-plain', spec, 'docker-archive-legacy'],
    ] as const) {
      const other = leadsAsked(await openImage((await buildTestImage(s, { dir: join(work, name), format })).reference));
      await mergeLayers(other.watched, { lookahead: 3 });
      expect(other.asked, name).toEqual(other.watched.layers().map(() => undefined));
    }
  });

  it('reads a small image on this thread (no reader thread started), with the same result', async () => {
    const built = await buildTestImage(layered, { dir: join(work, 'small'), format: 'oci' });
    const stored = (await openImage(built.reference)).layers().reduce((n, l) => n + l.size(), 0);
    expect(stored).toBeLessThan(4 << 20);
    const prev = process.env.GOSLIM_SMALL_IMAGE;
    try {
      process.env.GOSLIM_SMALL_IMAGE = '0'; // every image on the reader threads
      const onReaders = await mergeLayers(await openImage(built.reference), { lookahead: 3 });
      releaseLayerReader();
      expect(layerReadersRunning()).toBe(0);
      delete process.env.GOSLIM_SMALL_IMAGE; // the default: under 4 MiB stored, here
      const before = layerReadsVia();
      const here = await mergeLayers(await openImage(built.reference), { lookahead: 3 });
      const after = layerReadsVia();
      expect([after.sync, after.stream]).toEqual([before.sync, before.stream]);
      expect(layerReadersRunning()).toBe(0);
      expect(plain(here)).toEqual(plain(onReaders));
      // A threshold under the image's size: the reader threads again.
      process.env.GOSLIM_SMALL_IMAGE = String(stored);
      await mergeLayers(await openImage(built.reference), { lookahead: 3 });
      expect(layerReadsVia().sync).toBeGreaterThan(after.sync);
    } finally {
      if (prev === undefined) delete process.env.GOSLIM_SMALL_IMAGE;
      else process.env.GOSLIM_SMALL_IMAGE = prev;
    }
  });

  it("a lower layer's failure is the error, even when a layer read ahead fails too", async () => {
    const built = await buildTestImage(layered, { dir: join(work, 'bad'), format: 'oci' });
    // Corrupt the blobs of layers 0 and 3 (one byte each, in the middle).
    const blobOf = (digest: string): string => join(built.path, 'blobs', 'sha256', digest.slice('sha256:'.length));
    const digests = built.images[0]!.layerDigests;
    for (const k of [0, 3]) {
      const p = blobOf(digests[k]!);
      const b = readFileSync(p);
      b[b.length >> 1] = b[b.length >> 1]! ^ 0xff;
      writeFileSync(p, b);
    }
    const image = await openImage(built.reference);
    const err = await mergeLayers(image, { lookahead: 3 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isGoslimError(err)).toBe(true);
    const e = err as { code: string; message: string };
    // A flipped byte inside the gzip stream fails its inflate or its digest: either way, layer 0's.
    expect(['E_DIGEST_MISMATCH', 'E_MALFORMED', 'E_TRUNCATED']).toContain(e.code);
    expect(e.message).toContain(digests[0]!);
  });
});

describe('inspect: the highest layer wins whichever read finishes first', () => {
  it('passwd and the package database come from the top layer that has them', async () => {
    const built = await buildTestImage(layered, { dir: join(work, 'inspect'), format: 'oci' });
    const image = await openImage(built.reference);
    const side = await inspectImage(image, { cache: false });
    // User `high` exists only in layer 1's passwd; layer 0's copy arrives last.
    expect(side.startup.checks.find((c) => c.id === 'user')).toMatchObject({ status: 'pass' });
    // The package database of layer 1 (Installed-Size 7 KiB), not layer 0's.
    expect(side.packages.find((p) => p.name === 'tool')).toMatchObject({ installedSize: 7 * 1024 });
    const prev = process.env.GOSLIM_LOOKAHEAD;
    process.env.GOSLIM_LOOKAHEAD = '0';
    try {
      const one = await inspectImage(await openImage(built.reference), { cache: false });
      expect(side).toEqual(one);
    } finally {
      if (prev === undefined) delete process.env.GOSLIM_LOOKAHEAD;
      else process.env.GOSLIM_LOOKAHEAD = prev;
    }
  });
});
