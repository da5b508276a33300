import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { DigestMismatchError, isGoslimError } from '../../errors.js';
import type { TarChunks } from '../model.js';
import { layerReadersRunning, layerReadsVia, openWorkerTar, releaseLayerReader, SLOT_SIZE, SLOTS, type WorkerTarRequest } from './tar-worker.js';

const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** Bytes that compress somewhat (a quarter random), so gzip has real work and real output. */
function payload(size: number): Buffer {
  const out = Buffer.alloc(size);
  const text = Buffer.from('func main() { http.ListenAndServe(":8080", nil) } // goslim\n');
  for (let o = 0; o < size; o += text.length) text.copy(out, o);
  for (let o = 0; o < size; o += 4096) randomBytes(Math.min(1024, size - o)).copy(out, o);
  return out;
}

/** Reads everything; returns a copy of the bytes (chunks are only valid until the next read). */
async function drain(src: TarChunks): Promise<{ bytes: Buffer; chunks: number }> {
  const parts: Buffer[] = [];
  for (;;) {
    const c = await src.read();
    if (c === undefined) break;
    parts.push(Buffer.from(c));
  }
  return { bytes: Buffer.concat(parts), chunks: parts.length };
}

let dir: string;
let tar: Buffer;
let gz: Buffer;
let gzFile: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'goslim-tarworker-'));
  // More than the whole slot ring, so the test fails if slots are not given back and reused.
  tar = payload(SLOTS * SLOT_SIZE * 2 + 12345);
  gz = gzipSync(tar, { level: 1 });
  gzFile = join(dir, 'layer.tar.gz');
  await writeFile(gzFile, gz);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function request(over: Partial<WorkerTarRequest> = {}): WorkerTarRequest {
  return { file: gzFile, start: 0, length: gz.length, gzip: true, blob: { digest: sha(gz), size: gz.length }, diffId: sha(tar), what: 'layer' };
}

/**
 * A local blob is read on the worker's synchronous path (readSync + zlib's synchronous write
 * into the slots); GOSLIM_SYNC_INFLATE=0 sends it through the zlib stream path instead. Both
 * must give the same bytes and the same typed errors. The worker reads its environment when it
 * starts, so each path starts its own worker.
 */
