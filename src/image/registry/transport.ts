/**
 * HTTP transport to one registry (over node:http, http.ts; a fetch when one is injected): base URL and scheme choice, authentication,
 * bounded retries with backoff, timeouts, manual redirects and typed errors.
 *
 * - https always, except loopback hosts and registries marked insecure (plain http, like
 *   docker's "insecure-registries"; goslim does not do TLS without verification).
 * - Redirects of GET/HEAD are followed by hand (at most 5) so that the Authorization header is
 *   dropped when a blob redirect leaves the registry host (storage backends use pre-signed URLs and
 *   reject it). Requests with a body are never redirected (see `once`).
 * - Three time bounds. An inactivity timeout: no response headers, or no body bytes in either
 *   direction, for `idleTimeoutMs`. An overall deadline per request (`requestTimeoutMs`, limit
 *   network.requestTimeout), from the first attempt to the last body byte, retries included. A
 *   minimum transfer rate (`minRate` bytes/s, limit network.minRate) over windows of
 *   `rateWindowMs`, so a server that trickles a byte at a time (which the inactivity timeout never
 *   catches) is abandoned. Each ends in E_NETWORK naming the blob or manifest and the limit hit.
 *   Defaults come from src/limits.ts, then $GOSLIM_REQUEST_TIMEOUT / $GOSLIM_MIN_RATE (the CLI's
 *   --request-timeout / --min-rate set them), then these options.
 */
import { PassThrough, Readable, Transform } from 'node:stream';
import { parseDuration, parseRate } from '../../util/units.js';
import { errnoError, GoslimError, NetworkError, RegistryError, UsageError } from '../../errors.js';
import { limit } from '../../limits.js';
import { Authenticator, isLoopbackHost } from './auth.js';
import { resolveCredentials, type Credential } from './credentials.js';
import { SecretSet } from './redact.js';
import { registryError, type RequestContext } from './registry-errors.js';
import { isFileBody, sendFileBody, type FileBody } from './file-body.js';
import { fromFetch, NodeHttpResponse, nodeFetch, type HttpFetch, type HttpInit, type HttpResponse } from './http.js';
import { DEFAULT_RETRY, isRetryableNetworkError, isRetryableStatus, networkErrorCode, nextDelay, parseRetryAfter, type RetryPolicy } from './retry.js';

export interface TransportOptions {
  /** Allow plain http to a non-loopback registry. */
  insecure?: boolean;
  /** Directory holding the Docker config.json (overrides $DOCKER_CONFIG). */
  dockerConfigDir?: string;
  env?: NodeJS.ProcessEnv;
  /** Explicit credentials; skips the Docker config lookup. */
  credential?: Credential;
  retry?: Partial<RetryPolicy>;
  /** Inactivity timeout in ms (default 60 s). */
  idleTimeoutMs?: number;
  /** Overall deadline of one request in ms, retries and body included (network.requestTimeout; 0: none). */
  requestTimeoutMs?: number;
  /** Slowest tolerated body transfer rate in bytes/s (network.minRate; 0: none). */
  minRate?: number;
  /** Window over which the rate is measured, in ms (default 30 s). */
  rateWindowMs?: number;
  /** Injected fetch (tests); defaults to node:http (http.ts says why not the global fetch). */
  fetch?: typeof fetch;
  userAgent?: string;
}

/** A stream body comes from a factory (a retry opens it again); a FileBody is sent from the file by node:http (file-body.ts). */
export type RequestBody = Buffer | string | FileBody | (() => Promise<Readable | Buffer>);

export interface RequestSpec {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** A path ("/v2/...") or an absolute URL (upload locations). */
  url: string;
  headers?: Record<string, string>;
  /** A stream body must come from a factory so a retry can open it again. */
  body?: RequestBody;
  scopes: string[];
  /** Statuses that count as success; anything else is an error. */
  ok: number[];
  /** Statuses returned to the caller as is instead of failing (e.g. 404 for HEAD existence checks). */
  passThrough?: number[];
  /** Retry on transient failures (default true). */
  retry?: boolean;
  context: Omit<RequestContext, 'registry'>;
}

