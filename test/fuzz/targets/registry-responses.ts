/**
 * Registry answers: every client operation (manifests, blobs, uploads monolithic and chunked,
 * mounts, token auth, and a whole image push through the registry sink) against a scripted registry (an injected fetch, no network) whose answers
 * are drawn at random: statuses, the headers the client reads (Location, WWW-Authenticate,
 * Content-Range, Range, Docker-Content-Digest, Retry-After, Content-Type, Content-Length,
 * OCI-Chunk-Min-Length, Warning) with real, hostile and garbage values, and bodies (JSON error
 * documents, manifests, garbage). Retries and timeouts are tiny so each input ends quickly.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { RegistryClient } from '../../../src/image/registry/client.js';
import { sha256Digest } from '../../../src/image/digest.js';
import { scratchImage } from '../../../src/image/mutate/built-image.js';
import { pushImage } from '../../../src/image/sinks/registry.js';
import type { FuzzTarget } from '../target.js';

const BLOB = Buffer.from('hello, registry');
const BLOB_DIGEST = sha256Digest(BLOB);
const MANIFEST = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'x', digest: BLOB_DIGEST, size: BLOB.length }, layers: [] }));

const headerValue = {
  location: fc.constantFrom('/v2/a/b/blobs/uploads/1', 'http://127.0.0.1:1/v2/a/b/blobs/uploads/2?x=1', 'http://[::1', '', '//evil.example/x', 'https://other.example/blob', '/v2/a/b/blobs/uploads/1?digest=sha256:00', '\u0000'),
  'www-authenticate': fc.constantFrom('Basic realm="r"', 'Bearer realm="http://127.0.0.1:9/token",service="s",scope="repository:a/b:pull"', 'Bearer realm="http://[::1"', 'Bearer', 'Bearer realm=', 'Digest x', 'Bearer realm="ftp://x/token"', 'Bearer realm="https://auth.example/token",error="insufficient_scope"', '"""'),
  'content-range': fc.constantFrom('bytes 0-4/15', 'bytes 5-14/15', 'bytes */15', 'garbage', '0-14'),
  range: fc.constantFrom('0-4', '0-14', '0-0', '5-2', 'x', '0-99999999999999999999'),
  'docker-content-digest': fc.constantFrom(BLOB_DIGEST, sha256Digest(MANIFEST), 'sha256:zz', 'md5:00', ''),
  'retry-after': fc.constantFrom('0', '1', '-1', 'Wed, 21 Oct 2015 07:28:00 GMT', 'soon', '99999999999'),
  'content-type': fc.constantFrom('application/json', 'application/vnd.oci.image.manifest.v1+json; charset=utf-8', 'text/html', ''),
  'content-length': fc.constantFrom('0', '15', 'abc', '-1'),
  'oci-chunk-min-length': fc.constantFrom('0', '4', 'abc', '99999999999'),
  warning: fc.constantFrom('299 - "deprecated"', '299 - "unterminated', 'garbage'),
};

const body = fc.oneof(
  fc.constant(''),
  fc.constant(BLOB.toString()),
  fc.constant(MANIFEST.toString()),
  fc.constantFrom('{"errors":[{"code":"UNAUTHORIZED","message":"no"}]}', '{"errors":"x"}', '{"errors":[null,5,{"code":7}]}', 'null', '[]', '{"token":"t","expires_in":"x"}', '{"access_token":5}', '{"token":"tok","expires_in":60}'),
  fc.string({ maxLength: 200 }),
);

const answer = fc.record({
  status: fc.constantFrom(200, 201, 202, 204, 206, 301, 307, 400, 401, 403, 404, 405, 416, 429, 500, 503),
  headers: fc.dictionary(fc.constantFrom(...(Object.keys(headerValue) as Array<keyof typeof headerValue>)), fc.string(), { maxKeys: 4 }).chain((keys) =>
    fc.record(Object.fromEntries(Object.keys(keys).map((k) => [k, headerValue[k as keyof typeof headerValue]])) as Record<string, fc.Arbitrary<string>>),
  ),
  body,
  /** The connection breaks after the first half of the body (undici's "terminated"). */
  breaks: fc.boolean(),
});

const ops = ['getManifest', 'headManifest', 'blobSize', 'getBlob', 'openBlob', 'upload', 'uploadChunked', 'putManifest', 'mount', 'ping', 'pushImage'] as const;
/** Over the wire only: an upload sent from a file (registry/file-body.ts). */
const wireOps = [...ops, 'uploadFile'] as const;

interface Input {
  op: (typeof wireOps)[number];
  answers: Array<{ status: number; headers: Record<string, string>; body: string; breaks: boolean }>;
  credential: boolean;
}

const fetchTarget: FuzzTarget<Input> = {
  name: 'registry responses',
  arbitrary: fc.record({ op: fc.constantFrom(...ops) as fc.Arbitrary<Input['op']>, answers: fc.array(answer, { minLength: 1, maxLength: 12 }), credential: fc.boolean() }),
  async run(input) {
    let i = 0;
    const fakeFetch = (async (_url: string | URL | Request, init?: RequestInit) => {
      // Consume a streamed request body, as a server would.
      const b = init?.body as unknown;
      if (b instanceof Readable) for await (const _ of b) void _;
      else if (b !== null && typeof b === 'object' && Symbol.asyncIterator in (b as object)) for await (const _ of b as AsyncIterable<unknown>) void _;
      // After the script runs out, the registry answers 404 (bounded: the client's retries end).
      const a = input.answers[i++] ?? { status: 404, headers: {}, body: '', breaks: false };
      const nullBody = a.status === 204 || a.status === 304 || init?.method === 'HEAD';
      if (nullBody) return new Response(null, { status: a.status, headers: a.headers });
      if (!a.breaks) return new Response(a.body, { status: a.status, headers: a.headers });
      const bytes = Buffer.from(a.body);
      let sent = false;
      const stream = new ReadableStream<Uint8Array>({
        pull(c) {
          if (!sent && bytes.length > 1) {
            sent = true;
            c.enqueue(bytes.subarray(0, bytes.length >> 1));
          } else c.error(new TypeError('terminated', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) }));
        },
      });
      return new Response(stream, { status: a.status, headers: a.headers });
    }) as typeof fetch;
    return runOp(input, '127.0.0.1:5000', { fetch: fakeFetch });
  },
  ciRuns: 300,
};

