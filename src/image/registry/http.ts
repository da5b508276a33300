/**
 * The registry client's HTTP: the part of fetch the transport uses (status, headers, a web
 * body stream, manual redirects, an abort signal), on node:http and node:https.
 *
 * Why not Node's fetch: undici is loaded on the first fetch (Node 20: +12 MB RSS over Node's
 * 40 MB) and compiles its HTTP parser, a WebAssembly module, with the optimizing tier once it is
 * hot (+20-26 MB for a moment; measured: the first blob upload of a push went from 64 to 87 MB,
 * and not with `--liftoff-only`). node:http parses in C and costs ~4 MB. The budget of a push
 * (issue 17: peak RSS <= 64 MB for the fat image, skopeo ~21 MB) has no room for either.
 * Tests that inject a fetch (fuzz targets) still get it: the transport adapts a fetch to this.
 */
import { request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { RegistryError } from '../../errors.js';

export interface HttpHeaders {
  get(name: string): string | null;
}

/** What the transport reads of an answer (a fetch Response has all of it). */
export interface HttpResponse {
  readonly status: number;
  readonly ok: boolean;
  readonly headers: HttpHeaders;
  readonly body: ReadableStream<Uint8Array> | null;
}

export interface HttpInit {
  method?: string;
  headers?: Record<string, string>;
  /** A Node stream body is sent as it is read (the transport's uploads). */
  body?: string | Uint8Array | Readable | null;
  /** 'manual': a 3xx is returned as is; 'error': a 3xx fails the request (as fetch does). */
  redirect?: 'manual' | 'error';
  signal?: AbortSignal | null;
  duplex?: 'half';
}

export type HttpFetch = (url: URL, init: HttpInit) => Promise<HttpResponse>;

/** Adapt a fetch (tests inject one) to HttpFetch; a Response already has what HttpResponse names. */
export function fromFetch(f: typeof fetch): HttpFetch {
  return (url, init) => f(url, init as unknown as RequestInit);
}

/** Statuses whose answer has no body. */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);
const REDIRECT = new Set([301, 302, 303, 307, 308]);

/** Response headers by name, case-insensitive; repeated headers joined with ", " (as fetch's Headers.get). */
class RawHeaders implements HttpHeaders {
  constructor(private readonly raw: string[]) {}
  get(name: string): string | null {
    const want = name.toLowerCase();
    const values: string[] = [];
    for (let i = 0; i + 1 < this.raw.length; i += 2) if (this.raw[i]!.toLowerCase() === want) values.push(this.raw[i + 1]!);
    return values.length === 0 ? null : values.join(', ');
  }
}

/** Bodies at most this long are read to their end when discarded, so the connection is kept. */
const DRAIN_MAX = 64 << 10;

/**
 * An answer from node:http. The body is the Node stream itself (`nodeBody`): converting it to a
 * web stream and back, as a fetch-shaped body would be read, cost a pull of 105 MB twice the time
 * (2.07x skopeo against 1.01x through undici, measured); the web stream is made only when asked for.
 */
export class NodeHttpResponse implements HttpResponse {
  readonly status: number;
  readonly ok: boolean;
  readonly headers: HttpHeaders;
  private web: ReadableStream<Uint8Array> | null | undefined;
  constructor(
    private readonly res: IncomingMessage,
    readonly nodeBody: Readable | null,
  ) {
    this.status = res.statusCode ?? 0;
    this.ok = this.status >= 200 && this.status < 300;
    this.headers = new RawHeaders(res.rawHeaders);
  }
  get body(): ReadableStream<Uint8Array> | null {
    if (this.web === undefined) this.web = this.nodeBody === null ? null : (Readable.toWeb(this.nodeBody) as NodeReadableStream<Uint8Array> as unknown as ReadableStream<Uint8Array>);
    return this.web;
  }
  /** Drop the body: a short one is read to its end (the connection is reused), a long one cut. */
  discard(): void {
    if (this.nodeBody === null || this.res.readableEnded) return;
    const length = Number(this.res.headers['content-length'] ?? Number.NaN);
    // A body the parser has whole (`complete`) must still be read for the socket to be released.
    if (this.web === undefined && (this.res.complete || length <= DRAIN_MAX)) this.res.resume();
    else this.res.destroy();
  }
}

function toResponse(res: IncomingMessage, method: string): HttpResponse {
  const status = res.statusCode ?? 0;
  if (method === 'HEAD' || NULL_BODY.has(status)) {
    res.resume();
    return new NodeHttpResponse(res, null);
  }
  return new NodeHttpResponse(res, res);
}

/** A request that follows fetch's error behaviour closely enough for the transport (its errors carry Node's codes). */
export interface StartedRequest {
  response: Promise<HttpResponse>;
  /** The request, to write a body into. */
  req: import('node:http').ClientRequest;
}

/** Start a request; the caller writes the body (or calls `req.end()`). */
export async function startRequest(url: URL, init: HttpInit, extraHeaders: OutgoingHttpHeaders = {}): Promise<StartedRequest> {
  const method = init.method ?? 'GET';
  const send = url.protocol === 'https:' ? (await import('node:https')).request : httpRequest;
  const req = send(url, { method, headers: { ...init.headers, ...extraHeaders }, ...(init.signal ? { signal: init.signal } : {}) });
  const response = new Promise<HttpResponse>((resolve, reject) => {
    let answered = false;
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    req.once('response', (res) => {
      answered = true;
      if (init.redirect === 'error' && REDIRECT.has(res.statusCode ?? 0)) {
        res.destroy();
        // Uploads are never redirected (the transport's comment says why); the host only: a Location may carry a session.
        reject(new RegistryError(`${url.host} redirected a request with a body (HTTP ${res.statusCode}); it is not followed`, { details: { status: res.statusCode ?? 0 } }));
        return;
      }
      resolve(toResponse(res, method));
    });
  });
  return { response, req };
}

/** fetch's subset on node:http (see the module comment). */
export const nodeFetch: HttpFetch = async (url, init) => {
  if (init.signal?.aborted) throw init.signal.reason;
  const body = init.body;
  const length = typeof body === 'string' ? Buffer.byteLength(body) : body instanceof Uint8Array ? body.length : undefined;
  const hasLength = Object.keys(init.headers ?? {}).some((k) => k.toLowerCase() === 'content-length');
  const { response, req } = await startRequest(url, init, length !== undefined && !hasLength ? { 'Content-Length': String(length) } : {});
  if (body === undefined || body === null) req.end();
  else if (body instanceof Readable) {
    body.on('error', (err) => req.destroy(err));
    body.pipe(req);
  } else req.end(body);
  return response;
};