const MAX_REDIRECTS = 5;
const MAX_ERROR_BODY = 64 * 1024;
const USER_AGENT = 'goslim (+https://github.com/goslim)';

/** The API host for a registry name: Docker Hub's names go to registry-1.docker.io (pure). */
export function apiHost(registry: string): string {
  return registry === 'docker.io' || registry === 'index.docker.io' ? 'registry-1.docker.io' : registry;
}

/** Base URL for a registry (pure): https unless loopback or insecure. */
export function baseUrlFor(registry: string, insecure: boolean): string {
  const host = apiHost(registry);
  const hostname = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]!;
  const plain = insecure || isLoopbackHost(hostname);
  return `${plain ? 'http' : 'https'}://${host}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Texts of `Warning: 299 - "..."` headers (distribution-spec: clients should show them to the user,
 * deduplicated, and never act on them) (pure).
 */
export function parseWarnings(header: string | null): string[] {
  if (header === null) return [];
  const out: string[] = [];
  for (const m of header.matchAll(/299\s+\S+\s+"((?:[^"\\]|\\.)*)"/g)) out.push(m[1]!.replace(/\\(.)/g, '$1'));
  return out;
}

export class RegistryTransport {
  readonly registry: string;
  readonly baseUrl: string;
  readonly secrets = new SecretSet();
  /** Registry warnings seen so far, deduplicated; the CLI shows them. */
  readonly warnings = new Set<string>();
  private readonly auth: Authenticator;
  private readonly fetchImpl: HttpFetch;
  readonly retryPolicy: RetryPolicy;
  private readonly idleTimeoutMs: number;
  private readonly bounds: TransferBounds;
  private readonly userAgent: string;

  constructor(registry: string, options: TransportOptions = {}) {
    this.registry = registry;
    this.baseUrl = baseUrlFor(registry, options.insecure ?? false);
    this.fetchImpl = options.fetch !== undefined ? fromFetch(options.fetch) : nodeFetch;
    this.retryPolicy = { ...DEFAULT_RETRY, ...options.retry };
    this.idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
    this.bounds = transferBounds(options);
    this.userAgent = options.userAgent ?? USER_AGENT;
    const explicit = options.credential;
    this.auth = new Authenticator({
      registry,
      credential: explicit !== undefined ? () => Promise.resolve(explicit) : () => resolveCredentials(registry, undefined, options),
      secrets: this.secrets,
      fetch: this.fetchImpl,
      insecure: options.insecure ?? false,
      timeoutMs: this.idleTimeoutMs,
      userAgent: this.userAgent,
      retry: this.retryPolicy,
    });
  }

  /**
   * Perform a request with auth, retries and redirects. Resolves to a response whose status is in
   * `spec.ok` or `spec.passThrough`; its body must be consumed or cancelled by the caller (use
   * `stream()` or `bytes()` to keep the inactivity timeout, or `discard()`).
   */
  async request(spec: RequestSpec): Promise<TransportResponse> {
    const started = Date.now();
    const deadline = new Deadline(this.bounds.requestTimeoutMs);
    try {
      return await this.requestWithin(spec, started, deadline);
    } catch (err) {
      deadline.stop();
      throw err;
    }
  }

  private async requestWithin(spec: RequestSpec, started: number, deadline: Deadline): Promise<TransportResponse> {
    let scopes = spec.scopes;
    let attempt = 0;
    let authRetries = 0;
    const wait = async (ms: number): Promise<boolean> => {
      // A wait that would end after the deadline is not worth starting.
      if (deadline.remaining() <= ms) return false;
      await sleep(ms);
      return true;
    };
    for (;;) {
      attempt++;
      if (deadline.expired()) throw this.deadlineError(spec, attempt - 1);
      const authorization = await this.auth.authorization(scopes);
      let res: TransportResponse;
      try {
        res = await this.once(spec, authorization, deadline);
      } catch (err) {
        if (err instanceof GoslimError) throw err;
        if (err instanceof DeadlineError || deadline.expired()) throw this.deadlineError(spec, attempt, err);
        const delay = spec.retry !== false && isRetryableNetworkError(err) ? nextDelay(this.retryPolicy, attempt, Date.now() - started, undefined) : undefined;
        if (delay !== undefined && (await wait(delay))) continue;
        throw this.networkError(spec, err, attempt);
      }
      const { response } = res;
      if (response.status === 401 && authRetries < 2) {
        const { retry, scopes: next } = await this.auth.challenge(response.headers.get('www-authenticate'), scopes, authorization !== undefined);
        if (retry) {
          await response.body?.cancel().catch(() => undefined);
          authRetries++;
          scopes = next;
          attempt--; // an auth round trip is not a failure
          continue;
        }
      }
      if (spec.ok.includes(response.status) || spec.passThrough?.includes(response.status)) return res;
      if (spec.retry !== false && isRetryableStatus(response.status)) {
        const delay = nextDelay(this.retryPolicy, attempt, Date.now() - started, parseRetryAfter(response.headers.get('retry-after')));
        if (delay !== undefined && deadline.remaining() > delay) {
          res.rearm();
          await res.discard();
          await sleep(delay);
          continue;
        }
      }
      const text = await readLimited(response, MAX_ERROR_BODY);
      // Know every credential before redacting, even when the registry never challenged us.
      await this.auth.loadCredential().catch(() => undefined);
      const err = registryError(response.status, text, { ...spec.context, registry: this.registry }, this.secrets);
      if (attempt > 1 && err.details) err.details['attempts'] = attempt;
      throw err;
    }
  }

  private deadlineError(spec: RequestSpec, attempts: number, cause?: unknown): GoslimError {
    const where = spec.context.repository ? `${this.registry}/${spec.context.repository}` : this.registry;
    const ms = this.bounds.requestTimeoutMs;
    return new NetworkError(`${spec.context.what} from ${where} did not finish within ${ms} ms (network.requestTimeout)`, {
      details: { registry: this.registry, what: spec.context.what, attempts, limit: 'network.requestTimeout', max: ms },
      ...(cause !== undefined ? { cause } : {}),
    });
  }

  private networkError(spec: RequestSpec, err: unknown, attempts: number): GoslimError {
    const code = networkErrorCode(err);
    // Without a code, undici's cause message says why (e.g. "bad port": fetch blocks some ports).
    const reason = code ?? ((err as { cause?: unknown })?.cause instanceof Error ? ((err as { cause: Error }).cause.message) : undefined);
    const where = spec.context.repository ? `${this.registry}/${spec.context.repository}` : this.registry;
    return new NetworkError(this.secrets.text(`cannot reach registry ${where} (${spec.context.what})${reason ? `: ${reason}` : ''}`), {
      details: { registry: this.registry, attempts, ...(code ? { errno: code } : {}) },
      cause: err,
    });
  }

  /** One attempt: the request plus any redirects. */
  private async once(spec: RequestSpec, authorization: string | undefined, deadline: Deadline): Promise<TransportResponse> {
    let url = new URL(spec.url, this.baseUrl);
    const originHost = url.host;
    let method: string = spec.method;
    let body: RequestBody | undefined = spec.body;
    for (let hop = 0; ; hop++) {
      const headers: Record<string, string> = { 'User-Agent': this.userAgent, ...spec.headers };
      // Credentials only to the registry itself, never to a redirect target on another host.
      if (authorization !== undefined && url.host === originHost) headers['Authorization'] = authorization;
      const controller = new AbortController();
      deadline.watch(controller);
      const activity = new IdleTimer(this.idleTimeoutMs, () => controller.abort(new IdleTimeoutError()));
      const uploadRate = new RateMonitor(this.bounds.minRate, this.bounds.rateWindowMs, () => controller.abort(new SlowTransferError()));
      const uploadStreams: Readable[] = [];
      let sourceError: Error | undefined;
      // Requests with a body use redirect 'error': registries do not redirect uploads, and with an
      // injected undici fetch any other mode clones the request, which tees the body stream and
      // keeps every byte of it in memory until the request ends (measured: a 200 MB upload held 200 MB).
      const hasBody = body !== undefined && method !== 'GET' && method !== 'HEAD';
      const init: HttpInit = { method, headers, redirect: hasBody ? 'error' : 'manual', signal: controller.signal };
      let fileBody: FileBody | undefined;
      let sent = 0;
      if (hasBody && isFileBody(body)) {
        fileBody = body;
        uploadRate.start();
      } else if (hasBody) {
        const b = typeof body === 'function' ? await body() : body;
        if (b instanceof Readable) {
          // Note activity as undici pulls bytes (a 'data' listener would switch the stream to
          // flowing mode and steal chunks from the request body).
          const counted = new Transform({
            highWaterMark: 1 << 16,
            transform(chunk: Buffer, _enc, cb) {
              activity.touch();
              uploadRate.add(chunk.length);
              cb(null, chunk);
            },
          });
          b.on('error', (e) => {
            sourceError ??= e;
            counted.destroy(e);
          });
          b.pipe(counted);
          uploadStreams.push(b, counted);
          // The rate counts the body only: once it is all sent, waiting for the answer is not slowness.
          counted.on('end', () => uploadRate.stop());
          uploadRate.start();
          init.body = counted;
          init.duplex = 'half';
        } else {
          // A string or a Buffer (a FileBody took the branch above).
          init.body = b as string | Buffer;
        }
      }
      let response: HttpResponse;
      try {
        activity.touch();
        response = fileBody !== undefined
          ? await sendFileBody(url, method, headers, fileBody, controller.signal, (n) => {
              activity.touch();
              uploadRate.add(n);
              sent += n;
              // The rate counts the body only: once it is all sent, waiting for the answer is not slowness.
              if (sent >= fileBody!.length) uploadRate.stop();
            })
          : await this.fetchImpl(url, init);
      } catch (err) {
        activity.stop();
        uploadRate.stop();
        // Release the source (a file or a registry stream) of a body that did not go through.
        for (const s of uploadStreams) s.destroy();
        // The body's own failure (e.g. the source layer failing its digest check) is the real error.
        if (sourceError instanceof GoslimError) throw sourceError;
        if (fileBody !== undefined && err instanceof GoslimError) throw err;
        if (controller.signal.aborted && controller.signal.reason instanceof IdleTimeoutError) {
          throw errnoError(`no response for ${this.idleTimeoutMs} ms`, 'ETIMEDOUT');
        }
        if (controller.signal.aborted && controller.signal.reason instanceof DeadlineError) throw controller.signal.reason;
        if (controller.signal.aborted && controller.signal.reason instanceof SlowTransferError) {
          throw new NetworkError(`${spec.context.what}: upload to ${this.registry} slower than ${this.bounds.minRate} bytes/s over ${this.bounds.rateWindowMs} ms (network.minRate)`, {
            details: { registry: this.registry, what: spec.context.what, limit: 'network.minRate', max: this.bounds.minRate },
            cause: err,
          });
        }
        throw err;
      }
      uploadRate.stop();
      for (const w of parseWarnings(response.headers.get('warning'))) this.warnings.add(this.secrets.text(w));
      if ([301, 302, 303, 307, 308].includes(response.status) && response.headers.get('location')) {
        activity.stop();
        await response.body?.cancel().catch(() => undefined);
        if (hop >= MAX_REDIRECTS) {
          throw new RegistryError(`too many redirects from ${this.registry} (${spec.context.what})`, {
            details: { registry: this.registry },
          });
        }
        try {
          url = new URL(response.headers.get('location')!, url);
        } catch {
          throw new RegistryError(`${this.registry} redirected to a Location that is not a URL (${spec.context.what})`, { details: { registry: this.registry } });
        }
        if (response.status === 303) {
          method = 'GET';
          body = undefined;
        }
        continue;
      }
      return new TransportResponse(response, url, activity, controller, deadline, this.bounds);
    }
  }
}

class IdleTimeoutError extends Error {}
class DeadlineError extends Error {}
class SlowTransferError extends Error {}

interface TransferBounds {
  requestTimeoutMs: number;
  minRate: number;
  rateWindowMs: number;
}

export { parseDuration, parseRate } from '../../util/units.js';

/** Limits from src/limits.ts, overridden by $GOSLIM_REQUEST_TIMEOUT / $GOSLIM_MIN_RATE, then by options. */
function transferBounds(options: TransportOptions): TransferBounds {
  const env = options.env ?? process.env;
  const envTimeout = env['GOSLIM_REQUEST_TIMEOUT'];
  const envRate = env['GOSLIM_MIN_RATE'];
  return {
    requestTimeoutMs: options.requestTimeoutMs ?? limit('network.requestTimeout', envTimeout ? parseDuration(envTimeout, 'GOSLIM_REQUEST_TIMEOUT') : undefined),
    minRate: options.minRate ?? limit('network.minRate', envRate ? parseRate(envRate, 'GOSLIM_MIN_RATE') : undefined),
    rateWindowMs: options.rateWindowMs ?? 30_000,
  };
}

/**
 * The overall deadline of one request: aborts whichever attempt is running when it passes, and
 * keeps running through the body until the caller has read or discarded it.
 */
class Deadline {
  private readonly at: number;
  private timer: NodeJS.Timeout | undefined;
  private current: AbortController | undefined;
  private fired = false;
  constructor(private readonly ms: number) {
    this.at = ms > 0 ? Date.now() + ms : Number.POSITIVE_INFINITY;
    if (ms > 0) {
      this.timer = setTimeout(() => {
        this.fired = true;
        this.current?.abort(new DeadlineError(`request took longer than ${ms} ms`));
      }, ms);
      this.timer.unref();
    }
  }
  watch(controller: AbortController): void {
    this.current = controller;
    if (this.fired) controller.abort(new DeadlineError(`request took longer than ${this.ms} ms`));
  }
  expired(): boolean {
    return this.fired || Date.now() >= this.at;
  }
  remaining(): number {
    return this.at - Date.now();
  }
  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/**
 * Minimum transfer rate: at the end of every window of `windowMs` after `start`, fewer than
 * `rate * windowMs / 1000` bytes moved in that window calls `onSlow`. A rate of 0 disables it. A
 * window in which `waiting()` said the reader was not taking data (backpressure: the consumer, not
 * the network, is slow) is not judged.
 */
class RateMonitor {
  private timer: NodeJS.Timeout | undefined;
  private bytes = 0;
  private consumerSlow = false;
  constructor(
    readonly rate: number,
    readonly windowMs: number,
    private readonly onSlow: () => void,
    private readonly waiting: () => boolean = () => false,
  ) {}
  start(): void {
    if (this.rate <= 0 || this.windowMs <= 0 || this.timer !== undefined) return;
    const need = (this.rate * this.windowMs) / 1000;
    const sample = setInterval(() => {
      if (this.waiting()) this.consumerSlow = true;
    }, Math.max(10, Math.floor(this.windowMs / 10)));
    sample.unref();
    this.sampler = sample;
    this.timer = setInterval(() => {
      const excused = this.consumerSlow || this.waiting();
      this.consumerSlow = false;
      if (this.bytes < need && !excused) {
        this.stop();
        this.onSlow();
      }
      this.bytes = 0;
    }, this.windowMs);
    this.timer.unref();
  }
  private sampler: NodeJS.Timeout | undefined;
  add(n: number): void {
    this.bytes += n;
  }
  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    if (this.sampler !== undefined) clearInterval(this.sampler);
    this.timer = undefined;
    this.sampler = undefined;
  }
}

/** Fires `onIdle` when `touch` has not been called for `ms`. */
class IdleTimer {
  private timer: NodeJS.Timeout | undefined;
  constructor(
    private readonly ms: number,
    private readonly onIdle: () => void,
  ) {}
  touch(): void {
    if (this.timer !== undefined) this.timer.refresh();
    else {
      this.timer = setTimeout(this.onIdle, this.ms);
      this.timer.unref();
    }
  }
  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** A successful (or passed-through) response, with helpers that keep the inactivity timeout. */
export class TransportResponse {
  constructor(
    readonly response: HttpResponse,
    /** The final URL after redirects (upload Locations resolve against it). */
    readonly url: URL,
    private readonly activity: IdleTimer,
    private readonly controller: AbortController,
    private readonly deadline: Deadline,
    private readonly bounds: TransferBounds,
  ) {}

  /** Keep the deadline running after a discard (the transport retries within it). */
  private keepDeadline = false;
  rearm(): void {
    this.keepDeadline = true;
  }

  private finished(): void {
    this.activity.stop();
    if (!this.keepDeadline) this.deadline.stop();
  }

  get status(): number {
    return this.response.status;
  }

  header(name: string): string | null {
    return this.response.headers.get(name);
  }

  /** Discard the body. */
  async discard(): Promise<void> {
    this.activity.stop();
    if (this.response instanceof NodeHttpResponse) this.response.discard();
    else await this.response.body?.cancel().catch(() => undefined);
    if (!this.keepDeadline) this.deadline.stop();
  }

  /**
   * The body as a Node stream. Stalls longer than the idle timeout, a transfer slower than the
   * minimum rate, and the request's deadline all fail it with E_NETWORK naming `what`.
   */
  stream(what: string): Readable {
    const node = this.response instanceof NodeHttpResponse ? this.response.nodeBody : undefined;
    const body = node === undefined ? this.response.body : null;
    if (node === null || (node === undefined && body === null)) {
      this.finished();
      return Readable.from([]);
    }
    const src = node ?? Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>);
    const out = new PassThrough({ highWaterMark: 1 << 16 });
    // A consumer that stops reading (backpressure) pauses the body: that is not a slow network.
    const rate = new RateMonitor(this.bounds.minRate, this.bounds.rateWindowMs, () => this.controller.abort(new SlowTransferError()), () => out.writableNeedDrain);
    rate.start();
    src.on('data', (chunk: Buffer) => {
      this.activity.touch();
      rate.add(chunk.length);
    });
    src.on('end', () => {
      rate.stop();
      this.finished();
    });
    src.on('error', (err) => {
      rate.stop();
      this.finished();
      const reason: unknown = this.controller.signal.aborted ? this.controller.signal.reason : undefined;
      let error: GoslimError;
      if (reason instanceof DeadlineError) {
        error = new NetworkError(`${what} did not arrive within ${this.bounds.requestTimeoutMs} ms (network.requestTimeout)`, {
          cause: err,
          details: { what, limit: 'network.requestTimeout', max: this.bounds.requestTimeoutMs },
        });
      } else if (reason instanceof SlowTransferError) {
        error = new NetworkError(`${what} arrived slower than ${this.bounds.minRate} bytes/s over ${this.bounds.rateWindowMs} ms (network.minRate)`, {
          cause: err,
          details: { what, limit: 'network.minRate', max: this.bounds.minRate },
        });
      } else {
        error = new NetworkError(reason !== undefined ? `transfer stalled: ${what}` : `connection lost while reading ${what}`, { cause: err, details: { what } });
      }
      out.destroy(error);
    });
    out.on('close', () => {
      if (!src.readableEnded) {
        rate.stop();
        this.finished();
        src.destroy();
      }
    });
    src.pipe(out);
    return out;
  }

  /** The whole body, refusing more than `max` bytes (manifests, configs, JSON). */
  async bytes(max: number, what: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let total = 0;
    const s = this.stream(what);
    for await (const chunk of s) {
      total += (chunk as Buffer).length;
      if (total > max) {
        s.destroy();
        throw new RegistryError(`${what} is larger than ${max} bytes; refusing to buffer it`, { details: { limit: max } });
      }
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks);
  }
}

async function readLimited(response: HttpResponse, max: number): Promise<string> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.length;
      if (total >= max) break;
    }
  } catch {
    // A broken error body still leaves the status to report.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, max);
}
