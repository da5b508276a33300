/**
 * A small client for the Docker Engine API (Docker, and Podman's Docker-compatible service),
 * over node:http with a unix socket or tcp (TLS from DOCKER_TLS_VERIFY / DOCKER_CERT_PATH).
 *
 * Where it looks (the Docker CLI's order, then Podman's): `DOCKER_HOST` when set (and only
 * there), else /var/run/docker.sock, $XDG_RUNTIME_DIR/podman/podman.sock and
 * /run/podman/podman.sock; the first that answers `GET /_ping` is used. Version negotiation
 * as the Docker CLI does it: the API version is the lower of the server's (`Api-Version`
 * header of /_ping, else /version's ApiVersion) and ours (MAX_API_VERSION), and every later
 * path is prefixed with `/vX.Y`. Which engine it is comes from the /_ping answer's headers when
 * they say (Podman's `Libpod-Api-Version`, Docker's `Server: Docker/X`), else from `/version`:
 * Podman's /version runs `conmon --version` and the OCI runtime's before it answers (measured
 * 0.4-0.8 s, as long as the rest of a small inspect).
 *
 * Bounds (as the registry transport): a connect deadline, an inactivity timeout on headers
 * and body, an overall deadline per request (network.requestTimeout) and a size cap on every
 * JSON body (json.documentSize). Every JSON answer is checked against its shape.
 */
import { readFileSync } from 'node:fs';
import { access } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { GoslimError, InvalidReferenceError, LimitExceededError, MalformedInputError, NetworkError, NotFoundError, RegistryError } from '../../errors.js';
import { limit } from '../../limits.js';
import { arr, check, obj, opt, str, anyObject, type Shape } from '../schema.js';

/** The newest API version whose answers we parse (Docker 24; Podman 4 speaks 1.41). */
export const MAX_API_VERSION = '1.43';
/** The oldest the calls we make exist in (`/images/{name}/get` and `/version` as used here). */
export const MIN_API_VERSION = '1.24';

export interface EngineEndpoint {
  /** As the user would write it: `unix:///var/run/docker.sock`, `tcp://host:2376`. */
  url: string;
  socketPath?: string;
  host?: string;
  port?: number;
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer };
}

export interface EngineInfo {
  /** `docker` or `podman`. */
  kind: 'docker' | 'podman';
  version: string;
  apiVersion: string;
  endpoint: EngineEndpoint;
}

export interface EngineRequestOptions {
  /** Overall deadline (ms); default network.requestTimeout. */
  deadlineMs?: number;
  /** Inactivity timeout (ms); default 60 s. */
  idleMs?: number;
}

/** Connect deadline of every request (the export worker uses it too). */
export const CONNECT_MS = 3000;
const IDLE_MS = 60_000;

/** Where to look for an engine, in order (DOCKER_HOST alone when it is set). */
export function engineEndpoints(env: NodeJS.ProcessEnv = process.env): EngineEndpoint[] {
  const host = env.DOCKER_HOST?.trim();
  if (host) return [parseDockerHost(host, env)];
  const list = ['/var/run/docker.sock'];
  if (env.XDG_RUNTIME_DIR) list.push(join(env.XDG_RUNTIME_DIR, 'podman', 'podman.sock'));
  list.push('/run/podman/podman.sock');
  return list.map((p) => ({ url: `unix://${p}`, socketPath: p }));
}

export function parseDockerHost(text: string, env: NodeJS.ProcessEnv = process.env): EngineEndpoint {
  if (text.startsWith('unix://')) {
    const socketPath = text.slice('unix://'.length);
    if (!socketPath.startsWith('/')) throw new InvalidReferenceError(`DOCKER_HOST=${text}: a unix socket needs an absolute path`);
    return { url: text, socketPath };
  }
  const m = /^(?:tcp|http|https):\/\/(\[[0-9a-fA-F:]+\]|[^:/]+)(?::(\d+))?\/?$/.exec(text);
  if (m === null) throw new InvalidReferenceError(`DOCKER_HOST=${text}: expected unix:///path or tcp://host:port (ssh:// and npipe:// are not supported)`);
  const verify = (env.DOCKER_TLS_VERIFY ?? '') !== '' || text.startsWith('https://');
  const ep: EngineEndpoint = { url: text, host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2] ?? (verify ? 2376 : 2375)) };
  if (verify) {
    const dir = env.DOCKER_CERT_PATH || join(homedir(), '.docker');
    const read = (name: string): Buffer | undefined => {
      try {
        return readFileSync(join(dir, name));
      } catch {
        return undefined;
      }
    };
    const tls: NonNullable<EngineEndpoint['tls']> = {};
    const ca = read('ca.pem');
    const cert = read('cert.pem');
    const key = read('key.pem');
    if (ca) tls.ca = ca;
    if (cert) tls.cert = cert;
    if (key) tls.key = key;
    ep.tls = tls;
  }
  return ep;
}

