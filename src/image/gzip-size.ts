/**
 * The compressed size of a layer that a source keeps uncompressed (docker-archive,
 * docker-daemon, containers-storage): what a registry would store after a push.
 *
 * Pushers gzip an uncompressed layer at their default level: `docker push` with Go's
 * compress/gzip `gzip.NewWriter` (moby distribution/push.go `compress()`, flate level 6),
 * podman/skopeo with pgzip, image builders and our fixtures with `gzip -n`/`pigz -n` (zlib
 * level 6). We measure with zlib's own deflate algorithm at level 6 (pako, a port of zlib
 * 1.2.x): Node's bundled zlib is Chromium's fork, whose faster match finder gives different,
 * here 0.5-3.9 % larger, output; pako came within 0.1 % of the `gzip -n` blobs of the same
 * layers (docs/inspect.md has the figures).
 *
 * The tar is cut into 1 MiB blocks, each deflated with the 32 KiB before it as the dictionary
 * (as pgzip and pigz do), on a pool of worker threads while the walk goes on; the sum of the
 * blocks plus the gzip header and trailer is the figure. At most MAX_IN_FLIGHT blocks wait
 * (feed() then returns a promise to wait on), so memory stays bounded.
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { InternalError } from '../errors.js';

export const GZIP_LEVEL = 6;
const BLOCK = 1 << 20;
const WINDOW = 32 * 1024;
/** 10-byte gzip header + 8-byte trailer (CRC32, ISIZE). */
const GZIP_FRAMING = 18;

export const MEASURED_METHOD = `zlib deflate level ${GZIP_LEVEL} (gzip -6, what a push stores) in 1 MiB blocks`;

/** The worker: pako deflateRaw of one block, answering its compressed size. Self-contained (eval'd). */
function gzipWorkerBody(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parentPort, workerData } = require('node:worker_threads') as typeof import('node:worker_threads');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pako = require(workerData.pako as string) as { deflateRaw(d: Uint8Array, o: object): Uint8Array };
  parentPort!.on('message', (m: { id: number; data: Uint8Array; dict?: Uint8Array; level: number }) => {
    try {
      const out = pako.deflateRaw(m.data, { level: m.level, ...(m.dict ? { dictionary: m.dict } : {}) });
      parentPort!.postMessage({ id: m.id, size: out.length });
    } catch (err) {
      parentPort!.postMessage({ id: m.id, error: String(err) });
    }
  });
}

interface Job {
  resolve: (size: number) => void;
  reject: (err: Error) => void;
}

let pool: Worker[] | undefined;
let nextWorker = 0;
let nextJob = 1;
const jobs = new Map<number, Job>();
let idleTimer: NodeJS.Timeout | undefined;

function pakoPath(): string {
  return createRequire(import.meta.url).resolve('pako');
}

function getPool(): Worker[] {
  if (pool !== undefined) return pool;
  const n = Math.max(1, Math.min(2, availableParallelism()));
  const execArgv = process.execArgv.filter((a) => !/^--(input-type|experimental-default-type)\b/.test(a));
  const workers: Worker[] = [];
  for (let i = 0; i < n; i++) {
    const w = new Worker(`(${gzipWorkerBody.toString()})()`, { eval: true, name: 'goslim-gzip-size', execArgv, workerData: { pako: pakoPath() } });
    w.on('message', (m: { id: number; size?: number; error?: string }) => {
      const job = jobs.get(m.id);
      if (job === undefined) return;
      jobs.delete(m.id);
      if (m.error !== undefined || m.size === undefined) job.reject(new InternalError(`gzip size worker: ${m.error ?? 'no answer'}`));
      else job.resolve(m.size);
      settle();
    });
    const die = (err: Error): void => {
      if (pool !== workers) return;
      pool = undefined;
      for (const j of jobs.values()) j.reject(new InternalError(`the gzip size thread stopped: ${err.message}`, { cause: err }));
      jobs.clear();
    };
    w.on('error', die);
    w.on('exit', (code) => die(new InternalError(`exit code ${code}`)));
    workers.push(w);
  }
  pool = workers;
  return workers;
}

/** Workers hold the process open only while a block is being measured; idle ones stop. */
function settle(): void {
  if (pool === undefined) return;
  if (idleTimer !== undefined) clearTimeout(idleTimer);
  idleTimer = undefined;
  if (jobs.size > 0) {
    for (const w of pool) w.ref();
    return;
  }
  for (const w of pool) w.unref();
  const current = pool;
  idleTimer = setTimeout(() => {
    if (pool !== current || jobs.size > 0) return;
    pool = undefined;
    for (const w of current) void w.terminate();
  }, 50);
  idleTimer.unref();
}

function deflateSize(data: Uint8Array, dict: Uint8Array | undefined): Promise<number> {
  const workers = getPool();
  const w = workers[nextWorker++ % workers.length]!;
  const id = nextJob++;
  return new Promise<number>((resolve, reject) => {
    jobs.set(id, { resolve, reject });
    settle();
    const transfer = [data.buffer as ArrayBuffer, ...(dict ? [dict.buffer as ArrayBuffer] : [])];
    w.postMessage({ id, data, ...(dict ? { dict } : {}), level: GZIP_LEVEL }, transfer);
  });
}

const MAX_IN_FLIGHT = 4;

export class GzipSizeMeter {
  private block = new Uint8Array(BLOCK);
  private fill = 0;
  private dictionary: Uint8Array | undefined;
  private inFlight = 0;
  private total = 0;
  private failure: Error | undefined;
  private waiters: Array<() => void> = [];

  /** Add tar bytes (copied; the chunk may be reused after this returns). */
  feed(chunk: Buffer): Promise<void> | undefined {
    let off = 0;
    let wait: Promise<void> | undefined;
    while (off < chunk.length) {
      const n = Math.min(BLOCK - this.fill, chunk.length - off);
      this.block.set(chunk.subarray(off, off + n), this.fill);
      this.fill += n;
      off += n;
      if (this.fill === BLOCK) wait = this.flush() ?? wait;
    }
    return wait;
  }

  private flush(): Promise<void> | undefined {
    if (this.fill === 0) return undefined;
    const data = this.fill === BLOCK ? this.block : this.block.slice(0, this.fill);
    const dict = this.dictionary;
    this.dictionary = data.slice(Math.max(0, data.length - WINDOW));
    this.block = new Uint8Array(BLOCK);
    this.fill = 0;
    this.inFlight++;
    deflateSize(data, dict).then(
      (size) => {
        this.total += size;
        this.done();
      },
      (err: unknown) => {
        this.failure ??= err instanceof Error ? err : new InternalError(String(err));
        this.done();
      },
    );
    if (this.inFlight < MAX_IN_FLIGHT) return undefined;
    return new Promise<void>((r) => this.waiters.push(r));
  }

  private done(): void {
    this.inFlight--;
    const w = this.waiters.shift();
    w?.();
  }

  /** The gzip size of everything fed. */
  async finish(): Promise<number> {
    this.flush();
    while (this.inFlight > 0) await new Promise<void>((r) => this.waiters.push(r));
    if (this.failure) throw this.failure;
    return this.total + GZIP_FRAMING;
  }
}
