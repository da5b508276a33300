/**
 * The real-build proof of `goslim fix` (issue 7 "Proof"), offline: for three example
 * services, the original Dockerfile and the one `goslim fix --write` produced are both
 * built with buildah against the local registry (real FROM golang:1.19 / distroless
 * names, rewritten by registries.conf), both run under podman, and the same HTTP
 * requests must get the same answers. The fixed greeter and notes images must be at
 * least 10x smaller; the cgo service keeps cgo and must be smaller and start. The Dockerfile
 * `goslim init` writes for greeter's sources is built and compared the same way.
 */
import { cp, mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/context.js';
import { httpGet, startContainerHarness, type ContainerHarness } from '../helpers/containers.js';
import { ensureFixtureImages, REPO_ROOT } from '../helpers/images.js';
import { withLock } from '../helpers/lock.js';
import { FIXTURE_TOOLS, describeWithTools } from '../helpers/tools.js';

interface Probe {
  path: string;
  /** Compare only the status and these JSON keys (volatile fields such as uptime or uid excluded). */
  keys?: string[];
}

interface Case {
  name: string;
  port: number;
  probes: Probe[];
  minRatio: number;
  expectCgo: boolean;
}

const CASES: Case[] = [
  {
    name: 'greeter',
    port: 8080,
    probes: [{ path: '/hello' }, { path: '/hello?name=goslim' }, { path: '/healthz', keys: ['status'] }, { path: '/nope' }],
    minRatio: 10,
    expectCgo: false,
  },
  {
    name: 'notes',
    port: 8081,
    probes: [{ path: '/notes' }, { path: '/' }, { path: '/static/app.css' }, { path: '/healthz' }, { path: '/version' }],
    minRatio: 10,
    expectCgo: false,
  },
  {
    name: 'cgo-hash',
    port: 8082,
    probes: [{ path: '/hash?s=abc' }, { path: '/hash?s=goslim%20fix' }, { path: '/healthz' }],
    minRatio: 1,
    expectCgo: true,
  },
];

const WORK = join(REPO_ROOT, 'test', '.work', 'fix-build');

function captureIO(cwd: string): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), isTTY: false, env: {}, cwd };
}

function comparable(body: string, keys: string[] | undefined): unknown {
  if (keys === undefined) return body;
  const v = JSON.parse(body) as Record<string, unknown>;
  return Object.fromEntries(keys.map((k) => [k, v[k]]));
}

interface Measured {
  origSize: number;
  fixedSize: number;
  buildOrigMs: number;
  buildFixedMs: number;
  answers: Array<{ path: string; orig: { status: number; body: unknown }; fixed: { status: number; body: unknown } }>;
  fixedVersion?: string;
  healthExit?: number;
  fixedText: string;
  todos: number;
}