/** Compare dotted API versions ("1.41" < "1.43"). */
export function compareApiVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

const API_VERSION_RE = /^\d+\.\d+$/;

const versionShape = obj({
  Version: str,
  ApiVersion: str,
  MinAPIVersion: opt(str),
  Components: opt(arr(obj({ Name: str, Version: str }))),
});

const errorShape = obj({ message: str });

export interface EngineResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Readable;
}

/** One engine, found and version-negotiated. */
export class EngineClient {
  private constructor(readonly info: EngineInfo) {}

  /** The engine's name for messages: `podman 4.3.1 at unix:///run/podman/podman.sock`. */
  describe(): string {
    return `${this.info.kind} ${this.info.version} at ${this.info.endpoint.url}`;
  }

  /**
   * Find the first engine that answers. E_NETWORK naming every socket tried when none does.
   * `quiet` probes (bare references) use a short connect deadline.
   */
  static async connect(env: NodeJS.ProcessEnv = process.env, options: { connectMs?: number } = {}): Promise<EngineClient> {
    const endpoints = engineEndpoints(env);
    const tried: string[] = [];
    for (const ep of endpoints) {
      if (ep.socketPath !== undefined) {
        try {
          await access(ep.socketPath);
        } catch {
          tried.push(`${ep.url} (no such socket)`);
          continue;
        }
      }
      try {
        const ping = await rawRequest(ep, 'GET', '/_ping', { deadlineMs: 10_000, idleMs: 10_000, connectMs: options.connectMs ?? CONNECT_MS });
        const body = await readBody(ping.body, 1024, `${ep.url} /_ping`);
        if (ping.status !== 200 || body.toString('utf8').trim() !== 'OK') {
          tried.push(`${ep.url} (answered ${ping.status}, not a Docker Engine API)`);
          continue;
        }
        const header = ping.headers['api-version'];
        const serverApi = typeof header === 'string' && API_VERSION_RE.test(header) ? header : undefined;
        const named = serverApi !== undefined ? engineFromPing(ping.headers) : undefined;
        const version = named === undefined ? await jsonRequest(ep, '/version', versionShape, `${ep.url} /version`) : undefined;
        const api = serverApi ?? (version !== undefined && API_VERSION_RE.test(version.ApiVersion) ? version.ApiVersion : MIN_API_VERSION);
        if (compareApiVersions(api, MIN_API_VERSION) < 0) {
          tried.push(`${ep.url} (API ${api}, older than ${MIN_API_VERSION})`);
          continue;
        }
        const apiVersion = compareApiVersions(api, MAX_API_VERSION) < 0 ? api : MAX_API_VERSION;
        if (named !== undefined) return new EngineClient({ ...named, apiVersion, endpoint: ep });
        const podman = (version!.Components ?? []).find((c) => /podman/i.test(c.Name));
        const info: EngineInfo = podman
          ? { kind: 'podman', version: podman.Version, apiVersion, endpoint: ep }
          : { kind: 'docker', version: version!.Version, apiVersion, endpoint: ep };
        return new EngineClient(info);
      } catch (err) {
        if (err instanceof GoslimError && err.code === 'E_MALFORMED') throw err;
        tried.push(`${ep.url} (${err instanceof Error ? err.message : String(err)})`);
      }
    }
    throw new NetworkError(`no container engine answered; tried ${tried.join(', ')}`, { details: { tried: endpoints.map((e) => e.url) } });
  }

  /** A request on the negotiated API version. The body must be consumed or destroyed. */
  request(method: string, path: string, options: EngineRequestOptions = {}): Promise<EngineResponse> {
    return rawRequest(this.info.endpoint, method, `/v${this.info.apiVersion}${path}`, options);
  }

  /**
   * GET a JSON document checked against `shape`; undefined on 404 (the caller names what is
   * missing). Other non-2xx answers are E_REGISTRY with the engine's message.
   */
  async json<T>(path: string, shape: Shape<T>, what: string): Promise<T | undefined> {
    const res = await this.request('GET', path);
    if (res.status === 404) {
      res.body.destroy();
      return undefined;
    }
    await this.checkStatus(res, what);
    return parseJson(await readBody(res.body, limit('json.documentSize'), what), shape, `${this.describe()} ${what}`);
  }

  /** Throws for a non-2xx answer, with the engine's own message. */
  async checkStatus(res: EngineResponse, what: string): Promise<void> {
    if (res.status >= 200 && res.status < 300) return;
    let message = `HTTP ${res.status}`;
    try {
      const parsed = check(errorShape, JSON.parse((await readBody(res.body, 64 * 1024, what)).toString('utf8')), `${what} error`);
      message = parsed.message;
    } catch {
      /* no JSON error body */
    }
    if (res.status === 404) throw new NotFoundError(`${this.describe()}: ${what}: ${message}`);
    throw new RegistryError(`${this.describe()}: ${what} failed: ${message}`, { details: { status: res.status } });
  }
}

