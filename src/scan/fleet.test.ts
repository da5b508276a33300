/**
 * issue 17's proof, with real parts: Debian's docker-registry on 127.0.0.1 holding 50 generated
 * images in 10 repositories (shared bases: a static one, a distro one with a shell and apt lists,
 * a golang one with a toolchain; a real Go binary in every image), one that will not start and
 * one whose layer blob is corrupted on the registry's disk. `goslim scan` (the CLI in process)
 * reports each reference once, the corrupt one as an error record; 4 shards merged give the
 * single run's summary byte for byte; --resume completes a cut-off output; --tags N-newest and
 * Link pagination; token auth with the catalog scope, credentials never printed.
 */
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../cli/main.js';
import type { CliIO } from '../cli/context.js';
import { LEVER_IDS } from '../vocabulary/levers.js';
import { buildFixture, HELLO } from '../../test/fixtures/go/build-fixtures.js';
import { fleetLayer, fleetParts, pushFleet, type FleetImageSpec, type FleetLayer } from '../../test/helpers/fleet.js';
import { startFaultProxy, startRegistry, type RegistryHandle } from '../../test/helpers/registry.js';
import { loadSchemas } from '../../test/helpers/schemas.js';
import { describeWithTools, itWithTools } from '../../test/helpers/tools.js';
import { REPO_ROOT } from '../../test/helpers/images.js';
import { execFile } from 'node:child_process';
import { file } from '../image/testing/index.js';
import { referencesFromRegistry } from './references.js';

const REPOS = ['team-a/api', 'team-a/worker', 'team-b/api', 'team-b/web', 'team-c/batch', 'team-c/cron', 'platform/gateway', 'platform/auth', 'tools/builder', 'tools/migrate'];
const TAGS = ['v1', 'v2', 'v3', 'v4', 'v5'];
const BROKEN = 'tools/migrate:v2';
const CORRUPT = 'tools/builder:v3';

function io(cwd: string, env: NodeJS.ProcessEnv = {}): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => out.push(t), stderr: (t) => err.push(t), isTTY: false, env: { ...process.env, GOSLIM_ENGINE: '0', ...env }, cwd };
}

