#!/usr/bin/env node
// goslim scan of a generated fleet on Debian's docker-registry (127.0.0.1): 50 images in 10
// repositories sharing three bases and a real Go binary (the toolchain's gofmt), each tagged 10
// times (500 references). Reports, in one run:
//   - images per hour of `goslim scan` (a child process) at concurrency 1 and at the default
//     (the number of cores), against the floor: the library's inspectImageRef called serially over
//     the same 50 references in one process (the same analysis without the scan around it);
//   - the scan's peak RSS over 50 references against 500 references naming the same images
//     (bounded memory: the ratio should stay near 1).
// Needs: docker-registry, and a Go binary at /usr/lib/go-*/bin/gofmt (golang-go).
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { buildLayerTar, file } from '../dist/image/testing/index.js';
import { RegistryClient } from '../dist/image/registry/client.js';
import { inspectImageRef } from '../dist/analysis/inspect.js';
import { startRegistry, stopRegistry } from './lib/registry.js';

const REPOS = 10;
const IMAGES_PER_REPO = 5;
const TAGS_PER_IMAGE = 10;
const sha = (b) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

function goBinary() {
  const dir = readdirSync('/usr/lib').filter((d) => d.startsWith('go-')).sort().pop();
  const p = dir !== undefined ? `/usr/lib/${dir}/bin/gofmt` : undefined;
  return p !== undefined && existsSync(p) ? p : undefined;
}

async function layer(entries) {
  const tar = await buildLayerTar(entries);
  const blob = gzipSync(tar, { level: 6 });
  return { blob, digest: sha(blob), diffId: sha(tar) };
}

async function pushFleet(host, gofmt) {
  const client = new RegistryClient(host, {});
  const go = readFileSync(gofmt);
  const passwd = file('etc/passwd', 'root:x:0:0:root:/root:/sbin/nologin\n');
  const bases = [
    [await layer([passwd, file('etc/ssl/certs/ca-certificates.crt', 200_000, { seed: 3 })])],
    [await layer([passwd, file('bin/sh', 1_200_000, { mode: 0o755, seed: 4 }), file('usr/share/doc/libc6/changelog', 600_000, { seed: 5 })])],
    [await layer([passwd, file('bin/sh', 1_200_000, { mode: 0o755, seed: 4 })]), await layer([file('usr/local/go/bin/go', go, { mode: 0o755 }), file('usr/local/go/src/fmt/print.go', 2_000_000, { seed: 7 })])],
  ];
  const app = await layer([file('app', go, { mode: 0o755 })]);
  const done = new Set();
  const upload = async (repo, l) => {
    if (done.has(`${repo}@${l.digest}`)) return;
    done.add(`${repo}@${l.digest}`);
    await client.uploadBlob(repo, l.digest, l.blob.length, async () => Readable.from([l.blob]));
  };
  const firstTags = [];
  for (let r = 0; r < REPOS; r++) {
    const repo = `team-${r % 4}/svc-${r}`;
    for (let i = 0; i < IMAGES_PER_REPO; i++) {
      const own = await layer([file(`etc/app/${r}-${i}.conf`, `${r}:${i}\n`)]);
      const layers = [...bases[r % 3], app, own];
      for (const l of layers) await upload(repo, l);
      const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', created: `2026-01-0${i + 1}T00:00:00Z`, config: { Cmd: ['/app'] }, rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) } }));
      await upload(repo, { blob: config, digest: sha(config) });
      const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length }, layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: l.digest, size: l.blob.length })) }));
      for (let t = 0; t < TAGS_PER_IMAGE; t++) await client.putManifest(repo, `v${i}-t${t}`, manifest, 'application/vnd.oci.image.manifest.v1+json');
      firstTags.push(`docker://${host}/${repo}:v${i}-t0`);
    }
  }
  return firstTags;
}

/**
 * A counting HTTP proxy in front of the registry: the blob GETs a scan makes, against the distinct
 * blobs it needs (what the per-layer cache should bring the count down to).
 */