const ENGINE_VERSION_RE = /^\d+\.\d+(\.\d+)?([-+.][0-9A-Za-z.+-]*)?$/;

/**
 * The engine and its version from /_ping's headers, when they name them: Podman sends
 * `Libpod-Api-Version: 4.3.1` (its own version) on every answer, Docker `Server: Docker/24.0.7
 * (linux)` (moby's version middleware); undefined otherwise (then /version says).
 */
export function engineFromPing(headers: http.IncomingHttpHeaders): Pick<EngineInfo, 'kind' | 'version'> | undefined {
  const libpod = headers['libpod-api-version'];
  if (typeof libpod === 'string' && ENGINE_VERSION_RE.test(libpod)) return { kind: 'podman', version: libpod };
  const server = headers.server;
  const m = typeof server === 'string' ? /^Docker\/(\S+)(\s|$)/.exec(server) : null;
  if (m !== null && ENGINE_VERSION_RE.test(m[1]!)) return { kind: 'docker', version: m[1]! };
  return undefined;
}

function parseJson<T>(raw: Buffer, shape: Shape<T>, what: string): T {
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw new MalformedInputError(`${what}: not JSON`, { cause: err });
  }
  return check(shape, value, what);
}

async function jsonRequest<T>(ep: EngineEndpoint, path: string, shape: Shape<T>, what: string): Promise<T> {
  const res = await rawRequest(ep, 'GET', path, {});
  if (res.status !== 200) {
    res.body.destroy();
    throw new RegistryError(`${what}: HTTP ${res.status}`);
  }
  return parseJson(await readBody(res.body, limit('json.documentSize'), what), shape, what);
}

/** Read a whole body, at most `max` bytes (E_LIMIT past it). */
export async function readBody(body: Readable, max: number, what: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const chunk of body) {
    n += (chunk as Buffer).length;
    if (n > max) {
      body.destroy();
      throw new LimitExceededError('json.documentSize', max, `${what}: answer over ${max} bytes`, { actual: n });
    }
    parts.push(chunk as Buffer);
  }
  return Buffer.concat(parts);
}

function rawRequest(
  ep: EngineEndpoint,
  method: string,
  path: string,
  options: EngineRequestOptions & { connectMs?: number },
): Promise<EngineResponse> {
  const deadlineMs = options.deadlineMs ?? limit('network.requestTimeout');
  const idleMs = options.idleMs ?? IDLE_MS;
  const connectMs = options.connectMs ?? CONNECT_MS;
  return new Promise((resolve, reject) => {
    const common: http.RequestOptions = { method, path, headers: { Host: 'docker', 'User-Agent': 'goslim' }, agent: false };
    const req =
      ep.tls !== undefined
        ? https.request({ ...common, host: ep.host, port: ep.port, ...ep.tls })
        : http.request(ep.socketPath !== undefined ? { ...common, socketPath: ep.socketPath } : { ...common, host: ep.host, port: ep.port });
    let settled = false;
    const fail = (err: Error): void => {
      if (!settled) {
        settled = true;
        reject(err);
      }
      req.destroy();
    };
    const connectTimer = setTimeout(() => fail(new NetworkError(`${ep.url}: no connection within ${connectMs} ms`)), connectMs);
    const deadline = setTimeout(() => {
      const err = new NetworkError(`${ep.url} ${path}: no complete answer within ${deadlineMs} ms`);
      if (!settled) fail(err);
      else req.destroy(err);
    }, deadlineMs);
    deadline.unref();
    req.on('socket', (socket) => {
      const connected = (): void => clearTimeout(connectTimer);
      if ((socket as { connecting?: boolean }).connecting === false) connected();
      else socket.once(ep.tls !== undefined ? 'secureConnect' : 'connect', connected);
    });
    req.setTimeout(idleMs, () => {
      const err = new NetworkError(`${ep.url} ${path}: nothing received for ${idleMs} ms`);
      if (!settled) fail(err);
      else req.destroy(err);
    });
    req.on('error', (err) => {
      clearTimeout(connectTimer);
      fail(err instanceof GoslimError ? err : new NetworkError(`${ep.url}: ${err.message}`, { cause: err }));
    });
    req.on('response', (res) => {
      clearTimeout(connectTimer);
      settled = true;
      res.on('close', () => clearTimeout(deadline));
      res.on('error', () => clearTimeout(deadline));
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res });
    });
    req.end();
  });
}

/** The parts of `GET /images/{name}/json` goslim uses (Docker ImageInspect; Podman's compat answer). */
export const engineImageShape = obj({
  Id: str,
  RepoTags: opt(arr(str)),
  RepoDigests: opt(arr(str)),
  Architecture: str,
  Os: str,
  Variant: opt(str),
  Config: opt(anyObject),
  RootFS: obj({ Type: str, Layers: opt(arr(str, 'image.layers')) }),
});
