/**
 * Reading a local layer blob on a worker thread: the hot path of every layer walk.
 *
 * Why: with Node's zlib stream on the main thread, each 128 KiB of output needs a hop through
 * the main thread before zlib may continue, so whenever our own work (hashing, tar parsing,
 * the merged tree, the analyzers) holds the main thread, decompression waits, and the two
 * take turns instead of overlapping. Here a worker thread owns the file read, gunzip and the
 * blob digest, and fills a ring of 8 x 1 MiB slots (a SharedArrayBuffer; 32 for the walk's
 * lead read, see LEAD_SLOTS) that the main thread reads in place and hands back; the main
 * thread hashes the diff_id and parses. (1 MiB slots:
 * half the messages of 512 KiB ones, measured 1.29x against 1.33x the gunzip floor for the
 * whole inspect of the 1.08 GB fixture image; see bench/inspect.)
 *
 * The chunks a TarChunks source returns are views of those reused slots: each is valid until
 * the next read() (walkLayer copies what a content visitor keeps).
 *
 * Up to two reader threads serve the whole process (GOSLIM_READERS), each started on first use;
 * they hold the event loop open only while a job runs. mergeLayers reads the next layers while
 * one merges, so a big layer's gunzip has a core of its own; a blob opened while another read is
 * in flight has its digest hashed on the calling thread (which mostly waits on the readers)
 * instead of on its reader. `GOSLIM_WORKER=0` turns the path off (everything then streams on
 * the main thread).
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { crc32 } from 'node:zlib';
import { DigestMismatchError, errnoError, errorForCode, InternalError, IoError, NotFoundError, type ErrorCode } from '../../errors.js';
import type { TarChunks } from '../model.js';
import { contentMismatch } from '../digest.js';
import { open as openFile } from 'node:fs/promises';
import { wrapDecompressError } from './decompress.js';
import { tarWorkerBody, type TarWorkerReply, type TarWorkerRequest, type TarWorkerStart } from './tar-worker-body.js';

export const SLOT_SIZE = 1024 * 1024;

let fzstd: string | undefined;
/** Where the fzstd module is, for the worker to load. */
function fzstdPath(): string {
  return (fzstd ??= createRequire(import.meta.url).resolve('fzstd'));
}
export const SLOTS = 8;
/**
 * Slots of the ring of a lead read (WorkerTarRequest.lead): 32 MiB, about 130 ms of a reader's
 * gunzip output here. The main thread sometimes holds on to a chunk for longer than 8 slots
 * last (a Go binary's analysis, some 200 ms for the fat image's 7.4 MB program; a layer below
 * walked beside it): the fat image's 278 MB layer's reader waited 150-330 ms per inspect with 8
 * slots (3 runs), 0-88 ms as the lead (8 bench runs), for about 20 MB more peak RSS.
 */
export const LEAD_SLOTS = 32;
/** Pushed blob bytes (a registry response) sent ahead of what the worker's gunzip has taken. */
const PUSH_AHEAD = 4 << 20;

interface Client {
  /** For messages (`layer sha256:...`). */
  what: string;
  /** The job's size in stored bytes, as far as known (see jobWeight): how the readers share jobs. */
  weight: number;
  onChunk(slot: number, len: number): void;
  /** The reader frames this job's gzip members: their CRCs are checked here. */
  onFramed(): void;
  /** Members that ended: [end, crc, ...] (end: the tar offset where the member's output ends). */
  onMembers(list: number[]): void;
  onInputAck(bytes: number): void;
  onEnd(via: 'sync' | 'stream'): void;
  onError(err: Error): void;
}

/**
 * Rings of jobs that ended (the worker stopped writing before it said so), for the next jobs:
 * layers are read one after another, and a fresh 8 MiB ring per layer would only be freed
 * when both threads' garbage collectors get to it. A cancelled job's ring is not reused (the
 * worker may still be writing into it when close() returns).
 */
