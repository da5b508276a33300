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
 * The tar is cut into 64 KiB units, each deflated with the 32 KiB before it as the dictionary
 * (as pgzip and pigz do with their blocks), on a pool of worker threads while the walk goes on.
 *
 * Two modes:
 * - `full`: every unit is deflated; the sum plus the gzip header and trailer is the figure.
 * - `estimate`: the first EXACT_UNITS units (8 MiB) are deflated, so small layers are exact;
 *   past them, every unit is compressed by brotli quality 1 (a cheap compressor whose sizes
 *   follow deflate's closely: 4-10x faster than pako here) and a deterministic, evenly strided
 *   subset is also deflated: PER_DOUBLING units in each doubling of the position (units
 *   128-255, 256-511, ...), so a layer of n units has about 128 + 64 log2(n/128) samples.
 *   The rest is the ratio estimate: brotli sizes, in SIZE_BUCKETS classes of brotli ratio,
 *   times each class's deflate/brotli ratio on its samples (weighted by their stride). On
 *   the fixture images the estimate came within 0.5 % of the full measurement and of the
 *   real blobs (docs/inspect.md; src/image/gzip-size.test.ts checks 1 %).
 *
 * At most MAX_IN_FLIGHT units wait (feed() then returns a promise to wait on), so memory
 * stays bounded.
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { InternalError } from '../errors.js';

export const GZIP_LEVEL = 6;
const UNIT = 64 * 1024;
const WINDOW = 32 * 1024;
/** 10-byte gzip header + 8-byte trailer (CRC32, ISIZE). */
const GZIP_FRAMING = 18;
/** estimate: units deflated in full at the start of every layer (8 MiB). */
const EXACT_UNITS = 128;
/** estimate: deflated samples in each doubling of the unit position past EXACT_UNITS. */
const PER_DOUBLING = 64;
/** estimate: classes of brotli ratio, each with its own deflate/brotli ratio. */
const SIZE_BUCKETS = 8;
const BROTLI_QUALITY = 1;

export type CompressedMode = 'full' | 'estimate';

export const MEASURED_METHOD = `zlib deflate level ${GZIP_LEVEL} (gzip -6, what a push stores) of every 64 KiB unit`;
export const ESTIMATED_METHOD =
  `zlib deflate level ${GZIP_LEVEL} (gzip -6, what a push stores) of the first 8 MiB of each layer and of an evenly strided sample of 64 KiB units past it; ` +
  `the rest scaled from brotli quality ${BROTLI_QUALITY} sizes of every unit by the sampled deflate/brotli ratio`;

interface UnitRequest {
  id: number;
  data: Uint8Array;
  dict?: Uint8Array;
  level: number;
  deflate: boolean;
  aux: boolean;
  brotliQuality: number;
}
interface UnitAnswer {
  id: number;
  deflate?: number;
  aux?: number;
  error?: string;
}

/** The worker: pako deflateRaw and/or brotli of one unit, answering their sizes. Self-contained (eval'd). */
function gzipWorkerBody(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parentPort, workerData } = require('node:worker_threads') as typeof import('node:worker_threads');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const zlib = require('node:zlib') as typeof import('node:zlib');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pako = require(workerData.pako as string) as { deflateRaw(d: Uint8Array, o: object): Uint8Array };
  parentPort!.on('message', (m: UnitRequest) => {
    try {
      const answer: UnitAnswer = { id: m.id };
      if (m.deflate) answer.deflate = pako.deflateRaw(m.data, { level: m.level, ...(m.dict ? { dictionary: m.dict } : {}) }).length;
      if (m.aux) {
        const P = zlib.constants;
        answer.aux = zlib.brotliCompressSync(m.data, {
          params: { [P.BROTLI_PARAM_QUALITY]: m.brotliQuality, [P.BROTLI_PARAM_LGWIN]: 16, [P.BROTLI_PARAM_SIZE_HINT]: m.data.length },
        }).length;
      }
      parentPort!.postMessage(answer);
    } catch (err) {
      parentPort!.postMessage({ id: m.id, error: String(err) });
    }
  });
}

