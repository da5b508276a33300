/**
 * The per-layer analysis cache (issue 17) on the real fixture images: a report is the same
 * whether its layers were read, replayed from the cache, or some of each; an image whose layers
 * are all cached is inspected without reading a layer blob (OCI layouts with the blobs removed,
 * and blob GETs counted through a proxy in front of a real docker-registry); corrupt, truncated
 * or mis-shaped entries are rebuilt; two processes share one cache directory.
 */
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { inspectImageRef, type InspectReport } from '../../src/analysis/inspect.js';
import { ANALYSIS_VERSION, LayerCache } from '../../src/analysis/layer-cache.js';
import { ensureFixtureImages, REPO_ROOT, type FixtureImages } from '../helpers/images.js';
import { startFaultProxy, startRegistry, type FaultProxy, type RegistryHandle } from '../helpers/registry.js';
import { FIXTURE_TOOLS, describeWithTools } from '../helpers/tools.js';

let fx: FixtureImages;
let work: string;
let n = 0;

function freshDir(label: string): string {
  return join(work, `${label}-${++n}`);
}

/**
 * A copy of an OCI layout whose named layer blobs keep their first 64 bytes (the compression is
 * sniffed from them) and are zeros after, at the same size (sparse files): the layout still opens,
 * but any read of those blobs fails its digest check.
 */
function layoutWithout(layout: string, digests: readonly string[]): string {
  return layoutWithoutIn(work, layout, digests);
}

function layoutWithoutIn(parent: string, layout: string, digests: readonly string[]): string {
  const out = join(parent, `layout-${++n}`);
  const blob = (d: string): string => join('blobs', 'sha256', d.slice('sha256:'.length));
  cpSync(layout, out, { recursive: true, filter: (src) => !digests.some((d) => src.endsWith(blob(d))) });
  for (const d of digests) {
    const target = join(out, blob(d));
    writeFileSync(target, readFileSync(join(layout, blob(d))).subarray(0, 64));
    truncateSync(target, statSync(join(layout, blob(d))).size);
  }
  return out;
}

function entryFiles(dir: string, kind: 'layer' | 'startup' | 'report'): string[] {
  const root = join(dir, `analysis-v${ANALYSIS_VERSION}`, kind);
  const out: string[] = [];
  if (!existsSync(root)) return out;
  for (const sub of readdirSync(root)) for (const name of readdirSync(join(root, sub))) if (name.endsWith('.json')) out.push(join(root, sub, name));
  return out.sort();
}

/** What may differ between two runs of one image from two places: the reference it was opened by. */
function sameImage(r: InspectReport): unknown {
  return { ...r, image: { ...r.image, ref: '' }, startup: { ...r.startup, image: { ...r.startup.image, ref: '' } } };
}