const spareRings: SharedArrayBuffer[] = [];
const MAX_SPARE_RINGS = 2;

function takeRing(slots: number): SharedArrayBuffer {
  // A lead read's ring is made for it, and not kept after (one per walk, and four times the size).
  if (slots !== SLOTS) return new SharedArrayBuffer(slots * SLOT_SIZE);
  return spareRings.pop() ?? new SharedArrayBuffer(SLOTS * SLOT_SIZE);
}

function giveRing(ring: SharedArrayBuffer): void {
  if (ring.byteLength === SLOTS * SLOT_SIZE && spareRings.length < MAX_SPARE_RINGS) spareRings.push(ring);
}

/**
 * Jobs finished on each of the worker's paths (synchronous inflate or zlib stream), and blobs
 * whose digest was checked on the calling thread (beside another read), for tests and --debug.
 */
const readsVia = { sync: 0, stream: 0, blobHashedHere: 0, framed: 0 };
export function layerReadsVia(): Readonly<{ sync: number; stream: number; blobHashedHere: number; framed: number }> {
  return { ...readsVia };
}

/**
 * For each of the last jobs on the synchronous path: how long its reader thread had every slot
 * of its ring with the main thread, so could not go on (bench and --debug: the walk's order of
 * work, not a timing that tests assert).
 */
const slotWaits: Array<{ what: string; stored: number; waitedMs: number }> = [];
const MAX_SLOT_WAITS = 64;
export function layerReadWaits(): ReadonlyArray<{ what: string; stored: number; waitedMs: number }> {
  return slotWaits;
}

/**
 * The reader threads: up to READERS of them (both cores on this kind of machine), so that
 * mergeLayers can read the next layer while one is walked (a big layer's gunzip is then not
 * the only thing the image's read waits on). Each is started on first use and stops when idle.
 */
interface Reader {
  w: Worker;
  clients: Map<number, Client>;
  idleTimer: NodeJS.Timeout | undefined;
}

const readers: Reader[] = [];
let broken = false;
let nextId = 1;

/** How many reader threads may run: GOSLIM_READERS, else 2 where there are two cores or more. */
export function readerThreads(): number {
  const env = Number(process.env.GOSLIM_READERS);
  if (Number.isInteger(env) && env >= 1) return Math.min(env, 8);
  return Math.min(2, Math.max(1, availableParallelism()));
}

function workerDisabled(): boolean {
  return broken || process.env.GOSLIM_WORKER === '0';
}

function reviveError(msg: Extract<TarWorkerReply, { type: 'error' }>, what: string): Error {
  if (msg.kind === 'digest') return new DigestMismatchError(msg.message, msg.details ? { details: msg.details } : {});
  if (msg.kind === 'typed') return errorForCode((msg.code ?? 'E_INTERNAL') as ErrorCode, msg.message);
  const err = errnoError(msg.message, msg.code);
  // The blob's file could not be opened or read (it vanished, or the disk failed): not a
  // problem of the compressed data.
  if (msg.code === 'ENOENT' || msg.code === 'ENOTDIR') return new NotFoundError(`${what}: its blob file is gone (${msg.message})`, { cause: err });
  if (msg.code !== undefined && /^E[A-Z]+$/.test(msg.code)) return new IoError(`${what}: cannot read its blob (${msg.message})`, { cause: err });
  return wrapDecompressError(err, what);
}

