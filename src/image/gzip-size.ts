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
 *   past them, every other unit (COVER) is compressed by brotli quality 0 (a cheap compressor
 *   whose sizes follow deflate's closely: 15-20x faster than pako here) and a deterministic,
 *   evenly strided subset of those is also deflated: PER_DOUBLING units in each doubling of
 *   the position (units 128-255, 256-511, ...), so a layer of n units has about
 *   128 + 64 log2(n/128) samples. The rest is the ratio estimate: brotli sizes, in SIZE_BUCKETS
 *   classes of brotli ratio, times each class's deflate/brotli ratio on its samples (weighted by
 *   their stride), and the units brotli skipped as the covered ones around them. Units neither
 *   compressed nor needed as a dictionary are not copied off this thread at all. On the
 *   fixture images the estimate came within 1 % of the full measurement and of the real blobs
 *   (docs/inspect.md; src/image/gzip-size.test.ts checks 1 %).
 *
 * Units go to the workers BATCH_UNITS at a time; at most MAX_IN_FLIGHT wait (feed() then
 * returns a promise to wait on), so memory stays bounded.
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
const BROTLI_QUALITY = 0;
/**
 * estimate: past EXACT_UNITS, brotli runs on every COVER-th unit (the middle one of each pair);
 * the others count as their covered neighbours do (the layer's uncovered bytes scaled by the
 * covered ones' estimate). Deflated samples are covered units.
 */
const COVER = 2;
/** Units sent to a worker in one message (fewer messages, same work). */
const BATCH_UNITS = 16;

export type CompressedMode = 'full' | 'estimate';

export const MEASURED_METHOD = `zlib deflate level ${GZIP_LEVEL} (gzip -6, what a push stores) of every 64 KiB unit`;
export const ESTIMATED_METHOD =
  `zlib deflate level ${GZIP_LEVEL} (gzip -6, what a push stores) of the first 8 MiB of each layer and of an evenly strided sample of 64 KiB units past it; ` +
  `the rest scaled from brotli quality ${BROTLI_QUALITY} sizes of every ${COVER === 2 ? 'other' : `${COVER}th`} unit by the sampled deflate/brotli ratio`;

interface UnitRequest {
  data: Uint8Array;
  dict?: Uint8Array;
  deflate: boolean;
  aux: boolean;
}
interface BatchRequest {
  id: number;
  units: UnitRequest[];
  level: number;
  brotliQuality: number;
}
interface UnitAnswer {
  deflate?: number;
  aux?: number;
}
interface BatchAnswer {
  id: number;
  sizes?: UnitAnswer[];
  error?: string;
}

/** The worker: pako deflateRaw and/or brotli of each unit of a batch, answering their sizes. Self-contained (eval'd). */
function gzipWorkerBody(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parentPort, workerData } = require('node:worker_threads') as typeof import('node:worker_threads');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const zlib = require('node:zlib') as typeof import('node:zlib');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pako = require(workerData.pako as string) as { deflateRaw(d: Uint8Array, o: object): Uint8Array };
  parentPort!.on('message', (m: BatchRequest) => {
    try {
      const sizes: UnitAnswer[] = [];
      for (const u of m.units) {
        const answer: UnitAnswer = {};
        if (u.deflate) answer.deflate = pako.deflateRaw(u.data, { level: m.level, ...(u.dict ? { dictionary: u.dict } : {}) }).length;
        if (u.aux) {
          const P = zlib.constants;
          answer.aux = zlib.brotliCompressSync(u.data, {
            params: { [P.BROTLI_PARAM_QUALITY]: m.brotliQuality, [P.BROTLI_PARAM_LGWIN]: 16, [P.BROTLI_PARAM_SIZE_HINT]: u.data.length },
          }).length;
        }
        sizes.push(answer);
      }
      parentPort!.postMessage({ id: m.id, sizes });
    } catch (err) {
      parentPort!.postMessage({ id: m.id, error: String(err) });
    }
  });
}

