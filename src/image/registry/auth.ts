/**
 * Registry authentication state for one registry: anonymous, Basic, or the Docker token flow
 * (distribution "token authentication specification"; ggcr `transport/bearer.go`).
 *
 * Token flow: a request answered 401 with `WWW-Authenticate: Bearer realm=..,service=..,scope=..`
 * → GET `<realm>?service=<s>&scope=<s1>&scope=<s2>` (HTTP Basic when we have a password; a POST
 * with grant_type=refresh_token when we have an identity token) → JSON `token` or `access_token`
 * → retry with `Authorization: Bearer <token>`. Tokens are cached per scope set until shortly
 * before `expires_in` (the spec's minimum lifetime is 60 s).
 */
import { AuthError, errorForCode, GoslimError, InternalError, NetworkError, RegistryError } from '../../errors.js';
import type { Credential } from './credentials.js';
import type { HttpFetch, HttpResponse } from './http.js';
import type { SecretSet } from './redact.js';
import { isRetryableStatus, nextDelay, type RetryPolicy } from './retry.js';
import { challengeScopes, parseWwwAuthenticate } from './www-authenticate.js';

export interface AuthenticatorOptions {
  registry: string;
  /** Loaded lazily: anonymous registries never touch the credential store. */
  credential: () => Promise<Credential | undefined>;
  secrets: SecretSet;
  fetch: HttpFetch;
  insecure: boolean;
  timeoutMs: number;
  userAgent: string;
  retry: RetryPolicy;
}

interface CachedToken {
  token: string;
  expiresAt: number;
}

type Scheme = { kind: 'none' } | { kind: 'basic' } | { kind: 'bearer'; realm: URL; service?: string };

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** Refuse realms that would leak credentials (non-HTTP schemes, cleartext to remote hosts, metadata IPs). */
export function validateRealm(realm: string, insecure: boolean, registry: string): URL {
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    throw new AuthError(`registry ${registry} sent an invalid token realm`, { details: { registry } });
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const bad =
    (url.protocol !== 'https:' && url.protocol !== 'http:') ||
    (url.protocol === 'http:' && !insecure && !isLoopbackHost(host)) ||
    /^169\.254\./.test(host) ||
    /^fe80:/i.test(host);
  if (bad) {
    throw new AuthError(`registry ${registry} sent a token realm goslim will not send credentials to (${url.protocol}//${url.host})`, {
      details: { registry, realmHost: url.host },
    });
  }
  return url;
}

export class Authenticator {
  private scheme: Scheme = { kind: 'none' };
  private readonly tokens = new Map<string, CachedToken>();
  private readonly inflight = new Map<string, Promise<string>>();
  private credPromise: Promise<Credential | undefined> | undefined;

  constructor(private readonly opts: AuthenticatorOptions) {}

  /** Load (once) the registry's credentials, registering their secrets for redaction. */
  loadCredential(): Promise<Credential | undefined> {
    return this.credential();
  }

  private credential(): Promise<Credential | undefined> {
    this.credPromise ??= this.opts.credential().then((c) => {
      if (c) {
        this.opts.secrets.add(c.password, c.identityToken, c.registryToken);
        if (c.username !== undefined && c.password !== undefined) this.opts.secrets.addBasic(c.username, c.password);
      }
      return c;
    });
    return this.credPromise;
  }

  /** The Authorization header for a request needing `scopes`, or undefined (anonymous / not yet challenged). */
  async authorization(scopes: string[]): Promise<string | undefined> {
    if (this.scheme.kind === 'none') return undefined;
    const cred = await this.credential();
    if (this.scheme.kind === 'basic') {
      if (cred?.username === undefined || cred.password === undefined) return undefined;
      return `Basic ${Buffer.from(`${cred.username}:${cred.password}`).toString('base64')}`;
    }
    if (cred?.registryToken !== undefined) return `Bearer ${cred.registryToken}`;
    return `Bearer ${await this.token(scopes)}`;
  }

  /**
   * React to a 401. Returns true when a retry with fresh authorization can succeed,
   * false when there is nothing more to try (no credentials for Basic, or no challenge).
   */
  async challenge(header: string | null, scopes: string[], attemptedAuth: boolean): Promise<{ retry: boolean; scopes: string[] }> {
    const challenges = parseWwwAuthenticate(header ?? '');
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    const basic = challenges.find((c) => c.scheme === 'basic');
    if (bearer?.params['realm'] !== undefined) {
      const realm = validateRealm(bearer.params['realm'], this.opts.insecure, this.opts.registry);
      const service = bearer.params['service'];
      this.scheme = service === undefined ? { kind: 'bearer', realm } : { kind: 'bearer', realm, service };
      // The registry may ask for more than we requested (e.g. a mount's source repository).
      const merged = mergeScopes([...scopes, ...challengeScopes(bearer)]);
      if (attemptedAuth) {
        // Our token was rejected for these scopes: drop it so the next attempt fetches a fresh one.
        this.tokens.delete(scopeKey(merged));
        if (sameScopes(merged, scopes)) return { retry: false, scopes: merged };
      }
      return { retry: true, scopes: merged };
    }
    if (basic !== undefined) {
      this.scheme = { kind: 'basic' };
      const cred = await this.credential();
      const haveBasic = cred?.username !== undefined && cred.password !== undefined;
      return { retry: haveBasic && !attemptedAuth, scopes };
    }
    return { retry: false, scopes };
  }

