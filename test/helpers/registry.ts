/**
 * Test harness: Debian's `docker-registry` (distribution 2.8) on 127.0.0.1, on a free port, with
 * its config and storage in a temp dir. Optional htpasswd Basic auth, or token auth with an issuer
 * running in the test process (a real registry verifying real RS256 JWTs; the issuer is test
 * infrastructure). Everything is bounded: startup polls /v2/ at most 100 times, stop waits at most
 * 3 s before SIGKILL, and processes are stopped by PID.
 *
 * Also a fault-injecting HTTP proxy to put in front of a registry (503/429/connection resets).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, createPrivateKey, randomBytes, sign } from 'node:crypto';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasTool } from './tools.js';

export type RegistryAuth = 'none' | 'htpasswd' | 'token';

export interface StartRegistryOptions {
  auth?: RegistryAuth;
  username?: string;
  password?: string;
}

export interface TokenIssuer {
  url: string;
  /** Token requests served so far (to assert caching). */
  requests: Array<{ scopes: string[]; user?: string; method: string }>;
  close(): Promise<void>;
}

export interface RegistryHandle {
  /** host:port, as used in references. */
  host: string;
  port: number;
  pid: number;
  dir: string;
  username: string;
  password: string;
  issuer?: TokenIssuer;
  log(): string;
  stop(): Promise<void>;
}

/** @deprecated Whether Debian's docker-registry is here; tests declare it with `describeWithTools(['docker-registry'], ...)`. */
export function hasDockerRegistry(): boolean {
  return hasTool('docker-registry');
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Environment without REGISTRY_* (distribution reads them as config overrides; lab README surprise 4). */
function registryEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('REGISTRY_')) env[k] = v;
  return env;
}

const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