async function countingProxy(target) {
  const counts = { blobGets: 0, blobs: new Set() };
  const server = http.createServer((req, res) => {
    const m = /^\/v2\/.+\/blobs\/(sha256:[0-9a-f]{64})$/.exec(req.url ?? '');
    if (m && req.method === 'GET') {
      counts.blobGets++;
      counts.blobs.add(m[1]);
    }
    const up = http.request({ host: '127.0.0.1', port: Number(target.split(':')[1]), method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { host: `127.0.0.1:${server.address().port}`, counts, close: () => new Promise((r) => server.close(r)) };
}

/**
 * One `goslim scan` child process; its wall time and peak RSS (read in the child at exit). Spawned
 * asynchronously: the counting proxy runs in this process and must keep answering.
 */
async function scan(args, work) {
  const rssFile = join(work, `rss-${Math.random().toString(36).slice(2)}`);
  const main = new URL('../dist/cli/main.js', import.meta.url).href;
  const code = [
    "import fs from 'node:fs';",
    `import { runCli, defaultIO } from ${JSON.stringify(main)};`,
    `process.on('exit', () => fs.writeFileSync(${JSON.stringify(rssFile)}, String(process.resourceUsage().maxRSS)));`,
    `process.exitCode = await runCli(${JSON.stringify(args)}, defaultIO());`,
  ].join('\n');
  const started = process.hrtime.bigint();
  const { status, stderr } = await new Promise((resolve) => {
    const child = execFile(process.execPath, ['--input-type=module', '-e', code], { cwd: work, encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, GOSLIM_ENGINE: '0' } }, (_err, _out, err) =>
      resolve({ status: child.exitCode, stderr: err }),
    );
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (status !== 0 && status !== 1) throw new Error(`goslim scan failed (${status}): ${stderr.slice(-2000)}`);
  return { seconds, rssMB: Number(readFileSync(rssFile, 'utf8')) / 1024 };
}

async function main() {
  const gofmt = goBinary();
  try {
    execFileSync('sh', ['-c', 'command -v docker-registry'], { stdio: 'ignore' });
  } catch {
    console.log('scan: skipped (docker-registry missing: scripts/install-deps.sh)');
    return;
  }
  if (gofmt === undefined) {
    console.log('scan: skipped (no Go toolchain gofmt: golang-go)');
    return;
  }
  const work = mkdtempSync(join(tmpdir(), 'goslim-bench-scan-'));
  const reg = await startRegistry(join(work, 'registry'));
  try {
    const refs = await pushFleet(reg.host, gofmt);
    const list = join(work, 'fifty.txt');
    writeFileSync(list, `${refs.join('\n')}\n`);
    const n = refs.length;
    // Floor: the library's inspect, serially, in this process.
    const t0 = process.hrtime.bigint();
    for (const ref of refs) await inspectImageRef(ref, {});
    const floor = Number(process.hrtime.bigint() - t0) / 1e9;
    const cores = availableParallelism();
    const one = await scan(['scan', '--from', list, '--no-cache', '-o', join(work, 'c1.jsonl'), '--concurrency', '1', '-q', '--format', 'json', '--summary', join(work, 'c1.json')], work);
    const dflt = await scan(['scan', '--from', list, '--no-cache', '-o', join(work, 'cd.jsonl'), '-q', '--format', 'json', '--summary', join(work, 'cd.json')], work);
    const all = await scan(['scan', reg.host, '--tags', 'all', '--no-cache', '-o', join(work, 'all.jsonl'), '-q', '--format', 'json', '--summary', join(work, 'all.json')], work);
    // Blob reads of a scan of the 50 images, through the counting proxy: without the cache, then
    // with a fresh per-layer cache (cold, one image at a time), then again with it (warm).
    const proxy = await countingProxy(reg.host);
    const viaProxy = join(work, 'proxy.txt');
    writeFileSync(viaProxy, `${refs.map((r) => r.replace(reg.host, proxy.host)).join('\n')}\n`);
    const reads = [];
    for (const [what, extra] of [['no cache', ['--no-cache']], ['cache, cold (--concurrency 1)', ['--cache-dir', join(work, 'cache'), '--concurrency', '1']], ['cache, warm', ['--cache-dir', join(work, 'cache')]]]) {
      const before = proxy.counts.blobGets;
      proxy.counts.blobs.clear();
      const run = await scan(['scan', '--from', viaProxy, ...extra, '-o', join(work, `px-${reads.length}.jsonl`), '-q', '--format', 'json', '--summary', join(work, `px-${reads.length}.json`)], work);
      reads.push({ what, gets: proxy.counts.blobGets - before, blobs: proxy.counts.blobs.size, seconds: run.seconds });
    }
    await proxy.close();
    const perHour = (s, count) => Math.round((count / s) * 3600);
    console.log(`fleet: ${n} images (${REPOS} repositories, ${TAGS_PER_IMAGE} tags each: ${n * TAGS_PER_IMAGE} references), ${cores} cores`);
    console.log(`floor: serial inspectImageRef x${n} in one process: ${floor.toFixed(2)} s (${perHour(floor, n)} images/hour)`);
    console.log(`scan --concurrency 1: ${one.seconds.toFixed(2)} s (${perHour(one.seconds, n)} images/hour), ${(one.seconds / floor).toFixed(2)}x the floor (includes Node start-up)`);
    console.log(`scan (default concurrency ${cores}): ${dflt.seconds.toFixed(2)} s (${perHour(dflt.seconds, n)} images/hour), ${(dflt.seconds / floor).toFixed(2)}x the floor`);
    console.log(`scan --tags all (${n * TAGS_PER_IMAGE} references, ${n} images): ${all.seconds.toFixed(2)} s (${perHour(all.seconds, n * TAGS_PER_IMAGE)} references/hour)`);
    for (const r of reads) console.log(`blob GETs scanning the ${n} images, ${r.what}: ${r.gets} for ${r.blobs} distinct blobs (configs included), ${r.seconds.toFixed(2)} s`);
    console.log(`peak RSS: ${dflt.rssMB.toFixed(0)} MB for ${n} references, ${all.rssMB.toFixed(0)} MB for ${n * TAGS_PER_IMAGE}: ${(all.rssMB / dflt.rssMB).toFixed(2)}x (bounded memory: near 1)`);
  } finally {
    await stopRegistry(reg.child);
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
