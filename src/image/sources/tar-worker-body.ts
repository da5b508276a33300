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
 *                   release {slots}        slots the main thread is done with
 *                   cancel                 stop reading, forget the job
 *   worker -> main  chunk {slot, len}      a filled slot
 *                   chunks {list, members?} filled slots [slot, len, slot, len, ...], in order;
 *                                          members: gzip members that ended [end, crc, ...]
 *                   framed                 (before any chunk) this job's gzip members are framed
 *                                          here and their CRC-32s are the main thread's to check
 *                   input-ack {bytes}      pushed bytes taken by the decoder
 *                   end {blobBytes, tarBytes, via}   via: which path read it (sync or stream)
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
  /**
   * The main thread checks each gzip member's CRC-32 over the tar as it reads the slots: on the
   * synchronous path this thread then inflates raw deflate, parses the gzip framing itself and
   * reports each member's end and CRC (see GzipFrame), so zlib does not compute the CRC here.
   */
  crcElsewhere?: boolean;
  /** zstd: the path of the fzstd module, loaded here (the blob is a zstd stream). */
  zstd?: string;
  /** Expected blob digest and size (the stored bytes). */
  blob?: { digest: string; size?: number; what: string };
  /**
   * The blob is rebuilt here from a containers-storage layer: its tar-split record (gzipped JSON
   * lines) and the layer directory holding the file payloads (see containers-storage.ts).
   */
  tarSplit?: { path: string; dir: string; what: string };
  /** slots x slotSize bytes, shared with the main thread. */
  ring: SharedArrayBuffer;
  slots: number;
  slotSize: number;
}

export type TarWorkerRequest =
  | TarWorkerStart
  | { type: 'input'; id: number; data: Uint8Array }
  | { type: 'input-end'; id: number }
  | { type: 'release'; id: number; slots: number[] }
  | { type: 'cancel'; id: number };

export type TarWorkerReply =
  | { type: 'chunk'; id: number; slot: number; len: number }
  | { type: 'chunks'; id: number; list: number[]; members?: number[] }
  | { type: 'framed'; id: number }
  | { type: 'input-ack'; id: number; bytes: number }
  | { type: 'end'; id: number; blobBytes: number; tarBytes: number; via: 'sync' | 'stream'; waitedMs?: number }
  | { type: 'error'; id: number; kind: 'digest' | 'stream' | 'typed'; code?: string; message: string; details?: Record<string, unknown> };