function startReader(): Reader | undefined {
  try {
    // Without the parent's module-type flags (`node --input-type=module -e ...` would make the
    // eval'd body an ES module, where `require` does not exist on Node < 20.16).
    const execArgv = process.execArgv.filter((a) => !/^--(input-type|experimental-default-type)\b/.test(a));
    const w = new Worker(`(${tarWorkerBody.toString()})()`, { eval: true, name: 'goslim-tar', execArgv });
    const r: Reader = { w, clients: new Map(), idleTimer: undefined };
    w.on('message', (msg: TarWorkerReply) => {
      const c = r.clients.get(msg.id);
      if (c === undefined) return;
      if (msg.type === 'chunk') c.onChunk(msg.slot, msg.len);
      else if (msg.type === 'chunks') {
        // Member ends first: an end found late (at the start of a slot) is at or before these slots.
        if (msg.members !== undefined) c.onMembers(msg.members);
        for (let k = 0; k + 1 < msg.list.length; k += 2) c.onChunk(msg.list[k]!, msg.list[k + 1]!);
      } else if (msg.type === 'framed') {
        readsVia.framed++;
        c.onFramed();
      }
      else if (msg.type === 'input-ack') c.onInputAck(msg.bytes);
      else if (msg.type === 'end') {
        readsVia[msg.via]++;
        if (msg.waitedMs !== undefined) {
          slotWaits.push({ what: c.what, stored: c.weight, waitedMs: msg.waitedMs });
          if (slotWaits.length > MAX_SLOT_WAITS) slotWaits.shift();
        }
        c.onEnd(msg.via);
      } else c.onError(reviveError(msg, c.what));
    });
    const die = (err: Error): void => {
      // A crashed reader fails the walks in flight; the next walk starts a new one. (A reader
      // stopped for idleness is no longer in `readers` and had no walks: its exit is expected.)
      const at = readers.indexOf(r);
      if (at < 0) return;
      readers.splice(at, 1);
      const failed = [...r.clients.values()];
      r.clients.clear();
      for (const c of failed) c.onError(new InternalError(`the layer reader thread stopped: ${err.message}`, { cause: err }));
    };
    w.on('error', die);
    w.on('exit', (code) => die(new InternalError(`exit code ${code}`)));
    w.unref();
    readers.push(r);
    return r;
  } catch {
    broken = true; // no worker threads here: the main-thread path serves
    return undefined;
  }
}

/**
 * An idle reader, else a new one while there may be more, else the one with the fewest stored
 * bytes in flight. By bytes, not by jobs: when the walk of the fat image opened its 20 MB
 * layer, one reader held the 278 MB layer and the other two layers of a few bytes each that
 * ended within milliseconds; counted by jobs, the 20 MB went to the thread of the 278 MB layer,
 * whose gunzip is what the whole walk waits for.
 */
function getReader(): Reader | undefined {
  if (workerDisabled()) return undefined;
  const idle = readers.find((r) => r.clients.size === 0);
  if (idle !== undefined) return idle;
  if (readers.length < readerThreads()) {
    const started = startReader();
    if (started !== undefined || readers.length === 0) return started;
  }
  return readers.reduce((a, b) => (loadOf(b) < loadOf(a) ? b : a));
}

/** Stored bytes of the jobs in flight on each reader thread (tests, --debug). */
export function layerReaderLoads(): number[] {
  return readers.map(loadOf);
}

/** Stored bytes of the jobs in flight on a reader. */
function loadOf(r: Reader): number {
  let n = 0;
  for (const c of r.clients.values()) n += c.weight;
  return n;
}

/** A job of unknown size (a tar rebuilt from a directory) counts as this many stored bytes. */
const UNKNOWN_WEIGHT = 64 << 20;

/** A job's size in stored bytes: its range of the file, else its blob's size. */
function jobWeight(req: WorkerTarRequest): number {
  const n = req.length !== undefined && req.length > 0 ? req.length : req.blob?.size;
  return n !== undefined && n > 0 ? n : UNKNOWN_WEIGHT;
}

/** Reader threads running now (tests, --debug). */
export function layerReadersRunning(): number {
  return readers.length;
}

/** Layer reads in flight on the reader threads. */
function jobsInFlight(): number {
  return readers.reduce((n, r) => n + r.clients.size, 0);
}