/** A token issuer (docker "token authentication specification") signing RS256 JWTs with x5c. */
async function startTokenIssuer(dir: string, service: string, issuerName: string, username: string, password: string): Promise<TokenIssuer> {
  const keyPath = join(dir, 'token.key');
  const certPath = join(dir, 'token.crt');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPath, '-out', certPath, '-days', '2', '-subj', '/CN=goslim-test-token'], {
    stdio: 'ignore',
    timeout: 30_000,
  });
  const key = createPrivateKey(readFileSync(keyPath));
  const certDer = readFileSync(certPath, 'utf8').replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  const requests: TokenIssuer['requests'] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    let scopes = url.searchParams.getAll('scope');
    let user: string | undefined;
    const authz = req.headers.authorization;
    if (authz?.startsWith('Basic ')) {
      const decoded = Buffer.from(authz.slice(6), 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      if (decoded.slice(0, i) !== username || decoded.slice(i + 1) !== password) {
        res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"details":"bad credentials"}');
        requests.push({ scopes, method: req.method ?? '', user: 'REJECTED' });
        return;
      }
      user = username;
    }
    const finish = (): void => {
      requests.push(user === undefined ? { scopes, method: req.method ?? '' } : { scopes, user, method: req.method ?? '' });
      const now = Math.floor(Date.now() / 1000);
      // Anonymous callers get a valid token with no access: the registry then denies them.
      const access = user === undefined ? [] : scopes.map((s) => {
        const parts = s.split(':');
        return { type: parts[0], name: parts.slice(1, -1).join(':'), actions: (parts.at(-1) ?? '').split(',').filter(Boolean) };
      });
      const header = { typ: 'JWT', alg: 'RS256', x5c: [certDer] };
      const claims = { iss: issuerName, sub: user ?? '', aud: service, exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString('hex'), access };
      const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
      const sig = sign('sha256', Buffer.from(signingInput), key);
      const token = `${signingInput}.${b64url(sig)}`;
      // Answer with access_token only on odd requests, to exercise both field names.
      const body = requests.length % 2 === 1 ? { token, expires_in: 300 } : { access_token: token, expires_in: 300 };
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
    };
    if (req.method === 'POST') {
      // OAuth2 refresh-token grant: the password doubles as the refresh token.
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (d: string) => {
        if (body.length < 65536) body += d;
      });
      req.on('end', () => {
        const form = new URLSearchParams(body);
        scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
        if (form.get('grant_type') !== 'refresh_token' || form.get('refresh_token') !== password) {
          requests.push({ scopes, method: 'POST', user: 'REJECTED' });
          res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"error":"invalid_grant"}');
          return;
        }
        user = username;
        finish();
      });
      return;
    }
    scopes = scopes.flatMap((s) => s.split(' ')).filter(Boolean);
    finish();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/token`,
    requests,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

async function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return true;
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  if (!(await waitForExit(child, 3000))) {
    child.kill('SIGKILL');
    await waitForExit(child, 3000);
  }
}

export async function startRegistry(options: StartRegistryOptions = {}): Promise<RegistryHandle> {
  const auth = options.auth ?? 'none';
  const username = options.username ?? 'goslim';
  const password = options.password ?? `pw-${randomBytes(9).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'goslim-registry-'));
  let issuer: TokenIssuer | undefined;
  let authBlock = '';
  if (auth === 'htpasswd') {
    const line = execFileSync('htpasswd', ['-nbB', username, password], { encoding: 'utf8', timeout: 30_000 }).trim();
    writeFileSync(join(dir, 'htpasswd'), `${line}\n`);
    authBlock = `auth:\n  htpasswd:\n    realm: goslim-test\n    path: ${join(dir, 'htpasswd')}\n`;
  } else if (auth === 'token') {
    issuer = await startTokenIssuer(dir, 'goslim-test-registry', 'goslim-test-issuer', username, password);
    authBlock = `auth:\n  token:\n    realm: ${issuer.url}\n    service: goslim-test-registry\n    issuer: goslim-test-issuer\n    rootcertbundle: ${join(dir, 'token.crt')}\n`;
  }
  // Port 0: the registry binds a free port itself and logs it ("listening on 127.0.0.1:N"), so no
  // other process (another test file, another CI run) can take the port between choosing and binding
  // it, and the readiness poll cannot be answered by somebody else's registry.
  const config = [
    'version: 0.1',
    'log:',
    '  level: info',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'data')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    '  addr: 127.0.0.1:0',
    authBlock,
  ].join('\n');
  writeFileSync(join(dir, 'config.yml'), config);
  const logPath = join(dir, 'registry.log');
  const logFd = openSync(logPath, 'a');
  const child = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { env: registryEnv(), stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  const log = (): string => {
    try {
      return readFileSync(logPath, 'utf8');
    } catch {
      return '';
    }
  };
  let port = 0;
  let up = false;
  for (let i = 0; i < 100 && child.exitCode === null && !up; i++) {
    if (port === 0) port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(log())?.[1] ?? 0);
    if (port !== 0) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/v2/`, { signal: AbortSignal.timeout(1000) });
        await res.body?.cancel();
        up = res.status === 200 || res.status === 401;
      } catch {
        // not answering yet
      }
    }
    if (!up) await sleep(100);
  }
  if (up && child.pid !== undefined) {
    const handle: RegistryHandle = {
      host: `127.0.0.1:${port}`,
      port,
      pid: child.pid,
      dir,
      username,
      password,
      log,
      stop: async () => {
        await stopChild(child);
        await issuer?.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
    if (issuer !== undefined) handle.issuer = issuer;
    return handle;
  }
  const lastError = log().slice(-2000);
  await stopChild(child);
  await issuer?.close();
  rmSync(dir, { recursive: true, force: true });
  throw new Error(`docker-registry did not come up: ${lastError}`);
}

/** What the fault proxy does with request number n (1-based) of a given method and path. */
export type FaultAction =
  | 'pass'
  | 'reset'
  | 'hang'
  | 'lose-response'
  /** Forward the response headers and the first bytes of the body, then go silent (connection open). */
  | { stallAfterBytes: number }
  /** Forward the response headers and the first bytes of the body, then close the connection (`reset`: with a TCP RST). */
  | { truncateAfterBytes: number; reset?: boolean }
  /** Forward the response, `bytes` bytes every `everyMs` ms (a trickle no inactivity timeout sees). */
  | { trickle: { bytes: number; everyMs: number } }
  | { status: number; headers?: Record<string, string>; body?: string };

/** A short label for a fault action (what `seen` records). */
export function faultLabel(action: FaultAction): string {
  if (typeof action === 'string') return action;
  if ('stallAfterBytes' in action) return `stall@${action.stallAfterBytes}`;
  if ('truncateAfterBytes' in action) return `${action.reset ? 'reset' : 'truncate'}@${action.truncateAfterBytes}`;
  if ('trickle' in action) return 'trickle';
  return String(action.status);
}

/** Requests under this prefix are served as the path after it, with the last Authorization seen
 * injected: a stand-in for a storage backend that takes pre-signed URLs instead of credentials. */
export const REDIRECTED_PREFIX = '/redirected';

export interface FaultProxy {
  host: string;
  /** Every request seen: method, path and the action taken. */
  seen: Array<{ method: string; path: string; action: string; auth: boolean; host: string }>;
  close(): Promise<void>;
}

/**
 * An HTTP proxy in front of a registry that injects failures decided by `plan`. The Host header is
 * passed through, so the registry's absolute Location URLs point back at the proxy.
 */
export async function startFaultProxy(targetPort: number, plan: (method: string, path: string, n: number) => FaultAction): Promise<FaultProxy> {
  const seen: FaultProxy['seen'] = [];
  let n = 0;
  let lastAuth: string | undefined;
  const server = http.createServer((req, res) => {
    n++;
    const headers = { ...req.headers };
    let path = req.url ?? '/';
    const auth = headers.authorization !== undefined;
    if (path.startsWith(REDIRECTED_PREFIX)) {
      path = path.slice(REDIRECTED_PREFIX.length);
      if (lastAuth !== undefined) headers.authorization = lastAuth;
    } else if (headers.authorization !== undefined) {
      lastAuth = headers.authorization;
    }
    const action = plan(req.method ?? 'GET', req.url ?? '/', n);
    const label = faultLabel(action);
    seen.push({ method: req.method ?? '', path: req.url ?? '', action: label, auth, host: req.headers.host ?? '' });
    if (action === 'reset') {
      req.socket.destroy();
      return;
    }
    if (action === 'hang') {
      // Read the request, never answer (closed by close()).
      req.resume();
      return;
    }
    const stallAfter = typeof action === 'object' && 'stallAfterBytes' in action ? action.stallAfterBytes : undefined;
    const truncateAfter = typeof action === 'object' && 'truncateAfterBytes' in action ? action.truncateAfterBytes : undefined;
    const cut = (): void => {
      if (typeof action === 'object' && 'reset' in action && action.reset) res.socket?.resetAndDestroy();
      else res.socket?.destroySoon();
    };
    const trickle = typeof action === 'object' && 'trickle' in action ? action.trickle : undefined;
    if (typeof action === 'object' && 'status' in action) {
      req.resume();
      res.writeHead(action.status, { 'Content-Type': 'application/json', ...action.headers }).end(action.body ?? '');
      return;
    }
    const upstream = http.request(
      { host: '127.0.0.1', port: targetPort, method: req.method, path, headers },
      (up) => {
        if (action === 'lose-response') {
          // The registry did the work; the client never hears about it.
          up.resume();
          up.on('end', () => req.socket.destroy());
          return;
        }
        res.writeHead(up.statusCode ?? 502, up.headers);
        if (trickle !== undefined) {
          // Buffer the upstream body, then dribble it out (bounded: stops when the client goes away).
          const parts: Buffer[] = [];
          up.on('data', (c: Buffer) => parts.push(c));
          up.on('end', () => {
            const all = Buffer.concat(parts);
            let at = 0;
            const timer = setInterval(() => {
              if (res.destroyed || at >= all.length) {
                clearInterval(timer);
                if (!res.destroyed) res.end();
                return;
              }
              res.write(all.subarray(at, at + trickle.bytes));
              at += trickle.bytes;
            }, trickle.everyMs);
            timer.unref();
            res.on('close', () => clearInterval(timer));
          });
          return;
        }
        if (truncateAfter !== undefined) {
          let sent = 0;
          up.on('data', (chunk: Buffer) => {
            if (sent >= truncateAfter) return;
            const part = chunk.subarray(0, truncateAfter - sent);
            sent += part.length;
            res.write(part);
            if (sent >= truncateAfter) {
              up.destroy();
              cut();
            }
          });
          up.on('end', cut);
          return;
        }
        if (stallAfter === undefined) {
          up.pipe(res);
          return;
        }
        // Send the first bytes of the body, then go silent with the connection open.
        let sent = 0;
        up.on('data', (chunk: Buffer) => {
          if (sent >= stallAfter) return;
          const part = chunk.subarray(0, stallAfter - sent);
          sent += part.length;
          res.write(part);
          if (sent >= stallAfter) up.destroy();
        });
      },
    );
    upstream.on('error', () => req.socket.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    host: `127.0.0.1:${port}`,
    seen,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

/** sha256 digest helper for tests. */
export function digestOf(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** A small seeded PRNG (mulberry32): the same seed gives the same fault sequence. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Fault plans for the fault suite: for each request, with probability `rate`, one fault drawn
 * from those that make sense for the request (body faults only where a body comes back). One
 * PRNG per repository (seeded from `seed` and the name), so an operation's faults do not depend
 * on what other operations run at the same time.
 */
export function seededFaultPlan(seed: number, rate: number): { plan: (method: string, path: string) => FaultAction; injected: Map<string, number> } {
  const streams = new Map<string, () => number>();
  const injected = new Map<string, number>();
  const plan = (method: string, path: string): FaultAction => {
    const repo = /^\/v2\/(.+?)\/(manifests|blobs|tags)\//.exec(path)?.[1] ?? '(none)';
    let rnd = streams.get(repo);
    if (rnd === undefined) {
      let h = seed >>> 0;
      for (const c of repo) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
      rnd = seededRandom(h);
      streams.set(repo, rnd);
    }
    if (path === '/v2/' || rnd() >= rate) return 'pass';
    const body = method === 'GET';
    const choices: FaultAction[] = [
      { status: 500 },
      { status: 502 },
      { status: 503, body: '{"errors":[{"code":"UNAVAILABLE","message":"injected"}]}' },
      { status: 429, headers: { 'Retry-After': '0' }, body: '{"errors":[{"code":"TOOMANYREQUESTS","message":"injected"}]}' },
      'reset',
      ...(method === 'PUT' || method === 'POST' || method === 'PATCH' ? (['lose-response'] as FaultAction[]) : []),
      ...(body
        ? ([
            { truncateAfterBytes: Math.floor(rnd() * 600), reset: true },
            { truncateAfterBytes: Math.floor(rnd() * 600) },
            { stallAfterBytes: Math.floor(rnd() * 300) },
            { trickle: { bytes: 1, everyMs: 40 } },
          ] as FaultAction[])
        : []),
    ];
    const action = choices[Math.floor(rnd() * choices.length)]!;
    const label = faultLabel(action).replace(/@\d+$/, '');
    injected.set(label, (injected.get(label) ?? 0) + 1);
    return action;
  };
  return { plan, injected };
}
