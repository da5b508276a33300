/**
 * The body of an engine's `GET /images/{name}/get` as reused chunks, and the layers' diff_id
 * hashes, for docker-daemon.ts: read on a worker thread (export-worker-body.ts) into a ring of
 * SLOTS x SLOT_SIZE shared slots, or on the main thread from node:http's response when worker
 * threads are off (`GOSLIM_WORKER=0`) or cannot start, or the engine is behind TLS.
 *
 * Measured on the 1.08 GB fixture image through podman's service (docs/inspect.md): on the
 * main thread the socket's 64 KiB read buffers, collected beside the merged tree, and the
 * sha256 of every layer took more of the main thread than the tar walk itself.
 */
import { createHash, type Hash } from 'node:crypto';
import { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { errnoError, InternalError, NetworkError } from '../../errors.js';
import { limit } from '../../limits.js';
import { CONNECT_MS, type EngineClient } from './engine-client.js';
import { exportWorkerBody, type ExportWorkerReply, type ExportWorkerRequest } from './export-worker-body.js';

export const SLOT_SIZE = 1024 * 1024;
export const SLOTS = 8;

/** The export's body, chunk by chunk, with the layers' hashes. */
export interface ExportBody {
  /** The next chunk, valid until the next read() or close(); undefined at the body's end. */
  read(): Promise<Buffer | undefined>;
  /** Add `part` (a subarray of the chunk last read) to layer `layer`'s hash. */
  hash(layer: number, part: Buffer): void;
  /** Layer `layer`'s hash, once all its bytes were passed to hash(). */
  digest(layer: number): Promise<{ hex: string; bytes: number }>;
  /**
   * Stop reading (the request is dropped); idempotent. Resolves once the reader's thread is gone
   * (its heap given back: the analysis after the walk allocates the most).
   */
  close(): Promise<void>;
}

export interface OpenExportOptions {
  idleMs: number;
  /** Read on the main thread (the worker thread is used when this is unset and workers are on). */
  mainThread?: boolean;
}

/** Exports opened on each path, for tests. */
const opened = { worker: 0, main: 0 };
export function exportsOpened(): Readonly<{ worker: number; main: number }> {
  return { ...opened };
}

function workersOff(): boolean {
  return process.env.GOSLIM_WORKER === '0';
}

/**
 * Send the request and wait for its status: a non-2xx answer throws as EngineClient.checkStatus
 * does (the engine's own message); a failure to connect or to answer is E_NETWORK.
 */
export async function openExport(client: EngineClient, path: string, what: string, options: OpenExportOptions): Promise<ExportBody> {
  if (options.mainThread !== true && !workersOff() && client.info.endpoint.tls === undefined) {
    const w = startWorker();
    if (w !== undefined) {
      opened.worker++;
      return openOnWorker(w, client, path, what, options);
    }
  }
  opened.main++;
  const res = await client.request('GET', path, { idleMs: options.idleMs });
  try {
    await client.checkStatus(res, what);
  } catch (err) {
    res.body.destroy();
    throw err;
  }
  return mainThreadBody(res.body);
}

function startWorker(): Worker | undefined {
  try {
    // As tar-worker.ts: without the parent's module-type flags, the eval'd body is CommonJS.
    const execArgv = process.execArgv.filter((a) => !/^--(input-type|experimental-default-type)\b/.test(a));
    // Its heap stays small (a few strings per HTTP chunk, the messages): a young generation grown
    // to the default size would be garbage held beside the walk's.
    return new Worker(`(${exportWorkerBody.toString()})()`, {
      eval: true,
      name: 'goslim-export',
      execArgv,
      resourceLimits: { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 64 },
    });
  } catch {
    return undefined;
  }
}

function mainThreadBody(body: Readable): ExportBody {
  const it = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const hashes = new Map<number, { hash: Hash; bytes: number }>();
  return {
    async read() {
      const r = await it.next();
      return r.done === true ? undefined : r.value;
    },
    hash(layer, part) {
      let h = hashes.get(layer);
      if (h === undefined) hashes.set(layer, (h = { hash: createHash('sha256'), bytes: 0 }));
      h.hash.update(part);
      h.bytes += part.length;
    },
    digest(layer) {
      const h = hashes.get(layer) ?? { hash: createHash('sha256'), bytes: 0 };
      hashes.delete(layer);
      return Promise.resolve({ hex: h.hash.digest('hex'), bytes: h.bytes });
    },
    close() {
      body.destroy();
      return Promise.resolve();
    },
  };
}

function openOnWorker(w: Worker, client: EngineClient, path: string, what: string, options: OpenExportOptions): Promise<ExportBody> {
  // Dropped on close: the image object outlives its export, and the ring is 8 MiB.
  let ring: SharedArrayBuffer | undefined = new SharedArrayBuffer(SLOTS * SLOT_SIZE);
  const queue: Array<{ slot: number; len: number }> = [];
  const digests = new Map<number, { resolve: (d: { hex: string; bytes: number }) => void; reject: (e: Error) => void }>();
  let ended = false;
  let failure: Error | undefined;
  let closed = false;
  let terminated = false;
  let lent: number | undefined;
  /** Ring ranges to hash [layer, start, len, ...], sent with the next release or digest request. */
  let toHash: number[] = [];
  let released: number[] = [];
  const sendReleased = (): void => {
    if (released.length === 0) return;
    send({ type: 'release', slots: released, hash: toHash });
    released = [];
    toHash = [];
  };
  let waiting: (() => void) | undefined;
  let answered: { resolve: () => void; reject: (e: Error) => void } | undefined;
  const send = (msg: ExportWorkerRequest): void => {
    if (!terminated) w.postMessage(msg);
  };
  const wake = (): void => {
    const r = waiting;
    waiting = undefined;
    r?.();
  };
  let exited: Promise<void> | undefined;
  const terminate = (): Promise<void> => {
    if (!terminated) {
      terminated = true;
      exited = w.terminate().then(
        () => undefined,
        () => undefined,
      );
    }
    return exited ?? Promise.resolve();
  };
  /** Resolves once the worker is gone (after the digests asked for are answered). */
  let gone: (() => void) | undefined;
  const goneP = new Promise<void>((r) => (gone = r));
  const failAll = (err: Error): void => {
    if (failure !== undefined) return;
    failure = err;
    answered?.reject(err);
    answered = undefined;
    for (const d of digests.values()) d.reject(err);
    digests.clear();
    wake();
    void terminate();
  };
  w.on('message', (msg: ExportWorkerReply) => {
    if (msg.type === 'chunks') {
      for (let k = 0; k + 1 < msg.list.length; k += 2) queue.push({ slot: msg.list[k]!, len: msg.list[k + 1]! });
      wake();
    } else if (msg.type === 'digest') {
      const d = digests.get(msg.layer);
      digests.delete(msg.layer);
      d?.resolve({ hex: msg.hex, bytes: msg.bytes });
      if (closed && digests.size === 0) void terminate().then(gone);
    } else if (msg.type === 'end') {
      ended = true;
      wake();
    } else if (msg.type === 'response') {
      const a = answered;
      answered = undefined;
      if (msg.status >= 200 && msg.status < 300) a?.resolve();
      else {
        // The engine's error document, judged by the client as for any other request.
        const body = Readable.from([Buffer.from(msg.body ?? new Uint8Array())]);
        client.checkStatus({ status: msg.status, headers: {}, body }, what).then(
          () => a?.reject(new InternalError(`${what}: HTTP ${msg.status}`)),
          (err: Error) => a?.reject(err),
        );
        void terminate();
      }
    } else {
      const err =
        msg.phase === 'request'
          ? new NetworkError(msg.message)
          : errnoError(msg.message, msg.code); // docker-daemon.ts maps it (a dropped connection: E_TRUNCATED)
      failAll(err);
    }
  });
  w.on('error', (err) => failAll(new InternalError(`the export reader thread failed: ${err.message}`, { cause: err })));
  w.on('exit', (code) => {
    terminated = true;
    gone?.();
    if (!ended && !closed) failAll(new InternalError(`the export reader thread stopped (exit code ${code})`));
  });
  const ep = client.info.endpoint;
  send({
    type: 'start',
    endpoint: {
      url: ep.url,
      ...(ep.socketPath !== undefined ? { socketPath: ep.socketPath } : {}),
      ...(ep.host !== undefined ? { host: ep.host, port: ep.port } : {}),
    },
    path: `/v${client.info.apiVersion}${path}`,
    connectMs: CONNECT_MS,
    idleMs: options.idleMs,
    deadlineMs: limit('network.requestTimeout'),
    ring,
    slots: SLOTS,
    slotSize: SLOT_SIZE,
  });
  const body: ExportBody = {
    async read() {
      // Slots go back two at a time while more are queued (half the messages, each a wake-up of
      // the worker), and at once when the reader is about to wait.
      if (lent !== undefined) {
        released.push(lent);
        lent = undefined;
      }
      if (released.length >= 2 || queue.length === 0) sendReleased();
      for (;;) {
        if (closed) return undefined;
        const next = queue.shift();
        if (next !== undefined) {
          lent = next.slot;
          return Buffer.from(ring!, next.slot * SLOT_SIZE, next.len);
        }
        if (failure !== undefined) throw failure;
        if (ended) return undefined;
        sendReleased();
        await new Promise<void>((r) => (waiting = r));
      }
    },
    hash(layer, part) {
      if (closed) return;
      if (part.buffer !== ring) throw new InternalError('export: a layer part outside the ring was passed for hashing');
      toHash.push(layer, part.byteOffset, part.length);
    },
    digest(layer) {
      if (failure !== undefined) return Promise.reject(failure);
      return new Promise((resolve, reject) => {
        digests.set(layer, { resolve, reject });
        send({ type: 'release', slots: [], hash: toHash, digest: layer });
        toHash = [];
      });
    },
    close() {
      if (closed) return goneP;
      closed = true;
      queue.length = 0;
      lent = undefined;
      released = [];
      ring = undefined;
      send({ type: 'cancel' });
      // A digest asked for before the end is still answered (the worker handles messages in order).
      if (digests.size === 0) void terminate().then(gone);
      wake();
      return goneP;
    },
  };
  return new Promise<ExportBody>((resolve, reject) => {
    answered = { resolve: () => resolve(body), reject };
  });
}