export function tarWorkerBody(): void {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const builtin = (process as unknown as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  const load = <T>(id: string): T => (typeof builtin === 'function' ? builtin(id) : require(id)) as T;
  const { parentPort } = load<typeof import('node:worker_threads')>('node:worker_threads');
  const fs = load<typeof import('node:fs')>('node:fs');
  const { closeSync, createReadStream, openSync, readSync } = fs;
  const { constants: zc, createGunzip, createInflateRaw, crc32 } = load<typeof import('node:zlib')>('node:zlib');
  const path = load<typeof import('node:path')>('node:path');
  const { createHash } = load<typeof import('node:crypto')>('node:crypto');
  const { Readable, Transform } = load<typeof import('node:stream')>('node:stream');
  type Hash = import('node:crypto').Hash;
  type Stream = import('node:stream').Readable;
  if (!parentPort) return;
  const port = parentPort;
  /** Files are opened so that a FIFO put where a file belongs reads as empty instead of blocking. */
  const READ_FLAGS = fs.constants.O_RDONLY | fs.constants.O_NONBLOCK;

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
    /** Takes back a buffer of `out` once it was copied into the ring (tar-split rebuilds). */
    recycle?: (b: Buffer) => void;
    dec: Stream | import('node:stream').Transform | undefined;
    /** The tar ended first: the rest of the blob file is being read for its digest (see finish). */
    draining?: boolean;
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

  /** A job's failure as the main thread revives it: typed when it carries a goslim code, else by its errno code. */
  const postFailure = (id: number, err: { message: string; code?: string; goslimCode?: string }): void => {
    if (err.goslimCode !== undefined) post({ type: 'error', id, kind: 'typed', code: err.goslimCode, message: err.message });
    else post({ type: 'error', id, kind: 'stream', ...(err.code !== undefined ? { code: err.code } : {}), message: err.message });
  };

  const fail = (job: Job, err: Error & { code?: string; goslimCode?: string }): void => {
    if (job.finished) return;
    stop(job);
    postFailure(job.id, err);
  };

  /**
   * A failure with a goslim error code (this code cannot import errors.ts): the main thread
   * revives it as the GoslimError subclass of that code (tar-worker.ts, reviveError).
   */
  class CodedFault extends Error {
    constructor(
      readonly goslimCode: string,
      message: string,
    ) {
      super(message);
    }
  }
  const typed = (goslimCode: string, message: string): Error => new CodedFault(goslimCode, message);

  /**
   * A containers-storage layer's tar, rebuilt from its tar-split record and its directory, as
   * containers/storage's Diff() does (the rules are containers-storage.ts's): headers and
   * padding come from the record, each file's bytes from the directory, opened with O_NOFOLLOW
   * below a parent whose real path is inside the layer, and of exactly the recorded size. The
   * output comes in buffers of up to OUT bytes (one message per slot on the main side, not one
   * per tar header).
   */
  /**
   * The rules of a tar-split rebuild, shared by its two readers (the synchronous one below and
   * the stream one for when zlib's synchronous handle is missing): what a record line says, and
   * the file a payload entry names, opened safely.
   */
  type SplitLine = { kind: 'segment'; data: Buffer } | { kind: 'file'; name: string; size: number } | undefined;
  const tarSplitRules = (ts: { path: string; dir: string; what: string }) => {
    const { what, dir } = ts;
    let realDir: string | undefined;
    // Real paths of the directories met (one lstat per new directory: its parent's real path
    // plus its name unless it is a symlink, which is resolved in full).
    const root = path.resolve(dir);
    const reals = new Map<string, string>();
    const rootReal = (): string => {
      if (realDir !== undefined) return realDir;
      try {
        realDir = fs.realpathSync(dir);
      } catch (err) {
        throw typed('E_NOT_FOUND', `${what}: its directory ${dir} cannot be read (${(err as Error).message})`);
      }
      reals.set(root, realDir);
      return realDir;
    };
    const realOf = (p: string): string => {
      const known = reals.get(p);
      if (known !== undefined) return known;
      const up = path.dirname(p);
      let real: string;
      if (up === p || !p.startsWith(root + path.sep)) real = fs.realpathSync(p);
      else {
        const upReal = realOf(up);
        real = fs.lstatSync(p).isSymbolicLink() ? fs.realpathSync(p) : path.join(upReal, path.basename(p));
      }
      reals.set(p, real);
      return real;
    };
    // A name as tar-split records it (relative, no empty, `.` or `..` component, no trailing
    // slash) is its own normal form: the path functions are skipped for it (~26k files a layer).
    const plainName = /^(?!\.\.?(?:\/|$))(?:[^/\0]+\/)*[^/\0]+$/;
    const isPlain = (n: string): boolean => plainName.test(n) && !n.includes('/./') && !n.includes('/../') && !n.endsWith('/.') && !n.endsWith('/..');
    const openPayload = (rawName: string, size: number): number => {
      const top = rootReal();
      let name: string;
      let full: string;
      let parent: string;
      if (isPlain(rawName)) {
        name = rawName;
        full = root.endsWith("/") ? `${root}${name}` : `${root}/${name}`;
        parent = full.slice(0, full.lastIndexOf('/'));
      } else {
        name = path.posix.normalize(rawName.replace(/^\/+/, ''));
        if (name === '..' || name.startsWith('../') || path.posix.isAbsolute(name)) throw typed('E_UNSAFE_PATH', `${what}: tar-split names ${rawName}, outside the layer`);
        full = path.resolve(dir, name);
        parent = path.dirname(full);
      }
      let real: string;
      try {
        real = realOf(parent);
      } catch {
        throw typed('E_NOT_FOUND', `${what}: ${name} is missing from ${dir}`);
      }
      if (real !== top && !real.startsWith(top + path.sep)) throw typed('E_UNSAFE_PATH', `${what}: ${name} lies behind a symlink out of ${dir}`);
      let fd: number;
      try {
        fd = fs.openSync(full, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK); // a FIFO does not block the open
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw typed('E_UNSAFE_PATH', `${what}: ${name} is a symlink where the layer has a file`);
        throw typed('E_NOT_FOUND', `${what}: ${name} is missing from ${dir}`);
      }
      const st = fs.fstatSync(fd);
      if (!st.isFile() || st.size !== size) {
        fs.closeSync(fd);
        throw typed('E_MALFORMED', `${what}: ${name} in ${dir} is ${st.isFile() ? `${st.size} bytes` : 'not a file'}, its record says ${size}`);
      }
      return fd;
    };
    const parseLine = (line: string): SplitLine => {
      let e: { type?: unknown; name?: unknown; size?: unknown; payload?: unknown };
      try {
        e = JSON.parse(line) as typeof e;
      } catch {
        throw typed('E_MALFORMED', `${what}: ${ts.path} has a line that is not JSON`);
      }
      if (e === null || typeof e !== 'object') throw typed('E_MALFORMED', `${what}: ${ts.path} has a line that is not an object`);
      if (e.type === 2) {
        if (e.payload === undefined || e.payload === null || e.payload === '') return undefined;
        if (typeof e.payload !== 'string') throw typed('E_MALFORMED', `${what}: tar-split segment payload is not a string`);
        return { kind: 'segment', data: Buffer.from(e.payload, 'base64') };
      }
      if (e.type !== 1) throw typed('E_MALFORMED', `${what}: tar-split entry type ${String(e.type)} is unknown`);
      const size = e.size ?? 0;
      if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw typed('E_MALFORMED', `${what}: tar-split entry size is not a size`);
      if (size === 0 || typeof e.name !== 'string') return undefined;
      return { kind: 'file', name: e.name, size };
    };
    const unreadable = (err: unknown): Error =>
      (err as { goslimCode?: string }).goslimCode !== undefined ? (err as Error) : typed('E_MALFORMED', `${what}: ${ts.path} cannot be read (${(err as Error).message})`);
    return { openPayload, parseLine, unreadable, checkDir: rootReal };
  };

  /**
   * A containers-storage layer's tar, rebuilt from its tar-split record and its directory, as
   * containers/storage's Diff() does (the rules are containers-storage.ts's): headers and
   * padding come from the record, each file's bytes from the directory, opened with O_NOFOLLOW
   * below a parent whose real path is inside the layer, and of exactly the recorded size. This
   * is the stream reader (when zlib's synchronous handle is missing; see tarSplitFiller for the
   * usual one). The output comes in buffers of up to OUT bytes.
   */
  const tarSplitSource = (ts: { path: string; dir: string; what: string }): Stream & { recycle?: (b: Buffer) => void } => {
    const OUT = 1 << 20;
    // Output buffers come back once copied into the ring (recycle), so a layer costs a few MiB
    // here, not a garbage buffer per MiB of tar.
    const spare: Buffer[] = [];
    const take = (): Buffer => spare.pop() ?? Buffer.allocUnsafe(OUT);
    const rules = tarSplitRules(ts);
    const lines = createReadStream(ts.path).pipe(createGunzip());
    async function* rebuild(): AsyncGenerator<Buffer> {
      rules.checkDir();
      let out = take();
      let o = 0;
      let carry: Buffer | undefined;
      const put = function* (data: Buffer): Generator<Buffer> {
        let i = 0;
        while (i < data.length) {
          const n = Math.min(data.length - i, OUT - o);
          data.copy(out, o, i, i + n);
          o += n;
          i += n;
          if (o === OUT) {
            yield out;
            out = take();
            o = 0;
          }
        }
      };
      const entry = function* (line: string): Generator<Buffer> {
        const e = rules.parseLine(line);
        if (e === undefined) return;
        if (e.kind === 'segment') {
          yield* put(e.data);
          return;
        }
        const fd = rules.openPayload(e.name, e.size);
        try {
          let left = e.size;
          while (left > 0) {
            const n = fs.readSync(fd, out, o, Math.min(OUT - o, left), null);
            if (n === 0) throw typed('E_TRUNCATED', `${ts.what}: ${e.name} shrank while read`);
            left -= n;
            o += n;
            if (o === OUT) {
              yield out;
              out = take();
              o = 0;
            }
          }
        } finally {
          fs.closeSync(fd);
        }
      };
      try {
        for await (const chunk of lines as AsyncIterable<Buffer>) {
          let data = carry === undefined ? chunk : Buffer.concat([carry, chunk]);
          carry = undefined;
          let from = 0;
          for (;;) {
            const nl = data.indexOf(10, from);
            if (nl < 0) break;
            if (nl > from) yield* entry(data.toString('utf8', from, nl));
            from = nl + 1;
          }
          if (from < data.length) carry = Buffer.from(data.subarray(from));
          data = Buffer.alloc(0);
        }
      } catch (err) {
        throw rules.unreadable(err);
      }
      if (carry !== undefined && carry.length > 0) yield* entry(carry.toString('utf8'));
      if (o > 0) yield out.subarray(0, o);
    }
    const src: Stream & { recycle?: (b: Buffer) => void } = Readable.from(rebuild(), { objectMode: false, highWaterMark: 1 << 20 });
    src.recycle = (b: Buffer): void => {
      if (b.length === OUT && b.byteOffset === 0 && spare.length < 4) spare.push(b);
    };
    src.on('close', () => lines.destroy());
    return src;
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

  /**
   * The blob's digest and size against its descriptor, once its last byte went through `hash`:
   * the error to send, or undefined when it matches (or nothing was asked). Both paths use it.
   */
  const blobMismatch = (id: number, want: TarWorkerStart['blob'], hash: Hash | undefined, bytes: number): TarWorkerReply | undefined => {
    if (want === undefined || hash === undefined) return undefined;
    const actual = `sha256:${hash.digest('hex')}`;
    if (actual !== want.digest) {
      return { type: 'error', id, kind: 'digest', message: `${want.what}: content hashes to ${actual}, expected ${want.digest}`, details: { expected: want.digest, actual, bytes } };
    }
    if (want.size !== undefined && bytes !== want.size) {
      return { type: 'error', id, kind: 'digest', message: `${want.what}: ${bytes} bytes, descriptor says ${want.size}`, details: { expected: want.digest, bytes, size: want.size } };
    }
    return undefined;
  };

  const finish = (job: Job): void => {
    if (job.finished) return;
    // The tar ended before the blob file did (zero padding after the last gzip member, which
    // gunzip ignores, and the pipe stops there): the rest of the file is part of its digest.
    if (job.blobHash !== undefined && job.req.file !== undefined && !job.raw.readableEnded) {
      if (job.draining) return; // the raw stream's end calls again
      job.draining = true;
      job.raw.unpipe();
      job.raw.once('end', () => finish(job));
      job.raw.resume();
      return;
    }
    sendSlot(job);
    const mismatch = blobMismatch(job.id, job.req.blob, job.blobHash, job.blobBytes);
    if (mismatch !== undefined) {
      stop(job);
      post(mismatch);
      return;
    }
    job.finished = true;
    jobs.delete(job.id);
    pushed.delete(job.id);
    post({ type: 'end', id: job.id, blobBytes: job.blobBytes, tarBytes: job.tarBytes, via: 'stream' });
  };

  const drainPending = (job: Job): void => {
    while (job.pending.length > 0) {
      const rest = fill(job, job.pending[0]!);
      if (rest !== undefined) {
        job.pending[0] = rest;
        return;
      }
      const done = job.pending.shift()!;
      if (done.byteOffset === 0) job.recycle?.(done);
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
    const raw: Stream & { recycle?: (b: Buffer) => void } =
      req.tarSplit !== undefined
        ? tarSplitSource(req.tarSplit)
        : req.file === undefined
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
      ...(dec === undefined && raw.recycle !== undefined ? { recycle: raw.recycle } : {}),
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
        if (rest === undefined) job.recycle?.(c);
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

  // ---------------------------------------------------------------- the synchronous path
  // A blob in a local file (gzip or plain) is read with readSync and inflated with zlib's
  // synchronous write on this thread, straight into the ring's slots: no thread-pool hop per
  // block, no output buffer allocated per MiB (each a fresh mapping the kernel must fault in),
  // no copy from zlib's buffer into the slot. Measured on the fat fixture's 278 MB layer, one
  // thread: 1.30 s CPU against 1.59 s for a zlib stream with 1 MiB chunks (and 1.79 s with
  // 128 KiB ones). Node's zlib streams offer no synchronous streaming call, so this drives the
  // stream's native handle the way zlib.js's own processChunkSync does (`_handle.writeSync`,
  // its `_writeState` [availOut, availIn] and its `onerror`); when a Node release lacks them,
  // syncInflater() answers undefined and the stream path above serves.
  interface Inflater {
    stream: import('node:zlib').Gunzip | import('node:zlib').InflateRaw;
    write(flush: number, input: Uint8Array, inOff: number, inLen: number, out: Uint8Array, outOff: number, outLen: number): void;
    state: Uint32Array;
    /** What zlib reported (the same message and code its stream would emit), sent on as is. */
    error: { message: string; code?: string } | undefined;
  }
  const syncInflater = (raw = false): Inflater | undefined => {
    if (process.env.GOSLIM_SYNC_INFLATE === '0') return undefined;
    const stream = raw ? createInflateRaw() : createGunzip();
    const internal = stream as unknown as { _handle?: Record<string, unknown> | null; _writeState?: unknown };
    const handle = internal._handle;
    const state = internal._writeState;
    if (!handle || typeof handle.writeSync !== 'function' || typeof handle.onerror !== 'function' || !(state instanceof Uint32Array) || state.length < 2) {
      stream.destroy();
      return undefined;
    }
    const inf: Inflater = {
      stream,
      write: (handle.writeSync as Inflater['write']).bind(handle),
      state,
      error: undefined,
    };
    // zlib reports a failed write through the handle's onerror (as the stream would emit it).
    handle.onerror = (message: string, _errno: number, code: string): void => {
      inf.error ??= { message, code };
    };
    return inf;
  };

  /** Writes a job's tar into a slot: `len` bytes at `at`, and whether the tar ended there. */
  interface Filler {
    fill(ring: Uint8Array, at: number, size: number): { len: number; ended: boolean };
    close(): void;
  }

  /**
   * The usual tar-split reader: the record is inflated with zlib's synchronous write and its
   * lines parsed as they come; segments (headers, padding) are copied and files read with
   * readSync straight into the ring's slots. No stream, no output buffer per MiB, no copy of
   * file data (the stream reader above took twice the CPU on the fat image's Go toolchain
   * layer, most of it in stream machinery and garbage collection).
   */
  const MAX_SPLIT_LINE = 16 << 20;
  const tarSplitFiller = (ts: { path: string; dir: string; what: string }): Filler | undefined => {
    const inf = syncInflater();
    if (inf === undefined) return undefined;
    const rules = tarSplitRules(ts);
    let gz = -1;
    const input = Buffer.allocUnsafe(1 << 18);
    let inOff = 0;
    let inLen = 0;
    let inEof = false;
    let zEnded = false;
    // Inflated record text: text[tOff, tEnd) is not yet parsed.
    let text = Buffer.allocUnsafe(1 << 20);
    let tOff = 0;
    let tEnd = 0;
    let seg: Buffer | undefined;
    let segOff = 0;
    let fd = -1;
    let left = 0;
    let fileName = '';
    let started = false;
    /** Inflate more of the record after tEnd; false when it has ended. */
    const more = (): boolean => {
      if (zEnded) return false;
      if (tOff > 0) {
        text.copyWithin(0, tOff, tEnd);
        tEnd -= tOff;
        tOff = 0;
      }
      if (tEnd === text.length) {
        if (text.length >= MAX_SPLIT_LINE) throw typed('E_MALFORMED', `${ts.what}: ${ts.path} has a line longer than ${MAX_SPLIT_LINE} bytes`);
        const bigger = Buffer.allocUnsafe(text.length * 2);
        text.copy(bigger, 0, 0, tEnd);
        text = bigger;
      }
      for (;;) {
        if (inLen === 0 && !inEof) {
          inOff = 0;
          inLen = readSync(gz, input, 0, input.length, null);
          if (inLen === 0) inEof = true;
        }
        const room = text.length - tEnd;
        inf.write(inEof ? zc.Z_FINISH : zc.Z_NO_FLUSH, input, inOff, inLen, text, tEnd, room);
        if (inf.error !== undefined) throw rules.unreadable(inf.error);
        const availOut = inf.state[0]!;
        const availIn = inf.state[1]!;
        tEnd += room - availOut;
        inOff += inLen - availIn;
        inLen = availIn;
        if (availOut === 0) return true; // the text buffer is full
        // Room left: zlib took all the input it wanted; at the end of the input, the record ended.
        if (inEof || availIn > 0) {
          zEnded = true;
          return room - availOut > 0;
        }
        if (room - availOut > 0) return true;
      }
    };
    /** The next record line (empty lines skipped), or undefined at its end. */
    const nextLine = (): string | undefined => {
      for (;;) {
        const nl = text.indexOf(10, tOff);
        if (nl >= 0 && nl < tEnd) {
          const from = tOff;
          tOff = nl + 1;
          if (nl > from) return text.toString('utf8', from, nl);
          continue;
        }
        if (!more()) {
          if (tOff >= tEnd) return undefined;
          const last = text.toString('utf8', tOff, tEnd);
          tOff = tEnd;
          return last;
        }
      }
    };
    const closeFile = (): void => {
      if (fd >= 0) fs.closeSync(fd);
      fd = -1;
    };
    return {
      fill(ring, at, size) {
        if (!started) {
          started = true;
          rules.checkDir();
          try {
            gz = openSync(ts.path, READ_FLAGS);
          } catch (err) {
            throw rules.unreadable(err);
          }
        }
        let len = 0;
        while (len < size) {
          if (seg !== undefined) {
            const n = Math.min(seg.length - segOff, size - len);
            seg.copy(ring, at + len, segOff, segOff + n);
            segOff += n;
            len += n;
            if (segOff === seg.length) seg = undefined;
          } else if (fd >= 0) {
            const n = readSync(fd, ring, at + len, Math.min(size - len, left), null);
            if (n === 0) throw typed('E_TRUNCATED', `${ts.what}: ${fileName} shrank while read`);
            left -= n;
            len += n;
            if (left === 0) closeFile();
          } else {
            const line = nextLine();
            if (line === undefined) return { len, ended: true };
            const e = rules.parseLine(line);
            if (e === undefined) continue;
            if (e.kind === 'segment') {
              seg = e.data;
              segOff = 0;
            } else {
              fd = rules.openPayload(e.name, e.size);
              left = e.size;
              fileName = e.name;
            }
          }
        }
        return { len, ended: false };
      },
      close() {
        closeFile();
        if (gz >= 0) fs.closeSync(gz);
        gz = -1;
        inf.stream.close();
      },
    };
  };

  interface SyncJob {
    id: number;
    req: TarWorkerStart;
    fd: number;
    /**
     * A gzip blob the main thread pushes as it arrives (a registry response): its chunks in
     * order, and whether input-end came. Each chunk is acknowledged once zlib has taken all of
     * it, so the main thread sends at most a few MiB ahead.
     */
    pushed: { queue: Buffer[]; ended: boolean; current: number } | undefined;
    /** The slot being filled when pushed input ran out, and its bytes so far. */
    partial: { slot: number; len: number } | undefined;
    pos: number;
    end: number;
    ring: Uint8Array;
    slotSize: number;
    free: number[];
    inflater: Inflater | undefined;
    /** Compressed input: buf[inOff, inOff + inLen) is not yet taken by zlib. */
    buf: Buffer | undefined;
    inOff: number;
    inLen: number;
    eof: boolean;
    blobHash: Hash | undefined;
    blobBytes: number;
    tarBytes: number;
    scheduled: boolean;
    done: boolean;
    /** The tar comes from this instead of the file (a tar-split rebuild). */
    filler: Filler | undefined;
    /** The gzip framing, parsed here when zlib inflates raw deflate (the main thread checks the CRCs). */
    gz: GzipFrame | undefined;
    /** Members that ended since the last message, [end, crc, ...]: sent with the next slots. */
    members: number[];
    /** Since when every slot is with the main thread (0: not waiting), and the time so waited. */
    waitingSince: number;
    waitedMs: number;
  }
  const syncJobs = new Map<number, SyncJob>();

  // ---- gzip framing (RFC 1952), for a job whose CRCs the main thread checks
  // zlib's gunzip computes each member's CRC-32 over its output here, on the thread the whole
  // walk waits for: on the fat fixture's 907 MB Go toolchain layer, an eighth of this thread's
  // time (measured: 1.36-1.48 s CPU inflating raw against 1.58-1.72 s through gunzip). So zlib
  // inflates raw deflate, this code reads the header and the trailer as zlib would (same checks,
  // same messages and codes), and each member's end and stored CRC go to the main thread, which
  // checks it over the slots as it reads them (it waits on this thread most of the time). A member
  // that ends exactly at the end of a slot is found at the start of the next one: its end is
  // then sent with that next slot, and the main thread settles ends at the start of each slot.
  const GZ_HEADER = 0;
  const GZ_BODY = 1;
  const GZ_TRAILER = 2;
  /** After a member: zero bytes end the blob (padding, as gunzip allows), anything else is another member. */
  const GZ_BETWEEN = 3;
  /** Member ends sent per slot at most (a slot ends early past it): bounds the messages' size. */
  const MEMBERS_PER_SLOT = 1024;
  interface GzipFrame {
    phase: number;
    /** In the header: 0 the fixed 10 bytes, then 1 XLEN, 2 extra field, 3 name, 4 comment, 5 header CRC. */
    step: number;
    flags: number;
    /** Bytes of the current step collected (fixed part, XLEN, header CRC, trailer). */
    got: number;
    bytes: Buffer;
    /** Extra-field bytes still to skip. */
    skip: number;
    /** CRC-32 of the header so far, when it carries a header CRC (FHCRC). */
    hcrc: number | undefined;
    /** The member's output so far. */
    out: number;
  }
  const dataError = (message: string): { message: string; code: string } => ({ message, code: 'Z_DATA_ERROR' });
  const CUT = { message: 'unexpected end of file', code: 'Z_BUF_ERROR' };
  const newFrame = (): GzipFrame => ({ phase: GZ_HEADER, step: 0, flags: 0, got: 0, bytes: Buffer.alloc(10), skip: 0, hcrc: undefined, out: 0 });
  /** Header steps a member's flags include: FEXTRA (4) the XLEN and the field, FNAME (8), FCOMMENT (16), FHCRC (2). */
  const STEP_FLAG = [0, 4, 4, 8, 16, 2];
  const nextStep = (gz: GzipFrame): void => {
    gz.step++;
    while (gz.step <= 5 && (gz.flags & STEP_FLAG[gz.step]!) === 0) gz.step++;
    gz.got = 0;
    if (gz.step > 5) {
      gz.phase = GZ_BODY;
      gz.out = 0;
    }
  };
  /** Takes header bytes from the job's input; throws zlib's error for a bad header. */
  const gzHeader = (job: SyncJob, gz: GzipFrame): void => {
    const buf = job.buf!;
    const take = (n: number): void => {
      if (gz.hcrc !== undefined && gz.step !== 5) gz.hcrc = crc32(buf.subarray(job.inOff, job.inOff + n), gz.hcrc);
      job.inOff += n;
      job.inLen -= n;
    };
    while (job.inLen > 0 && gz.phase === GZ_HEADER) {
      if (gz.step === 0 || gz.step === 1 || gz.step === 5) {
        const want = gz.step === 0 ? 10 : 2;
        const n = Math.min(want - gz.got, job.inLen);
        buf.copy(gz.bytes, gz.got, job.inOff, job.inOff + n);
        take(n);
        gz.got += n;
        const b = gz.bytes;
        // zlib judges the magic, the method and the flags as soon as it has them (a blob cut
        // after two wrong bytes is "incorrect header check", not a cut one).
        if (gz.step === 0) {
          if (gz.got >= 2 && (b[0] !== 0x1f || b[1] !== 0x8b)) throw dataError('incorrect header check');
          if (gz.got >= 3 && b[2] !== 8) throw dataError('unknown compression method');
          if (gz.got >= 4 && (b[3]! & 0xe0) !== 0) throw dataError('unknown header flags set');
        }
        if (gz.got < want) continue;
        if (gz.step === 0) {
          gz.flags = b[3]!;
          // The header CRC covers the header up to it, the fixed part included.
          if ((gz.flags & 2) !== 0) gz.hcrc = crc32(b.subarray(0, 10), 0);
        } else if (gz.step === 1) {
          gz.skip = b.readUInt16LE(0);
        } else if ((gz.hcrc! & 0xffff) !== b.readUInt16LE(0)) {
          throw dataError('header crc mismatch');
        }
        nextStep(gz);
      } else if (gz.step === 2) {
        const n = Math.min(gz.skip, job.inLen);
        take(n);
        gz.skip -= n;
        if (gz.skip === 0) nextStep(gz);
      } else {
        // A zero-terminated name or comment.
        const z = buf.indexOf(0, job.inOff);
        const end = z >= 0 && z < job.inOff + job.inLen ? z + 1 : job.inOff + job.inLen;
        take(end - job.inOff);
        if (z >= 0 && end === z + 1) nextStep(gz);
      }
    }
  };
  /** Takes trailer bytes; at its end checks ISIZE here and queues the member's end and CRC for the main thread. */
  const gzTrailer = (job: SyncJob, gz: GzipFrame, end: number): void => {
    const buf = job.buf!;
    const n = Math.min(8 - gz.got, job.inLen);
    buf.copy(gz.bytes, gz.got, job.inOff, job.inOff + n);
    job.inOff += n;
    job.inLen -= n;
    gz.got += n;
    if (gz.got < 8) return;
    const crc = gz.bytes.readUInt32LE(0);
    if (gz.bytes.readUInt32LE(4) !== gz.out % 0x100000000) throw dataError('incorrect length check');
    // An empty member's CRC is 0: checked here, not sent (so a blob of empty members sends nothing).
    if (gz.out === 0) {
      if (crc !== 0) throw dataError('incorrect data check');
    } else job.members.push(end, crc);
    gz.phase = GZ_BETWEEN;
  };
  /** Slots filled per turn of the event loop before release and cancel messages are let in. */
  const SLOTS_PER_TURN = 4;
  const INPUT_CHUNK = 1 << 20;

  const closeSyncJob = (job: SyncJob): void => {
    job.done = true;
    syncJobs.delete(job.id);
    try {
      if (job.fd >= 0) closeSync(job.fd);
    } catch {
      // already closed
    }
    job.inflater?.stream.close();
    job.filler?.close();
  };

  const failSync = (job: SyncJob, err: { message: string; code?: string; goslimCode?: string }): void => {
    if (job.done) return;
    closeSyncJob(job);
    postFailure(job.id, err);
  };

  const finishSync = (job: SyncJob): void => {
    // The tar ended before the blob did (zero padding after the last gzip member, which gunzip
    // ignores): the rest of the blob is still part of its digest.
    if (job.blobHash !== undefined && job.fd >= 0 && job.pos < job.end) {
      const scratch = Buffer.allocUnsafe(INPUT_CHUNK);
      try {
        while (readBlob(job, scratch, 0, scratch.length) > 0);
      } catch (err) {
        failSync(job, err as { message: string; code?: string });
        return;
      }
    }
    closeSyncJob(job);
    post(blobMismatch(job.id, job.req.blob, job.blobHash, job.blobBytes) ?? { type: 'end', id: job.id, blobBytes: job.blobBytes, tarBytes: job.tarBytes, via: 'sync', waitedMs: Math.round(job.waitedMs) });
  };

  /** Read up to `len` more blob bytes into dst[off...]; hashes them; 0 at the end of the range. */
  const readBlob = (job: SyncJob, dst: Uint8Array, off: number, len: number): number => {
    const want = Math.min(len, job.end - job.pos);
    if (want <= 0) return 0;
    const n = readSync(job.fd, dst, off, want, job.pos);
    job.pos += n;
    job.blobBytes += n;
    if (n > 0) job.blobHash?.update(dst.subarray(off, off + n));
    return n;
  };

  /**
   * Fill one slot from `at`; returns the bytes written and whether the tar ended. Plain blobs
   * are read straight into the slot; gzip ones are inflated into it.
   */
  /**
   * The next pushed chunk as zlib's input (acknowledging the one it used up); false when none has
   * come yet (the job waits for an input message). At input-end, the end of the blob.
   */
  const takePushed = (job: SyncJob): boolean => {
    const p = job.pushed!;
    if (p.current > 0) {
      post({ type: 'input-ack', id: job.id, bytes: p.current });
      p.current = 0;
    }
    const next = p.queue.shift();
    if (next === undefined) {
      if (!p.ended) return false;
      job.eof = true;
      job.buf ??= Buffer.alloc(0);
      job.inOff = 0;
      return true;
    }
    p.current = next.length;
    job.blobHash?.update(next);
    job.blobBytes += next.length;
    job.buf = next;
    job.inOff = 0;
    job.inLen = next.length;
    return true;
  };

  const fillSlot = (job: SyncJob, at: number, from = 0): { len: number; ended: boolean; starved?: boolean } => {
    const size = job.slotSize;
    if (job.filler !== undefined) return job.filler.fill(job.ring, at, size);
    let len = from;
    const inf = job.inflater;
    if (inf === undefined) {
      while (len < size) {
        const n = readBlob(job, job.ring, at + len, size - len);
        if (n === 0) return { len, ended: true };
        len += n;
      }
      return { len, ended: job.pos >= job.end };
    }
    const gz = job.gz;
    while (len < size) {
      if (job.inLen === 0 && !job.eof) {
        if (job.pushed !== undefined) {
          if (!takePushed(job)) return { len, ended: false, starved: true };
        } else {
          job.inOff = 0;
          job.inLen = readBlob(job, job.buf!, 0, job.buf!.length);
          if (job.inLen === 0) job.eof = true;
        }
      }
      const buf = job.buf!;
      if (gz !== undefined && gz.phase !== GZ_BODY) {
        if (job.inLen === 0) {
          // The end of the blob: fine between members, cut anywhere else.
          if (gz.phase === GZ_BETWEEN) return { len, ended: true };
          throw CUT;
        }
        if (gz.phase === GZ_HEADER) gzHeader(job, gz);
        else if (gz.phase === GZ_TRAILER) {
          gzTrailer(job, gz, job.tarBytes + len);
          if (job.members.length >= 2 * MEMBERS_PER_SLOT) return { len, ended: false };
        } else if (buf[job.inOff] === 0) {
          return { len, ended: true }; // zero padding after the last member: the rest is ignored, as gunzip does
        } else {
          Object.assign(gz, newFrame());
          (inf.stream as unknown as { reset(): void }).reset(); // inflateReset: the next member's deflate data
        }
        continue;
      }
      // At the end of the input Z_FINISH makes zlib say whether the stream was complete
      // ("unexpected end of file", Z_BUF_ERROR, as the stream reports a cut blob).
      const flush = job.eof ? zc.Z_FINISH : zc.Z_NO_FLUSH;
      inf.write(flush, buf, job.inOff, job.inLen, job.ring, at + len, size - len);
      if (inf.error !== undefined) throw inf.error;
      const availOut = inf.state[0]!;
      const availIn = inf.state[1]!;
      const wrote = size - len - availOut;
      len += wrote;
      job.inOff += job.inLen - availIn;
      job.inLen = availIn;
      if (gz !== undefined) {
        gz.out += wrote;
        if (availOut === 0) continue;
        // Room left and input left: the member's deflate data ended; its trailer follows.
        if (availIn > 0) gz.phase = GZ_TRAILER;
        // Room left, no input left, and zlib (told Z_FINISH) did not say the data was cut: the
        // deflate data ended exactly at the end of the blob, without its trailer.
        else if (job.eof) throw CUT;
        continue;
      }
      if (availOut === 0) continue; // the slot is full (the loop ends), or more output is pending
      // Room left in the slot: zlib took all the input it wanted.
      if (job.eof) return { len, ended: true };
      // zlib stopped with input left and room to write: the stream ended before the input did
      // (trailing bytes after the last member), which the stream path also ignores.
      if (availIn > 0) return { len, ended: true };
    }
    return { len, ended: false };
  };

  const pump = (job: SyncJob): void => {
    job.scheduled = false;
    if (job.done) return;
    // The slots filled in one turn go out in one message: waking the main thread costs a
    // system call per message, and a message per MiB was a tenth of this thread's time.
    const list: number[] = [];
    const flush = (): void => {
      if (job.members.length > 0) {
        post({ type: 'chunks', id: job.id, list, members: job.members });
        job.members = [];
      } else if (list.length > 0) post({ type: 'chunks', id: job.id, list });
    };
    try {
      for (let turn = 0; turn < SLOTS_PER_TURN; turn++) {
        // A slot a pushed blob's input ran out in the middle of is filled on first.
        const partial = job.partial;
        job.partial = undefined;
        const slot = partial?.slot ?? job.free.pop();
        if (slot === undefined) {
          job.waitingSince = performance.now();
          flush();
          return; // a release message calls pump again
        }
        const { len, ended, starved } = fillSlot(job, slot * job.slotSize, partial?.len ?? 0);
        if (starved === true) {
          // Out of pushed input: the slot waits, part filled, for the next input message.
          if (len > 0) job.partial = { slot, len };
          else job.free.push(slot);
          flush();
          return;
        }
        job.tarBytes += len;
        if (len > 0) list.push(slot, len);
        else job.free.push(slot);
        if (ended) {
          flush();
          finishSync(job);
          return;
        }
        // The first slot of a turn goes out at once: the main thread may be waiting for it. So do
        // member ends past the bound (a slot of many small members ends early).
        if (turn === 0 || job.members.length >= 2 * MEMBERS_PER_SLOT) {
          flush();
          list.length = 0;
        }
      }
    } catch (err) {
      flush();
      failSync(job, err as { message: string; code?: string });
      return;
    }
    flush();
    job.scheduled = true;
    setImmediate(() => pump(job));
  };

  /** Start a file-backed gzip or plain job on the synchronous path; false when it does not apply. */
  const startSync = (req: TarWorkerStart): boolean => {
    let filler: Filler | undefined;
    if (req.tarSplit !== undefined) {
      filler = tarSplitFiller(req.tarSplit);
      if (filler === undefined) return false;
    } else if (req.zstd !== undefined || (req.file === undefined && !req.gzip)) return false;
    let inflater: Inflater | undefined;
    const framed = req.gzip && filler === undefined && req.crcElsewhere === true && typeof crc32 === 'function';
    if (req.gzip && filler === undefined) {
      inflater = syncInflater(framed);
      if (inflater === undefined) return false;
    }
    const free: number[] = [];
    for (let i = req.slots - 1; i >= 0; i--) free.push(i);
    const pushedIn = req.file === undefined && filler === undefined;
    const job: SyncJob = {
      id: req.id,
      req,
      fd: -1,
      pushed: pushedIn ? { queue: [], ended: false, current: 0 } : undefined,
      partial: undefined,
      pos: req.start,
      end: req.start + req.length,
      ring: new Uint8Array(req.ring),
      slotSize: req.slotSize,
      free,
      inflater,
      buf: inflater !== undefined && !pushedIn ? Buffer.allocUnsafe(INPUT_CHUNK) : undefined,
      inOff: 0,
      inLen: 0,
      eof: false,
      blobHash: req.blob !== undefined ? createHash('sha256') : undefined,
      blobBytes: 0,
      tarBytes: 0,
      scheduled: false,
      done: false,
      filler,
      gz: framed ? newFrame() : undefined,
      members: [],
      waitingSince: 0,
      waitedMs: 0,
    };
    syncJobs.set(req.id, job);
    if (framed) post({ type: 'framed', id: req.id });
    if (filler !== undefined || pushedIn) {
      pump(job);
      return true;
    }
    try {
      job.fd = openSync(req.file!, READ_FLAGS);
    } catch (err) {
      failSync(job, err as { message: string; code?: string });
      return true;
    }
    pump(job);
    return true;
  };

  port.on('message', (msg: TarWorkerRequest) => {
    if (msg.type === 'start') {
      if (!startSync(msg)) start(msg);
      return;
    }
    const sync = syncJobs.get(msg.id);
    if (sync !== undefined) {
      if (msg.type === 'input' || msg.type === 'input-end') {
        if (sync.pushed === undefined) return;
        if (msg.type === 'input') sync.pushed.queue.push(Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength));
        else sync.pushed.ended = true;
        if (!sync.scheduled) pump(sync);
      } else if (msg.type === 'release') {
        if (sync.waitingSince !== 0) {
          sync.waitedMs += performance.now() - sync.waitingSince;
          sync.waitingSince = 0;
        }
        sync.free.push(...msg.slots);
        if (!sync.scheduled) pump(sync);
      } else if (msg.type === 'cancel') {
        closeSyncJob(sync);
      }
      return;
    }
    const job = jobs.get(msg.id);
    if (job === undefined) return; // finished or cancelled: a late release is dropped
    if (msg.type === 'input') {
      pushed.get(msg.id)?.push(Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength));
    } else if (msg.type === 'input-end') {
      pushed.get(msg.id)?.push(null);
    } else if (msg.type === 'release') {
      job.free.push(...msg.slots);
      drainPending(job);
    } else {
      stop(job);
    }
  });
}
