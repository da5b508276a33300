/**
 * Registry credentials from the places the Docker and containers tools keep them.
 *
 * Lookup (docker/cli configfile `GetCredentialsStore`, ggcr `pkg/authn/keychain.go`):
 *   1. `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`;
 *      then the containers auth files (`$REGISTRY_AUTH_FILE`, `$XDG_RUNTIME_DIR/containers/auth.json`,
 *      `$XDG_CONFIG_HOME|~/.config/containers/auth.json`) used by podman, skopeo and buildah.
 *   2. Within a file, for a registry: `credHelpers[host]`, then `credsStore`, then `auths`.
 *   3. Keys tried: "host/repository", then "host", then URL forms of the host ("https://host",
 *      "http://host", "https://host/v1/") because `docker login` historically wrote URLs.
 *      Docker Hub's key is "https://index.docker.io/v1/".
 *
 * Credentials never leave this module except inside a `Credential` object; nothing here logs,
 * and errors never include secrets or helper output.
 */
import { spawn } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { AuthError, ConfigError, errorForCode, GoslimError } from '../../errors.js';
import { readRegularFile } from '../../util/regular-file.js';

export interface Credential {
  username?: string;
  password?: string;
  /** OAuth2 refresh token (`identitytoken`, or a helper answering Username "<token>"). */
  identityToken?: string;
  /** A bearer token sent as is (`registrytoken`). */
  registryToken?: string;
}

export interface CredentialOptions {
  /** Directory holding config.json; overrides $DOCKER_CONFIG. */
  dockerConfigDir?: string;
  env?: NodeJS.ProcessEnv;
  /** Bound on a credential helper's run time (default 20 s). */
  helperTimeoutMs?: number;
}

/** Docker Hub's aliases and the key `docker login` writes for it. */
const DOCKER_HUB_HOSTS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);
export const DOCKER_HUB_KEY = 'https://index.docker.io/v1/';

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
  registrytoken?: string;
}

interface ConfigFile {
  auths?: Record<string, AuthEntry>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

/** Candidate config files, most specific first (pure). */
export function configFileCandidates(options: CredentialOptions): string[] {
  const env = options.env ?? process.env;
  const home = env['HOME'] ?? homedir();
  const files: string[] = [];
  const dockerDir = options.dockerConfigDir ?? env['DOCKER_CONFIG'] ?? join(home, '.docker');
  files.push(join(dockerDir, 'config.json'));
  if (options.dockerConfigDir === undefined) {
    if (env['REGISTRY_AUTH_FILE']) files.push(env['REGISTRY_AUTH_FILE']);
    if (env['XDG_RUNTIME_DIR']) files.push(join(env['XDG_RUNTIME_DIR'], 'containers', 'auth.json'));
    files.push(join(env['XDG_CONFIG_HOME'] ?? join(home, '.config'), 'containers', 'auth.json'));
  }
  return files;
}

/** The keys a config file may use for this registry, in lookup order (pure). */
export function credentialKeys(registry: string, repository?: string): string[] {
  if (DOCKER_HUB_HOSTS.has(registry)) {
    return [DOCKER_HUB_KEY, 'docker.io', 'index.docker.io', 'https://index.docker.io', 'registry-1.docker.io'];
  }
  const keys: string[] = [];
  if (repository) keys.push(`${registry}/${repository}`);
  keys.push(registry, `https://${registry}`, `http://${registry}`, `https://${registry}/v1/`, `https://${registry}/v2/`);
  return keys;
}

/** The server URL handed to credential helpers (docker passes the bare host, Hub uses its v1 URL). */
function helperServerUrl(registry: string): string {
  return DOCKER_HUB_HOSTS.has(registry) ? DOCKER_HUB_KEY : registry;
}

/** Decode one `auths` entry (pure). */
export function decodeAuthEntry(entry: AuthEntry): Credential | undefined {
  const cred: Credential = {};
  if (typeof entry.auth === 'string' && entry.auth !== '') {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) {
      throw new ConfigError('a registry "auth" entry in the credentials file is not base64 of "user:password"');
    }
    cred.username = decoded.slice(0, colon);
    cred.password = decoded.slice(colon + 1);
  } else {
    if (typeof entry.username === 'string' && entry.username !== '') cred.username = entry.username;
    if (typeof entry.password === 'string' && entry.password !== '') cred.password = entry.password;
  }
  if (typeof entry.identitytoken === 'string' && entry.identitytoken !== '') cred.identityToken = entry.identitytoken;
  if (typeof entry.registrytoken === 'string' && entry.registrytoken !== '') cred.registryToken = entry.registrytoken;
  return Object.keys(cred).length === 0 ? undefined : cred;
}

