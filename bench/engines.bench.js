#!/usr/bin/env node
// Local engines benchmark (issue #18), run by `npm run bench` after `npm run build`.
//
// The fat fixture image (about 1 GB uncompressed) is loaded into a private podman store
// (overlay, under bench/.work) and served by `podman system service` on a temporary socket,
// inside a private mount namespace (as test/helpers/containers.ts does; needs root, podman,
// unshare). Measured in the same run, each in a fresh child process, best of RUNS:
//   1. `goslim inspect --no-measure-compressed docker-daemon:IMAGE` through podman's Docker API
//      vs `podman save IMAGE` of the same image, output counted and discarded.
//      Targets: <= 1.3x; peak RSS <= 200 MB. Also shown: the same `GET /images/NAME/get` with
//      its bytes counted and dropped, and when its first byte came (podman's handler saves the
//      image to a temporary file before it sends any).
//   2. `goslim inspect --no-measure-compressed containers-storage:IMAGE` (the store read from disk)
//      vs `tar -c` of the same layer directories, piped to a byte counter (GNU tar skips reading
//      file data when its output is /dev/null itself). Target: <= 1.2x.
//   (Rows 1 and 2 time the reading: the compressed-size measurement is row 3's subject, and it
//   costs the same whatever the source.)
//   3. inspect of the docker-archive with the compressed size estimated (the default: gzip level 6
//      of the first 8 MiB of each layer and a strided sample, scaled by brotli-0 sizes of every
//      other unit) vs the same inspect
//      without measuring. Target: <= 1.3x on 2 cores. Also once, --measure-compressed=full (gzip
//      of every byte): its time, and the estimate's error against it and the OCI blobs.
//
//   node bench/engines.bench.js [--runs N] [--skip-measure | --measure-only] [--no-full]
//   (--skip-measure: rows 1 and 2 only; --measure-only: row 3 only, no podman needed;
//    --no-full: row 3 without the full measurement)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const here = new URL('.', import.meta.url).pathname;
const root = join(here, '..');
const dist = join(root, 'dist', 'analysis', 'inspect.js');
const SKIP_MEASURE = process.argv.includes('--skip-measure');
const MEASURE_ONLY = process.argv.includes('--measure-only');
const NO_FULL = process.argv.includes('--no-full');
const RUNS = Number(process.argv.includes('--runs') ? process.argv[process.argv.indexOf('--runs') + 1] : 2);
const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;
const s = (ms) => `${(ms / 1000).toFixed(2)} s`;

if (!existsSync(dist)) {
  console.error('bench/engines: dist/ is missing; run `npm run build` first (npm run bench does)');
  process.exit(1);
}
for (const tool of ['podman', 'unshare', 'nsenter', 'tar']) {
  if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
    console.log(`bench/engines: skipped, ${tool} is not installed`);
    process.exit(0);
  }
}
if (process.getuid?.() !== 0) {
  console.log('bench/engines: skipped, needs root (a private mount namespace for podman)');
  process.exit(0);
}

const fixtures = process.env.GOSLIM_FIXTURE_DIR ?? join(root, 'test', '.work', 'images');
const info = JSON.parse(readFileSync(join(fixtures, 'images.json'), 'utf8')).images['fat-greeter'];
const archive = join(fixtures, info.paths.dockerArchive);
const imageName = `${info.repository}:latest`;