function send(w: Worker, msg: TarWorkerRequest, transfer?: ArrayBuffer[]): void {
  w.postMessage(msg, transfer);
}

/** Is the worker-thread reader on (and startable) here? */
export function layerReaderAvailable(): boolean {
  return getReader() !== undefined;
}

/**
 * A reader with nothing to do for IDLE_MS is stopped: its heap and the zlib buffers its
 * garbage collector has not got to yet (tens of MB after a big layer) go back to the system
 * before the analysis after the walk allocates its own. Layers follow each other within
 * microseconds, so a walk over many layers keeps its readers; the next walk starts new ones.
 */
const IDLE_MS = 20;

/** A reader keeps the process alive only while some walk waits on it. */
function track(r: Reader, id: number, client: Client | undefined): void {
  if (client) r.clients.set(id, client);
  else r.clients.delete(id);
  if (r.idleTimer !== undefined) clearTimeout(r.idleTimer);
  r.idleTimer = undefined;
  if (r.clients.size > 0) {
    r.w.ref();
    return;
  }
  r.w.unref();
  // While another read is in flight the walk may have more layers for this thread (a new one
  // takes about 50 ms of CPU to start, beside the read the walk waits for): it stays, and the
  // idle delay starts for every idle thread when the last read ends.
  if (jobsInFlight() > 0) return;
  for (const x of readers) {
    if (x.clients.size > 0) continue;
    if (x.idleTimer !== undefined) clearTimeout(x.idleTimer);
    x.idleTimer = setTimeout(() => stopReader(x), IDLE_MS);
    x.idleTimer.unref();
  }
}

function stopReader(r: Reader): void {
  if (r.idleTimer !== undefined) clearTimeout(r.idleTimer);
  r.idleTimer = undefined;
  const at = readers.indexOf(r);
  if (r.clients.size > 0 || at < 0) return;
  readers.splice(at, 1);
  if (readers.length === 0) spareRings.length = 0;
  void r.w.terminate();
}

/**
 * Stop the layer-reading threads now that no walk is using (they would stop by themselves
 * after IDLE_MS, but only once the event loop turns: a caller about to do a long synchronous
 * analysis calls this first, so that the analysis does not run beside idle readers' memory).
 * A later walk starts new ones.
 */
export function releaseLayerReader(): void {
  for (const r of [...readers]) stopReader(r);
}

export interface WorkerTarRequest {
  /** The file holding the blob, and the blob's byte range in it... */
  file?: string;
  start?: number;
  length?: number;
  /**
   * ...or the blob as it arrives (a registry response, already verified against its digest as
   * it streams): its bytes are copied to the worker, at most PUSH_AHEAD bytes ahead of gunzip.
   */
  stream?: Readable;
  gzip: boolean;
  /** ...or the tar rebuilt from a containers-storage layer's tar-split record and directory. */
  tarSplit?: { path: string; dir: string };
  /** The blob is zstd: decoded on the worker with fzstd (see decompress.ts for when). */
  zstd?: boolean;
  /** The blob digest (and size) the worker checks, for a file. */
  blob?: { digest: string; size?: number };
  /** The diff_id; omit it when the blob is the tar and its digest is the diff_id. */
  diffId?: string;
  /**
   * The read the whole walk waits on most (TarReadOptions.lead): a ring of LEAD_SLOTS slots, and
   * its blob digest and gzip CRCs checked on this thread. false: another read is the lead, so
   * this one's reader checks its own. Unset: as the reads in flight suggest.
   */
  lead?: boolean;
  /** For messages. */
  what: string;
}

/**
 * Start reading one blob on the worker thread; undefined when worker threads are off or
 * unavailable (callers then use the main-thread stream).
 */
