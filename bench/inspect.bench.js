#!/usr/bin/env node
// `goslim inspect` benchmark, run by `npm run bench` after `npm run build`.
//
// 1. The fat fixture image (single-stage Go build on Debian, about 1 GB uncompressed, built
//    offline by test/fixtures/images/make-images.sh): full inspect (walk + merge + causes +
//    Go binary analysis + levers) beside, in the same run, the physical floor — Node's raw
//    gunzip of all its layer blobs one after another, tuned: 1 MiB reads and 1 MiB output
//    chunks (a zlib stream with the default 16-64 KiB chunks is much slower and would flatter
//    us), output discarded — and a peer, `tar -tvzf` of each layer. inspect's default checks
//    every blob digest; the same inspect with --verify-diff-ids (one more SHA-256 pass over the
//    tar), with one reader thread (GOSLIM_READERS=1: layers read one at a time, no lookahead)
//    and with the worker thread off (GOSLIM_WORKER=0, everything on the main thread) are
//    shown too. Targets (issue 17): inspect <= 1.0x the serial gunzip of all layers, and, when
//    one layer holds most of the image, <= 1.25x that layer's gunzip alone; --verify-diff-ids
//    <= 1.1x the inspect without it; peak RSS <= 200 MB.
// 2. A generated image of at least 5 GB uncompressed (OCI layout in bench/.work, generated
//    streaming once and reused): inspect's peak RSS beside the 1 GB image's, to show memory
//    stays flat when the image grows 5x.
//
// Every measurement runs in a fresh child process, so its peak RSS (getrusage maxrss) is its
// own; each is taken RUNS times and the best wall time is kept (the machine is shared), the
// floor and inspect runs interleaved; peak RSS is the highest of the runs.
//
//   node bench/inspect.bench.js [--skip-big] [--runs N]
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { fixtureLayout } from './lib/fixtures.js';

const here = new URL('.', import.meta.url).pathname;
const root = join(here, '..');
const dist = join(root, 'dist', 'analysis', 'inspect.js');
const RUNS = Number(process.argv.includes('--runs') ? process.argv[process.argv.indexOf('--runs') + 1] : 4);
const SKIP_BIG = process.argv.includes('--skip-big');
const BIG_LAYERS = 5;
const BIG_LAYER_BYTES = 1100 * 1024 * 1024; // 5 x 1.1 GiB ≈ 5.9 GB uncompressed

const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;

if (!existsSync(dist)) {
  console.error('bench/inspect: dist/ is missing; run `npm run build` first (npm run bench does)');
  process.exit(1);
}

// ---------------------------------------------------------------- the fat fixture image

function layerBlobs(layout) {
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'));
  const blob = (d) => join(layout, 'blobs', ...d.split(':'));
  const manifest = JSON.parse(readFileSync(blob(index.manifests[0].digest), 'utf8'));
  return manifest.layers.map((l) => blob(l.digest));
}

// ---------------------------------------------------------------- measurements (child processes)
// Peak RSS of the child itself: VmHWM from /proc/self/status. (getrusage's maxrss is not reset
// by exec on Linux: a child spawned by a large parent would report the parent's peak.)
const HWM = `(() => { const m = /VmHWM:\\s+(\\d+) kB/.exec(require('node:fs').readFileSync('/proc/self/status', 'utf8')); return m ? Number(m[1]) * 1024 : process.resourceUsage().maxRSS * 1024; })()`;