interface Job {
  resolve: (a: UnitAnswer[]) => void;
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
    w.on('message', (m: BatchAnswer) => {
      const job = jobs.get(m.id);
      if (job === undefined) return;
      jobs.delete(m.id);
      if (m.error !== undefined || m.sizes === undefined) job.reject(new InternalError(`gzip size worker: ${m.error ?? 'no answer'}`));
      else job.resolve(m.sizes);
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

function measureBatch(units: UnitRequest[]): Promise<UnitAnswer[]> {
  const workers = getPool();
  const w = workers[nextWorker++ % workers.length]!;
  const id = nextJob++;
  return new Promise<UnitAnswer[]>((resolve, reject) => {
    jobs.set(id, { resolve, reject });
    settle();
    const transfer: ArrayBuffer[] = [];
    for (const u of units) {
      transfer.push(u.data.buffer as ArrayBuffer);
      if (u.dict) transfer.push(u.dict.buffer as ArrayBuffer);
    }
    const req: BatchRequest = { id, units, level: GZIP_LEVEL, brotliQuality: BROTLI_QUALITY };
    w.postMessage(req, transfer);
  });
}

/** Units waiting to be measured (a batch in flight counts its units). */
const MAX_IN_FLIGHT = 64;

/**
 * Which units `estimate` deflates past EXACT_UNITS: in the doubling [128*2^r, 128*2^(r+1)) the
 * stride is 2^(r+1) (64 evenly spaced samples), the middle unit of each stride. 1 = every unit.
 */
export function sampleStride(unit: number): number {
  if (unit < EXACT_UNITS) return 1;
  return Math.max(1, ((2 ** Math.floor(Math.log2(unit / EXACT_UNITS))) * EXACT_UNITS) / PER_DOUBLING);
}

/** What `estimate` does with unit `i`: deflate it all (exact), brotli it (covered), also deflate it (a sample), or only count it. */
export function unitRole(i: number, mode: CompressedMode = 'estimate'): 'exact' | 'sample' | 'covered' | 'counted' {
  const stride = mode === 'full' ? 1 : sampleStride(i);
  if (stride === 1) return 'exact';
  if (i % COVER !== COVER >> 1) return 'counted';
  // The stride's middle unit, or the covered unit next to it (strides are even past EXACT_UNITS).
  return i % stride === ((stride >> 1) | (COVER >> 1)) ? 'sample' : 'covered';
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
  /** The role of the unit being filled, and whether the next one is deflated (then its dictionary is kept). */
  private role: ReturnType<typeof unitRole>;
  private keepTail: boolean;
  private dictionary: Uint8Array | undefined;
  private inFlight = 0;
  private bytes = 0;
  private deflatedBytes = 0;
  /** Past EXACT_UNITS: bytes seen, and bytes brotli saw. */
  private restBytes = 0;
  private coveredBytes = 0;
  /** Deflated size of the units deflated in full (every unit in `full` mode). */
  private exact = 0;
  private sampled = false;
  private readonly auxAll = new Float64Array(SIZE_BUCKETS);
  private readonly auxSampled = new Float64Array(SIZE_BUCKETS);
  private readonly deflateSampled = new Float64Array(SIZE_BUCKETS);
  private failure: Error | undefined;
  private waiters: Array<() => void> = [];
  private batch: Array<{ req: UnitRequest; len: number; role: 'exact' | 'sample' | 'covered'; stride: number }> = [];
  private batchBytes = 0;

  constructor(private readonly mode: CompressedMode = 'full') {
    this.role = unitRole(0, mode);
    this.keepTail = this.deflates(1);
  }

  private deflates(i: number): boolean {
    const r = unitRole(i, this.mode);
    return r === 'exact' || r === 'sample';
  }

  /** Add tar bytes (copied as far as needed; the chunk may be reused after this returns). */
  feed(chunk: Buffer): Promise<void> | undefined {
    let off = 0;
    let wait: Promise<void> | undefined;
    while (off < chunk.length) {
      const n = Math.min(UNIT - this.fill, chunk.length - off);
      if (this.role !== 'counted') this.unit.set(chunk.subarray(off, off + n), this.fill);
      else if (this.keepTail && this.fill + n > UNIT - WINDOW) {
        // A counted unit: only its last 32 KiB, the dictionary of the deflated unit after it.
        const from = Math.max(this.fill, UNIT - WINDOW);
        this.unit.set(chunk.subarray(off + (from - this.fill), off + n), from);
      }
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
    const role = this.role;
    const stride = this.mode === 'full' ? 1 : sampleStride(index);
    const dict = role === 'exact' || role === 'sample' ? this.dictionary : undefined;
    this.dictionary = this.keepTail && len === UNIT ? this.unit.slice(UNIT - WINDOW) : undefined;
    this.bytes += len;
    if (role !== 'exact') {
      this.sampled = true;
      this.restBytes += len;
    }
    let wait: Promise<void> | undefined;
    if (role !== 'counted') {
      const data = len === UNIT ? this.unit : this.unit.slice(0, len);
      this.unit = new Uint8Array(UNIT);
      if (role !== 'exact') this.coveredBytes += len;
      if (role !== 'covered') this.deflatedBytes += len;
      this.batch.push({ req: { data, ...(dict ? { dict } : {}), deflate: role !== 'covered', aux: role !== 'exact' }, len, role, stride });
      this.batchBytes += len;
      this.inFlight++;
      if (this.batch.length >= BATCH_UNITS) this.sendBatch();
      if (this.inFlight >= MAX_IN_FLIGHT) {
        this.sendBatch();
        wait = new Promise<void>((r) => this.waiters.push(r));
      }
    }
    this.fill = 0;
    this.role = unitRole(this.units, this.mode);
    this.keepTail = this.deflates(this.units + 1);
    return wait;
  }

  private sendBatch(): void {
    if (this.batch.length === 0) return;
    const batch = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    measureBatch(batch.map((b) => b.req)).then(
      (answers) => {
        for (const [k, b] of batch.entries()) {
          const a = answers[k] ?? {};
          if (b.role === 'exact') this.exact += a.deflate ?? 0;
          else {
            const aux = a.aux ?? 0;
            const bucket = Math.min(SIZE_BUCKETS - 1, Math.floor((aux / b.len) * SIZE_BUCKETS));
            this.auxAll[bucket] = this.auxAll[bucket]! + aux;
            if (b.role === 'sample' && a.deflate !== undefined) {
              this.auxSampled[bucket] = this.auxSampled[bucket]! + b.stride * aux;
              this.deflateSampled[bucket] = this.deflateSampled[bucket]! + b.stride * a.deflate;
            }
          }
        }
        this.done(batch.length);
      },
      (err: unknown) => {
        this.failure ??= err instanceof Error ? err : new InternalError(String(err));
        this.done(batch.length);
      },
    );
  }

  private done(n: number): void {
    this.inFlight -= n;
    for (const w of this.waiters.splice(0)) w();
  }

  /** The gzip size of everything fed, measured or estimated. */
  async finish(): Promise<GzipSize> {
    this.flush();
    this.sendBatch();
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
      // The counted units count as the covered ones do (a tail past the exact part of one
      // counted unit alone: as the exact part did).
      const exactBytes = this.bytes - this.restBytes;
      rest = this.coveredBytes > 0 ? rest * (this.restBytes / this.coveredBytes) : exactBytes > 0 ? (this.exact / exactBytes) * this.restBytes : this.restBytes;
    }
    return {
      size: Math.round(this.exact + rest) + GZIP_FRAMING,
      method: this.sampled ? 'estimated' : 'measured',
      bytes: this.bytes,
      deflatedBytes: this.deflatedBytes,
    };
  }
}