export function openWorkerTar(req: WorkerTarRequest): TarChunks | undefined {
  // Another layer is being read: its reader thread holds one core, so this blob's digest is
  // hashed here, on the main thread (which waits on the readers most of the time), from its
  // own reads of the file, and this reader thread spends itself on gunzip alone. With a lead
  // read in the walk, that is the lead's blob, and the others' readers hash their own.
  const hashHere = req.file !== undefined && req.blob !== undefined && (req.length ?? 0) > 0 && (req.lead ?? jobsInFlight() > 0);
  const r = getReader();
  if (r === undefined) return undefined;
  const w = r.w;
  const id = nextId++;
  const slots = req.lead === true ? LEAD_SLOTS : SLOTS;
  const ring = takeRing(slots);
  const queue: Array<{ slot: number; len: number }> = [];
  let ended = false;
  let failure: Error | undefined;
  let waiting: { resolve: () => void } | undefined;
  let lent: number | undefined;
  let closed = false;
  // The gzip members' CRCs, when the reader frames them (see GzipFrame in tar-worker-body.ts):
  // the ends it reported ([end, crc, ...] from `at`), the CRC of the tar since the last end.
  let framed = false;
  let members: number[] = [];
  let at = 0;
  let crc = 0;
  let crcPos = 0;
  let lastEnd = 0;
  /** The pushed body's error after the tar's end (see bodyRest). */
  let bodyError: Error | undefined;
  const wake = (): void => {
    const w2 = waiting;
    waiting = undefined;
    w2?.resolve();
  };
  track(r, id, {
    weight: jobWeight(req),
    what: req.what,
    onChunk(slot, len) {
      if (closed) return;
      queue.push({ slot, len });
      wake();
    },
    onFramed() {
      framed = true;
    },
    onMembers(list) {
      if (closed) return;
      if (at > 4096) {
        members = members.slice(at);
        at = 0;
      }
      for (const x of list) members.push(x);
    },
    onInputAck(bytes) {
      outstanding -= bytes;
      if (outstanding <= PUSH_AHEAD && body?.isPaused() === true) body.resume();
    },
    onEnd() {
      ended = true;
      track(r, id, undefined);
      wake();
    },
    onError(err) {
      failure = err;
      track(r, id, undefined);
      wake();
    },
  });
  // The diff_id is hashed here, on the main thread, as each chunk is handed out: the worker
  // thread's time goes to feeding zlib (measured: hashing the tar there made the worker the
  // bottleneck of the whole walk). The blob digest is hashed there, over the compressed bytes.
  const tarHash = req.diffId !== undefined ? createHash('sha256') : undefined;
  // The gzip CRC here too (see GzipFrame in tar-worker-body.ts), except for a read beside a lead
  // one: its reader has the time, and this thread, in that walk, does not.
  const crcHere = req.gzip && req.zstd !== true && req.lead !== false && (req.file !== undefined || req.stream !== undefined) && process.env.GOSLIM_GZIP_FRAMING !== '0' && typeof crc32 === 'function';
  let tarBytes = 0;
  let checked = false;
  const start: TarWorkerStart = {
    type: 'start',
    id,
    ...(req.stream === undefined && req.tarSplit === undefined ? { file: req.file } : {}),
    ...(req.tarSplit !== undefined ? { tarSplit: { ...req.tarSplit, what: req.what } } : {}),
    start: req.start ?? 0,
    length: req.length ?? 0,
    gzip: req.gzip,
    ...(crcHere ? { crcElsewhere: true } : {}),
    ...(req.zstd === true ? { zstd: fzstdPath() } : {}),
    ...(req.blob !== undefined && !hashHere
      ? { blob: { digest: req.blob.digest, ...(req.blob.size !== undefined ? { size: req.blob.size } : {}), what: `${req.what} blob ${req.blob.digest}` } }
      : {}),
    ring,
    slots,
    slotSize: SLOT_SIZE,
  };
  /**
   * Checks the member ends that fall in the next `len` tar bytes (`chunk`, or nothing at the
   * end) against their CRC, and carries the CRC on over the rest. An end at `crcPos` is one the
   * reader found at the start of a slot: the member ended with the bytes before.
   */
  const crcFail = (message: string): Error => reviveError({ type: 'error', id, kind: 'stream', code: 'Z_DATA_ERROR', message }, req.what);
  const checkMembers = (chunk: Buffer | undefined): Error | undefined => {
    const len = chunk?.length ?? 0;
    let off = 0;
    while (at < members.length && members[at]! <= crcPos + len) {
      const cut = members[at]! - crcPos;
      if (cut < off) return new InternalError(`${req.what}: the reader reported a gzip member ending at ${members[at]!}, before ${crcPos + off}`);
      if (chunk !== undefined && cut > off) crc = crc32(chunk.subarray(off, cut), crc);
      if (crc !== members[at + 1]) return crcFail('incorrect data check');
      crc = 0;
      off = cut;
      lastEnd = crcPos + cut;
      at += 2;
    }
    if (chunk !== undefined && off < len) crc = crc32(off === 0 ? chunk : chunk.subarray(off), crc);
    crcPos += len;
    return undefined;
  };
  const checkTar = (): Error | undefined => {
    if (tarHash === undefined || req.diffId === undefined) return undefined;
    return contentMismatch(`${req.what} (diff_id ${req.diffId})`, req.diffId, `sha256:${tarHash.digest('hex')}`, tarBytes);
  };
  send(w, start);
  const blobCheck = hashHere ? hashFileRange(req.file!, req.start ?? 0, req.length!, req.blob!, `${req.what} blob ${req.blob!.digest}`) : undefined;
  blobCheck?.catch(() => {}); // surfaced by read() at the end, or dropped by close()
  const body = req.stream;
  let outstanding = 0;
  let cancelled = false;
  if (body !== undefined) {
    body.on('data', (c: Buffer) => {
      if (closed || ended || failure !== undefined) return;
      // A copy of exactly these bytes, handed over (a chunk may be a view of a larger buffer,
      // which a plain postMessage would clone whole).
      const data = new Uint8Array(c.length);
      data.set(c);
      outstanding += c.length;
      send(w, { type: 'input', id, data }, [data.buffer]);
      if (outstanding > PUSH_AHEAD) body.pause();
    });
    body.on('end', () => {
      if (!closed && !ended && failure === undefined) send(w, { type: 'input-end', id });
    });
    body.on('error', (err: Error) => {
      if (closed || failure !== undefined) return;
      if (ended) {
        // After the tar's end (the blob's rest, see bodyRest): this read's error all the same.
        bodyError ??= wrapDecompressError(err, req.what);
        return;
      }
      failure = wrapDecompressError(err, req.what);
      cancelled = true; // the worker may still be writing into the ring: not reused
      send(w, { type: 'cancel', id });
      track(r, id, undefined);
      wake();
    });
  }
  /**
   * A pushed blob whose tar ended before the blob did (zero padding after the last gzip member):
   * the rest of the body is read (and dropped) to its end, so that the source's own check of it
   * (the registry blob's digest, at its end) still runs and its error is this read's.
   */
  const bodyRest = (): Promise<Error | undefined> =>
    new Promise((resolve) => {
      if (body === undefined || body.readableEnded || body.destroyed) {
        resolve(bodyError);
        return;
      }
      body.once('end', () => resolve(undefined));
      body.once('error', (err: Error) => resolve(wrapDecompressError(err, req.what)));
      body.resume();
    });
  // Slots go back two at a time while more chunks are queued (half the messages, each a wake-up
  // of the worker), and at once when the reader is about to wait.
  const released: number[] = [];
  const sendReleased = (): void => {
    if (released.length === 0) return;
    if (!closed && !ended && failure === undefined) send(w, { type: 'release', id, slots: released.splice(0) });
    else released.length = 0;
  };
  const giveBack = (): void => {
    if (lent === undefined) return;
    released.push(lent);
    lent = undefined;
    if (released.length >= 2 || queue.length === 0) sendReleased();
  };
  return {
    async read() {
      giveBack();
      for (;;) {
        if (closed) return undefined;
        const next = queue.shift();
        if (next !== undefined) {
          lent = next.slot;
          const chunk = Buffer.from(ring, next.slot * SLOT_SIZE, next.len);
          if (framed) {
            const bad = checkMembers(chunk);
            if (bad !== undefined) {
              // The slot is not handed out, and the reader is stopped (its ring is not reused).
              failure = bad;
              cancelled = true;
              queue.length = 0;
              lent = undefined;
              send(w, { type: 'cancel', id });
              track(r, id, undefined);
              throw bad;
            }
          }
          tarHash?.update(chunk);
          tarBytes += chunk.length;
          return chunk;
        }
        if (failure !== undefined) throw failure;
        if (ended) {
          // The blob was verified by the worker or is here; the diff_id is checked once, after it.
          if (!checked) {
            checked = true;
            // The last members' ends (one may have come with the end), and every byte under a member.
            if (framed) {
              failure = checkMembers(undefined);
              if (failure === undefined && lastEnd !== crcPos) failure = new InternalError(`${req.what}: the gzip reader's last member ended at ${lastEnd}, the tar at ${crcPos}`);
              if (failure !== undefined) throw failure;
            }
            failure = await bodyRest();
            failure ??= blobCheck !== undefined ? await blobCheck : undefined;
            failure ??= checkTar();
            if (failure !== undefined) throw failure;
          }
          return undefined;
        }
        sendReleased();
        await new Promise<void>((resolve) => {
          waiting = { resolve };
        });
      }
    },
    close() {
      if (closed) return;
      closed = true;
      blobCheck?.cancel();
      queue.length = 0;
      lent = undefined;
      if (!ended && failure === undefined) {
        send(w, { type: 'cancel', id });
        track(r, id, undefined);
      } else if (!cancelled) {
        giveRing(ring); // the worker is done with it, and so is the reader now
      }
      if (body !== undefined && !body.readableEnded) body.destroy();
    },
  };
}