async function readConfig(path: string): Promise<ConfigFile | undefined> {
  let text: string;
  try {
    text = (await readRegularFile(path, { limitKey: 'credentials.fileSize', what: 'Docker config' })).toString('utf8');
  } catch (err) {
    if (err instanceof GoslimError && err.code === 'E_NOT_FOUND') return undefined;
    if (err instanceof GoslimError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw new ConfigError(`cannot read credentials file ${path}`, { details: { path } });
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError('not an object');
    return parsed as ConfigFile;
  } catch {
    // Never include the file text: it holds secrets.
    throw new ConfigError(`credentials file ${path} is not valid JSON`, { details: { path } });
  }
}

/**
 * Run `docker-credential-NAME get` (docker/docker-credential-helpers protocol): the server URL on
 * stdin, `{"ServerURL","Username","Secret"}` on stdout. "credentials not found" means anonymous.
 */
export async function runCredentialHelper(
  name: string,
  serverUrl: string,
  options: CredentialOptions = {},
): Promise<Credential | undefined> {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) {
    throw new ConfigError(`invalid credential helper name "${name}"`, { details: { helper: name } });
  }
  const program = `docker-credential-${name}`;
  const timeoutMs = options.helperTimeoutMs ?? 20_000;
  const result = await new Promise<{ code: number | null; stdout: string; spawnError?: NodeJS.ErrnoException }>(
    (resolve) => {
      const child = spawn(program, ['get'], {
        env: options.env ?? process.env,
        stdio: ['pipe', 'pipe', 'ignore'],
        timeout: timeoutMs,
        killSignal: 'SIGKILL',
      });
      const chunks: Buffer[] = [];
      let total = 0;
      child.stdout.on('data', (c: Buffer) => {
        total += c.length;
        // A helper answer is a few hundred bytes; bound what we keep.
        if (total <= 1 << 20) chunks.push(c);
      });
      child.on('error', (e: NodeJS.ErrnoException) => resolve({ code: null, stdout: '', spawnError: e }));
      child.on('close', (code) => resolve({ code, stdout: Buffer.concat(chunks).toString('utf8') }));
      child.stdin.on('error', () => undefined);
      child.stdin.end(serverUrl);
    },
  );
  if (result.spawnError) {
    const missing = result.spawnError.code === 'ENOENT';
    throw errorForCode(
      missing ? 'E_TOOL_MISSING' : 'E_AUTH',
      missing ? `credential helper ${program} is not installed (configured in the Docker config)` : `credential helper ${program} failed to start`,
      { details: { helper: program, registry: serverUrl } },
    );
  }
  if (result.code !== 0) {
    if (/credentials not found/i.test(result.stdout)) return undefined;
    // Do not echo the helper's output: it may contain secrets.
    throw new AuthError(`credential helper ${program} failed (exit ${String(result.code)})`, {
      details: { helper: program, registry: serverUrl, exitCode: result.code },
    });
  }
  let parsed: { Username?: unknown; Secret?: unknown };
  try {
    parsed = JSON.parse(result.stdout) as { Username?: unknown; Secret?: unknown };
  } catch {
    throw new AuthError(`credential helper ${program} returned invalid JSON`, {
      details: { helper: program, registry: serverUrl },
    });
  }
  const username = typeof parsed.Username === 'string' ? parsed.Username : '';
  const secret = typeof parsed.Secret === 'string' ? parsed.Secret : '';
  if (secret === '') return undefined;
  if (username === '<token>') return { identityToken: secret };
  return { username, password: secret };
}

/**
 * Credentials for `registry` (host[:port] as in the reference), or undefined for anonymous access.
 */
export async function resolveCredentials(
  registry: string,
  repository: string | undefined,
  options: CredentialOptions = {},
): Promise<Credential | undefined> {
  const keys = credentialKeys(registry, repository);
  for (const file of configFileCandidates(options)) {
    const config = await readConfig(file);
    if (config === undefined) continue;
    const helper = keys.map((k) => config.credHelpers?.[k]).find((h) => typeof h === 'string' && h !== '');
    if (helper !== undefined) return runCredentialHelper(helper, helperServerUrl(registry), options);
    if (typeof config.credsStore === 'string' && config.credsStore !== '') {
      const fromStore = await runCredentialHelper(config.credsStore, helperServerUrl(registry), options);
      if (fromStore !== undefined) return fromStore;
    }
    for (const key of keys) {
      const entry = config.auths?.[key];
      if (entry !== undefined && entry !== null && typeof entry === 'object') {
        const cred = decodeAuthEntry(entry);
        if (cred !== undefined) return cred;
      }
    }
  }
  return undefined;
}

/** Every secret string in a credential, for redaction. */
export function secretsOf(cred: Credential | undefined): string[] {
  if (cred === undefined) return [];
  return [cred.password, cred.identityToken, cred.registryToken].filter((s): s is string => typeof s === 'string' && s.length >= 3);
}