describeWithTools(FIXTURE_TOOLS, 'per-layer analysis cache: reports', () => {
  beforeAll(async () => {
    fx = await ensureFixtureImages();
    work = mkdtempSync(join(tmpdir(), 'goslim-layer-cache-'));
  });
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('cold, warm and half-warm (base cached by another image) reports of the fat image are deep-equal, and warm reads no layer blob', async () => {
    const fat = fx.images['fat-greeter'];
    const layers = fat.info.layers.length;
    const ref = `oci:${fat.oci}`;
    const uncached = await inspectImageRef(ref);
    // Cold with the cache: every layer walked; each layer, the startup checks and the report written.
    const dir = freshDir('cache');
    const cold = new LayerCache(dir);
    const coldReport = await inspectImageRef(ref, { cache: cold });
    expect(cold.stats).toMatchObject({ hits: 0, corrupt: 0, writes: layers + 2 });
    expect(coldReport).toEqual(uncached);
    // Warm, from a copy of the layout whose layer blobs cannot be read.
    const blobless = layoutWithout(fat.oci, fat.info.layers.map((l) => l.digest));
    // First without the whole-report entry: every layer replayed from its entry, the analysis redone.
    rmSync(join(dir, `analysis-v${ANALYSIS_VERSION}`, 'report'), { recursive: true });
    const warm = new LayerCache(dir);
    const warmReport = await inspectImageRef(`oci:${blobless}`, { cache: warm });
    expect(warm.stats).toMatchObject({ hits: layers + 1, misses: 1, writes: 1, corrupt: 0 });
    expect(sameImage(warmReport)).toEqual(sameImage(uncached));
    // Then the report entry answers alone.
    const again = new LayerCache(dir);
    expect(sameImage(await inspectImageRef(`oci:${blobless}`, { cache: again }))).toEqual(sameImage(uncached));
    expect(again.stats).toMatchObject({ hits: 1, misses: 0, writes: 0 });
    // Half-warm: a fresh cache that holds only debian-bookworm's layer (fat-greeter's base).
    const half = freshDir('cache');
    await inspectImageRef(`oci:${fx.images['debian-bookworm'].oci}`, { cache: new LayerCache(half) });
    const halfCache = new LayerCache(half);
    const halfReport = await inspectImageRef(ref, { cache: halfCache });
    expect(halfCache.stats).toMatchObject({ hits: 1, corrupt: 0, writes: layers - 1 + 2 });
    expect(halfReport).toEqual(uncached);
    // The start-up checks read /bin/sh (dash) from the base layer after the walk, behind two links:
    // kept too, so another image on this base (another config: no startup or report entry) reads
    // no blob of it. (The program the config names is read from its own layer, the top one.)
    expect(halfCache.stats.files.writes).toBeGreaterThan(0);
    for (const kind of ['report', 'startup']) rmSync(join(half, `analysis-v${ANALYSIS_VERSION}`, kind), { recursive: true });
    const newConfig = new LayerCache(half);
    const baseless = layoutWithout(fat.oci, fat.info.layers.slice(0, -1).map((l) => l.digest));
    expect(sameImage(await inspectImageRef(`oci:${baseless}`, { cache: newConfig }))).toEqual(sameImage(uncached));
    expect(newConfig.stats).toMatchObject({ hits: layers, corrupt: 0 });
    expect(newConfig.stats.files.hits).toBeGreaterThanOrEqual(halfCache.stats.files.writes);
  });

  it('an image sharing its base with a cached one reads only its new layer', async () => {
    const slim = fx.images['slim-four-levers'];
    const base = fx.images['static-debian12-latest'];
    const dir = freshDir('cache');
    await inspectImageRef(`oci:${base.oci}`, { cache: new LayerCache(dir) });
    const baseDigests = base.info.layers.map((l) => l.digest);
    expect(slim.info.layers.map((l) => l.digest)).toEqual(expect.arrayContaining(baseDigests));
    const withoutBase = layoutWithout(slim.oci, baseDigests);
    const cache = new LayerCache(dir);
    const report = await inspectImageRef(`oci:${withoutBase}`, { cache });
    expect(cache.stats).toMatchObject({ hits: 1, writes: 3, corrupt: 0 });
    expect(sameImage(report)).toEqual(sameImage(await inspectImageRef(`oci:${slim.oci}`)));
  });

  it('rebuilds truncated entries, one with a flipped byte, and one whose digest holds but whose shape does not; never trusts them', async () => {
    const slim = fx.images['slim-four-levers'];
    const ref = `oci:${slim.oci}`;
    const expected = await inspectImageRef(ref);
    const dir = freshDir('cache');
    await inspectImageRef(ref, { cache: new LayerCache(dir) });
    const [a, b] = entryFiles(dir, 'layer');
    const [s] = entryFiles(dir, 'startup');
    const [whole] = entryFiles(dir, 'report');
    // The report entry cut after its header line: its body is shorter than the header says.
    const rw = readFileSync(whole!);
    writeFileSync(whole!, rw.subarray(0, rw.indexOf(10) + 1));
    // Truncated: half the file.
    const ra = readFileSync(a!);
    writeFileSync(a!, ra.subarray(0, ra.length >> 1));
    // A byte flipped in the body (same length: only the digest can tell).
    const rb = Buffer.from(readFileSync(b!));
    const at = rb.length - 10;
    rb[at] = rb[at] === 0x30 ? 0x31 : 0x30;
    writeFileSync(b!, rb);
    // A well-formed entry with a valid digest whose body is not the entry's shape (a lying writer).
    const body = Buffer.from(JSON.stringify({ configDigest: 'sha256:0', platform: 'linux/amd64', report: { verdict: 'pass' } }));
    const { createHash } = await import('node:crypto');
    writeFileSync(s!, Buffer.concat([Buffer.from(`goslim-analysis-cache 1 sha256:${createHash('sha256').update(body).digest('hex')} ${body.length}\n`), body]));
    const again = new LayerCache(dir);
    const report = await inspectImageRef(ref, { cache: again });
    expect(again.stats).toMatchObject({ corrupt: 4, hits: 0, writes: 4 });
    expect(report).toEqual(expected);
    // Rebuilt: the next run is all hits.
    const third = new LayerCache(dir);
    expect(await inspectImageRef(ref, { cache: third })).toEqual(expected);
    expect(third.stats).toMatchObject({ hits: 1, corrupt: 0, writes: 0 });
  });

  it('keeps the directory within the size cap', async () => {
    const dir = freshDir('cache');
    await inspectImageRef(`oci:${fx.images['slim-four-levers'].oci}`, { cache: new LayerCache(dir) });
    const slimBytes = [...entryFiles(dir, 'layer'), ...entryFiles(dir, 'startup'), ...entryFiles(dir, 'report')].reduce((t, p) => t + statSync(p).size, 0);
    const cap = new LayerCache(dir, { maxSize: slimBytes });
    // cgo-on-static shares the base layer and adds three entries: the directory goes over the cap.
    await inspectImageRef(`oci:${fx.images['cgo-on-static'].oci}`, { cache: cap });
    const total = [...entryFiles(dir, 'layer'), ...entryFiles(dir, 'startup'), ...entryFiles(dir, 'report')].reduce((t, p) => t + statSync(p).size, 0);
    expect(cap.stats.evicted).toBeGreaterThan(0);
    expect(total).toBeLessThanOrEqual(slimBytes);
  });
});