function lines(path: string): Array<Record<string, unknown>> {
  return readFileSync(path, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
}

const refOf = (r: Record<string, unknown>): string => (r.kind === 'error' ? (r.ref as string) : (r.scan as { ref: string }).ref);

/** The references as a --from list in another order, with comments and blank lines. */
function listFile(dir: string, refs: string[]): string {
  const list = join(dir, 'refs.txt');
  writeFileSync(list, `# the fleet\n\n${[...refs].reverse().map((r, i) => (i % 7 === 0 ? `${r}   # seven\n` : `${r}\n`)).join('')}\n`);
  return list;
}

describeWithTools(['docker-registry', 'go'], 'goslim scan of a generated fleet (real docker-registry)', () => {
  let reg: RegistryHandle;
  let work: string;
  let singleJsonl: string;
  let singleSummary: string;
  let corruptLayer: FleetLayer;
  let specs: FleetImageSpec[];

  beforeAll(async () => {
    const go = await buildFixture(HELLO('cgo0', [], { CGO_ENABLED: '0' }));
    reg = await startRegistry();
    work = mkdtempSync(join(tmpdir(), 'goslim-scan-'));
    const parts = await fleetParts(go);
    corruptLayer = await fleetLayer('corrupt', [file('opt/data.bin', 100_000, { seed: 11 })], false);
    specs = [];
    for (const [r, repository] of REPOS.entries()) {
      const base = r % 3 === 0 ? [parts.static] : r % 3 === 1 ? [parts.distro] : parts.golang;
      for (const [t, tag] of TAGS.entries()) {
        const name = `${repository}:${tag}`;
        // Each image's own small layer, so every image has its own digest.
        const own = await fleetLayer(`own ${name}`, [file(`etc/app/${repository.replace('/', '-')}.conf`, `${name}\n`)]);
        specs.push({
          repository,
          tags: t === TAGS.length - 1 ? [tag, 'latest'] : [tag],
          layers: [...base, parts.app, ...(name === CORRUPT ? [corruptLayer] : []), own],
          created: `2026-01-0${t + 1}T00:00:00Z`,
          ...(name === BROKEN ? { config: { Cmd: ['/missing-app'] } } : {}),
        });
      }
    }
    await pushFleet(reg.host, specs);
    // Corrupt the blob on the registry's disk: same length, one byte of file content changed.
    const blobPath = join(reg.dir, 'data/docker/registry/v2/blobs/sha256', corruptLayer.digest.slice(7, 9), corruptLayer.digest.slice(7), 'data');
    const fd = openSync(blobPath, 'r+');
    const b = Buffer.alloc(1);
    readSync(fd, b, 0, 1, 512 + 50_000);
    b[0] = b[0]! ^ 0xff;
    writeSync(fd, b, 0, 1, 512 + 50_000);
    closeSync(fd);
    expect(statSync(blobPath).size).toBe(corruptLayer.blob.length);
  }, 120_000);

  afterAll(async () => {
    await reg?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('scans every tag of every repository: one record per reference, the corrupt blob an error record, a fleet summary', async () => {
    singleJsonl = join(work, 'single.jsonl');
    singleSummary = join(work, 'single.json');
    const cli = io(work);
    const code = await runCli(['scan', reg.host, '--tags', 'all', '-o', singleJsonl, '--format', 'json', '--summary', singleSummary, '--concurrency', '2', '-q'], cli);
    // An image that will not start and one that could not be read: exit 1, both named.
    expect(code).toBe(1);
    expect(cli.err.join('')).toMatch(/1 image\(s\) will not start/);
    expect(cli.err.join('')).toMatch(/1 reference\(s\) could not be read/);
    // `latest` and v5 name one image: inspected once, the other reference's record copied.
    expect(cli.err.join('')).toMatch(/, 10 naming an image already inspected \(record copied\)/);

    const records = lines(singleJsonl);
    const refs = records.map(refOf);
    const expected = REPOS.flatMap((r) => [...TAGS, 'latest'].map((t) => `docker://${reg.host}/${r}:${t}`));
    expect([...refs].sort()).toEqual([...expected].sort());
    // Every line is a valid document of its kind: an inspect document with scan.ref, or an error record.
    const ajv = new Ajv({ allErrors: true, strict: true });
    for (const s of loadSchemas().values()) ajv.addSchema(s);
    for (const r of records) {
      const valid = ajv.getSchema(`urn:goslim:schema:${String(r.kind)}`)!;
      expect(valid(r), JSON.stringify(valid.errors)).toBe(true);
      if (r.kind === 'inspect') expect(r.scan).toBeDefined();
    }
    // Each record names its own reference, as a fresh inspect of it would.
    for (const r of records.filter((x) => x.kind === 'inspect') as Array<{ scan: { ref: string }; image: { ref: string }; startup: { image: { ref: string } } }>) {
      expect(r.image.ref).toBe(r.scan.ref.slice('docker://'.length));
      expect(r.startup.image.ref).toBe(r.image.ref);
    }
    const errors = records.filter((r) => r.kind === 'error');
    expect(errors).toEqual([expect.objectContaining({ ref: `docker://${reg.host}/${CORRUPT}`, code: 'E_DIGEST_MISMATCH' })]);
    // The records are the inspect reports: the toolchain images have their toolchain bytes.
    const fat = records.find((r) => refOf(r) === `docker://${reg.host}/team-b/api:v1`) as { causes: Array<{ id: string; bytes: number }> };
    expect(fat.causes.find((c) => c.id === 'go-toolchain')!.bytes).toBeGreaterThan(0);

    const summary = JSON.parse(readFileSync(singleSummary, 'utf8')) as Record<string, any>;
    expect(ajv.getSchema('urn:goslim:schema:fleet')!(summary)).toBe(true);
    expect(summary.references).toEqual({ total: 60, inspected: 59, errors: 1, duplicates: 0 });
    // 50 images, one unreadable; `latest` names the same image as v5.
    expect(summary.images).toBe(49);
    expect(summary.notStarting.count).toBe(1);
    expect(summary.notStarting.images[0].ref).toBe(`docker://${reg.host}/${BROKEN}`);
    // team-b/api, team-c/cron and tools/builder sit on the golang base: 15 images, one unreadable.
    expect(summary.goToolchain.count).toBe(14);
    expect(summary.goToolchain.images.every((i: { ref: string }) => /team-b\/api|team-c\/cron|tools\/builder/.test(i.ref))).toBe(true);
    // Levers by id: the Go binary is stripped in no image; the distro and golang bases carry a
    // shell (static-base, 15 + 14 images); the golang base is a single-stage build (multi-stage).
    expect(summary.levers.map((l: { id: string }) => l.id).sort()).toEqual([...LEVER_IDS].sort());
    const lever = (id: string) => summary.levers.find((l: { id: string }) => l.id === id);
    expect(lever('strip-symbols').images, JSON.stringify(summary.levers)).toBe(49);
    expect(lever('static-base').images).toBe(29);
    expect(lever('multi-stage').images).toBe(14);
    expect(lever('cgo-off').images).toBe(0);
    expect(lever('strip-symbols').bytes).toBeGreaterThan(0);
    // The shared Go binary layer is in every image read; the bases in their repositories' images
    // (the golang base is two layers; the unreadable image counts for none).
    expect(summary.sharedLayers.map((l: { images: number }) => l.images)).toEqual([49, 20, 15, 14, 14]);
    expect(summary.largest[0].ref).toMatch(/team-b\/api|team-c\/cron|tools\/builder/);
    expect(summary.errors.byCode).toEqual([{ code: 'E_DIGEST_MISMATCH', count: 1 }]);
  }, 120_000);

  itWithTools(['dist'], '4 goslim processes (--from a list, --shard I/4 and auto/4) merged equal the single run byte for byte', async () => {
    const refs = lines(singleJsonl).map(refOf);
    const list = listFile(work, refs);
    const shardFiles = [0, 1, 2, 3].map((i) => join(work, `shard-${i}.jsonl`));
    // Four processes side by side, as a CI matrix or an Indexed Job runs them (the last reads JOB_COMPLETION_INDEX).
    const results = await Promise.all(
      shardFiles.map(
        (out, i) =>
          new Promise<{ code: number | null; stderr: string }>((resolvePromise) => {
            const child = execFile(
              process.execPath,
              [join(REPO_ROOT, 'bin', 'goslim.js'), 'scan', '--from', list, '--shard', i === 3 ? 'auto/4' : `${i}/4`, '-o', out, '--concurrency', '1', '-q', '--format', 'json'],
              { cwd: work, timeout: 110_000, env: { ...process.env, GOSLIM_ENGINE: '0', ...(i === 3 ? { JOB_COMPLETION_INDEX: '3' } : {}) } },
              (_err, _stdout, stderr) => resolvePromise({ code: child.exitCode, stderr }),
            );
          }),
      ),
    );
    for (const r of results) expect([0, 1], r.stderr).toContain(r.code);
    const perShard = shardFiles.map((f) => lines(f).map(refOf));
    // The records themselves are the single run's, byte for byte (no timings; a record copied for
    // a second reference to an image equals that reference's own inspect, which a shard made).
    const raw = (f: string): string[] => readFileSync(f, 'utf8').split('\n').filter((l) => l !== '');
    expect(shardFiles.flatMap(raw).sort()).toEqual(raw(singleJsonl).sort());
    // Disjoint slices covering the list, none empty.
    expect(perShard.flat().sort()).toEqual([...refs].sort());
    expect(perShard.every((s) => s.length > 0)).toBe(true);
    const merged = join(work, 'merged.json');
    const cli = io(work);
    expect(await runCli(['merge', ...shardFiles, '--format', 'json', '-o', merged], cli)).toBe(1);
    expect(readFileSync(merged, 'utf8')).toBe(readFileSync(singleSummary, 'utf8'));
    // The text and Markdown forms come from the same summary.
    const md = io(work);
    await runCli(['merge', ...shardFiles, '--format', 'markdown'], md);
    expect(md.out.join('')).toMatch(/### 🛑 Will not start \(1\)/);
  }, 120_000);

  it('--resume keeps the image records of a cut-off output, drops its error records, and completes it', async () => {
    const all = readFileSync(singleJsonl, 'utf8').split('\n').filter((l) => l !== '');
    const kept = all.filter((l) => !l.includes('"kind":"error"')).slice(0, 50);
    const error = all.find((l) => l.includes('"kind":"error"'))!;
    const out = join(work, 'resumed.jsonl');
    // 50 image records, the error record, and a last line cut off by a crash.
    writeFileSync(out, `${kept.join('\n')}\n${error}\n${all[all.length - 1]!.slice(0, 100)}`);
    const list = listFile(work, lines(singleJsonl).map(refOf));
    const cli = io(work);
    await runCli(['scan', '--from', list, '--resume', '-o', out, '--format', 'json', '--summary', join(work, 'resumed.json'), '-q'], cli);
    expect(cli.err.join('')).toMatch(/scan: 10 references .*, 50 already in /);
    const refs = lines(out).map(refOf);
    expect(refs.length).toBe(60);
    expect(new Set(refs).size).toBe(60);
    expect(readFileSync(join(work, 'resumed.json'), 'utf8')).toBe(readFileSync(singleSummary, 'utf8'));
  }, 120_000);

  it('with the per-layer cache (--cache-dir, --concurrency 1) each layer blob is read once, a second scan reads none, and the records are the same', async () => {
    // Every image but the corrupt one, each under one tag, through a counting proxy.
    const proxy = await startFaultProxy(reg.port, () => 'pass');
    try {
      const names = specs.flatMap((sp) => sp.tags.filter((t) => t !== 'latest').map((t) => `${sp.repository}:${t}`)).filter((n) => n !== CORRUPT);
      const list = join(work, 'cache-refs.txt');
      writeFileSync(list, `${names.map((n) => `docker://${proxy.host}/${n}`).join('\n')}\n`);
      const cacheDir = join(work, 'cache');
      const layerDigests = new Set(specs.flatMap((sp) => sp.layers.map((l) => l.digest)));
      const blobGets = (from: number): Map<string, number> => {
        const counts = new Map<string, number>();
        for (const r of proxy.seen.slice(from)) {
          const m = /\/blobs\/(sha256:[0-9a-f]{64})$/.exec(r.path);
          if (r.method === 'GET' && m && layerDigests.has(m[1]!)) counts.set(m[1]!, (counts.get(m[1]!) ?? 0) + 1);
        }
        return counts;
      };
      const first = join(work, 'cached-1.jsonl');
      await runCli(['scan', '--from', list, '-o', first, '--cache-dir', cacheDir, '--concurrency', '1', '-q', '--format', 'json'], io(work));
      const cold = blobGets(0);
      // The shared bases once each, like every image's own layer. The layer holding the entrypoint
      // (/app, the Go binary) is read once more, by the second image: the first walk caches the
      // layer's facts but not the program's bytes the start checks read, which the cache keeps
      // (per diff_id and path) only from that second, whole-layer read (src/analysis/inspect.ts).
      const nameOf = new Map(specs.flatMap((sp) => sp.layers.map((l) => [l.digest, l.name] as const)));
      expect([...cold].filter(([, n]) => n !== 1).map(([d, n]) => `${nameOf.get(d)}: ${n}`)).toEqual(['go-binary: 2']);
      expect(cold.size).toBe(layerDigests.size - 2); // all but the corrupt image's two own layers
      const mark = proxy.seen.length;
      const second = join(work, 'cached-2.jsonl');
      await runCli(['scan', '--from', list, '-o', second, '--cache-dir', cacheDir, '--concurrency', '2', '-q', '--format', 'json'], io(work));
      expect(blobGets(mark).size).toBe(0);
      const sorted = (f: string): string[] => readFileSync(f, 'utf8').split('\n').filter((l) => l !== '').sort();
      const byRef = (f: string): Map<string, string> => new Map(sorted(f).map((l) => [refOf(JSON.parse(l) as Record<string, unknown>), l]));
      const a = byRef(first);
      const b = byRef(second);
      const differing = [...a].filter(([ref, l]) => b.get(ref) !== l).map(([ref, l]) => {
        const x = JSON.parse(l) as Record<string, unknown>;
        const y = JSON.parse(b.get(ref) ?? '{}') as Record<string, unknown>;
        return `${ref}: ${Object.keys(x).filter((k) => JSON.stringify(x[k]) !== JSON.stringify(y[k])).map((k) => `${k} ${JSON.stringify(x[k]).slice(0, 300)} -> ${JSON.stringify(y[k]).slice(0, 300)}`).join('; ')}`;
      });
      expect(differing.slice(0, 3)).toEqual([]);
      // And the cached records are what the run without a cache wrote for the same images.
      // (The references differ only by the proxy's host:port.)
      const uncached = new Set(readFileSync(singleJsonl, 'utf8').split('\n').filter((l) => l !== '').map((l) => l.split(reg.host).join(proxy.host)));
      for (const l of sorted(second)) expect(uncached.has(l), l.slice(0, 200)).toBe(true);
    } finally {
      await proxy.close();
    }
  }, 120_000);

  it('--tags N-newest by the config\'s created time, one tag per image, under a prefix, through Link pagination', async () => {
    const refs: string[] = [];
    for await (const r of referencesFromRegistry({ registry: reg.host, prefix: 'team-a' }, { tags: { kind: 'newest', count: 2 }, pageSize: 2 })) refs.push(r);
    // latest and v5 are one image (latest comes first by name); then v4.
    expect(refs).toEqual([`docker://${reg.host}/team-a/api:latest`, `docker://${reg.host}/team-a/api:v4`, `docker://${reg.host}/team-a/worker:latest`, `docker://${reg.host}/team-a/worker:v4`]);
    const latest: string[] = [];
    for await (const r of referencesFromRegistry({ registry: reg.host }, { tags: { kind: 'latest' }, pageSize: 3 })) latest.push(r);
    expect(latest.sort()).toEqual(REPOS.map((r) => `docker://${reg.host}/${r}:latest`).sort());
  }, 60_000);
});

describeWithTools(['docker-registry'], 'goslim scan against a token-auth registry', () => {
  let reg: RegistryHandle;
  let work: string;

  beforeAll(async () => {
    reg = await startRegistry({ auth: 'token' });
    work = mkdtempSync(join(tmpdir(), 'goslim-scan-auth-'));
    const credential = { username: reg.username, password: reg.password };
    const base = await fleetLayer('base', [file('etc/passwd', 'root:x:0:0::/root:/sbin/nologin\n'), file('app', 5000, { mode: 0o755 })]);
    await pushFleet(reg.host, [
      { repository: 'svc/one', tags: ['latest'], layers: [base] },
      { repository: 'svc/two', tags: ['latest', 'v1'], layers: [base] },
    ], { credential });
  }, 60_000);

  afterAll(async () => {
    await reg?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('lists the catalog with the registry:catalog:* scope from the Docker config, and never prints the password', async () => {
    const dockerConfig = join(work, 'docker');
    mkdirSync(dockerConfig);
    writeFileSync(join(dockerConfig, 'config.json'), JSON.stringify({ auths: { [reg.host]: { auth: Buffer.from(`${reg.username}:${reg.password}`).toString('base64') } } }));
    const out = join(work, 'auth.jsonl');
    const cli = io(work, { DOCKER_CONFIG: dockerConfig });
    const code = await runCli(['scan', reg.host, '-o', out, '--format', 'markdown', '--allow-not-starting'], cli);
    const records = lines(out);
    expect(records.map(refOf).sort()).toEqual([`docker://${reg.host}/svc/one:latest`, `docker://${reg.host}/svc/two:latest`]);
    expect(records.every((r) => r.kind === 'inspect')).toBe(true);
    expect(code).toBe(0);
    expect(reg.issuer!.requests.some((r) => r.scopes.includes('registry:catalog:*'))).toBe(true);
    const printed = cli.out.join('') + cli.err.join('') + readFileSync(out, 'utf8');
    expect(printed).not.toContain(reg.password);
    expect(printed).not.toContain(Buffer.from(`${reg.username}:${reg.password}`).toString('base64'));
    // Without credentials: the catalog is refused, typed, and the scan ends with E_AUTH (exit 2).
    const anon = io(work, { DOCKER_CONFIG: join(work, 'none') });
    expect(await runCli(['scan', reg.host, '-o', join(work, 'anon.jsonl')], anon)).toBe(2);
    expect(anon.err.join('')).toMatch(/E_AUTH|E_REGISTRY/);
  }, 60_000);
});
