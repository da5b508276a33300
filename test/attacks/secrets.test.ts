/**
 * Secrets never leave goslim. A marker password is planted in a Docker config (`auths` with a
 * base64 `auth`) and in a credential helper (`docker-credential-goslimtest` on PATH answering with
 * the marker); the built CLI (node bin/goslim.js, needs `npm run build`) runs the commands that
 * use credentials (inspect, verify, push, build --push) against a real htpasswd docker-registry, with
 * --debug and --json, succeeding and failing: wrong password (401), a server that echoes the
 * Authorization header back in 401 and 500 bodies, 500s from the fault proxy, and network
 * errors. Every stdout, stderr, JSON document and every file written (OCI layouts, tars) is
 * searched for the marker, its base64, base64 of `user:marker` and its URL encoding.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildTestImage, file } from '../../src/image/testing/index.js';
import { REPO_ROOT } from '../helpers/images.js';
import { startFaultProxy, startRegistry, type FaultProxy, type RegistryHandle } from '../helpers/registry.js';
import { describeWithTools } from '../helpers/tools.js';

const USER = 'goslim';
const MARKER = `Mk${randomBytes(12).toString('hex')}Zq`;
const WRONG = `Wr${randomBytes(12).toString('hex')}Xy`;
const built = existsSync(join(REPO_ROOT, 'dist/cli/main.js'));
if (!built) throw new Error('test/attacks/secrets.test.ts needs dist/: run `npm run build` first');

function forms(secret: string): string[] {
  return [
    secret,
    Buffer.from(secret).toString('base64'),
    Buffer.from(`${USER}:${secret}`).toString('base64'),
    Buffer.from(`${USER}:${secret}`).toString('base64url'),
    encodeURIComponent(`${USER}:${secret}`),
  ];
}

interface Ran {
  args: string[];
  code: number | null;
  stdout: string;
  stderr: string;
}

let work: string;
let reg: RegistryHandle;
let echo: { host: string; close(): Promise<void> };
/** Requests on which the echo server received (and echoed back) the planted secrets: the positive control. */
let echoedSecrets = 0;
let faulty: FaultProxy;
let src: string;
const runs: Ran[] = [];
const configs: Record<'auths' | 'helper' | 'wrong', string> = { auths: '', helper: '', wrong: '' };
let binDir: string;
let outDir: string;
let app: string;

/** Every CLI run is killed after this long at most (a hang guard, not a performance bound). */
const RUN_BOUND_MS = 120_000;
/**
 * The tests below make up to 16 runs one after another (some in parallel); each test's timeout is the
 * sum of their bounds, so a slow (loaded) machine cannot fail them, only a hang past every run's own
 * bound would. Vitest's default 120 s would be a wall-clock ceiling on the whole sequence.
 */
const TEST_BOUND_MS = 20 * RUN_BOUND_MS;

/** The built CLI as a child process (asynchronous: the echo server and proxy live in this process). */
async function goslim(config: keyof typeof configs, args: string[], cwd = outDir): Promise<Ran> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/goslim.js'), ...args], {
    cwd,
    env: { ...process.env, DOCKER_CONFIG: configs[config], PATH: `${binDir}:${process.env.PATH ?? ''}`, GOSLIM_CACHE: join(work, 'cache'), GOSLIM_REQUEST_TIMEOUT: '20s' },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: RUN_BOUND_MS,
    killSignal: 'SIGKILL',
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => void (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => void (stderr += d));
  // A spawn that fails (its cwd removed after a timeout, say) is this run's failure, not an uncaught error.
  const code = await new Promise<number | null>((r) => {
    child.on('error', (err) => {
      stderr += `spawn failed: ${err.message}`;
      r(null);
    });
    child.on('close', (c) => r(c));
  });
  const ran = { args: [config, ...args], code, stdout, stderr };
  runs.push(ran);
  return ran;
}

/** Every file under `dir` (bounded), as bytes. */
function filesUnder(dir: string, out: Array<[string, Buffer]> = [], depth = 0): Array<[string, Buffer]> {
  if (depth > 12 || out.length > 5000) return out;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) filesUnder(p, out, depth + 1);
    else if (e.isFile() && statSync(p).size < 64 << 20) out.push([p, readFileSync(p)]);
  }
  return out;
}

