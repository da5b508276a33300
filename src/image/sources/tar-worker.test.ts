import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateRawSync, gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { DigestMismatchError, isGoslimError } from '../../errors.js';
import type { TarChunks } from '../model.js';
import { LEAD_SLOTS, layerReaderLoads, layerReadersRunning, layerReadsVia, layerReadWaits, openWorkerTar, releaseLayerReader, SLOT_SIZE, SLOTS, type WorkerTarRequest } from './tar-worker.js';

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

/** Sets environment variables for a block of tests (undefined: unset), and puts them back after. */
function withEnv(vars: Record<string, string | undefined>): void {
  const before = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const set = (v: Record<string, string | undefined>): void => {
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined) delete process.env[k];
      else process.env[k] = x;
    }
  };
  beforeAll(() => {
    releaseLayerReader();
    set(vars);
  });
  afterAll(() => {
    releaseLayerReader();
    set(before);
  });
}

/**
 * A local blob is read on the worker's synchronous path (readSync + zlib's synchronous write
 * into the slots): by default zlib inflates raw deflate there, the worker reads the gzip framing
 * and this thread checks the members' CRCs (`framed`); GOSLIM_GZIP_FRAMING=0 leaves the framing
 * and the CRC to zlib's gunzip on the worker; GOSLIM_SYNC_INFLATE=0 sends the blob through the
 * zlib stream path instead. All must give the same bytes and the same typed errors. The worker
 * reads its environment when it starts, so each path starts its own worker.
 */