interface Job {
  resolve: (a: UnitAnswer) => void;
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
    w.on('message', (m: UnitAnswer) => {
      const job = jobs.get(m.id);
      if (job === undefined) return;
      jobs.delete(m.id);
      if (m.error !== undefined) job.reject(new InternalError(`gzip size worker: ${m.error}`));
      else job.resolve(m);
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

/** Workers hold the process open only while a unit is being measured; idle ones stop. */
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

function measureUnit(data: Uint8Array, dict: Uint8Array | undefined, deflate: boolean, aux: boolean): Promise<UnitAnswer> {
  const workers = getPool();
  const w = workers[nextWorker++ % workers.length]!;
  const id = nextJob++;
  return new Promise<UnitAnswer>((resolve, reject) => {
    jobs.set(id, { resolve, reject });
    settle();
    const transfer = [data.buffer as ArrayBuffer, ...(dict ? [dict.buffer as ArrayBuffer] : [])];
    const req: UnitRequest = { id, data, ...(dict ? { dict } : {}), level: GZIP_LEVEL, deflate, aux, brotliQuality: BROTLI_QUALITY };
    w.postMessage(req, transfer);
  });
}

const MAX_IN_FLIGHT = 32;

/**
 * Which units `estimate` deflates past EXACT_UNITS: in the doubling [128*2^r, 128*2^(r+1)) the
 * stride is 2^(r+1) (64 evenly spaced samples), the middle unit of each stride. 1 = every unit.
 */
export function sampleStride(unit: number): number {
  if (unit < EXACT_UNITS) return 1;
  return Math.max(1, ((2 ** Math.floor(Math.log2(unit / EXACT_UNITS))) * EXACT_UNITS) / PER_DOUBLING);
}

export interface GzipSize {
  /** Bytes: measured, or estimated in `estimate` mode. */
  size: number;
  /** `measured` when every unit was deflated (any layer in `full` mode, small ones in `estimate`). */
  method: 'measured' | 'estimated';
  /** Uncompressed bytes fed. */
  bytes: number;
  /** Of those, the bytes that were deflated. */
  deflatedBytes: number;
}

export class GzipSizeMeter {
  private unit = new Uint8Array(UNIT);
  private fill = 0;
  private units = 0;
  private dictionary: Uint8Array | undefined;
  private inFlight = 0;
  private bytes = 0;
  private deflatedBytes = 0;
  /** Deflated size of the units deflated in full (every unit in `full` mode). */
  private exact = 0;
  private sampled = false;
  private readonly auxAll = new Float64Array(SIZE_BUCKETS);
  private readonly auxSampled = new Float64Array(SIZE_BUCKETS);
  private readonly deflateSampled = new Float64Array(SIZE_BUCKETS);
  private failure: Error | undefined;
  private waiters: Array<() => void> = [];

  constructor(private readonly mode: CompressedMode = 'full') {}

  /** Add tar bytes (copied; the chunk may be reused after this returns). */
  feed(chunk: Buffer): Promise<void> | undefined {
    let off = 0;
    let wait: Promise<void> | undefined;
    while (off < chunk.length) {
      const n = Math.min(UNIT - this.fill, chunk.length - off);
      this.unit.set(chunk.subarray(off, off + n), this.fill);
      this.fill += n;
      off += n;
      if (this.fill === UNIT) wait = this.flush() ?? wait;
    }
    return wait;
  }

  private flush(): Promise<void> | undefined {
    if (this.fill === 0) return undefined;
    const index = this.units++;
    const len = this.fill;
    const data = len === UNIT ? this.unit : this.unit.slice(0, len);
    const stride = this.mode === 'full' ? 1 : sampleStride(index);
    const exact = stride === 1;
    const deflate = exact || index % stride === stride >> 1;
    const dict = deflate ? this.dictionary : undefined;
    this.dictionary = data.slice(Math.max(0, len - WINDOW));
    this.unit = new Uint8Array(UNIT);
    this.fill = 0;
    this.bytes += len;
    if (deflate) this.deflatedBytes += len;
    if (!exact) this.sampled = true;
    this.inFlight++;
    measureUnit(data, dict, deflate, !exact).then(
      (a) => {
        if (exact) this.exact += a.deflate ?? 0;
        else {
          const aux = a.aux ?? 0;
          const b = Math.min(SIZE_BUCKETS - 1, Math.floor((aux / len) * SIZE_BUCKETS));
          this.auxAll[b] = this.auxAll[b]! + aux;
          if (a.deflate !== undefined) {
            this.auxSampled[b] = this.auxSampled[b]! + stride * aux;
            this.deflateSampled[b] = this.deflateSampled[b]! + stride * a.deflate;
          }
        }
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

  /** The gzip size of everything fed, measured or estimated. */
  async finish(): Promise<GzipSize> {
    this.flush();
    while (this.inFlight > 0) await new Promise<void>((r) => this.waiters.push(r));
    if (this.failure) throw this.failure;
    let rest = 0;
    if (this.sampled) {
      const auxS = this.auxSampled.reduce((a, b) => a + b, 0);
      const defS = this.deflateSampled.reduce((a, b) => a + b, 0);
      const overall = auxS > 0 ? defS / auxS : 1;
      for (let b = 0; b < SIZE_BUCKETS; b++) {
        const ratio = this.auxSampled[b]! > 0 ? this.deflateSampled[b]! / this.auxSampled[b]! : overall;
        rest += this.auxAll[b]! * ratio;
      }
    }
    return {
      size: Math.round(this.exact + rest) + GZIP_FRAMING,
      method: this.sampled ? 'estimated' : 'measured',
      bytes: this.bytes,
      deflatedBytes: this.deflatedBytes,
    };
  }
}
