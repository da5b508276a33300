#!/usr/bin/env node
// Filesystem merge benchmark: mergeLayers over a generated single-layer image (OCI layout,
// gzip), beside the physical floor measured in the same run: Node's raw gunzip of the same
// blob (createGunzip, output discarded), and `tar -tzf` as a peer. Each measurement runs in a
// fresh child process so its peak RSS is its own. Reports ratios, not absolute assertions.
//
//   node bench/filesystem.bench.js [--mb 512]      (GOSLIM_BENCH_MB also works)
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync, writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip, createGunzip } from 'node:zlib';
import { pack } from 'tar-stream';

const argMb = process.argv.indexOf('--mb');
const MB = Number(argMb > 0 ? process.argv[argMb + 1] : (process.env.GOSLIM_BENCH_MB ?? 512));
const here = new URL('.', import.meta.url).pathname;
const dist = join(here, '..', 'dist', 'image', 'index.js');

async function generate(dir) {
  // File sizes follow a rough image-like mix: many small files, some MB-sized binaries.
  // Content is half random, half repeated, so gzip works about as hard as on real layers.
  const tarHash = createHash('sha256');
  const blobHash = createHash('sha256');
  const p = pack();
  const gz = createGzip({ level: 1 });
  const tmp = join(dir, 'layer.tmp');
  const out = createWriteStream(tmp);
  let tarBytes = 0;
  let blobBytes = 0;
  p.on('data', (c) => { tarHash.update(c); tarBytes += c.length; });
  gz.on('data', (c) => { blobHash.update(c); blobBytes += c.length; });
  const done = pipeline(p, gz, out);
  const target = MB * 1024 * 1024;
  const block = randomBytes(1 << 16);
  const text = 'package main\nfunc handler(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "hello") }\n'.repeat(200);
  let written = 0;
  let i = 0;
  while (written < target) {
    const size = i % 100 === 0 ? 4 << 20 : i % 10 === 0 ? 256 << 10 : 2048 + ((i * 7919) % 30000);
    // A quarter random, the rest text-like: compresses about 3:1 at gzip -1, like real layers.
    const data = Buffer.alloc(size);
    for (let o = 0; o < size; o += 16384) {
      if ((o >> 14) % 4 === 0) block.copy(data, o, (i * 13 + o) % 32768, (i * 13 + o) % 32768 + Math.min(16384, size - o));
      else data.write(text, o, Math.min(16384, size - o), 'latin1');
    }
    const path = `usr/share/pkg${i % 97}/dir${i % 13}/file-${i}.bin`;
    if (!p.entry({ name: path, size }, data)) await new Promise((r) => p.once('drain', r));
    written += size;
    i++;
  }
  p.finalize();
  await done;
  const diffId = `sha256:${tarHash.digest('hex')}`;
  const digest = `sha256:${blobHash.digest('hex')}`;
  const layout = join(dir, 'oci');
  mkdirSync(join(layout, 'blobs', 'sha256'), { recursive: true });
  spawnSync('mv', [tmp, join(layout, 'blobs', 'sha256', digest.slice(7))]);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [diffId] }, history: [{ created_by: 'bench' }] }));
  const cfgDigest = `sha256:${createHash('sha256').update(config).digest('hex')}`;
  writeFileSync(join(layout, 'blobs', 'sha256', cfgDigest.slice(7)), config);
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: cfgDigest, size: config.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest, size: blobBytes }],
  }));
  const mDigest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
  writeFileSync(join(layout, 'blobs', 'sha256', mDigest.slice(7)), manifest);
  writeFileSync(join(layout, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: mDigest, size: manifest.length }] }));
  writeFileSync(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  return { layout, blob: join(layout, 'blobs', 'sha256', digest.slice(7)), files: i, tarBytes, blobBytes };
}

/** Run `code` in a fresh Node process; returns wall seconds and its peak RSS. */
function child(code, args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code, ...args], { encoding: 'utf8' });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout.trim().split('\n').pop());
  return { secs, ...out };
}

// Peak RSS of the child itself: VmHWM of its own address space. (getrusage's maxRSS is not
// usable here: Linux carries the forking parent's high-water mark across exec.)
const RSS = `import { readFileSync as __r } from 'node:fs';
const rss = () => { try { return Number(/VmHWM:\\s+(\\d+)/.exec(__r('/proc/self/status', 'utf8'))[1]) * 1024; } catch { return process.resourceUsage().maxRSS * 1024; } };`;
const gunzipCode = `${RSS}
import { createReadStream } from 'node:fs'; import { createGunzip } from 'node:zlib';
const t0 = Date.now(); let n = 0; const s = createReadStream(process.argv[1], { highWaterMark: 1 << 20 }).pipe(createGunzip({ chunkSize: 1 << 17 }));
for await (const c of s) n += c.length;
const cpu = process.cpuUsage(); console.log(JSON.stringify({ bytes: n, ms: Date.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, rss: rss() }));`;
const mergeCode = `${RSS}
const { openImage, mergeLayers } = await import(${JSON.stringify(dist)});
const t0 = Date.now();
const img = await openImage('oci:' + process.argv[1]);
const r = await mergeLayers(img);
const cpu = process.cpuUsage(); console.log(JSON.stringify({ paths: r.totals.paths, visible: r.totals.visibleBytes, ms: Date.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, rss: rss() }));`;