/** A blob check running on this thread: resolves to the mismatch (or I/O) error, or undefined. */
type BlobCheck = Promise<Error | undefined> & { cancel(): void };

/**
 * Hash a file range as the blob it holds, with reads on libuv's threads and the hash here:
 * the same check (and the same error) as the reader thread's.
 */
function hashFileRange(file: string, start: number, length: number, blob: { digest: string; size?: number }, what: string): BlobCheck {
  let cancelled = false;
  const run = async (): Promise<Error | undefined> => {
    const fh = await openFile(file, 'r');
    try {
      const hash = createHash('sha256');
      const buf = Buffer.allocUnsafe(HASH_READ);
      let pos = start;
      const end = start + length;
      let bytes = 0;
      while (pos < end && !cancelled) {
        const { bytesRead } = await fh.read(buf, 0, Math.min(HASH_READ, end - pos), pos);
        if (bytesRead === 0) break;
        hash.update(buf.subarray(0, bytesRead));
        pos += bytesRead;
        bytes += bytesRead;
      }
      if (!cancelled) readsVia.blobHashedHere++;
      return cancelled ? undefined : contentMismatch(what, blob.digest, `sha256:${hash.digest('hex')}`, bytes, blob.size ?? length);
    } finally {
      await fh.close();
    }
  };
  const p = run().catch((err: NodeJS.ErrnoException) =>
    err.code === 'ENOENT' || err.code === 'ENOTDIR'
      ? new NotFoundError(`${what}: its blob file is gone (${err.message})`, { cause: err })
      : new IoError(`${what}: cannot read its blob (${err.message})`, { cause: err }),
  ) as BlobCheck;
  p.cancel = () => {
    cancelled = true;
  };
  return p;
}

const HASH_READ = 1 << 20;