describe.each([
  ['sync', 'framed', undefined, undefined],
  ['sync', 'gunzip', undefined, '0'],
  ['stream', 'gunzip', '0', undefined],
] as const)('openWorkerTar, blobs (local and pushed) on the %s path (%s)', (via, framing, syncEnv, framingEnv) => {
  withEnv({ GOSLIM_SYNC_INFLATE: syncEnv, GOSLIM_GZIP_FRAMING: framingEnv });
  /** Runs fn and checks that the reads it finished went through this path. */
  const onPath = async <T>(fn: () => Promise<T>): Promise<T> => {
    const a = layerReadsVia();
    const out = await fn();
    const b = layerReadsVia();
    expect(b[via]).toBeGreaterThan(a[via]);
    expect(b[via === 'sync' ? 'stream' : 'sync']).toBe(a[via === 'sync' ? 'stream' : 'sync']);
    if (framing === 'framed') expect(b.framed).toBeGreaterThan(a.framed);
    else expect(b.framed).toBe(a.framed);
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
    // Padding past the reader's 1 MiB reads: still hashed as part of the blob.
    const padded = Buffer.concat([gzipSync(tar), Buffer.alloc(3 << 20)]);
    const paddedFile = join(dir, `padded-${via}-${framing}.gz`);
    await writeFile(paddedFile, padded);
    const fromPadded = await onPath(() => drain(openWorkerTar({ ...request(), file: paddedFile, length: padded.length, blob: { digest: sha(padded), size: padded.length } })!));
    expect(fromPadded.bytes.equals(tar)).toBe(true);
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
  it('takes a blob pushed as it arrives (a registry response), a few MiB ahead of gunzip', async () => {
    // Odd-sized views into one big buffer, as a network stream delivers them.
    const pieces = (buf: Buffer, size: number): Buffer[] => {
      const out: Buffer[] = [];
      for (let o = 0; o < buf.length; o += size) out.push(buf.subarray(o, o + size));
      return out;
    };
    const pushedReq = (stream: Readable, diffId = sha(tar)): WorkerTarRequest => ({ stream, gzip: true, diffId, what: 'layer' });
    const ok = await onPath(() => drain(openWorkerTar(pushedReq(Readable.from(pieces(gz, 70_001))))!));
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
    // The same when the tar ends before the pushed blob does (zero padding after the member):
    // the rest is still read, so the source's check at its end still counts.
    const padded = Readable.from(
      (async function* () {
        yield* pieces(gz, 65_536);
        yield* pieces(Buffer.alloc(12 << 20), 65_536); // more than the 4 MiB sent ahead
        throw new DigestMismatchError('blob hashes wrong');
      })(),
    );
    const paddedErr = await drain(openWorkerTar(pushedReq(padded))!).catch((e: unknown) => e);
    expect(isGoslimError(paddedErr, 'E_DIGEST_MISMATCH')).toBe(true);
    const paddedOk = await drain(openWorkerTar(pushedReq(Readable.from([...pieces(gz, 65_536), ...pieces(Buffer.alloc(12 << 20), 65_536)])))!);
    expect(paddedOk.bytes.equals(tar)).toBe(true);
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

});

/** A gzip member (RFC 1952) with these header fields, optionally spoiled. */
function member(
  data: Buffer,
  o: { extra?: Buffer; name?: string; comment?: string; hcrc?: boolean; badHcrc?: boolean; badCrc?: boolean; badSize?: boolean; level?: number } = {},
): Buffer {
  const flags = (o.hcrc ? 2 : 0) | (o.extra ? 4 : 0) | (o.name !== undefined ? 8 : 0) | (o.comment !== undefined ? 16 : 0);
  const parts: Buffer[] = [Buffer.from([0x1f, 0x8b, 8, flags, 1, 2, 3, 4, 0, 3])];
  if (o.extra) {
    const xlen = Buffer.alloc(2);
    xlen.writeUInt16LE(o.extra.length);
    parts.push(xlen, o.extra);
  }
  if (o.name !== undefined) parts.push(Buffer.from(o.name), Buffer.of(0));
  if (o.comment !== undefined) parts.push(Buffer.from(o.comment), Buffer.of(0));
  if (o.hcrc) {
    const h = Buffer.alloc(2);
    h.writeUInt16LE((crc32(Buffer.concat(parts)) & 0xffff) ^ (o.badHcrc ? 1 : 0));
    parts.push(h);
  }
  parts.push(deflateRawSync(data, { level: o.level ?? 1 }));
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE((crc32(data) ^ (o.badCrc ? 1 : 0)) >>> 0, 0);
  trailer.writeUInt32LE(data.length + (o.badSize ? 1 : 0), 4);
  parts.push(trailer);
  return Buffer.concat(parts);
}

/**
 * The reader's own gzip framing (raw inflate there, CRCs checked on this thread) against zlib's
 * gunzip as the oracle: every blob gives the bytes gunzip gives, or fails as gunzip fails
 * (Z_BUF_ERROR: E_TRUNCATED; Z_DATA_ERROR: E_MALFORMED).
 */
describe('openWorkerTar, gzip framed on the reader and CRCs checked here', () => {
  withEnv({ GOSLIM_SYNC_INFLATE: undefined, GOSLIM_GZIP_FRAMING: undefined });
  const asGunzip = async (name: string, blob: Buffer): Promise<void> => {
    let want: Buffer | string;
    try {
      want = gunzipSync(blob);
    } catch (e) {
      want = (e as NodeJS.ErrnoException).code === 'Z_BUF_ERROR' ? 'E_TRUNCATED' : 'E_MALFORMED';
    }
    const file = join(dir, `framing-${name.replace(/\W+/g, '-')}`);
    await writeFile(file, blob);
    // From the file, and pushed as a registry response would come, in odd pieces (the header,
    // the trailer and member boundaries fall across them).
    const pieces: Buffer[] = [];
    for (let o = 0; o < blob.length; o += 4093) pieces.push(blob.subarray(o, o + 4093));
    const requests: WorkerTarRequest[] = [
      { file, start: 0, length: blob.length, gzip: true, blob: { digest: sha(blob), size: blob.length }, what: 'layer' },
      { stream: Readable.from(pieces), gzip: true, what: 'layer' },
    ];
    for (const req of requests) {
      const how = `${name}, ${req.file !== undefined ? 'file' : 'pushed'}`;
      const before = layerReadsVia().framed;
      const got = await drain(openWorkerTar(req)!).then(
        (r) => r.bytes,
        (e: unknown) => (isGoslimError(e) ? e.code : String(e)),
      );
      expect(layerReadsVia().framed, how).toBe(before + 1);
      if (typeof want === 'string') expect(got, how).toBe(want);
      else {
        expect(Buffer.isBuffer(got), `${how}: ${String(got)}`).toBe(true);
        expect((got as Buffer).equals(want), how).toBe(true);
      }
    }
  };
  const small = payload(70_000);
  const one = member(small);

  it("reads every header field, across the reader's 1 MiB reads too", async () => {
    await asGunzip('fields', member(small, { extra: randomBytes(60_000), name: 'layer.tar', comment: 'made by a test', hcrc: true }));
    // A 3 MiB name and a full extra field: the header spans several reads.
    await asGunzip('long header', Buffer.concat([one, member(small, { extra: randomBytes(65_535), name: 'n'.repeat(3 << 20), hcrc: true }), one]));
    await asGunzip('stored blocks', member(payload(3 << 20), { level: 0 }));
    await asGunzip('bad header crc', member(small, { name: 'x', hcrc: true, badHcrc: true }));
    const flags = Buffer.from(one);
    flags[3] = 0x20;
    await asGunzip('reserved flag', flags);
    const method = Buffer.from(one);
    method[2] = 7;
    await asGunzip('method', method);
    await asGunzip('not gzip', Buffer.from('plain text, not a gzip member at all'));
  });

  it("checks each member's CRC and length, wherever the member ends", async () => {
    await asGunzip('bad crc', member(small, { badCrc: true }));
    await asGunzip('bad size', member(small, { badSize: true }));
    await asGunzip('bad crc in the middle', Buffer.concat([one, member(payload(3 << 20), { badCrc: true }), one]));
    // Members whose output ends exactly at the end of a slot: the reader finds the end only at
    // the start of the next slot, and this thread settles it there.
    const slot = payload(SLOT_SIZE);
    const twoSlots = payload(2 * SLOT_SIZE);
    await asGunzip('slot-sized members', Buffer.concat([member(slot), member(twoSlots), one, member(slot)]));
    await asGunzip('slot-sized, bad crc', Buffer.concat([member(slot, { badCrc: true }), one]));
    await asGunzip('slot-sized last, bad crc', Buffer.concat([one, member(slot.subarray(0, SLOT_SIZE - one.length), { badCrc: true })]));
    await asGunzip('slot-sized only', member(slot));
    // Thousands of small members and empty ones (more ends than one slot message carries).
    const many: Buffer[] = [];
    for (let k = 0; k < 3000; k++) many.push(member(small.subarray(k, k + 100 + (k % 7))), ...(k % 5 === 0 ? [gzipSync(Buffer.alloc(0))] : []));
    await asGunzip('many members', Buffer.concat(many));
    await asGunzip('empty member, bad crc', Buffer.concat([one, member(Buffer.alloc(0), { badCrc: true }), one]));
  });

  it('ends as gunzip does: padding, garbage, cut headers, bodies and trailers', async () => {
    await asGunzip('zeros then garbage', Buffer.concat([one, Buffer.from([0, 0, 7, 7])]));
    await asGunzip('garbage', Buffer.concat([one, Buffer.from('xyz')]));
    await asGunzip('cut trailer', one.subarray(0, one.length - 3));
    await asGunzip('no trailer', one.subarray(0, one.length - 8));
    await asGunzip('cut body', one.subarray(0, one.length - 500));
    await asGunzip('cut header', one.subarray(0, 6));
    await asGunzip('one byte of a next member', Buffer.concat([one, Buffer.of(0x1f)]));
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

  it('gives a job to the reader with the fewest stored bytes in flight, not the fewest jobs', async () => {
    const before = process.env.GOSLIM_READERS;
    process.env.GOSLIM_READERS = '2'; // two threads whatever the cores
    releaseLayerReader();
    const tiny = gzipSync(Buffer.alloc(2048, 1));
    const tinyFile = join(dir, 'tiny.gz');
    await writeFile(tinyFile, tiny);
    const tinyReq = (): WorkerTarRequest => ({ file: tinyFile, start: 0, length: tiny.length, gzip: true, blob: { digest: sha(tiny), size: tiny.length }, what: 'tiny layer' });
    const open: TarChunks[] = [];
    try {
      // The big layer on one thread, then two tiny ones: the second thread, then the emptier one.
      open.push(openWorkerTar(request())!);
      expect((await open[0]!.read())?.length).toBe(SLOT_SIZE);
      open.push(openWorkerTar(tinyReq())!, openWorkerTar(tinyReq())!);
      expect(layerReaderLoads()).toEqual([gz.length, 2 * tiny.length]);
      // By jobs, this one would share the big layer's thread (one job against two).
      open.push(openWorkerTar(request())!);
      expect(layerReaderLoads()).toEqual([gz.length, 2 * tiny.length + gz.length]);
      const got = await Promise.all(open.slice(1).map((t) => drain(t)));
      expect(got.map((g) => g.bytes.length)).toEqual([2048, 2048, tar.length]);
      expect((await drain(open[0]!)).bytes.length).toBe(tar.length - SLOT_SIZE);
      // Each job on the synchronous path said how long its reader waited for this thread.
      expect(layerReadWaits().slice(-4).map((w) => w.stored).sort((a, b) => a - b)).toEqual([tiny.length, tiny.length, gz.length, gz.length]);
    } finally {
      for (const t of open) t.close();
      if (before === undefined) delete process.env.GOSLIM_READERS;
      else process.env.GOSLIM_READERS = before;
    }
  });

  it("a lead read gets the deeper ring and its checks here; a read beside it checks its own", async () => {
    const before = process.env.GOSLIM_READERS;
    delete process.env.GOSLIM_READERS;
    releaseLayerReader();
    try {
      const via0 = layerReadsVia();
      const lead = openWorkerTar({ ...request(), lead: true })!;
      const first = await lead.read();
      // A chunk is a view of its job's ring.
      expect(first!.buffer.byteLength).toBe(LEAD_SLOTS * SLOT_SIZE);
      const via1 = layerReadsVia();
      // Alone, a lead read's blob is hashed here all the same, and its CRCs are checked here.
      expect(via1.blobHashedHere).toBe(via0.blobHashedHere + 1);
      expect(via1.framed).toBe(via0.framed + 1);
      const beside = await drain(openWorkerTar({ ...request(), lead: false })!);
      expect(beside.bytes.equals(tar)).toBe(true);
      const via2 = layerReadsVia();
      expect(via2.blobHashedHere).toBe(via1.blobHashedHere); // on its own reader
      expect(via2.framed).toBe(via1.framed); // zlib's gunzip checked its CRC
      // Its ring is the usual one, and a fault still fails it typed.
      const again = openWorkerTar({ ...request(), lead: false })!;
      expect((await again.read())!.buffer.byteLength).toBe(SLOTS * SLOT_SIZE);
      again.close();
      const wrong = await drain(openWorkerTar({ ...request(), lead: false, blob: { digest: sha(Buffer.from('other')), size: gz.length } })!).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isGoslimError(wrong, 'E_DIGEST_MISMATCH')).toBe(true);
      const rest = await drain(lead);
      expect(Buffer.concat([Buffer.from(first!), rest.bytes]).equals(tar)).toBe(true);
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
