/**
 * The body of the layer-reading worker thread (the client side is tar-worker.ts). It runs
 * as eval'd code, `(${tarWorkerBody.toString()})()`, so it must stay self-contained: no
 * imports, no references to this module's scope, Node built-ins through
 * process.getBuiltinModule (Node >= 20.16), else `require` (the client starts the worker
 * without the parent's --input-type, so eval'd code is CommonJS). A separate worker file would
 * not exist when the tests run the TypeScript sources; dynamic import() is rewritten by the
 * test runner's transform.
 *
 * One job = one layer blob in a local file: read the byte range, hash it (the blob digest),
 * gunzip it (zlib on the thread pool, as on the main thread) and copy the tar into a ring of slots in a SharedArrayBuffer that the main thread reads in
 * place and hands back when it has parsed them. Memory per job is the ring (slots x slotSize)
 * plus what the streams buffer; nothing is allocated per chunk on the main thread, and the
 * messages are a few numbers (no buffer is transferred or copied through postMessage). The
 * diff_id is hashed on the main thread as it reads the slots (hashing it here as well made this
 * thread the bottleneck: it must stay free to feed zlib).
 *
 * A job reads its blob from a file range, or (`file` absent) from `input` messages the main
 * thread sends as it receives the blob (a registry response): the worker acknowledges each
 * input chunk once its gunzip wants more, so the main thread sends at most a few MiB ahead.
 *
 * Protocol (all messages carry the job id):
 *   main -> worker  start {file?, start, length, gzip, blob?, ring, slots, slotSize}
 *                   input {data}           pushed blob bytes (when `file` is absent)
 *                   input-end              no more pushed bytes
 *                   release {slot}         a slot the main thread is done with
 *                   cancel                 stop reading, forget the job
 *   worker -> main  chunk {slot, len}      a filled slot
 *                   input-ack {bytes}      pushed bytes taken by the decoder
 *                   end {blobBytes, tarBytes}
 *                   error {code, message, details?, kind: 'digest' | 'stream'}
 */
export interface TarWorkerStart {
  type: 'start';
  id: number;
  /** The file holding the blob; absent when the main thread pushes the blob (input messages). */
  file?: string;
  start: number;
  length: number;
  gzip: boolean;
  /** zstd: the path of the fzstd module, loaded here (the blob is a zstd stream). */
  zstd?: string;
  /** Expected blob digest and size (the stored bytes). */
  blob?: { digest: string; size?: number; what: string };
  /** slots x slotSize bytes, shared with the main thread. */
  ring: SharedArrayBuffer;
  slots: number;
  slotSize: number;
}

export type TarWorkerRequest =
  | TarWorkerStart
  | { type: 'input'; id: number; data: Uint8Array }
  | { type: 'input-end'; id: number }
  | { type: 'release'; id: number; slot: number }
  | { type: 'cancel'; id: number };

export type TarWorkerReply =
  | { type: 'chunk'; id: number; slot: number; len: number }
  | { type: 'input-ack'; id: number; bytes: number }
  | { type: 'end'; id: number; blobBytes: number; tarBytes: number }
  | { type: 'error'; id: number; kind: 'digest' | 'stream'; code?: string; message: string; details?: Record<string, unknown> };

