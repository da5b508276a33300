/**
 * SIGKILL during writes: `build --oci DIR`, `build --tar FILE`, `lint --output FILE` (the only
 * command with --output) and `push SRC oci:DIR:TAG`, each killed at increasing delays spread over
 * the length of a full run (bounded: a dozen kills per command). After every kill the target
 * holds the old output or the complete new one, never a partial one: for an OCI layout,
 * index.json parses and refers only to blobs that exist and match their digests and sizes
 * (walked to the last layer, and `umoci stat --json` reads the ref; its text output panics on history
 * entries without `created`), and the ref names the old or the
 * new digest; a file is byte-for-byte the old or the new one. Temp files a kill leaves behind
 * are removed by the next run. Uses the built CLI (`npm run build`).
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildTestImage, file } from '../../src/image/testing/index.js';
import { REPO_ROOT } from '../helpers/images.js';
import { describeWithTools } from '../helpers/tools.js';

if (!existsSync(join(REPO_ROOT, 'dist/cli/main.js'))) throw new Error('test/attacks/kill-writes.test.ts needs dist/: run `npm run build` first');

const KILLS = 12;
/** Every CLI run is killed after this long at most (a hang guard, not a performance bound). */
const RUN_BOUND_MS = 120_000;
/**
 * A test makes KILLS + 3 runs one after another (plus a skopeo/umoci check), each bounded by
 * RUN_BOUND_MS: its timeout is their sum, so a slow (loaded) machine cannot fail it, only a hang
 * past every run's own bound would. Vitest's default 120 s would be a wall-clock ceiling on 15 runs.
 */
const TEST_BOUND_MS = (KILLS + 5) * RUN_BOUND_MS;
let work: string;
let app: string;
const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const figures: string[] = [];

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  ms: number;
  stderr: string;
}

/** Run the CLI; with `killAfterMs`, SIGKILL it (by its PID) after that long unless it ended first. */
function goslim(args: string[], cwd: string, killAfterMs?: number): Promise<Run> {
  const started = Date.now();
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/goslim.js'), ...args], {
    cwd,
    env: { ...process.env, GOSLIM_CACHE: join(work, 'cache') },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => void (stderr += d));
  const timer = killAfterMs !== undefined ? setTimeout(() => child.kill('SIGKILL'), killAfterMs) : undefined;
  const bound = setTimeout(() => child.kill('SIGKILL'), RUN_BOUND_MS);
  return new Promise((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(bound);
      resolve({ code, signal, ms: Date.now() - started, stderr });
    }),
  );
}

function blob(dir: string, d: { digest: string; size: number }): Buffer {
  const path = join(dir, 'blobs', 'sha256', d.digest.slice(7));
  if (!existsSync(path)) throw new Error(`${d.digest} is named but missing`);
  const bytes = readFileSync(path);
  if (bytes.length !== d.size || sha(bytes) !== d.digest) throw new Error(`${d.digest} does not match its descriptor`);
  return bytes;
}

/** Validate an OCI layout completely; its refs (ref name -> digest), or null when it does not exist. */
function layoutRefs(dir: string): Map<string, string> | null {
  if (!existsSync(dir)) return null;
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string; size: number; mediaType: string; annotations?: Record<string, string> }> };
  JSON.parse(readFileSync(join(dir, 'oci-layout'), 'utf8'));
  const refs = new Map<string, string>();
  const walk = (d: { digest: string; size: number; mediaType: string }, depth: number): void => {
    const doc = JSON.parse(blob(dir, d).toString('utf8')) as { manifests?: typeof index.manifests; config?: { digest: string; size: number }; layers?: Array<{ digest: string; size: number }> };
    if (doc.manifests) for (const m of doc.manifests) if (depth < 3) walk(m, depth + 1);
    if (doc.config) blob(dir, doc.config);
    for (const l of doc.layers ?? []) blob(dir, l);
  };
  for (const m of index.manifests) {
    walk(m, 0);
    const ref = m.annotations?.['org.opencontainers.image.ref.name'];
    if (ref !== undefined) refs.set(ref, m.digest);
  }
  for (const ref of refs.keys()) execFileSync('umoci', ['stat', '--json', '--image', `${dir}:${ref}`], { stdio: 'ignore', timeout: 60_000 });
  return refs;
}

function temps(dir: string): string[] {
  const out: string[] = [];
  const visit = (d: string, depth: number): void => {
    if (!existsSync(d) || depth > 4) return;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (/\.tmp-\d+-[0-9a-f]{8}$|\.goslim-\d+-[0-9a-f]+\.tmp$/.test(e.name)) out.push(join(d, e.name));
      else if (e.isDirectory()) visit(join(d, e.name), depth + 1);
    }
  };
  visit(dir, 0);
  return out;
}