// ---------------------------------------------------------------- measurements
const HWM = `(() => { const m = /VmHWM:\\s+(\\d+) kB/.exec(require('node:fs').readFileSync('/proc/self/status', 'utf8')); return m ? Number(m[1]) * 1024 : 0; })()`;
const INSPECT = `
  import { createRequire } from 'node:module';
  const require = createRequire(import.meta.url);
  const { inspectImageRef } = await import(process.argv[2]);
  const t0 = performance.now();
  const r = await inspectImageRef(process.argv[1], JSON.parse(process.argv[3] ?? '{}'));
  console.log(JSON.stringify({ ms: performance.now() - t0, rss: ${HWM}, size: r.image.size, compressed: r.image.compressedSize, method: r.image.compressed.method, sampleFraction: r.image.compressed.sampleFraction, source: r.image.source }));
`;
const inspect = (ref, opts = {}, extraEnv = {}) => {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', INSPECT, ref, dist, JSON.stringify(opts)], { encoding: 'utf8', timeout: 30 * 60_000, env: { ...process.env, ...extraEnv } });
  if (r.status !== 0) throw new Error(`inspect ${ref}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
};
const timed = (cmd, args, options = {}) => {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 30 * 60_000, ...options });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return { ms: performance.now() - t0 };
};
const best = (fn) => {
  let b;
  for (let i = 0; i < RUNS; i++) {
    const r = fn();
    b = !b || r.ms < b.ms ? { ...r, rss: Math.max(r.rss ?? 0, b?.rss ?? 0) } : { ...b, rss: Math.max(r.rss ?? 0, b.rss ?? 0) };
  }
  return b;
};
const verdict = (ratio, target) => `${ratio.toFixed(2)}x (target <= ${target}x) ${ratio <= target ? 'OK' : 'OVER'}`;

// 3. estimated (and full) compressed size vs not measuring
function rowMeasure() {
  const plain = best(() => inspect(`docker-archive:${archive}`, { measureCompressed: false }));
  const estimated = best(() => inspect(`docker-archive:${archive}`));
  const full = NO_FULL ? undefined : inspect(`docker-archive:${archive}`, { measureCompressed: 'full' });
  const pct = (a, b) => `${(((a - b) / b) * 100).toFixed(2)} %`;
  const loadavg = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(`\n3. docker-archive: ${info.name}, ${mb(info.uncompressedSize)} uncompressed (load average ${loadavg})`);
  console.log(`  ${estimated.method}: ${mb(estimated.compressed)} (${((estimated.sampleFraction ?? 1) * 100).toFixed(1)} % deflated), the OCI blobs ${mb(info.compressedSize)}: ${pct(estimated.compressed, info.compressedSize)}${full ? `; full ${mb(full.compressed)}: ${pct(estimated.compressed, full.compressed)}` : ''}`);
  console.log(`  inspect, not measuring        ${s(plain.ms)}`);
  console.log(`  inspect, estimating           ${s(estimated.ms)}   peak RSS ${mb(estimated.rss)}`);
  if (full) console.log(`  inspect, full measurement     ${s(full.ms)}   peak RSS ${mb(full.rss)} (one run; ${(full.ms / plain.ms).toFixed(2)}x)`);
  console.log(`  ratio: ${verdict(estimated.ms / plain.ms, 1.3)}`);
}
if (MEASURE_ONLY) {
  rowMeasure();
  process.exit(0);
}

// ---------------------------------------------------------------- a private podman
mkdirSync(join(here, '.work'), { recursive: true });
const work = mkdtempSync(join(here, '.work', 'engines-'));
const dirs = { run: join(work, 'run'), lib: join(work, 'lib'), vartmp: join(work, 'vartmp'), storage: join(work, 'storage'), runroot: join(work, 'runroot'), tmp: join(work, 'tmp') };
for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
writeFileSync(join(work, 'storage.conf'), `[storage]\ndriver = "overlay"\ngraphroot = "${dirs.storage}"\nrunroot = "${dirs.runroot}"\n`);
writeFileSync(join(work, 'containers.conf'), `[containers]\nnetns = "none"\n[engine]\nruntime = "runc"\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\ntmp_dir = "${dirs.tmp}"\n`);
const env = { ...process.env, CONTAINERS_CONF: join(work, 'containers.conf'), CONTAINERS_STORAGE_CONF: join(work, 'storage.conf') };
const holder = spawn('unshare', ['--mount', '--propagation', 'private', '--', 'sh', '-c', 'mount --bind "$1" /run && mount --bind "$2" /var/lib/containers && mount --bind "$3" /var/tmp && echo ready && exec sleep 3600', 'ns', dirs.run, dirs.lib, dirs.vartmp], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise((resolve, reject) => {
  holder.stdout.once('data', resolve);
  holder.once('exit', (code) => reject(new Error(`namespace holder exited ${code}`)));
});
const inNs = (cmd, args) => ['nsenter', [`--mount=/proc/${holder.pid}/ns/mnt`, '--', cmd, ...args]];
let service;
function cleanup() {
  if (service && service.exitCode === null) service.kill('SIGTERM'); // our own children, by pid
  if (holder.exitCode === null) holder.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
}
process.on('exit', cleanup);

try {
  console.log(`loading ${info.name} (${mb(info.uncompressedSize)} uncompressed) into a private podman store...`);
  const load = spawnSync(...inNs('podman', ['load', '-q', '-i', archive]), { env, encoding: 'utf8', timeout: 30 * 60_000 });
  if (load.status !== 0) throw new Error(`podman load: ${load.stderr}`);
  const socket = join(work, 'podman.sock');
  service = spawn(...inNs('podman', ['system', 'service', '--time=0', `unix://${socket}`]), { env, stdio: 'ignore' });
  for (let i = 0; i < 300 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 500));

  // 1. docker-daemon vs podman save
  const daemonEnv = { DOCKER_HOST: `unix://${socket}` };
  const save = best(() => timed('sh', ['-c', `nsenter --mount=/proc/${holder.pid}/ns/mnt -- podman save ${imageName} | wc -c >/dev/null`], { env }));
  // The same export through the same API, bytes counted and dropped: what the engine itself takes
  // (podman's handler saves the image to a temporary file before the first byte is sent).
  const GET = `const t0 = performance.now(); let n = 0, first = 0; require('node:http').get({ socketPath: process.argv[1], path: process.argv[2] }, (res) => { res.on('data', (c) => { if (!first) first = performance.now() - t0; n += c.length; }); res.on('end', () => console.log(JSON.stringify({ ms: performance.now() - t0, first, n }))); });`;
  const apiGet = () => {
    const r = spawnSync(process.execPath, ['-e', GET, socket, `/images/${encodeURIComponent(imageName)}/get`], { encoding: 'utf8', timeout: 30 * 60_000 });
    if (r.status !== 0) throw new Error(`images/get: ${r.stderr}`);
    return JSON.parse(r.stdout.trim());
  };
  const api = best(apiGet);
  const daemon = best(() => inspect(`docker-daemon:${imageName}`, { measureCompressed: false }, daemonEnv));
  console.log(`\n1. docker-daemon: ${imageName}, ${mb(daemon.size)} uncompressed, through ${daemon.source.detail}`);
  console.log(`  podman save | wc -c (peer)   ${s(save.ms)}`);
  console.log(`  GET images/get, counted       ${s(api.ms)} (first byte after ${s(api.first)}; not a target, the engine's own share)`);
  console.log(`  goslim inspect docker-daemon ${s(daemon.ms)}   peak RSS ${mb(daemon.rss)}`);
  console.log(`  ratio: ${verdict(daemon.ms / save.ms, 1.3)}; peak RSS ${mb(daemon.rss)} (target <= 200 MB) ${daemon.rss <= 200e6 ? 'OK' : 'OVER'}; ${(daemon.ms / api.ms).toFixed(2)}x the API's own export`);

  // 2. containers-storage vs tar -c of the layer directories
  const images = JSON.parse(readFileSync(join(dirs.storage, 'overlay-images', 'images.json'), 'utf8'));
  const layers = JSON.parse(readFileSync(join(dirs.storage, 'overlay-layers', 'layers.json'), 'utf8'));
  const img = images.find((i) => (i.names ?? []).some((n) => n.endsWith(imageName)));
  const chain = [];
  for (let id = img.layer; id; id = layers.find((l) => l.id === id)?.parent) chain.push(join(dirs.storage, 'overlay', id, 'diff'));
  const tarc = best(() => timed('sh', ['-c', `for d in ${chain.map((d) => `'${d}'`).join(' ')}; do tar -C "$d" -cf - . ; done | wc -c >/dev/null`]));
  const storage = best(() => inspect(`containers-storage:${imageName}`, { measureCompressed: false }, { CONTAINERS_STORAGE_CONF: join(work, 'storage.conf') }));
  console.log(`\n2. containers-storage: ${chain.length} layer directories`);
  console.log(`  tar -c | wc -c (floor)       ${s(tarc.ms)}`);
  console.log(`  goslim inspect c-storage     ${s(storage.ms)}   peak RSS ${mb(storage.rss)}`);
  console.log(`  ratio: ${verdict(storage.ms / tarc.ms, 1.2)}`);

  // 3. (below, rowMeasure)
  if (!SKIP_MEASURE) rowMeasure();
} finally {
  cleanup();
}