export function tarWorkerBody(): void {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const builtin = (process as unknown as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  const load = <T>(id: string): T => (typeof builtin === 'function' ? builtin(id) : require(id)) as T;
  const { parentPort } = load<typeof import('node:worker_threads')>('node:worker_threads');
  const { createReadStream } = load<typeof import('node:fs')>('node:fs');
  const { createGunzip } = load<typeof import('node:zlib')>('node:zlib');
  const { createHash } = load<typeof import('node:crypto')>('node:crypto');
  const { Readable, Transform } = load<typeof import('node:stream')>('node:stream');
  type Hash = import('node:crypto').Hash;
  type Stream = import('node:stream').Readable;
  if (!parentPort) return;
  const port = parentPort;

  interface Job {
    id: number;
    ring: SharedArrayBuffer;
    slotSize: number;
    /** Indexes of the slots the worker may fill. */
    free: number[];
    cur: number | undefined;
    off: number;
    /** Tar bytes that arrived while no slot was free, in order. */
    pending: Buffer[];
    ended: boolean;
    finished: boolean;
    raw: Stream;
    out: Stream;
    dec: Stream | import('node:stream').Transform | undefined;
    blobHash: Hash | undefined;
    blobBytes: number;
    tarBytes: number;
    req: TarWorkerStart;
  }
  const jobs = new Map<number, Job>();

  const post = (msg: TarWorkerReply): void => port.postMessage(msg);

  const stop = (job: Job): void => {
    job.finished = true;
    jobs.delete(job.id);
    pushed.delete(job.id);
    job.raw.destroy();
    job.dec?.destroy();
  };

  const fail = (job: Job, err: Error & { code?: string }): void => {
    if (job.finished) return;
    stop(job);
    post({ type: 'error', id: job.id, kind: 'stream', ...(err.code !== undefined ? { code: err.code } : {}), message: err.message });
  };

  const sendSlot = (job: Job): void => {
    const slot = job.cur;
    if (slot === undefined || job.off === 0) return;
    const len = job.off;
    job.cur = undefined;
    job.off = 0;
    post({ type: 'chunk', id: job.id, slot, len });
  };

  /** Copy `data` into slots; returns the part that did not fit (no free slot), if any. */
  const fill = (job: Job, data: Buffer): Buffer | undefined => {
    let o = 0;
    while (o < data.length) {
      if (job.cur === undefined) {
        job.cur = job.free.pop();
        if (job.cur === undefined) return data.subarray(o);
      }
      const n = Math.min(data.length - o, job.slotSize - job.off);
      new Uint8Array(job.ring, job.cur * job.slotSize + job.off, n).set(data.subarray(o, o + n));
      o += n;
      job.off += n;
      if (job.off === job.slotSize) sendSlot(job);
    }
    return undefined;
  };

  const finish = (job: Job): void => {
    if (job.finished) return;
    sendSlot(job);
    const { blob } = job.req;
    const check = (hash: Hash | undefined, bytes: number, want: { digest: string; size?: number; what: string } | undefined): boolean => {
      if (want === undefined || hash === undefined) return true;
      const actual = `sha256:${hash.digest('hex')}`;
      if (actual !== want.digest) {
        stop(job);
        post({
          type: 'error',
          id: job.id,
          kind: 'digest',
          message: `${want.what}: content hashes to ${actual}, expected ${want.digest}`,
          details: { expected: want.digest, actual, bytes },
        });
        return false;
      }
      if (want.size !== undefined && bytes !== want.size) {
        stop(job);
        post({
          type: 'error',
          id: job.id,
          kind: 'digest',
          message: `${want.what}: ${bytes} bytes, descriptor says ${want.size}`,
          details: { expected: want.digest, bytes, size: want.size },
        });
        return false;
      }
      return true;
    };
    if (!check(job.blobHash, job.blobBytes, blob)) return;
    job.finished = true;
    jobs.delete(job.id);
    pushed.delete(job.id);
    post({ type: 'end', id: job.id, blobBytes: job.blobBytes, tarBytes: job.tarBytes });
  };

  const drainPending = (job: Job): void => {
    while (job.pending.length > 0) {
      const rest = fill(job, job.pending[0]!);
      if (rest !== undefined) {
        job.pending[0] = rest;
        return;
      }
      job.pending.shift();
    }
    if (job.ended) finish(job);
    else if (job.out.isPaused()) job.out.resume();
  };

  /** Pushed input (no file): bytes go in as they arrive; each is acknowledged once taken. */
  const pushed = new Map<number, Stream>();
  const pushedSource = (id: number): Stream => {
    const unacked: number[] = [];
    const src = new Readable({
      highWaterMark: 1 << 20,
      read() {
        // The decoder wants more: acknowledge what it has taken, so the main thread sends on.
        let bytes = 0;
        for (const n of unacked.splice(0)) bytes += n;
        if (bytes > 0) post({ type: 'input-ack', id, bytes });
      },
    });
    const push = src.push.bind(src);
    src.push = (chunk: unknown): boolean => {
      if (chunk !== null) unacked.push((chunk as Uint8Array).length);
      return push(chunk);
    };
    pushed.set(id, src);
    return src;
  };

  /** fzstd's streaming decoder as a Transform; output is copied (the decoder may reuse its window). */
  const zstdTransform = (modulePath: string): import('node:stream').Transform => {
    const fz = require(modulePath) as { Decompress: new (ondata: (chunk: Uint8Array, final: boolean) => void) => { push(chunk: Uint8Array, final?: boolean): void } };
    let out: import('node:stream').Transform | undefined;
    const d = new fz.Decompress((chunk) => {
      out?.push(Buffer.from(chunk));
    });
    out = new Transform({
      readableHighWaterMark: 1 << 20,
      transform(chunk: Buffer, _enc, cb) {
        try {
          d.push(chunk, false);
          cb();
        } catch (err) {
          cb(err as Error);
        }
      },
      flush(cb) {
        try {
          d.push(new Uint8Array(0), true);
          cb();
        } catch (err) {
          const e = err as Error & { code?: string };
          // fzstd reports a cut stream as "unexpected EOF"; name it as zlib does, so it becomes E_TRUNCATED.
          if (/EOF|unexpected end/i.test(e.message) && e.code === undefined) e.code = 'Z_BUF_ERROR';
          cb(e);
        }
      },
    });
    return out;
  };

  const start = (req: TarWorkerStart): void => {
    const raw: Stream =
      req.file === undefined
        ? pushedSource(req.id)
        : req.length === 0
          ? Readable.from([])
          : createReadStream(req.file, { start: req.start, end: req.start + req.length - 1, highWaterMark: 1 << 20 });
    // A deep input buffer lets the file read run ahead, so zlib never waits for the disk.
    const dec = req.gzip
      ? createGunzip({ chunkSize: 1 << 20, writableHighWaterMark: 4 << 20 } as import('node:zlib').ZlibOptions)
      : req.zstd !== undefined
        ? zstdTransform(req.zstd)
        : undefined;
    const free: number[] = [];
    for (let i = req.slots - 1; i >= 0; i--) free.push(i);
    const job: Job = {
      id: req.id,
      ring: req.ring,
      slotSize: req.slotSize,
      free,
      cur: undefined,
      off: 0,
      pending: [],
      ended: false,
      finished: false,
      raw,
      out: dec ?? raw,
      dec,
      blobHash: req.blob !== undefined ? createHash('sha256') : undefined,
      blobBytes: 0,
      tarBytes: 0,
      req,
    };
    jobs.set(req.id, job);
    raw.on('error', (err) => fail(job, err));
    // Registered before the tar consumer, so the blob hash sees each chunk first.
    raw.on('data', (c: Buffer) => {
      job.blobHash?.update(c);
      job.blobBytes += c.length;
    });
    if (dec !== undefined) {
      dec.on('error', (err) => fail(job, err));
      raw.pipe(dec);
    }
    // zlib emits 'data' inside its completion callback and starts on the next block only
    // when that returns: hashing and copying there would make zlib wait for them. So the
    // handler only queues, and the work runs one microtask later, while zlib inflates on.
    const arrived: Buffer[] = [];
    let scheduled = false;
    const work = (): void => {
      scheduled = false;
      for (const c of arrived.splice(0)) {
        if (job.finished) return;
        job.tarBytes += c.length;
        if (job.pending.length > 0) {
          job.pending.push(c);
          continue;
        }
        const rest = fill(job, c);
        if (rest !== undefined) {
          // Out of slots: keep the rest (zlib does not reuse an output buffer once pushed)
          // and wait for the main thread to give a slot back.
          job.pending.push(rest);
          job.out.pause();
        }
      }
      if (job.ended && job.pending.length === 0) finish(job);
    };
    job.out.on('data', (c: Buffer) => {
      arrived.push(c);
      if (!scheduled) {
        scheduled = true;
        queueMicrotask(work);
      }
    });
    job.out.on('end', () => {
      job.ended = true;
      if (!scheduled && job.pending.length === 0) finish(job);
    });
  };

  port.on('message', (msg: TarWorkerRequest) => {
    if (msg.type === 'start') {
      start(msg);
      return;
    }
    const job = jobs.get(msg.id);
    if (job === undefined) return; // finished or cancelled: a late release is dropped
    if (msg.type === 'input') {
      pushed.get(msg.id)?.push(Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength));
    } else if (msg.type === 'input-end') {
      pushed.get(msg.id)?.push(null);
    } else if (msg.type === 'release') {
      job.free.push(msg.slot);
      drainPending(job);
    } else {
      stop(job);
    }
  });
}