describeWithTools([...FIXTURE_TOOLS, 'buildah', 'podman', 'runc', 'nsenter', 'docker-registry'], 'goslim fix: real builds with buildah, runs with podman', () => {
  let harness: ContainerHarness;
  let releaseLock: () => void = () => undefined;
  let lockReleased: Promise<void> = Promise.resolve();
  const results = new Map<string, Measured>();
  const started = Date.now();
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    let t = Date.now();
    const fixtures = await ensureFixtureImages();
    timings.fixtures = Date.now() - t;
    t = Date.now() - timings.fixtures;
    // Container storage is shared by harnesses: hold the lock for the whole file. afterAll awaits
    // the release, so the lock directory is gone before the worker exits.
    await new Promise<void>((locked) => {
      lockReleased = withLock(join(REPO_ROOT, 'test', '.work', 'containers.lock'), () =>
        new Promise<void>((release) => {
          releaseLock = release;
          locked();
        }),
      );
    });
    timings.lockWait = Date.now() - t - timings.fixtures;
    t = Date.now();
    harness = await startContainerHarness({ fixtures });
    timings.harness = Date.now() - t;
    await rm(WORK, { recursive: true, force: true });
    for (const c of CASES) {
      const dir = join(WORK, c.name);
      await mkdir(dir, { recursive: true });
      await cp(join(REPO_ROOT, 'examples', c.name), dir, { recursive: true });
      await cp(join(dir, 'Dockerfile'), join(dir, 'Dockerfile.orig'));
      const io = captureIO(dir);
      const code = await runCli(['fix', '--write', '--json', 'Dockerfile'], io);
      expect(code, io.err.join('')).toBe(0);
      const report = JSON.parse(io.out.join('')) as { todos: unknown[]; fixed: string };
      const fixedText = await readFile(join(dir, 'Dockerfile'), 'utf8');
      expect(fixedText).toBe(report.fixed);

      const tag = `localhost/goslim-fix-${c.name}`;
      const orig = await harness.buildahBud(dir, join(dir, 'Dockerfile.orig'), `${tag}:orig`);
      const fixed = await harness.buildahBud(dir, join(dir, 'Dockerfile'), `${tag}:fixed`);
      const m: Measured = {
        origSize: await harness.imageSize(`${tag}:orig`),
        fixedSize: await harness.imageSize(`${tag}:fixed`),
        buildOrigMs: orig.ms,
        buildFixedMs: fixed.ms,
        answers: [],
        fixedText,
        todos: report.todos.length,
      };
      const a = await harness.podmanRun(`${tag}:orig`, { publish: [{ container: c.port }] });
      const b = await harness.podmanRun(`${tag}:fixed`, { publish: [{ container: c.port }] });
      try {
        for (const p of c.probes) {
          const ra = await httpGet(`http://127.0.0.1:${a.ports.get(c.port)}${p.path}`);
          const rb = await httpGet(`http://127.0.0.1:${b.ports.get(c.port)}${p.path}`);
          m.answers.push({
            path: p.path,
            orig: { status: ra.status, body: comparable(ra.body, p.keys) },
            fixed: { status: rb.status, body: comparable(rb.body, p.keys) },
          });
        }
        // The image's own HEALTHCHECK, run once the way the engine would (exec form, no shell).
        const hc = await harness.tool('podman', ['image', 'inspect', '--format', '{{json .Config.Healthcheck}}', `${tag}:fixed`], 60_000);
        const health = JSON.parse(hc.stdout.trim() || 'null') as { Test?: string[] } | null;
        if (health?.Test?.[0] === 'CMD') m.healthExit = (await harness.podmanExec(b.name, health.Test.slice(1))).exitCode;
      } finally {
        await harness.podmanRm(a.name);
        await harness.podmanRm(b.name);
      }
      results.set(c.name, m);
    }

    // goslim init on greeter's sources (its Dockerfile removed): the generated recipe must build,
    // run and answer like the original greeter image.
    {
      const dir = join(WORK, 'greeter-init');
      await cp(join(REPO_ROOT, 'examples', 'greeter'), dir, { recursive: true });
      await rm(join(dir, 'Dockerfile'));
      const io = captureIO(dir);
      expect(await runCli(['init'], io), io.err.join('')).toBe(0);
      const tag = 'localhost/goslim-init-greeter:latest';
      const built = await harness.buildahBud(dir, join(dir, 'Dockerfile'), tag);
      const m: Measured = {
        origSize: results.get('greeter')!.origSize,
        fixedSize: await harness.imageSize(tag),
        buildOrigMs: 0,
        buildFixedMs: built.ms,
        answers: [],
        fixedText: await readFile(join(dir, 'Dockerfile'), 'utf8'),
        todos: 0,
      };
      const a = await harness.podmanRun('localhost/goslim-fix-greeter:orig', { publish: [{ container: 8080 }] });
      const b = await harness.podmanRun(tag, { publish: [{ container: 8080 }] });
      try {
        for (const p of CASES[0]!.probes) {
          const ra = await httpGet(`http://127.0.0.1:${a.ports.get(8080)}${p.path}`);
          const rb = await httpGet(`http://127.0.0.1:${b.ports.get(8080)}${p.path}`);
          m.answers.push({ path: p.path, orig: { status: ra.status, body: comparable(ra.body, p.keys) }, fixed: { status: rb.status, body: comparable(rb.body, p.keys) } });
        }
        m.healthExit = (await harness.podmanExec(b.name, ['/usr/local/bin/greeter', '-healthcheck'])).exitCode;
      } finally {
        await harness.podmanRm(a.name);
        await harness.podmanRm(b.name);
      }
      results.set('greeter-init', m);
    }
    timings.total = Date.now() - started;
    timings.afterLock = timings.total - timings.lockWait! - timings.fixtures!;
  });

  afterAll(async () => {
    await harness?.close();
    releaseLock();
    await lockReleased;
    const table = [...results].map(([name, m]) => ({
      name,
      origBytes: m.origSize,
      fixedBytes: m.fixedSize,
      ratio: Number((m.origSize / m.fixedSize).toFixed(1)),
      buildOrigMs: m.buildOrigMs,
      buildFixedMs: m.buildFixedMs,
    }));
    // Measured figures, for the record (the test asserts behaviour and ratios, not speed).
    console.log(`fix-build measurements: ${JSON.stringify({ timings, table }, null, 1)}`);
  });

  for (const c of CASES) {
    it(`${c.name}: the fixed image answers exactly like the original`, () => {
      const m = results.get(c.name)!;
      expect(m.answers.length).toBe(c.probes.length);
      for (const a of m.answers) {
        expect(a.fixed, `${c.name} ${a.path}`).toEqual(a.orig);
      }
      expect(m.answers.some((a) => a.orig.status === 200)).toBe(true);
    });

    it(`${c.name}: the fixed image is ${c.minRatio > 1 ? `at least ${c.minRatio}x` : ''} smaller`, () => {
      const m = results.get(c.name)!;
      expect(m.fixedSize).toBeGreaterThan(0);
      expect(m.origSize / m.fixedSize).toBeGreaterThanOrEqual(c.minRatio);
      expect(m.fixedSize).toBeLessThan(m.origSize);
    });

    it(`${c.name}: ${c.expectCgo ? 'cgo kept on a glibc base' : 'static binary on the static base'}, no TODO left`, () => {
      const m = results.get(c.name)!;
      expect(m.todos).toBe(0);
      if (c.expectCgo) {
        expect(m.fixedText).toContain('FROM gcr.io/distroless/base-debian12:nonroot');
        expect(m.fixedText).not.toContain('CGO_ENABLED=0');
      } else {
        expect(m.fixedText).toContain('FROM gcr.io/distroless/static-debian12:nonroot');
        expect(m.fixedText).toContain('CGO_ENABLED=0');
      }
      expect(m.fixedText).toContain('USER 65532:65532');
    });
  }

  it('goslim init: the generated recipe for greeter builds, answers like the original, and is at least 10x smaller', () => {
    const m = results.get('greeter-init')!;
    for (const a of m.answers) expect(a.fixed, a.path).toEqual(a.orig);
    expect(m.origSize / m.fixedSize).toBeGreaterThanOrEqual(10);
    expect(m.healthExit).toBe(0);
  });

  it('greeter and notes keep a working HEALTHCHECK: the binary probes itself (no curl, no shell)', () => {
    expect(results.get('greeter')!.healthExit).toBe(0);
    expect(results.get('notes')!.healthExit).toBe(0);
  });

  it('notes keeps its -X version and its runtime files (config, templates, migrations)', () => {
    const m = results.get('notes')!;
    const version = m.answers.find((a) => a.path === '/version')!;
    expect(version.fixed.body).toContain('1.4.2');
    expect(m.answers.find((a) => a.path === '/notes')!.fixed.body).toContain('ship the slim image');
  });
});