function delays(fullMs: number): number[] {
  // Increasing delays, most of them in the second half of a run where the writing happens
  // (the first part is Node start-up, compiling and reading), the last ones just past its end.
  return Array.from({ length: KILLS }, (_, i) => Math.round(fullMs * (0.3 + (0.8 * i) / (KILLS - 1))));
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'goslim-kill-'));
  app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'go.mod'), 'module example.com/app\n\ngo 1.19\n');
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

function setVersion(v: string): void {
  writeFileSync(join(app, 'main.go'), `package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("${v}") }\n`);
}

describeWithTools(['dist', 'umoci', 'skopeo'], 'SIGKILL during writes leaves the old output or the complete new one', () => {
  it('build --oci DIR (into an existing layout, and into a new one)', { timeout: TEST_BOUND_MS }, async () => {
    const out = join(work, 'oci-out');
    const pristine = join(work, 'oci-old');
    setVersion('old');
    expect((await goslim(['build', '--base', 'scratch', '--oci', `${pristine}:latest`, '.'], app)).code).toBe(0);
    const old = layoutRefs(pristine)!.get('latest')!;
    setVersion('new');
    const ref = join(work, 'oci-ref');
    const full = await goslim(['build', '--base', 'scratch', '--oci', `${ref}:latest`, '.'], app);
    expect(full.code, full.stderr).toBe(0);
    const fresh = layoutRefs(ref)!.get('latest')!;
    expect(fresh).not.toBe(old);
    const outcomes: Record<string, number> = {};
    for (const [i, ms] of delays(full.ms).entries()) {
      rmSync(out, { recursive: true, force: true });
      const existing = i % 2 === 0;
      if (existing) cpSync(pristine, out, { recursive: true });
      const r = await goslim(['build', '--base', 'scratch', '--oci', `${out}:latest`, '.'], app, ms);
      const refs = layoutRefs(out);
      const got = refs?.get('latest');
      const state = got === fresh ? 'new' : got === old && existing ? 'old' : got === undefined && !existing ? 'absent' : `BAD ${String(got)}`;
      const key = `${r.signal === 'SIGKILL' ? 'killed' : 'finished'}:${existing ? 'existing' : 'fresh'}:${state}`;
      outcomes[key] = (outcomes[key] ?? 0) + 1;
      expect(state).not.toMatch(/^BAD/);
    }
    const left = temps(work).length;
    // The next complete run removes what the kills left behind.
    expect((await goslim(['build', '--base', 'scratch', '--oci', `${out}:latest`, '.'], app)).code).toBe(0);
    expect(temps(dirname(out)).filter((t) => t.includes('oci-out'))).toEqual([]);
    figures.push(`build --oci: ${KILLS} kills ${JSON.stringify(outcomes)}; temp files left by kills ${left}, removed by the next run`);
  });

  it('build --tar FILE', { timeout: TEST_BOUND_MS }, async () => {
    const out = join(work, 'img.tar');
    setVersion('old');
    expect((await goslim(['build', '--base', 'scratch', '--tar', out, '.'], app)).code).toBe(0);
    const oldBytes = readFileSync(out);
    setVersion('new');
    const ref = join(work, 'ref.tar');
    const full = await goslim(['build', '--base', 'scratch', '--tar', ref, '.'], app);
    expect(full.code).toBe(0);
    const fresh = sha(readFileSync(ref));
    expect(fresh).not.toBe(sha(oldBytes));
    // The new tar is a valid image archive (skopeo reads it as an OCI archive).
    execFileSync('skopeo', ['inspect', `oci-archive:${ref}`], { stdio: 'ignore', timeout: 60_000 });
    const outcomes: Record<string, number> = {};
    for (const ms of delays(full.ms)) {
      writeFileSync(out, oldBytes);
      const r = await goslim(['build', '--base', 'scratch', '--tar', out, '.'], app, ms);
      const got = sha(readFileSync(out));
      const state = got === fresh ? 'new' : got === sha(oldBytes) ? 'old' : 'BAD';
      const key = `${r.signal === 'SIGKILL' ? 'killed' : 'finished'}:${state}`;
      outcomes[key] = (outcomes[key] ?? 0) + 1;
      expect(state).not.toBe('BAD');
    }
    const left = temps(work).filter((t) => t.includes('img.tar')).length;
    expect((await goslim(['build', '--base', 'scratch', '--tar', out, '.'], app)).code).toBe(0);
    expect(temps(work).filter((t) => t.includes('img.tar'))).toEqual([]);
    figures.push(`build --tar: ${KILLS} kills ${JSON.stringify(outcomes)}; temp files left by kills ${left}, removed by the next run`);
  });

  it('lint --output FILE', { timeout: TEST_BOUND_MS }, async () => {
    const dir = join(work, 'lint');
    mkdirSync(dir);
    const report = join(dir, 'report.sarif');
    writeFileSync(join(dir, 'Dockerfile'), 'FROM golang:1.22\nCOPY . .\nRUN go build -o /app .\nCMD /app\n');
    expect((await goslim(['lint', '-f', 'sarif', '--failure-threshold', 'none', '--output', report, 'Dockerfile'], dir)).code).toBe(0);
    const oldBytes = readFileSync(report);
    // A long Dockerfile makes the report (and the write) larger.
    writeFileSync(join(dir, 'Dockerfile'), `FROM golang:1.22 AS build\n${Array.from({ length: 3000 }, (_, i) => `RUN echo ${i}\n`).join('')}FROM ubuntu\nCOPY --from=build /app /app\nCMD /app\n`);
    const ref = join(dir, 'ref.sarif');
    const full = await goslim(['lint', '-f', 'sarif', '--failure-threshold', 'none', '--output', ref, 'Dockerfile'], dir);
    expect(full.code).toBe(0);
    const fresh = sha(readFileSync(ref));
    const outcomes: Record<string, number> = {};
    for (const ms of delays(full.ms)) {
      writeFileSync(report, oldBytes);
      const r = await goslim(['lint', '-f', 'sarif', '--failure-threshold', 'none', '--output', report, 'Dockerfile'], dir, ms);
      const got = sha(readFileSync(report));
      const state = got === fresh ? 'new' : got === sha(oldBytes) ? 'old' : 'BAD';
      const key = `${r.signal === 'SIGKILL' ? 'killed' : 'finished'}:${state}`;
      outcomes[key] = (outcomes[key] ?? 0) + 1;
      expect(state).not.toBe('BAD');
    }
    figures.push(`lint --output: ${KILLS} kills ${JSON.stringify(outcomes)}; temp files left ${temps(dir).length}`);
  });

  it('push SRC oci:DIR:TAG (a larger image, into an existing layout)', { timeout: TEST_BOUND_MS }, async () => {
    const mk = async (name: string, seed: number): Promise<string> =>
      (await buildTestImage({ layers: [{ entries: [file('srv/data', 24_000_000, { seed })], compression: 'none' }, { entries: [file('etc/v', name)] }] }, { dir: join(work, name), format: 'oci', tag: 'v1' })).path;
    const oldSrc = await mk('src-old', 1);
    const newSrc = await mk('src-new', 2);
    const pristine = join(work, 'push-old');
    expect((await goslim(['push', `oci:${oldSrc}:v1`, `oci:${pristine}:app`], work)).code).toBe(0);
    const old = layoutRefs(pristine)!.get('app')!;
    const ref = join(work, 'push-ref');
    cpSync(pristine, ref, { recursive: true });
    const full = await goslim(['push', `oci:${newSrc}:v1`, `oci:${ref}:app`], work);
    expect(full.code, full.stderr).toBe(0);
    const fresh = layoutRefs(ref)!.get('app')!;
    const out = join(work, 'push-out');
    const outcomes: Record<string, number> = {};
    for (const ms of delays(full.ms)) {
      rmSync(out, { recursive: true, force: true });
      cpSync(pristine, out, { recursive: true });
      const r = await goslim(['push', `oci:${newSrc}:v1`, `oci:${out}:app`], work, ms);
      const got = layoutRefs(out)?.get('app');
      const state = got === fresh ? 'new' : got === old ? 'old' : `BAD ${String(got)}`;
      const key = `${r.signal === 'SIGKILL' ? 'killed' : 'finished'}:${state}`;
      outcomes[key] = (outcomes[key] ?? 0) + 1;
      expect(state).not.toMatch(/^BAD/);
    }
    const left = temps(out).length;
    expect((await goslim(['push', `oci:${newSrc}:v1`, `oci:${out}:app`], work)).code).toBe(0);
    expect(temps(out)).toEqual([]);
    figures.push(`push to an OCI layout: ${KILLS} kills ${JSON.stringify(outcomes)}; temp files left by kills ${left}, removed by the next run`);
  });

  afterAll(() => {
    console.log(figures.join('\n'));
  });
});