const CHILD = {
  gunzip: `
    import { createRequire } from 'node:module';
    const require = createRequire(import.meta.url);
    import { createReadStream } from 'node:fs';
    import { createGunzip } from 'node:zlib';
    import { pipeline } from 'node:stream/promises';
    import { Writable } from 'node:stream';
    const t0 = performance.now();
    let bytes = 0;
    const each = [];
    for (const f of JSON.parse(process.argv[1])) {
      const t1 = performance.now();
      await pipeline(createReadStream(f, { highWaterMark: 1 << 20 }), createGunzip({ chunkSize: 1 << 20 }), new Writable({ highWaterMark: 1 << 20, write(c, _e, cb) { bytes += c.length; cb(); } }));
      each.push(performance.now() - t1);
    }
    const u = process.resourceUsage();
    console.log(JSON.stringify({ ms: performance.now() - t0, each, cpu: (u.userCPUTime + u.systemCPUTime) / 1000, bytes, rss: ${HWM} }));
  `,
  inspect: `
    import { createRequire } from 'node:module';
    const require = createRequire(import.meta.url);
    const { inspectImageRef } = await import(process.argv[2]);
    const t0 = performance.now();
    const r = await inspectImageRef('oci:' + process.argv[1], JSON.parse(process.argv[3] ?? '{}'));
    const u = process.resourceUsage();
    const { layerReadWaits } = await import(process.argv[2].replace('analysis/inspect.js', 'image/sources/tar-worker.js'));
    const largest = [...layerReadWaits()].sort((a, b) => b.stored - a.stored)[0];
    console.log(JSON.stringify({ ms: performance.now() - t0, cpu: (u.userCPUTime + u.systemCPUTime) / 1000, bytes: r.image.size, rss: ${HWM}, largestWaitedMs: largest?.waitedMs ?? null,
      files: r.image.files, causes: r.causes.length, goBinaries: r.goBinaries.length, lever: r.levers[0]?.id ?? null }));
  `,
};