describe.each([
  ['sync', undefined],
  ['stream', '0'],
] as const)('openWorkerTar, local blobs on the %s path', (via, env) => {
  const before = process.env.GOSLIM_SYNC_INFLATE;
  beforeAll(() => {
    releaseLayerReader();
    if (env === undefined) delete process.env.GOSLIM_SYNC_INFLATE;
    else process.env.GOSLIM_SYNC_INFLATE = env;
  });
  afterAll(() => {
    releaseLayerReader();
    if (before === undefined) delete process.env.GOSLIM_SYNC_INFLATE;
    else process.env.GOSLIM_SYNC_INFLATE = before;
  });
  /** Runs fn and checks that the reads it finished went through this path. */
  const onPath = async <T>(fn: () => Promise<T>): Promise<T> => {
    const a = layerReadsVia();
    const out = await fn();
    const b = layerReadsVia();
    expect(b[via]).toBeGreaterThan(a[via]);
    expect(b[via === 'sync' ? 'stream' : 'sync']).toBe(a[via === 'sync' ? 'stream' : 'sync']);
    return out;
  };

  it('decompresses and verifies a gzip blob on the worker, through the reused slots', async () => {
    const src = openWorkerTar(request());
    expect(src).toBeDefined();
    const { bytes, chunks } = await onPath(() => drain(src!));
    expect(bytes.equals(tar)).toBe(true);
    expect(chunks).toBeGreaterThan(SLOTS); // the ring went round more than once
    expect(await src!.read()).toBeUndefined(); // stays at the end
  });

  it('reads several gzip members as one tar, and ignores trailing zeros after the last', async () => {
    const half = Math.floor(tar.length / 2);
    const multi = Buffer.concat([gzipSync(tar.subarray(0, half)), gzipSync(tar.subarray(half)), Buffer.alloc(300)]);
    const file = join(dir, `multi-${via}.gz`);
    await writeFile(file, multi);
    const { bytes } = await onPath(() => drain(openWorkerTar({ ...request(), file, length: multi.length, blob: { digest: sha(multi), size: multi.length } })!));
    expect(bytes.equals(tar)).toBe(true);
    // An empty plain blob is an empty tar stream; an empty gzip blob is a cut one.
    const empty = join(dir, `empty-${via}`);
    await writeFile(empty, Buffer.alloc(0));
    const none = await drain(openWorkerTar({ file: empty, start: 0, length: 0, gzip: false, blob: { digest: sha(Buffer.alloc(0)), size: 0 }, what: 'layer' })!);
    expect(none.bytes.length).toBe(0);
    const cut = await drain(openWorkerTar({ file: empty, start: 0, length: 0, gzip: true, what: 'layer' })!).catch((e: unknown) => e);
    expect(isGoslimError(cut, 'E_TRUNCATED')).toBe(true);
  });

  it('reads a blob from inside a bigger file (a member of a tar archive), and plain tars', async () => {
    const file = join(dir, 'archive');
    const before = randomBytes(1000);
    await writeFile(file, Buffer.concat([before, gz, randomBytes(77)]));
    const inner = await drain(openWorkerTar({ ...request(), file, start: before.length })!);
    expect(inner.bytes.equals(tar)).toBe(true);
    const plain = join(dir, 'layer.tar');
    await writeFile(plain, tar);
    const raw = await drain(openWorkerTar({ file: plain, start: 0, length: tar.length, gzip: false, blob: { digest: sha(tar), size: tar.length }, what: 'layer' })!);
    expect(raw.bytes.equals(tar)).toBe(true);
  });

  it('fails typed after the last chunk: blob digest, size, diff_id, truncated and corrupt gzip', async () => {
    const fail = async (req: WorkerTarRequest): Promise<{ err: unknown; bytes: number }> => {
      const src = openWorkerTar(req)!;
      let bytes = 0;
      try {
        for (;;) {
          const c = await src.read();
          if (c === undefined) return { err: undefined, bytes };
          bytes += c.length;
        }
      } catch (err) {
        return { err, bytes };
      }
    };
    const wrongBlob = await fail({ ...request(), blob: { digest: sha(Buffer.from('other')), size: gz.length } });
    expect(isGoslimError(wrongBlob.err, 'E_DIGEST_MISMATCH')).toBe(true);
    expect(wrongBlob.bytes).toBe(tar.length); // the consumer saw every byte first
    const wrongSize = await fail({ ...request(), blob: { digest: sha(gz), size: gz.length + 1 } });
    expect(isGoslimError(wrongSize.err, 'E_DIGEST_MISMATCH')).toBe(true);
    const wrongDiff = await fail({ ...request(), diffId: sha(Buffer.from('other')) });
    expect(isGoslimError(wrongDiff.err, 'E_DIGEST_MISMATCH')).toBe(true);
    const cut = join(dir, 'cut.gz');
    await writeFile(cut, gz.subarray(0, gz.length - 100));
    const truncated = await fail({ ...request(), file: cut, length: gz.length - 100, blob: { digest: sha(gz.subarray(0, gz.length - 100)) } });
    expect(isGoslimError(truncated.err, 'E_TRUNCATED')).toBe(true);
    const bad = Buffer.from(gz);
    bad.fill(0x41, 5000, 9000);
    const badFile = join(dir, 'bad.gz');
    await writeFile(badFile, bad);
    const corrupt = await fail({ ...request(), file: badFile, blob: { digest: sha(bad) } });
    expect(isGoslimError(corrupt.err, 'E_MALFORMED') || isGoslimError(corrupt.err, 'E_TRUNCATED')).toBe(true);
    const missing = await fail({ ...request(), file: join(dir, 'no-such-blob') });
    expect(isGoslimError(missing.err, 'E_NOT_FOUND')).toBe(true);
  });
});