describeWithTools([...FIXTURE_TOOLS, 'docker-registry'], 'per-layer analysis cache: blob GETs on a registry', () => {
  let reg: RegistryHandle;
  let proxy: FaultProxy;
  let dir: string;
  beforeAll(async () => {
    fx = await ensureFixtureImages();
    work = mkdtempSync(join(tmpdir(), 'goslim-layer-cache-reg-'));
    dir = join(work, 'cache');
    reg = await startRegistry();
    for (const name of ['static-debian12-latest', 'slim-four-levers'] as const) {
      execFileSync('skopeo', ['copy', '-q', '--dest-tls-verify=false', `oci:${fx.images[name].oci}`, `docker://${reg.host}/fleet/${name}:latest`], { timeout: 120_000 });
    }
    proxy = await startFaultProxy(reg.port, () => 'pass');
  });
  afterAll(async () => {
    await proxy?.close();
    await reg?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const layerGets = (from: number, digests: readonly string[]): string[] =>
    proxy.seen
      .slice(from)
      .filter((s) => s.method === 'GET' && /\/blobs\/sha256:/.test(s.path))
      .map((s) => s.path.slice(s.path.indexOf('sha256:')))
      .filter((d) => digests.includes(d));

  it('reads each layer blob once: the base by its own image, only the new layer by the image built on it, none the second time', async () => {
    const base = fx.images['static-debian12-latest'].info.layers.map((l) => l.digest);
    const slim = fx.images['slim-four-levers'].info.layers.map((l) => l.digest);
    const all = [...new Set([...base, ...slim])];
    const opts = { insecure: true, env: process.env };
    let mark = proxy.seen.length;
    await inspectImageRef(`docker://${proxy.host}/fleet/static-debian12-latest:latest`, { ...opts, cache: new LayerCache(dir) });
    expect(layerGets(mark, all).sort()).toEqual([...base].sort());
    mark = proxy.seen.length;
    const half = await inspectImageRef(`docker://${proxy.host}/fleet/slim-four-levers:latest`, { ...opts, cache: new LayerCache(dir) });
    expect(layerGets(mark, all)).toEqual(slim.filter((d) => !base.includes(d)));
    // Warm, first from the layer entries alone (the whole-report entry removed), then from the report entry.
    rmSync(join(dir, `analysis-v${ANALYSIS_VERSION}`, 'report'), { recursive: true });
    mark = proxy.seen.length;
    const warmCache = new LayerCache(dir);
    const warm = await inspectImageRef(`docker://${proxy.host}/fleet/slim-four-levers:latest`, { ...opts, cache: warmCache });
    expect(layerGets(mark, all)).toEqual([]);
    expect(warmCache.stats).toMatchObject({ hits: slim.length + 1, misses: 1 });
    expect(warm).toEqual(half);
    mark = proxy.seen.length;
    const again = new LayerCache(dir);
    expect(await inspectImageRef(`docker://${proxy.host}/fleet/slim-four-levers:latest`, { ...opts, cache: again })).toEqual(half);
    expect(layerGets(mark, all)).toEqual([]);
    expect(again.stats).toMatchObject({ hits: 1, misses: 0 });
  });
});



describeWithTools([...FIXTURE_TOOLS, 'dist'], 'per-layer analysis cache: the CLI', () => {
  const BIN = join(REPO_ROOT, 'bin', 'goslim.js');
  let cliWork: string;
  beforeAll(async () => {
    fx = await ensureFixtureImages();
    cliWork = mkdtempSync(join(tmpdir(), 'goslim-layer-cache-cli-'));
  });
  afterAll(() => {
    if (cliWork) rmSync(cliWork, { recursive: true, force: true });
  });

  /** The CLI as a separate process, with the cache left on (the suite's GOSLIM_NO_CACHE removed). */
  function goslim(args: string[], cwd = cliWork): Promise<{ code: number; stdout: string; stderr: string }> {
    const env = { ...process.env };
    delete env.GOSLIM_NO_CACHE;
    env.GOSLIM_CACHE = join(cliWork, 'default-cache');
    return new Promise((resolvePromise) => {
      execFile(process.execPath, [BIN, ...args], { cwd, env, maxBuffer: 64 << 20, timeout: 300_000 }, (err, stdout, stderr) => {
        resolvePromise({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      });
    });
  }

  const inspectArgs = (ref: string, ...extra: string[]): string[] => ['inspect', ref, '--json', '--allow-not-starting', ...extra];
  const reportOf = (stdout: string): unknown => {
    const doc = JSON.parse(stdout) as Record<string, unknown>;
    return { ...doc, generated: undefined, goslimVersion: undefined };
  };

  it('two processes filling one cache directory at once leave it whole: a third run is all cached and gives the same report', async () => {
    const dir = join(cliWork, 'shared');
    const slim = `oci:${fx.images['slim-four-levers'].oci}`;
    const cgo = `oci:${fx.images['cgo-on-static'].oci}`;
    const reference = await goslim(inspectArgs(slim, '--no-cache'));
    expect(reference.code, reference.stderr).toBe(0);
    // Both share the base layer and race to write it.
    const [a, b] = await Promise.all([goslim(inspectArgs(slim, '--cache-dir', dir)), goslim(inspectArgs(cgo, '--cache-dir', dir))]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(reportOf(a.stdout)).toEqual(reportOf(reference.stdout));
    // A report served whole from the cache prints the same bytes as a fresh run, key order included.
    const fourth = await goslim(inspectArgs(slim, '--cache-dir', dir));
    expect(fourth.code, fourth.stderr).toBe(0);
    expect(JSON.stringify(reportOf(fourth.stdout))).toBe(JSON.stringify(reportOf(reference.stdout)));
    // The slim image's blobs made unreadable: only the cache can answer now.
    const blobless = layoutWithoutIn(cliWork, fx.images['slim-four-levers'].oci, fx.images['slim-four-levers'].info.layers.map((l) => l.digest));
    const third = await goslim(inspectArgs(`oci:${blobless}`, '--cache-dir', dir));
    expect(third.code, third.stderr).toBe(0);
    const r = JSON.parse(third.stdout) as InspectReport;
    expect(sameImage(r)).toEqual(sameImage(JSON.parse(reference.stdout) as InspectReport));
  });

  it('--no-cache writes nothing; cache.dir in .goslim.yaml is used; a bad --cache-max-size is a usage error', async () => {
    const slim = `oci:${fx.images['slim-four-levers'].oci}`;
    const off = await goslim(inspectArgs(slim, '--no-cache'));
    expect(off.code, off.stderr).toBe(0);
    expect(existsSync(join(cliWork, 'default-cache'))).toBe(false);
    const project = join(cliWork, 'project');
    mkdirSync(project);
    writeFileSync(join(project, '.goslim.yaml'), 'cache:\n  dir: from-config\n  max-size: 1GB\n');
    const withConfig = await goslim(inspectArgs(slim), project);
    expect(withConfig.code, withConfig.stderr).toBe(0);
    expect(entryFiles(join(project, 'from-config'), 'layer')).toHaveLength(2);
    const bad = await goslim(inspectArgs(slim, '--cache-max-size', 'lots'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('E_USAGE');
  });
});