const blobFile = (() => {
  let path: string | undefined;
  return (): string => {
    if (path === undefined) {
      path = join(mkdtempSync(join(tmpdir(), 'goslim-fuzz-registry-')), 'blob');
      writeFileSync(path, BLOB);
    }
    return path;
  };
})();

async function runOp(input: Input, registry: string, transport: { fetch?: typeof fetch }): Promise<unknown> {
    const client = new RegistryClient(registry, {
      ...transport,
      ...(input.credential ? { credential: { username: 'u', password: 'secret-pw' } } : { credential: {} }),
      retry: { baseDelayMs: 0, maxDelayMs: 1, maxAttempts: 3, maxTotalMs: 50 },
      idleTimeoutMs: 200,
      requestTimeoutMs: 1000,
    });
    switch (input.op) {
      case 'getManifest':
        return client.getManifest('a/b', 'v1');
      case 'headManifest':
        return client.headManifest('a/b', 'v1');
      case 'blobSize':
        return client.blobSize('a/b', BLOB_DIGEST, true);
      case 'getBlob':
        return client.getBlob('a/b', BLOB_DIGEST, 1 << 20);
      case 'openBlob': {
        const s = await client.openBlob('a/b', BLOB_DIGEST, BLOB.length);
        for await (const _ of s) void _;
        return undefined;
      }
      case 'upload':
        return client.uploadBlob('a/b', BLOB_DIGEST, BLOB.length, async () => Readable.from([BLOB]));
      case 'uploadChunked':
        return client.uploadBlob('a/b', BLOB_DIGEST, BLOB.length, async () => Readable.from([BLOB]), { chunkThreshold: 1, chunkSize: 5 });
      case 'putManifest':
        return client.putManifest('a/b', 'v1', MANIFEST, 'application/vnd.oci.image.manifest.v1+json');
      case 'mount':
        return client.mountBlob('a/b', BLOB_DIGEST, 'c/d');
      case 'ping':
        return client.ping();
      case 'pushImage':
        // The sink: HEAD-skip, mount fallback, upload restarts, manifest last.
        return pushImage(scratchImage({ os: 'linux', architecture: 'amd64' }), { registry, repository: 'a/b', tag: 'v1' }, {
          client,
          mountFrom: { registry, repository: 'c/d' },
          retry: { baseDelayMs: 0, maxDelayMs: 1, maxAttempts: 3, maxTotalMs: 50 },
        });
      case 'uploadFile':
        return client.uploadBlob('a/b', BLOB_DIGEST, BLOB.length, async () => Readable.from([BLOB]), {}, { file: blobFile(), start: 0, length: BLOB.length });
    }
}

/**
 * The same scripts over a real socket, to the client's own HTTP (registry/http.ts on node:http):
 * a TCP server on 127.0.0.1 (port 0) writes each answer as raw HTTP/1.1, header values verbatim
 * (so a value node:http's parser refuses reaches it), `Connection: close`; a breaking answer
 * promises its whole body and closes after half of it.
 */
let wire: { server: Server; port: number; script: Input['answers']; next: number } | undefined;

async function wireServer(): Promise<NonNullable<typeof wire>> {
  if (wire !== undefined) return wire;
  const state = { script: [] as Input['answers'], next: 0 };
  const server = createServer((socket: Socket) => {
    let head = '';
    let answered = false;
    socket.on('error', () => undefined);
    socket.on('data', (d: Buffer) => {
      if (answered) return;
      head += d.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      answered = true;
      const method = head.slice(0, head.indexOf(' '));
      const a = state.script[state.next++] ?? { status: 404, headers: {}, body: '', breaks: false };
      const noBody = method === 'HEAD' || a.status === 204 || a.status === 304;
      const bytes = Buffer.from(a.body);
      const lines = [`HTTP/1.1 ${a.status} X`, 'Connection: close'];
      for (const [k, v] of Object.entries(a.headers)) lines.push(`${k}: ${v.replace(/[\r\n]/g, ' ')}`);
      if (!noBody && !Object.keys(a.headers).some((k) => k.toLowerCase() === 'content-length')) lines.push(`Content-Length: ${bytes.length}`);
      socket.write(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
      if (noBody) socket.end();
      else if (a.breaks && bytes.length > 1) socket.end(bytes.subarray(0, bytes.length >> 1), () => socket.destroy());
      else socket.end(bytes);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  server.unref();
  wire = Object.assign(state, { server, port: (server.address() as AddressInfo).port });
  return wire;
}

const wireTarget: FuzzTarget<Input> = {
  name: 'registry responses over node:http',
  arbitrary: fc.record({ op: fc.constantFrom(...wireOps), answers: fc.array(answer, { minLength: 1, maxLength: 12 }), credential: fc.boolean() }),
  async run(input) {
    const w = await wireServer();
    w.script = input.answers;
    w.next = 0;
    return runOp(input, `127.0.0.1:${w.port}`, {});
  },
  ciRuns: 200,
};

export const targets = [fetchTarget, wireTarget];
