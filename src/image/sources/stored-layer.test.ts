/**
 * A gzip blob whose tar ends before the blob does (zero padding after the last member, which
 * gunzip ignores): the padding is still part of the blob, so its digest is checked over the
 * whole file, on the worker thread and on the main-thread path alike.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isGoslimError } from '../../errors.js';
import { MediaType } from '../model.js';
import { Readable } from 'node:stream';
import { DigestMismatchError } from '../../errors.js';
import { decompress } from './decompress.js';
import { dirStore } from './file-store.js';
import { StoredLayer } from './stored-layer.js';
import { releaseLayerReader } from './tar-worker.js';

const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'goslim-stored-layer-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function drainStream(s: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s as AsyncIterable<Buffer>) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

describe('stored layer: a gzip blob with padding after its last member', () => {
  const tar = randomBytes(5 << 20);
  const padded = Buffer.concat([gzipSync(tar, { level: 1 }), Buffer.alloc(3 << 20)]);
  const layer = (digest: string): StoredLayer =>
    new StoredLayer({ store: dirStore(dir), path: 'blob', digest, diffId: sha(tar), size: padded.length, mediaType: MediaType.OciLayerGzip, compression: 'gzip' });

  it.each([
    ['the worker thread', undefined],
    ['the main thread (GOSLIM_WORKER=0)', '0'],
  ])('checks the digest over the whole blob on %s', async (_where, worker) => {
    await writeFile(join(dir, 'blob'), padded);
    const before = process.env.GOSLIM_WORKER;
    if (worker === undefined) delete process.env.GOSLIM_WORKER;
    else process.env.GOSLIM_WORKER = worker;
    releaseLayerReader();
    try {
      const read = async (l: StoredLayer): Promise<Buffer> => {
        const chunks = await l.tarChunks();
        if (worker === '0') expect(chunks).toBeUndefined();
        if (chunks === undefined) return drainStream(await l.uncompressed());
        const parts: Buffer[] = [];
        for (let c = await chunks.read(); c !== undefined; c = await chunks.read()) parts.push(Buffer.from(c));
        return Buffer.concat(parts);
      };
      expect((await read(layer(sha(padded)))).equals(tar)).toBe(true);
      // The digest of the blob without its padding: the padding counts.
      const cut = await read(layer(sha(padded.subarray(0, padded.length - (3 << 20))))).catch((e: unknown) => e);
      expect(isGoslimError(cut, 'E_DIGEST_MISMATCH')).toBe(true);
    } finally {
      if (before === undefined) delete process.env.GOSLIM_WORKER;
      else process.env.GOSLIM_WORKER = before;
      releaseLayerReader();
    }
  });
});

describe('decompress (the main-thread path of a streamed blob): padding after the last member', () => {
  it('reads the input to its end, so a check at its end (a registry digest) still counts', async () => {
    const tar = randomBytes(2 << 20);
    const gz = gzipSync(tar, { level: 1 });
    const pieces = (b: Buffer): Buffer[] => Array.from({ length: Math.ceil(b.length / 65_536) }, (_, k) => b.subarray(k * 65_536, (k + 1) * 65_536));
    const ok = await drainStream(decompress(Readable.from([...pieces(gz), ...pieces(Buffer.alloc(12 << 20))]), 'gzip', 'layer'));
    expect(ok.equals(tar)).toBe(true);
    const failing = Readable.from(
      (async function* () {
        yield* pieces(gz);
        yield* pieces(Buffer.alloc(12 << 20));
        throw new DigestMismatchError('blob hashes wrong');
      })(),
    );
    const err = await drainStream(decompress(failing, 'gzip', 'layer')).catch((e: unknown) => e);
    expect(isGoslimError(err, 'E_DIGEST_MISMATCH')).toBe(true);
  });
});
