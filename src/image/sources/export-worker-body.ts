/**
 * The body of the engine-export worker thread (the client side is export-worker.ts). Like
 * tar-worker-body.ts it runs as eval'd code, `(${exportWorkerBody.toString()})()`, so it must
 * stay self-contained: no imports, no references to this module's scope, Node built-ins
 * through process.getBuiltinModule (Node >= 20.16), else `require`.
 *
 * One worker = one `GET /images/{name}/get` of a Docker Engine API over a unix socket or
 * plain tcp (docker-daemon.ts; a TLS endpoint is read on the main thread). The worker makes the
 * request itself (the deadlines of engine-client.ts's rawRequest: connect, inactivity, overall)
 * and reads the answer with its own small HTTP/1.1 reader into one reused buffer (the socket's
 * `onread`; node:http would allocate a buffer per read, over a GB of garbage per image), and
 * copies the body (de-chunked) into a ring of slots in a SharedArrayBuffer that the main thread
 * parses in place (the outer archive, then each layer's tar) and hands back. Why a thread: on
 * the main thread, the read buffers were collected beside the merged tree (the garbage
 * collector was the walk's largest cost), and the layers' diff_id hashes are computed here,
 * over the ranges of the ring the main thread names (it alone parses the archive), while the
 * main thread parses.
 *
 * Protocol:
 *   main -> worker  start {endpoint, path, connectMs, idleMs, deadlineMs, ring, slots, slotSize}
 *                   release {slots, hash, digest?}  first add the ring ranges in `hash`
 *                                           [layer, start, len, ...] to those layers' hashes,
 *                                           then send layer `digest`'s hash when it is given (its
 *                                           bytes are all in), then take back `slots` (which the
 *                                           main thread is done with). One message per slot.
 *                   cancel                  stop (the worker is terminated next)
 *   worker -> main  response {status, body?} the answer's status; for a non-2xx one, its body
 *                                           (at most 64 KiB, for the engine's error message)
 *                   chunks {list}           filled slots [slot, len, slot, len, ...], in order
 *                   digest {layer, hex, bytes}
 *                   end                     the body ended (every chunk was sent before)
 *                   error {phase, message, code?}  phase 'request': no answer (E_NETWORK on
 *                                           the main side); 'body': the body failed midway
 */
export interface ExportWorkerStart {
  type: 'start';
  endpoint: { url: string; socketPath?: string; host?: string; port?: number };
  path: string;
  connectMs: number;
  idleMs: number;
  deadlineMs: number;
  ring: SharedArrayBuffer;
  slots: number;
  slotSize: number;
}

export type ExportWorkerRequest =
  | ExportWorkerStart
  | { type: 'release'; slots: number[]; hash: number[]; digest?: number }
  | { type: 'cancel' };

export type ExportWorkerReply =
  | { type: 'response'; status: number; body?: Uint8Array }
  | { type: 'chunks'; list: number[] }
  | { type: 'digest'; layer: number; hex: string; bytes: number }
  | { type: 'end' }
  | { type: 'error'; phase: 'request' | 'body'; message: string; code?: string };