  private token(scopes: string[]): Promise<string> {
    const key = scopeKey(scopes);
    const cached = this.tokens.get(key);
    if (cached !== undefined && cached.expiresAt > Date.now()) return Promise.resolve(cached.token);
    let p = this.inflight.get(key);
    if (p === undefined) {
      p = this.fetchToken(mergeScopes(scopes)).finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return p;
  }

  /** fetchToken with bounded retries on transient failures (the token service is a server too). */
  private async fetchToken(scopes: string[]): Promise<string> {
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.fetchTokenOnce(scopes);
      } catch (err) {
        const status = err instanceof GoslimError ? err.details?.['status'] : undefined;
        const transient = err instanceof GoslimError && (err.code === 'E_NETWORK' || (typeof status === 'number' && isRetryableStatus(status)));
        const delay = transient ? nextDelay(this.opts.retry, attempt, Date.now() - started, undefined) : undefined;
        if (delay === undefined) throw err;
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  private async fetchTokenOnce(scopes: string[]): Promise<string> {
    if (this.scheme.kind !== 'bearer') throw new InternalError('token requested without a bearer challenge');
    const { realm, service } = this.scheme;
    const cred = await this.credential();
    const registry = this.opts.registry;
    const headers: Record<string, string> = { 'User-Agent': this.opts.userAgent, Accept: 'application/json' };
    let res: HttpResponse | undefined;
    const signal = AbortSignal.timeout(this.opts.timeoutMs);
    try {
      let posted: HttpResponse | undefined;
      if (cred?.identityToken !== undefined) {
        const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: cred.identityToken, client_id: 'goslim' });
        if (service !== undefined) form.set('service', service);
        if (scopes.length > 0) form.set('scope', scopes.join(' '));
        posted = await this.opts.fetch(realm, {
          method: 'POST',
          headers: { ...headers, 'Content-Type': 'application/x-www-form-urlencoded' },
          body: form.toString(),
          signal,
          redirect: 'error',
        });
        // Token services without the OAuth2 endpoint answer 404/405: fall back to GET (as ggcr does).
        if (posted.status === 404 || posted.status === 405) await posted.body?.cancel();
        else res = posted;
      }
      if (res === undefined) {
        const url = new URL(realm);
        if (service !== undefined) url.searchParams.set('service', service);
        for (const s of scopes) url.searchParams.append('scope', s);
        if (cred?.username !== undefined && cred.password !== undefined) {
          headers['Authorization'] = `Basic ${Buffer.from(`${cred.username}:${cred.password}`).toString('base64')}`;
        }
        res = await this.opts.fetch(url, { headers, signal, redirect: 'error' });
      }
    } catch (err) {
      throw new NetworkError(`cannot reach the token service of ${registry} at ${realm.host}`, {
        details: { registry, realmHost: realm.host },
        cause: err,
      });
    }
    // The answer is read under the same time bound, and bounded in size: a token service that breaks
    // off, trickles or floods is a typed error, never an internal one.
    const text = await readTokenBody(res, MAX_TOKEN_BODY, registry, realm.host);
    if (!res.ok) {
      const code = res.status === 401 || res.status === 403 ? 'E_AUTH' : 'E_REGISTRY';
      throw errorForCode(
        code,
        code === 'E_AUTH'
          ? `the token service of ${registry} rejected the credentials (HTTP ${res.status})`
          : `the token service of ${registry} failed (HTTP ${res.status})`,
        { details: { registry, realmHost: realm.host, status: res.status } },
      );
    }
    let body: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new RegistryError(`the token service of ${registry} returned invalid JSON`, { details: { registry, realmHost: realm.host } });
    }
    const token = typeof body.token === 'string' && body.token !== '' ? body.token : typeof body.access_token === 'string' ? body.access_token : '';
    if (token === '') {
      throw new RegistryError(`the token service of ${registry} returned no token`, { details: { registry, realmHost: realm.host } });
    }
    this.opts.secrets.add(token);
    const lifetimeS = typeof body.expires_in === 'number' && body.expires_in > 0 ? Math.max(60, body.expires_in) : 60;
    // Refresh a little early so a token does not expire in flight.
    this.tokens.set(scopeKey(scopes), { token, expiresAt: Date.now() + (lifetimeS - 10) * 1000 });
    return token;
  }
}

/** Largest token-service answer read (real ones are a few kB: a JWT and its lifetime). */
const MAX_TOKEN_BODY = 1 << 20;

async function readTokenBody(res: HttpResponse, max: number, registry: string, realmHost: string): Promise<string> {
  if (res.body === null) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > max) {
        throw new RegistryError(`the token service of ${registry} sent more than ${max} bytes`, { details: { registry, realmHost, limit: max } });
      }
      chunks.push(value);
    }
  } catch (err) {
    await reader.cancel().catch(() => undefined);
    if (err instanceof GoslimError) throw err;
    throw new NetworkError(`the answer of the token service of ${registry} at ${realmHost} broke off or took too long`, {
      details: { registry, realmHost },
      cause: err,
    });
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Merge "repository:x:pull" and "repository:x:push" into "repository:x:pull,push" (pure). */
export function mergeScopes(scopes: string[]): string[] {
  const byResource = new Map<string, Set<string>>();
  for (const s of scopes) {
    const i = s.lastIndexOf(':');
    if (i <= 0) continue;
    const resource = s.slice(0, i);
    const set = byResource.get(resource) ?? new Set<string>();
    for (const a of s.slice(i + 1).split(',')) if (a !== '') set.add(a);
    byResource.set(resource, set);
  }
  return [...byResource.entries()].map(([r, a]) => `${r}:${[...a].sort().join(',')}`).sort();
}

function scopeKey(scopes: string[]): string {
  return mergeScopes(scopes).join(' ');
}

function sameScopes(a: string[], b: string[]): boolean {
  return scopeKey(a) === scopeKey(b);
}