function leaks(text: string | Buffer, secret: string): string[] {
  const s = Buffer.isBuffer(text) ? text.toString('latin1') : text;
  return forms(secret).filter((f) => s.includes(f));
}

/** A registry stand-in that answers every request with `status` and echoes the credentials it got. */
async function startEcho(): Promise<{ host: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    const auth = req.headers.authorization ?? '';
    const decoded = auth.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString('utf8') : '';
    if (decoded.includes(MARKER) || decoded.includes(WRONG)) echoedSecrets++;
    const body = JSON.stringify({ errors: [{ code: 'DENIED', message: `you sent ${auth} (${decoded})`, detail: { authorization: auth, decoded } }] });
    // Challenge first, so the client sends credentials; then 500 with the credentials echoed.
    if (auth === '') res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="echo"', 'Content-Type': 'application/json' }).end(body);
    else if (req.url?.includes('/manifests/')) res.writeHead(500, { 'Content-Type': 'application/json', Warning: `299 - "auth was ${auth}"` }).end(body);
    else res.writeHead(401, { 'WWW-Authenticate': `Basic realm="echo ${decoded}"`, 'Content-Type': 'application/json' }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return { host: `127.0.0.1:${port}`, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'goslim-secrets-'));
  outDir = join(work, 'out');
  mkdirSync(outDir);
  reg = await startRegistry({ auth: 'htpasswd', username: USER, password: MARKER });
  echo = await startEcho();
  let n = 0;
  faulty = await startFaultProxy(reg.port, (method, path) => (path.includes('/manifests/') && n++ % 2 === 0 ? { status: 500, body: '{"errors":[{"code":"UNKNOWN","message":"injected"}]}' } : 'pass'));
  const hosts = [reg.host, echo.host, faulty.host, '127.0.0.1:1'];
  // auths with base64 user:marker
  configs.auths = join(work, 'cfg-auths');
  mkdirSync(configs.auths);
  writeFileSync(join(configs.auths, 'config.json'), JSON.stringify({ auths: Object.fromEntries(hosts.map((h) => [h, { auth: Buffer.from(`${USER}:${MARKER}`).toString('base64') }])) }));
  // a credential helper that answers with the marker
  binDir = join(work, 'bin');
  mkdirSync(binDir);
  const helper = join(binDir, 'docker-credential-goslimtest');
  writeFileSync(helper, `#!/bin/sh\nread url\nprintf '{"ServerURL":"%s","Username":"${USER}","Secret":"${MARKER}"}' "$url"\n`);
  chmodSync(helper, 0o755);
  configs.helper = join(work, 'cfg-helper');
  mkdirSync(configs.helper);
  writeFileSync(join(configs.helper, 'config.json'), JSON.stringify({ credHelpers: Object.fromEntries(hosts.map((h) => [h, 'goslimtest'])) }));
  // the wrong password (itself a secret that must not leak)
  configs.wrong = join(work, 'cfg-wrong');
  mkdirSync(configs.wrong);
  writeFileSync(join(configs.wrong, 'config.json'), JSON.stringify({ auths: Object.fromEntries(hosts.map((h) => [h, { username: USER, password: WRONG }])) }));
  // a small source image and a small Go program
  const img = await buildTestImage({ layers: [{ entries: [file('etc/hello', 'hello')] }] }, { dir: join(work, 'src'), format: 'oci', tag: 'v1' });
  src = `oci:${img.path}:v1`;
  app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'go.mod'), 'module example.com/app\n\ngo 1.19\n');
  writeFileSync(join(app, 'main.go'), 'package main\n\nfunc main() { println("hi") }\n');
}, 120_000);

