/**
 * Tar readers over mutated tars: valid layers built with the layer builder (or header by header,
 * with PAX and GNU records), then bytes overwritten, cut or spliced. Fed to the layer walk (into
 * a merged tree, as inspect does) and to the archive index (docker-archive / oci-archive).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { MergedTree } from '../../../src/image/filesystem/merge-tree.js';
import { walkLayer } from '../../../src/image/filesystem/walk.js';
import { indexTar, resolveTarEntry } from '../../../src/image/sources/tar-index.js';
import { buildLayerTar, rawTar, type RawTarMember, type TestEntry } from '../../../src/image/testing/index.js';
import type { FuzzTarget } from '../target.js';

const names = fc.oneof(
  fc.constantFrom('a', 'b/c', './d', '/abs', '../up', 'x/../../y', '.wh.a', 'b/.wh..wh..opq', '.wh..wh.plnk', 'dir/', 'a//b', '\u00e9/\u00fc'),
  fc.string({ minLength: 1, maxLength: 120 }),
);

const entry: fc.Arbitrary<TestEntry> = fc.oneof(
  fc.record({ kind: fc.constant('file' as const), path: names, content: fc.uint8Array({ maxLength: 1500 }).map((a) => Buffer.from(a)) }),
  fc.record({ kind: fc.constant('dir' as const), path: names }),
  fc.record({ kind: fc.constant('symlink' as const), path: names, target: names }),
  fc.record({ kind: fc.constant('hardlink' as const), path: names, target: names }),
  fc.record({ kind: fc.constant('whiteout' as const), path: names }),
  fc.record({ kind: fc.constant('opaque' as const), path: names }),
);

const paxValue = fc.oneof(fc.string({ maxLength: 30 }), fc.nat().map(String), fc.constantFrom('abcde', '1.5', '-1', '', '99999999999999999999', '0x10'));
const rawMember: fc.Arbitrary<RawTarMember> = fc.oneof(
  fc.record({ pax: fc.dictionary(fc.constantFrom('path', 'linkpath', 'size', 'uid', 'gid', 'mtime', 'comment'), paxValue, { maxKeys: 3 }) }),
  fc.record({ longName: fc.string({ maxLength: 200 }) }),
  fc.record({
    header: fc.record({
      name: names,
      typeflag: fc.constantFrom('0', '1', '2', '5', '6', '7', 'x', 'g', 'L', 'K', 'S', '\0'),
      size: fc.oneof(fc.nat({ max: 3000 }), fc.constantFrom('zzzz', '777777777777', '-1', '')),
      linkname: names,
    }),
    data: fc.uint8Array({ maxLength: 1200 }).map((a) => Buffer.from(a)),
  }),
);

const mutation = fc.oneof(
  fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ cut: fc.nat() }),
  fc.record({ at: fc.nat(), insert: fc.uint8Array({ minLength: 1, maxLength: 600 }) }),
);

export interface TarInput {
  layer: TestEntry[] | RawTarMember[];
  raw: boolean;
  mutations: Array<{ at: number; byte: number } | { cut: number } | { at: number; insert: Uint8Array }>;
}

function mutate(tar: Buffer, mutations: TarInput['mutations']): Buffer {
  let out = Buffer.from(tar);
  for (const m of mutations) {
    if (out.length === 0) break;
    if ('byte' in m) out[m.at % out.length] = m.byte;
    else if ('cut' in m) out = out.subarray(0, m.cut % (out.length + 1));
    else {
      const at = m.at % (out.length + 1);
      out = Buffer.concat([out.subarray(0, at), Buffer.from(m.insert), out.subarray(at)]);
    }
  }
  return out;
}

// Mutations land in headers far more often when they aim at the first blocks.
const headerMutation = fc.record({ at: fc.nat({ max: 2048 }), byte: fc.integer({ min: 0, max: 255 }) });

const work = mkdtempSync(join(tmpdir(), 'goslim-fuzz-tar-'));
process.once('exit', () => rmSync(work, { recursive: true, force: true }));

async function bytesOf(input: TarInput): Promise<Buffer> {
  const tar = input.raw ? rawTar(input.layer as RawTarMember[]) : await buildLayerTar(input.layer as TestEntry[]);
  return mutate(tar, input.mutations);
}

export const targets: FuzzTarget<TarInput>[] = [
  {
    name: 'tar',
    arbitrary: fc.oneof(
      fc.record({ layer: fc.array(entry, { maxLength: 8 }), raw: fc.constant(false), mutations: fc.array(fc.oneof(headerMutation, mutation), { maxLength: 4 }) }),
      fc.record({ layer: fc.array(rawMember, { maxLength: 6 }), raw: fc.constant(true), mutations: fc.array(fc.oneof(headerMutation, mutation), { maxLength: 3 }) }),
    ),
    async run(input) {
      const tar = await bytesOf(input);
      const tree = new MergedTree();
      tree.beginLayer(0);
      // Small chunks: headers and records split across chunk boundaries.
      const chunks: Buffer[] = [];
      for (let i = 0; i < tar.length; i += 700) chunks.push(tar.subarray(i, i + 700));
      await walkLayer(Readable.from(chunks), 0, {
        entry: (e) => tree.applyEntry(e),
        whiteout: (w) => tree.applyWhiteout(w),
        anomaly: (a) => tree.addAnomaly(a),
        sink: () => ({ write: () => {}, end: () => {} }),
      });
      tree.finish();
    },
  },
  {
    name: 'tar archive index',
    ciRuns: 150,
    arbitrary: fc.oneof(
      fc.record({ layer: fc.array(entry, { maxLength: 8 }), raw: fc.constant(false), mutations: fc.array(fc.oneof(headerMutation, mutation), { maxLength: 4 }) }),
      fc.record({ layer: fc.array(rawMember, { maxLength: 6 }), raw: fc.constant(true), mutations: fc.array(fc.oneof(headerMutation, mutation), { maxLength: 3 }) }),
    ),
    async run(input) {
      const path = join(work, 'archive.tar');
      writeFileSync(path, await bytesOf(input));
      const index = await indexTar(path);
      for (const name of [...index.entries.keys()].slice(0, 20)) resolveTarEntry(index, name);
    },
  },
];