// Flat memory: a generated tar stream of FLAT_GB GiB (5 MiB files, no disk, no gzip) through
// mergeLayers in a fresh process. Peak RSS must not grow with bytes, only with paths.
const FLAT_GB = Number(process.env.GOSLIM_BENCH_FLAT_GB ?? 5);
const flatCode = `${RSS}
import { Readable } from 'node:stream';
const { mergeLayers } = await import(${JSON.stringify(dist)});
const total = Number(process.argv[1]) * 2 ** 30, fileSize = 5 << 20;
const data = Buffer.alloc(fileSize, 0x61);
function header(name, size) {
  const h = Buffer.alloc(512);
  h.write(name, 0); h.write('0000644\\0', 100); h.write('0000000\\0', 108); h.write('0000000\\0', 116);
  h.write(size.toString(8).padStart(11, '0') + '\\0', 124); h.write('00000000000\\0', 136);
  h.write('        ', 148); h.write('0', 156); h.write('ustar\\x0000', 257);
  let sum = 0; for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\\0 ', 148);
  return h;
}
function* gen() { for (let i = 0, n = 0; n < total; i++, n += fileSize) { yield header('data/f' + i, fileSize); yield data; } yield Buffer.alloc(1024); }
const layer = { digest: () => 'sha256:' + '0'.repeat(64), diffId: () => 'sha256:' + '0'.repeat(64), size: () => 0, mediaType: () => 'x', compression: () => 'none', uncompressed: async () => Readable.from(gen(), { objectMode: false }) };
const image = { layers: () => [layer], config: () => ({ history: [] }) };
const t0 = Date.now();
const r = await mergeLayers(image);
console.log(JSON.stringify({ paths: r.totals.paths, bytes: r.layers[0].tarSize, ms: Date.now() - t0, rss: rss() }));`;

const dir = mkdtempSync(join(tmpdir(), 'goslim-bench-fs-'));
try {
  process.stdout.write(`generating a ${MB} MiB layer... `);
  const g = await generate(dir);
  console.log(`${g.files} files, tar ${(g.tarBytes / 2 ** 20).toFixed(0)} MiB, gzip blob ${(g.blobBytes / 2 ** 20).toFixed(0)} MiB`);
  const floor = child(gunzipCode, [g.blob]);
  const ours = child(mergeCode, [g.layout]);
  const t0 = process.hrtime.bigint();
  const tar = spawnSync('tar', ['-tzf', g.blob], { stdio: ['ignore', 'ignore', 'inherit'] });
  const tarSecs = Number(process.hrtime.bigint() - t0) / 1e9;
  const mib = (b) => (b / 2 ** 20).toFixed(0);
  if (ours.paths < g.files) throw new Error(`merge saw ${ours.paths} paths, expected >= ${g.files}`);
  // Times are measured inside each child (module loading excluded); tar is timed here.
  const fs = floor.ms / 1000;
  const os = ours.ms / 1000;
  console.log(`gunzip floor      ${fs.toFixed(2)} s  peak RSS ${mib(floor.rss)} MiB`);
  console.log(`tar -tzf (peer)   ${tarSecs.toFixed(2)} s  (exit ${tar.status})`);
  console.log(`goslim merge      ${os.toFixed(2)} s  peak RSS ${mib(ours.rss)} MiB  (${ours.paths} paths; digest and diff_id verified)`);
  console.log(`ratio merge/gunzip ${(os / fs).toFixed(2)}x wall   merge/tar ${(os / tarSecs).toFixed(2)}x wall`);
  // CPU time (all threads, whole child process) does not depend on what else the machine runs.
  console.log(`CPU time: gunzip ${(floor.cpuMs / 1000).toFixed(2)} s, merge ${(ours.cpuMs / 1000).toFixed(2)} s (${(ours.cpuMs / floor.cpuMs).toFixed(2)}x; merge also hashes blob and tar)`);
  console.log(`RSS merge - gunzip ${mib(ours.rss - floor.rss)} MiB for ${MB} MiB of layer data`);
  const flat = child(flatCode, [String(FLAT_GB)]);
  console.log(`flat memory: ${mib(flat.bytes)} MiB tar stream (${flat.paths} paths) merged in ${(flat.ms / 1000).toFixed(1)} s, ` +
    `${(flat.bytes / 2 ** 20 / (flat.ms / 1000)).toFixed(0)} MiB/s, peak RSS ${mib(flat.rss)} MiB`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