afterAll(async () => {
  await faulty?.close();
  await echo?.close();
  await reg?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describeWithTools(['dist', 'docker-registry', 'htpasswd'], 'no credential leaves goslim (stdout, stderr, JSON, --debug traces, files written)', () => {
  it('successful inspect, push and build --push, with --debug and --json', { timeout: TEST_BOUND_MS }, async () => {
    for (const cfg of ['auths', 'helper'] as const) {
      const ref = `${reg.host}/secrets/${cfg}:v1`;
      expect((await goslim(cfg, ['push', '--debug', src, `docker://${ref}`])).code).toBe(0);
      expect((await goslim(cfg, ['push', '--json', src, `docker://${ref}-json`])).code).toBe(0);
      // the test image's Cmd (/app) is not in it: --allow-not-starting, this test is about credentials
      expect((await goslim(cfg, ['inspect', '--debug', '--allow-not-starting', ref])).code).toBe(0);
      // verify reads the image from the registry too (its static checks may find problems: exit 1).
      expect([0, 1]).toContain((await goslim(cfg, ['verify', '--debug', ref])).code);
      const j = await goslim(cfg, ['inspect', '--json', '--allow-not-starting', ref]);
      expect(j.code).toBe(0);
      JSON.parse(j.stdout);
      const b = await goslim(cfg, ['build', '--debug', '--json', '--base', 'scratch', '--push', `${reg.host}/secrets/built-${cfg}:v1`, '--oci', join(outDir, `oci-${cfg}`), '--tar', join(outDir, `img-${cfg}.tar`), '.'], app);
      expect(b.code, b.stderr).toBe(0);
    }
  });

  it('failing: wrong password (401), echoed credentials in 401/500 bodies and Warning headers, injected 500s, network errors; typed codes', { timeout: TEST_BOUND_MS }, async () => {
    const codeOf = (r: Ran): string | undefined => /error (E_[A-Z_]+)/.exec(r.stderr)?.[1];
    for (const debug of [[], ['--debug']]) {
      expect(codeOf(await goslim('wrong', ['inspect', ...debug, `${reg.host}/secrets/auths:v1`]))).toBe('E_AUTH');
      expect(codeOf(await goslim('wrong', ['push', ...debug, src, `docker://${reg.host}/secrets/wrong:v1`]))).toBe('E_AUTH');
      expect(codeOf(await goslim('wrong', ['build', ...debug, '--base', 'scratch', '--push', `${reg.host}/secrets/wrong-built:v1`, '.'], app))).toBe('E_AUTH');
      await Promise.all(
        (['auths', 'helper', 'wrong'] as const).map(async (cfg) => {
          const e1 = await goslim(cfg, ['inspect', ...debug, '--json', `${echo.host}/secrets/x:v1`]);
          expect(e1.code).toBe(2);
          expect(['E_AUTH', 'E_REGISTRY'], e1.stderr).toContain(codeOf(e1));
          const e2 = await goslim(cfg, ['push', ...debug, src, `docker://${echo.host}/secrets/x:v1`]);
          expect(e2.code).toBe(2);
          expect(['E_AUTH', 'E_REGISTRY'], e2.stderr).toContain(codeOf(e2));
          const net = await goslim(cfg, ['inspect', ...debug, '127.0.0.1:1/secrets/x:v1']);
          expect(codeOf(net)).toBe('E_NETWORK');
          expect(codeOf(await goslim(cfg, ['verify', ...debug, `${echo.host}/secrets/x:v1`]))).toMatch(/^E_(AUTH|REGISTRY)$/);
        }),
      );
      // The fault proxy answers every other manifest request with 500 (retried, then it passes or fails typed).
      const f = await goslim('auths', ['inspect', ...debug, '--allow-not-starting', `${faulty.host}/secrets/auths:v1`]);
      expect([0, 2]).toContain(f.code);
    }
  });

  it('the marker, the wrong password and their encodings appear nowhere', async () => {
    expect(runs.length).toBeGreaterThan(20);
    // The secrets were really in play: the echo server got them and sent them back.
    expect(echoedSecrets).toBeGreaterThan(0);
    const found: string[] = [];
    for (const r of runs) {
      for (const secret of [MARKER, WRONG]) {
        for (const [name, text] of [['stdout', r.stdout], ['stderr', r.stderr]] as const) {
          const hit = leaks(text, secret);
          if (hit.length > 0) found.push(`${r.args.join(' ')}: ${name} holds ${hit.length} form(s) of the secret`);
        }
      }
    }
    // Files written by the commands (outputs, layouts, tars, cache), not the planted config files.
    const written = [...filesUnder(outDir), ...filesUnder(app), ...(existsSync(join(work, 'cache')) ? filesUnder(join(work, 'cache')) : [])];
    expect(written.length).toBeGreaterThan(3);
    for (const [path, bytes] of written) {
      for (const secret of [MARKER, WRONG]) if (leaks(bytes, secret).length > 0) found.push(`file ${path}`);
    }
    console.log(`secrets: ${runs.length} runs, ${written.length} files written searched, ${echoedSecrets} responses echoing the secret; leaks: ${found.length}`);
    expect(found).toEqual([]);
  });
});