export function exportWorkerBody(): void {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const builtin = (process as unknown as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  const load = <T>(id: string): T => (typeof builtin === 'function' ? builtin(id) : require(id)) as T;
  const { parentPort } = load<typeof import('node:worker_threads')>('node:worker_threads');
  const net = load<typeof import('node:net')>('node:net');
  const { createHash } = load<typeof import('node:crypto')>('node:crypto');
  type Hash = import('node:crypto').Hash;
  if (!parentPort) return;
  const port = parentPort;
  const post = (msg: ExportWorkerReply): void => port.postMessage(msg);
  /** An answer that is not HTTP/1.1 as expected (this code cannot import errors.ts). */
  class HttpFault extends Error {}
  /** The status line and headers; an error document kept for its message. */
  const MAX_HEAD = 64 * 1024;
  /**
   * A partly filled slot goes to an idle main thread at once from this size, else after
   * FLUSH_MS without more bytes: each slot costs the main thread a round of promises, and
   * bursts of reads are often a few 64 KiB each.
   */
  const MIN_FLUSH = 256 * 1024;
  const FLUSH_MS = 2;
  /** The socket's one read buffer. */
  const READ_BUFFER = 256 * 1024;
  const MAX_ERROR_BODY = 64 * 1024;

  let ring: Uint8Array | undefined;
  let slotSize = 0;
  const free: number[] = [];
  /** The slot being filled, and how far. */
  let cur: number | undefined;
  let off = 0;
  /** Slots sent and not yet handed back. */
  let lent = 0;
  /**
   * Body bytes that arrived while no slot was free, in order: spill[spillStart, spillEnd) (a copy:
   * the read buffer is reused). The socket is paused then, so it holds at most one read's worth;
   * one buffer for the whole export, not a new one per pause.
   */
  let spill = Buffer.allocUnsafe(0);
  let spillStart = 0;
  let spillEnd = 0;
  const spilled = (): boolean => spillEnd > spillStart;
  const toSpill = (b: Uint8Array): void => {
    if (spillEnd + b.length > spill.length) {
      const grown = Buffer.allocUnsafe(Math.max(spill.length * 2, spillEnd - spillStart + b.length, READ_BUFFER));
      spill.copy(grown, 0, spillStart, spillEnd);
      spill = grown;
      spillEnd -= spillStart;
      spillStart = 0;
    }
    spill.set(b, spillEnd);
    spillEnd += b.length;
  };
  let socket: import('node:net').Socket | undefined;
  let paused = false;
  let bodyEnded = false;
  let finished = false;
  let flushQueued = false;
  const hashes = new Map<number, { hash: Hash; bytes: number }>();
  const timers: NodeJS.Timeout[] = [];

  const stop = (): void => {
    finished = true;
    clearTimeout(flushTimer);
    for (const t of timers) clearTimeout(t);
    socket?.destroy();
  };
  const fail = (phase: 'request' | 'body', message: string, code?: string): void => {
    if (finished) return;
    stop();
    post({ type: 'error', phase, message, ...(code !== undefined ? { code } : {}) });
  };

  /** Send the slot being filled (when it holds anything). */
  const flush = (): void => {
    if (cur === undefined || off === 0) return;
    post({ type: 'chunks', list: [cur, off] });
    lent++;
    cur = undefined;
    off = 0;
  };
  /** Copy body bytes into the ring; false when it is full (the rest waits in the spill). */
  const put = (c: Uint8Array, fromSpill = false): boolean => {
    let i = 0;
    let list: number[] | undefined;
    while (i < c.length) {
      if (cur === undefined) {
        const s = free.shift();
        if (s === undefined) break;
        cur = s;
        off = 0;
      }
      const n = Math.min(c.length - i, slotSize - off);
      ring!.set(i === 0 && n === c.length ? c : c.subarray(i, i + n), cur * slotSize + off);
      off += n;
      i += n;
      if (off === slotSize) {
        (list ??= []).push(cur, off);
        lent++;
        cur = undefined;
        off = 0;
      }
    }
    if (list !== undefined) post({ type: 'chunks', list });
    if (i < c.length) {
      if (fromSpill) spillStart += i;
      else toSpill(c.subarray(i));
      return false;
    }
    if (fromSpill) spillStart = spillEnd = 0;
    return true;
  };
  /**
   * A partly filled slot is sent when the main thread has nothing else to parse (after a burst
   * of reads), so that it does not wait for a slot to fill while bytes are here.
   */
  let flushTimer: NodeJS.Timeout | undefined;
  const maybeFlush = (): void => {
    if (flushQueued || lent > 0 || finished || cur === undefined) return;
    flushQueued = true;
    setImmediate(() => {
      flushQueued = false;
      if (lent > 0 || finished) return;
      if (off >= MIN_FLUSH) {
        flush();
        return;
      }
      clearTimeout(flushTimer);
      flushTimer = setTimeout(() => {
        if (lent === 0 && !finished) flush();
      }, FLUSH_MS);
    });
  };
  const finishBody = (): void => {
    if (finished || !bodyEnded || spilled()) return;
    flush();
    finished = true;
    for (const t of timers) clearTimeout(t);
    socket?.destroy();
    post({ type: 'end' });
  };
  const drain = (): void => {
    if (spilled() && !put(spill.subarray(spillStart, spillEnd), true)) return;
    if (bodyEnded) finishBody();
    else if (paused) {
      paused = false;
      socket?.resume();
    }
    maybeFlush();
  };

  // ---- the HTTP/1.1 answer: status line and headers, then a body by length, chunked, or to EOF
  let state: 'head' | 'size' | 'data' | 'crlf' | 'trailer' | 'body' | 'done' = 'head';
  let line = ''; // a partial head, chunk-size or trailer line (latin1)
  let status = 0;
  /** Body bytes left: of the current chunk (chunked) or of the body (content-length; -1: to EOF). */
  let left = 0;
  let crlf = 0;
  let chunked = false;
  let errorDoc: Buffer[] | undefined;
  let errorBytes = 0;

  /** Payload bytes, to the ring (a 2xx answer) or kept for the engine's message. */
  const payload = (b: Uint8Array): boolean => {
    if (errorDoc === undefined) {
      if (!spilled()) return put(b);
      toSpill(b); // after bytes already waiting (the ring is full)
      return false;
    }
    if (errorBytes < MAX_ERROR_BODY) errorDoc.push(Buffer.from(b.subarray(0, MAX_ERROR_BODY - errorBytes)));
    errorBytes += b.length;
    return true;
  };
  const endBody = (): void => {
    state = 'done';
    if (errorDoc !== undefined) {
      post({ type: 'response', status, body: new Uint8Array(Buffer.concat(errorDoc)) });
      stop();
      return;
    }
    bodyEnded = true;
    finishBody();
  };
  const parseHead = (head: string): void => {
    const lines = head.split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
    if (m === null) throw new HttpFault(`not an HTTP answer: ${JSON.stringify((lines[0] ?? '').slice(0, 60))}`);
    status = Number(m[1]);
    let length = -1;
    for (const l of lines.slice(1)) {
      const colon = l.indexOf(':');
      if (colon <= 0) continue;
      const name = l.slice(0, colon).trim().toLowerCase();
      const value = l.slice(colon + 1).trim();
      if (name === 'transfer-encoding') chunked = /(^|,)\s*chunked\s*$/i.test(value);
      else if (name === 'content-length') {
        if (!/^\d{1,15}$/.test(value)) throw new HttpFault(`bad Content-Length ${JSON.stringify(value.slice(0, 20))}`);
        length = Number(value);
      }
    }
    if (status >= 100 && status < 200) {
      state = 'head'; // an interim answer: the real one follows
      return;
    }
    if (status < 200 || status >= 300) errorDoc = [];
    else post({ type: 'response', status });
    if (chunked) state = 'size';
    else if (length >= 0) {
      state = 'body';
      left = length;
      if (left === 0) endBody();
    } else {
      state = 'body';
      left = -1;
    }
  };
  /** One read's bytes (the reused buffer): false to pause the socket. */
  const onBytes = (buf: Uint8Array): boolean => {
    let i = 0;
    let room = true;
    while (i < buf.length && state !== 'done' && !finished) {
      if (state === 'head' || state === 'size' || state === 'trailer') {
        const nl = buf.indexOf(0x0a, i);
        const end = nl < 0 ? buf.length : nl + 1;
        line += Buffer.from(buf.buffer, buf.byteOffset + i, end - i).toString('latin1');
        i = end;
        if (line.length > MAX_HEAD) throw new HttpFault('HTTP header or chunk line too long');
        if (nl < 0) break;
        if (state === 'head') {
          if (!line.endsWith('\r\n\r\n') && line !== '\r\n') continue;
          const head = line;
          line = '';
          parseHead(head.trimEnd());
        } else if (state === 'size') {
          const hex = line.trim().split(';')[0]!.trim();
          line = '';
          if (!/^[0-9a-fA-F]{1,12}$/.test(hex)) throw new HttpFault(`bad chunk size ${JSON.stringify(hex.slice(0, 20))}`);
          left = Number.parseInt(hex, 16);
          state = left === 0 ? 'trailer' : 'data';
        } else {
          const done = line === '\r\n' || line === '\n';
          line = '';
          if (done) endBody();
        }
        continue;
      }
      if (state === 'crlf') {
        const n = Math.min(crlf, buf.length - i);
        i += n;
        crlf -= n;
        if (crlf === 0) state = 'size';
        continue;
      }
      // 'data' (a chunk's bytes) or 'body' (by length, or to EOF when left is -1)
      const n = left < 0 ? buf.length - i : Math.min(left, buf.length - i);
      if (n > 0 && !payload(buf.subarray(i, i + n))) room = false;
      i += n;
      if (left >= 0) left -= n;
      if (left === 0) {
        if (state === 'data') {
          state = 'crlf';
          crlf = 2;
        } else endBody();
      }
    }
    return room;
  };

  const start = (msg: ExportWorkerStart): void => {
    ring = new Uint8Array(msg.ring);
    slotSize = msg.slotSize;
    for (let s = 0; s < msg.slots; s++) free.push(s);
    const ep = msg.endpoint;
    const readBuffer = Buffer.allocUnsafe(READ_BUFFER);
    let connected = false;
    const s = net.connect({
      ...(ep.socketPath !== undefined ? { path: ep.socketPath } : { host: ep.host ?? 'localhost', port: ep.port ?? 2375 }),
      onread: {
        buffer: readBuffer,
        callback: (n: number, b: Uint8Array): boolean => {
          if (finished) return false;
          try {
            if (onBytes(b.subarray(0, n))) {
              maybeFlush();
              return true;
            }
            paused = true;
            return false;
          } catch (err) {
            fail(status === 0 ? 'request' : 'body', `${ep.url} ${msg.path}: ${(err as Error).message}`);
            return false;
          }
        },
      },
    } as import('node:net').NetConnectOpts);
    socket = s;
    timers.push(setTimeout(() => fail('request', `${ep.url}: no connection within ${msg.connectMs} ms`), msg.connectMs));
    timers.push(
      setTimeout(() => {
        const text = `${ep.url} ${msg.path}: no complete answer within ${msg.deadlineMs} ms`;
        if (status === 0) fail('request', text);
        else fail('body', 'aborted', 'ECONNRESET');
      }, msg.deadlineMs),
    );
    s.setTimeout(msg.idleMs, () => {
      if (status === 0) fail('request', `${ep.url} ${msg.path}: nothing received for ${msg.idleMs} ms`);
      else fail('body', 'aborted', 'ECONNRESET');
    });
    s.once('connect', () => {
      connected = true;
      clearTimeout(timers[0]);
      s.write(`GET ${msg.path} HTTP/1.1\r\nHost: docker\r\nUser-Agent: goslim\r\nConnection: close\r\n\r\n`);
    });
    s.on('error', (err: Error & { code?: string }) => {
      if (!connected || status === 0) fail('request', `${ep.url}: ${err.message}`);
      else fail('body', err.message, err.code);
    });
    s.on('end', () => {
      if (finished) return;
      if (state === 'body' && left < 0) {
        endBody(); // a body that runs to the end of the connection
        return;
      }
      if (state !== 'done') {
        if (status === 0) fail('request', `${ep.url}: socket hang up`);
        else fail('body', 'aborted', 'ECONNRESET');
      }
    });
  };

  port.on('message', (msg: ExportWorkerRequest) => {
    if (msg.type === 'start') start(msg);
    else if (msg.type === 'release') {
      for (let k = 0; k + 2 < msg.hash.length; k += 3) {
        const layer = msg.hash[k]!;
        let h = hashes.get(layer);
        if (h === undefined) hashes.set(layer, (h = { hash: createHash('sha256'), bytes: 0 }));
        h.hash.update(ring!.subarray(msg.hash[k + 1]!, msg.hash[k + 1]! + msg.hash[k + 2]!));
        h.bytes += msg.hash[k + 2]!;
      }
      if (msg.digest !== undefined) {
        const h = hashes.get(msg.digest) ?? { hash: createHash('sha256'), bytes: 0 };
        hashes.delete(msg.digest);
        post({ type: 'digest', layer: msg.digest, hex: h.hash.digest('hex'), bytes: h.bytes });
      }
      if (msg.slots.length === 0) return;
      for (const s of msg.slots) free.push(s);
      lent -= msg.slots.length;
      if (finished) return;
      drain();
    } else if (msg.type === 'cancel') {
      stop();
    }
  });
}