describe('openWorkerTar', () => {

  it('runs jobs side by side, stops early on close(), and keeps serving afterwards', async () => {
    const a = openWorkerTar(request())!;
    const b = openWorkerTar(request())!;
    const partsA: Buffer[] = [];
    const partsB: Buffer[] = [];
    for (;;) {
      const ca = await a.read();
      if (ca !== undefined) partsA.push(Buffer.from(ca));
      const cb = await b.read();
      if (cb !== undefined) partsB.push(Buffer.from(cb));
      if (ca === undefined && cb === undefined) break;
    }
    expect(Buffer.concat(partsA).equals(tar)).toBe(true);
    expect(Buffer.concat(partsB).equals(tar)).toBe(true);

    const early = openWorkerTar(request())!;
    expect((await early.read())?.length).toBe(SLOT_SIZE);
    early.close();
    expect(await early.read()).toBeUndefined();
    const after = await drain(openWorkerTar(request())!);
    expect(after.bytes.equals(tar)).toBe(true);
  });

  it('takes a blob pushed as it arrives (a registry response), a few MiB ahead of gunzip', async () => {
    // Odd-sized views into one big buffer, as a network stream delivers them.
    const pieces = (buf: Buffer, size: number): Buffer[] => {
      const out: Buffer[] = [];
      for (let o = 0; o < buf.length; o += size) out.push(buf.subarray(o, o + size));
      return out;
    };
    const pushedReq = (stream: Readable, diffId = sha(tar)): WorkerTarRequest => ({ stream, gzip: true, diffId, what: 'layer' });
    const ok = await drain(openWorkerTar(pushedReq(Readable.from(pieces(gz, 70_001))))!);
    expect(ok.bytes.equals(tar)).toBe(true);

    // The source's own error (its digest check at the end) is the walk's error, after the bytes.
    const failing = Readable.from(
      (async function* () {
        yield* pieces(gz, 65_536);
        throw new DigestMismatchError('blob hashes wrong');
      })(),
    );
    const err = await drain(openWorkerTar(pushedReq(failing))!).catch((e: unknown) => e);
    expect(isGoslimError(err, 'E_DIGEST_MISMATCH')).toBe(true);
    const wrongDiff = await drain(openWorkerTar(pushedReq(Readable.from(pieces(gz, 1 << 20)), sha(Buffer.from('x'))))!).catch((e: unknown) => e);
    expect(isGoslimError(wrongDiff, 'E_DIGEST_MISMATCH')).toBe(true);

    // Bounded read-ahead: with nobody reading, the worker stops taking input; then all of it flows.
    const big = payload(48 << 20);
    const bigGz = gzipSync(big, { level: 1 });
    let pulled = 0;
    const source = Readable.from(
      (function* () {
        for (const p of pieces(bigGz, 256 * 1024)) {
          pulled += p.length;
          yield p;
        }
      })(),
    );
    const src = openWorkerTar(pushedReq(source, sha(big)))!;
    const first = await src.read();
    expect(first?.length).toBe(SLOT_SIZE);
    await new Promise((r) => setTimeout(r, 300));
    expect(pulled).toBeLessThan(bigGz.length);
    const parts: Buffer[] = [Buffer.from(first!)];
    for (let c = await src.read(); c !== undefined; c = await src.read()) parts.push(Buffer.from(c));
    expect(Buffer.concat(parts).equals(big)).toBe(true);
  }, 30_000);

  it('stops when idle or released and starts again for the next walk', async () => {
    expect((await drain(openWorkerTar(request())!)).bytes.equals(tar)).toBe(true);
    releaseLayerReader();
    expect((await drain(openWorkerTar(request())!)).bytes.equals(tar)).toBe(true);
    await new Promise((r) => setTimeout(r, 60)); // past the idle delay: the worker has stopped
    const again = openWorkerTar(request())!;
    releaseLayerReader(); // a walk is running: not stopped
    expect((await drain(again)).bytes.equals(tar)).toBe(true);
  });

  it('reads two layers on two threads; beside another read, the blob is hashed on this thread with the same checks', async () => {
    const before = process.env.GOSLIM_READERS;
    delete process.env.GOSLIM_READERS;
    releaseLayerReader();
    try {
      // A read in flight (nobody drains it yet): every job below is the second one.
      const busy = openWorkerTar(request())!;
      expect((await busy.read())?.length).toBe(SLOT_SIZE);
      const hashedBefore = layerReadsVia().blobHashedHere;
      const ok = await drain(openWorkerTar(request())!);
      expect(ok.bytes.equals(tar)).toBe(true);
      expect(layerReadersRunning()).toBe(2);
      expect(layerReadsVia().blobHashedHere).toBe(hashedBefore + 1);
      const fail = async (req: WorkerTarRequest): Promise<unknown> => drain(openWorkerTar(req)!).then(() => undefined, (e: unknown) => e);
      const wrongBlob = await fail({ ...request(), blob: { digest: sha(Buffer.from('other')), size: gz.length } });
      expect(isGoslimError(wrongBlob, 'E_DIGEST_MISMATCH')).toBe(true);
      expect((wrongBlob as DigestMismatchError).details).toMatchObject({ expected: sha(Buffer.from('other')), actual: sha(gz), bytes: gz.length });
      const wrongSize = await fail({ ...request(), blob: { digest: sha(gz), size: gz.length + 1 } });
      expect(isGoslimError(wrongSize, 'E_DIGEST_MISMATCH')).toBe(true);
      // gzip's header mtime changed: the same tar inflates, but the blob is not the one pinned.
      const touched = Buffer.from(gz);
      touched[4] = touched[4]! ^ 1;
      const touchedFile = join(dir, 'touched.gz');
      await writeFile(touchedFile, touched);
      const swapped = await fail({ ...request(), file: touchedFile });
      expect(isGoslimError(swapped, 'E_DIGEST_MISMATCH')).toBe(true);
      // The blob check comes before the diff_id's, as on the reader thread.
      const both = await fail({ ...request(), file: touchedFile, diffId: sha(Buffer.from('x')) });
      expect((both as DigestMismatchError).details).toMatchObject({ expected: sha(gz) });
      const missing = await fail({ ...request(), file: join(dir, 'no-such-blob') });
      expect(isGoslimError(missing, 'E_NOT_FOUND')).toBe(true);
      const rest = await drain(busy);
      expect(rest.bytes.length).toBe(tar.length - SLOT_SIZE);
    } finally {
      if (before === undefined) delete process.env.GOSLIM_READERS;
      else process.env.GOSLIM_READERS = before;
    }
  });

  it('is off with GOSLIM_WORKER=0 (callers then stream on the main thread)', () => {
    const before = process.env.GOSLIM_WORKER;
    process.env.GOSLIM_WORKER = '0';
    try {
      expect(openWorkerTar(request())).toBeUndefined();
    } finally {
      if (before === undefined) delete process.env.GOSLIM_WORKER;
      else process.env.GOSLIM_WORKER = before;
    }
  });
});