function child(kind, args, env = {}) {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', CHILD[kind], ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
    timeout: 30 * 60_000,
    env: { ...process.env, ...env },
  });
  if (r.status !== 0) throw new Error(`${kind} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

function tarList(blobs) {
  const t0 = performance.now();
  for (const b of blobs) {
    const r = spawnSync('tar', ['-tvzf', b], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 30 * 60_000 });
    if (r.status !== 0) throw new Error(`tar -tvzf ${b} failed: ${r.stderr}`);
  }
  return { ms: performance.now() - t0 };
}

function best(fn) {
  let b;
  for (let i = 0; i < RUNS; i++) {
    const r = fn();
    if (!b || r.ms < b.ms) b = { ...r, cpu: Math.min(r.cpu ?? Infinity, b?.cpu ?? Infinity), rss: Math.max(r.rss ?? 0, b?.rss ?? 0) };
    else b.cpu = Math.min(b.cpu, r.cpu ?? Infinity);
  }
  return b;
}

function measure(label, layout, withVariants) {
  const blobs = layerBlobs(layout);
  // Interleaved, so that a slow minute on the shared machine hits every row alike.
  const floorRuns = [];
  const inspRuns = [];
  for (let i = 0; i < RUNS; i++) {
    floorRuns.push(child('gunzip', [JSON.stringify(blobs)]));
    inspRuns.push(child('inspect', [layout, dist]));
  }
  const pick = (runs) => runs.reduce((b, r) => (r.ms < b.ms ? { ...r, rss: Math.max(b.rss, r.rss) } : { ...b, rss: Math.max(b.rss, r.rss) }));
  const floor = pick(floorRuns);
  // The largest layer (by stored bytes) and its own gunzip time, best of the runs.
  const sizes = blobs.map((b) => statSync(b).size);
  const largest = sizes.indexOf(Math.max(...sizes));
  const share = sizes[largest] / sizes.reduce((a, n) => a + n, 0);
  const largestMs = Math.min(...floorRuns.map((r) => r.each[largest]));
  const insp = pick(inspRuns);
  const peer = withVariants ? best(() => tarList(blobs)) : undefined;
  // The same inspect with the diff_id check (--verify-diff-ids), and on the main thread only.
  const strict = withVariants ? best(() => child('inspect', [layout, dist, JSON.stringify({ verifyDiffIds: true })])) : undefined;
  const mainOnly = withVariants ? best(() => child('inspect', [layout, dist], { GOSLIM_WORKER: '0' })) : undefined;
  const oneReader = withVariants ? best(() => child('inspect', [layout, dist], { GOSLIM_READERS: '1' })) : undefined;
  console.log(`\n${label}: ${blobs.length} layers, ${mb(insp.bytes)} uncompressed, ${insp.files} files`);
  console.log(`  gunzip floor (node zlib)   ${(floor.ms / 1000).toFixed(2)} s   cpu ${(floor.cpu / 1000).toFixed(2)} s   peak RSS ${mb(floor.rss)}`);
  if (peer) console.log(`  tar -tvzf (peer)           ${(peer.ms / 1000).toFixed(2)} s   (${(peer.ms / floor.ms).toFixed(2)}x floor)`);
  console.log(`  goslim inspect             ${(insp.ms / 1000).toFixed(2)} s   cpu ${(insp.cpu / 1000).toFixed(2)} s   peak RSS ${mb(insp.rss)}`);
  if (strict) console.log(`    --verify-diff-ids        ${(strict.ms / 1000).toFixed(2)} s   cpu ${(strict.cpu / 1000).toFixed(2)} s   peak RSS ${mb(strict.rss)}   (${(strict.ms / floor.ms).toFixed(2)}x floor)`);
  if (oneReader) console.log(`    GOSLIM_READERS=1         ${(oneReader.ms / 1000).toFixed(2)} s   cpu ${(oneReader.cpu / 1000).toFixed(2)} s   peak RSS ${mb(oneReader.rss)}   (${(oneReader.ms / floor.ms).toFixed(2)}x floor; one reader thread, layers one at a time)`);
  if (mainOnly) console.log(`    GOSLIM_WORKER=0          ${(mainOnly.ms / 1000).toFixed(2)} s   cpu ${(mainOnly.cpu / 1000).toFixed(2)} s   peak RSS ${mb(mainOnly.rss)}   (${(mainOnly.ms / floor.ms).toFixed(2)}x floor; no worker thread)`);
  const ratio = insp.ms / floor.ms;
  console.log(`  ratio inspect / serial gunzip floor: ${ratio.toFixed(2)}x wall (target <= 1.0x) ${ratio <= 1.0 ? 'OK' : 'OVER'}; ${(insp.cpu / floor.cpu).toFixed(2)}x CPU time`);
  if (share >= 0.6) {
    const r1 = insp.ms / largestMs;
    console.log(`  largest layer: ${(share * 100).toFixed(0)} % of the stored bytes, its gunzip ${(largestMs / 1000).toFixed(2)} s; inspect / that: ${r1.toFixed(2)}x (target <= 1.25x) ${r1 <= 1.25 ? 'OK' : 'OVER'}`);
    // What the walk's order of work cost that layer's reader: time with every slot of its ring
    // waiting for the main thread (median over the runs), so not inflating.
    const waits = inspRuns.map((r) => r.largestWaitedMs).filter((w) => typeof w === 'number').sort((a, b) => a - b);
    if (waits.length > 0) console.log(`  its reader waited for the main thread ${waits[Math.floor(waits.length / 2)]} ms (median of ${waits.length} runs; ${waits.join(', ')})`);
  }
  if (strict) {
    const r2 = strict.ms / insp.ms;
    console.log(`  --verify-diff-ids / inspect: ${r2.toFixed(2)}x wall (target <= 1.1x) ${r2 <= 1.1 ? 'OK' : 'OVER'}`);
  }
  // CPU time is shown too because wall time on a shared 2-core machine includes other people's load.
  if (peer) console.log(`  ratio inspect / tar -tvzf:    ${(insp.ms / peer.ms).toFixed(2)}x`);
  console.log(`  peak RSS: ${mb(insp.rss)} (target <= 200 MB) ${insp.rss <= 200e6 ? 'OK' : 'OVER'}`);
  return { floor, peer, insp, ratio };
}

// ---------------------------------------------------------------- the generated big image
/** A POSIX ustar header (names here are short ASCII; no PAX needed). */
function ustarHeader(name, size, mode) {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write(`${mode.toString(8).padStart(7, '0')}\0`, 100, 'latin1');
  h.write('0000000\0', 108, 'latin1'); // uid
  h.write('0000000\0', 116, 'latin1'); // gid
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  h.write(`${(1700000000).toString(8).padStart(11, '0')}\0`, 136, 'latin1');
  h.write('        ', 148, 'latin1'); // checksum placeholder
  h.write('0', 156, 'latin1'); // regular file
  h.write('ustar\0', 257, 'latin1');
  h.write('00', 263, 'latin1');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}

/**
 * Generates, streaming, an OCI layout of BIG_LAYERS gzip layers: per layer a few thousand
 * small text-like files plus large files whose content is 1/8 random and 7/8 text (gzip -1
 * compresses it to roughly a fifth), and one real Go binary (gofmt) as /app/server in the top
 * layer. Hashes are computed while writing; nothing is held in memory.
 */
async function generateBig(dir) {
  const layout = join(dir, 'big-oci');
  if (existsSync(join(layout, 'index.json'))) return layout;
  rmSync(`${layout}.tmp`, { recursive: true, force: true });
  const blobs = join(`${layout}.tmp`, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const random = randomBytes(1 << 16);
  const text = Buffer.from('func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) } // 0123456789\n'.repeat(200), 'latin1');
  const gofmt = existsSync('/usr/lib/go-1.19/bin/gofmt') ? readFileSync('/usr/lib/go-1.19/bin/gofmt') : undefined;
  const layers = [];
  const diffIds = [];
  for (let l = 0; l < BIG_LAYERS; l++) {
    const tarHash = createHash('sha256');
    const blobHash = createHash('sha256');
    let blobBytes = 0;
    const gz = createGzip({ level: 1 });
    const tmp = join(blobs, `layer-${l}.tmp`);
    gz.on('data', (c) => {
      blobHash.update(c);
      blobBytes += c.length;
    });
    const done = pipeline(gz, createWriteStream(tmp));
    // Backpressure end to end: each write waits for the compressor when its buffer is full.
    const write = async (buf) => {
      tarHash.update(buf);
      if (!gz.write(buf)) await new Promise((r) => gz.once('drain', r));
    };
    const put = async (name, data, mode = 0o644) => {
      await write(ustarHeader(name, data.length, mode));
      await write(data);
      const pad = (512 - (data.length % 512)) % 512;
      if (pad > 0) await write(Buffer.alloc(pad));
    };
    let written = 0;
    for (let i = 0; written < BIG_LAYER_BYTES; i++) {
      const size = i % 4 === 0 ? 8 << 20 : 4096 + ((i * 7919) % 60000);
      const data = Buffer.alloc(size);
      for (let o = 0; o < size; o += 16384) {
        const n = Math.min(16384, size - o);
        if ((o >> 14) % 8 === 0) random.copy(data, o, (i * 31) % 32768, ((i * 31) % 32768) + n);
        else text.copy(data, o, (o + i) % 4096, ((o + i) % 4096) + n);
      }
      await put(`srv/data/layer${l}/d${i % 61}/f${i}.dat`, data);
      written += size;
    }
    if (l === BIG_LAYERS - 1 && gofmt) await put('app/server', gofmt, 0o755);
    await write(Buffer.alloc(1024)); // end-of-archive: two zero blocks
    gz.end();
    await done;
    const digest = blobHash.digest('hex');
    renameSync(tmp, join(blobs, digest));
    layers.push({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: `sha256:${digest}`, size: blobBytes });
    diffIds.push(`sha256:${tarHash.digest('hex')}`);
    console.log(`  generated layer ${l + 1}/${BIG_LAYERS}`);
  }
  const writeBlob = (obj) => {
    const buf = Buffer.from(JSON.stringify(obj));
    const d = createHash('sha256').update(buf).digest('hex');
    writeFileSync(join(blobs, d), buf);
    return { digest: `sha256:${d}`, size: buf.length };
  };
  const config = writeBlob({
    architecture: 'amd64',
    os: 'linux',
    config: { Entrypoint: ['/app/server'] },
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: diffIds.map((_, i) => ({ created_by: `COPY data-${i} /srv/data # generated by bench/inspect.bench.js` })),
  });
  const manifest = writeBlob({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config }, layers });
  writeFileSync(join(`${layout}.tmp`, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(join(`${layout}.tmp`, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest }] }));
  renameSync(`${layout}.tmp`, layout);
  return layout;
}

// ---------------------------------------------------------------- run
const fat = measure('fat single-stage image (fixture fat-greeter)', fixtureLayout('fat-greeter'), true);
if (!SKIP_BIG) {
  const work = join(here, '.work');
  mkdirSync(work, { recursive: true });
  console.log('\ngenerated image (bench/.work/big-oci, reused when present)');
  const big = measure(`generated image`, await generateBig(work), false);
  console.log(`\nmemory flatness: peak RSS ${mb(big.insp.rss)} for ${mb(big.insp.bytes)} vs ${mb(fat.insp.rss)} for ${mb(fat.insp.bytes)} (${(big.insp.bytes / fat.insp.bytes).toFixed(1)}x the bytes, ${(big.insp.rss / fat.insp.rss).toFixed(2)}x the memory)`);
}
