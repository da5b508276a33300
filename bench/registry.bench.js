#!/usr/bin/env node
// Registry push and pull of a ~100 MB image (gzip layers of random data): goslim's client beside `skopeo copy` of the same
// OCI layout to/from the same kind of registry (Debian's docker-registry on 127.0.0.1), in one run.
// Reports ratios (goslim time / skopeo time) and goslim's peak RSS, which should stay far below
// the image size because layers are streamed. Needs: docker-registry, skopeo (scripts/install-deps.sh).
//
// Then issue 17's target: `goslim push` (the CLI, as a user runs it) of the fat fixture image
// (~350 MB compressed) from its OCI layout to a fresh registry, beside `skopeo copy` of the same
// layout in the same run: time ratio (target <= 1.0x) and peak RSS of each process (/usr/bin/time;
// target <= 64 MB, skopeo ~21 MB).
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, createWriteStream, mkdirSync, mkdtempSync, openSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { openOciLayout } from '../dist/image/sources/oci-layout.js';
import { openRegistryImage } from '../dist/image/sources/registry.js';
import { pushImage } from '../dist/image/sinks/registry.js';
import { startRegistry, stopRegistry } from './lib/registry.js';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname } from 'node:path';
import { fixtureLayout } from './lib/fixtures.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const FAT_RUNS = 3;

const LAYER_MB = [60, 40];
const RUNS = 3;

function have(cmd) {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function sha(data) {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** An OCI layout with uncompressed layers of random (incompressible) bytes, written as tar by GNU tar. */
function makeLayout(dir) {
  const blobs = join(dir, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const layers = [];
  LAYER_MB.forEach((mb, i) => {
    const src = join(dir, `src${i}`);
    mkdirSync(src, { recursive: true });
    const fd = openSync(join(src, `data${i}.bin`), 'w');
    for (let k = 0; k < mb; k++) writeFileSync(fd, randomBytes(1 << 20));
    closeSync(fd);
    const tar = join(dir, `layer${i}.tar`);
    execFileSync('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '-C', src, '-cf', tar, '.']);
    // gzip-compressed like real layers: skopeo would otherwise gzip uncompressed layers on the way
    // to a registry (containers/image DesiredLayerCompression), which is not the same work.
    // Hash with sha256sum so the bench process never holds a layer (its peak RSS is reported).
    const hash = (p) => `sha256:${execFileSync('sha256sum', [p], { encoding: 'utf8' }).split(' ')[0]}`;
    const diffId = hash(tar);
    execFileSync('gzip', ['-1', '-n', tar]);
    const digest = hash(`${tar}.gz`);
    const size = statSync(`${tar}.gz`).size;
    renameSync(`${tar}.gz`, join(blobs, digest.slice(7)));
    rmSync(src, { recursive: true });
    layers.push({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest, size, diffId });
  });
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) } }));
  writeFileSync(join(blobs, sha(config).slice(7)), config);
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length }, layers: layers.map(({ diffId, ...d }) => d) }));
  writeFileSync(join(blobs, sha(manifest).slice(7)), manifest);
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha(manifest), size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': 'v1' } }] }));
  return layers.reduce((a, l) => a + l.size, 0) + config.length;
}

async function time(fn) {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  if (!have('docker-registry') || !have('skopeo')) {
    console.log('registry bench skipped: docker-registry and skopeo are needed (scripts/install-deps.sh)');
    return;
  }
  const work = mkdtempSync(join(tmpdir(), 'goslim-bench-registry-'));
  const regs = [];
  try {
    const layout = join(work, 'layout');
    const bytes = makeLayout(layout);
    const skopeoEnv = { ...process.env, REGISTRY_AUTH_FILE: join(work, 'auth.json') };
    const image = await openOciLayout(layout, { ref: 'v1' });
    const t = { goPush: [], skPush: [], goPull: [], skPull: [] };
    for (let run = 0; run < RUNS; run++) {
      // A fresh registry (new host:port) per run: skopeo's blob-info cache would otherwise turn
      // later pushes into cross-repository mounts, and distribution would find existing blobs.
      const reg = await startRegistry(join(work, `reg${run}`));
      regs.push(reg);
      // Fresh repositories each run: distribution links blobs per repository, so nothing is skipped.
      t.skPush.push(await time(() => execFileSync('skopeo', ['copy', '-q', '--dest-tls-verify=false', `oci:${layout}:v1`, `docker://${reg.host}/sk/r${run}:v1`], { env: skopeoEnv })));
      const pushed = { r: undefined };
      t.goPush.push(await time(async () => (pushed.r = await pushImage(image, { registry: reg.host, repository: `go/r${run}`, tag: 'v1' }))));
      if (pushed.r.blobs.uploaded !== 3) throw new Error(`expected 3 uploads, got ${JSON.stringify(pushed.r.blobs)}`);
      const out = join(work, `pull${run}`);
      mkdirSync(out, { recursive: true });
      t.skPull.push(await time(() => execFileSync('skopeo', ['copy', '-q', '--src-tls-verify=false', `docker://${reg.host}/sk/r${run}:v1`, `oci:${join(out, 'sk')}:v1`], { env: skopeoEnv })));
      // goslim pull: manifest, config, and every layer blob streamed (verified) to a file, like skopeo.
      t.goPull.push(await time(async () => {
        const img = await openRegistryImage({ registry: reg.host, repository: `go/r${run}`, tag: 'v1' });
        for (const [i, l] of img.layers().entries()) await pipeline(await l.compressed(), createWriteStream(join(out, `go-layer${i}`)));
      }));
      rmSync(out, { recursive: true, force: true });
      await stopRegistry(reg.child);
      rmSync(join(work, `reg${run}`), { recursive: true, force: true });
    }
    const mb = bytes / 1e6;
    const row = (name, go, sk) => {
      const g = median(go);
      const s = median(sk);
      console.log(`${name.padEnd(5)} runs goslim [${go.map((x) => x.toFixed(0)).join(', ')}] ms, skopeo [${sk.map((x) => x.toFixed(0)).join(', ')}] ms`);
      console.log(`${name.padEnd(5)} goslim ${g.toFixed(0).padStart(6)} ms (${(mb / (g / 1000)).toFixed(0)} MB/s)   skopeo copy ${s.toFixed(0).padStart(6)} ms   ratio goslim/skopeo ${(g / s).toFixed(2)}x`);
    };
    console.log(`image: ${LAYER_MB.length} layers, ${mb.toFixed(1)} MB; median of ${RUNS} runs; same registry, 127.0.0.1`);
    row('push', t.goPush, t.skPush);
    row('pull', t.goPull, t.skPull);
    const rssMb = process.resourceUsage().maxRSS / 1024;
    console.log(`goslim peak RSS (whole bench process) ${rssMb.toFixed(0)} MB = ${(rssMb / mb).toFixed(2)}x the image size`);
  } finally {
    for (const r of regs) await stopRegistry(r.child);
    rmSync(work, { recursive: true, force: true });
  }
}

/** One process under /usr/bin/time (when present): wall seconds and peak RSS in MB (undefined without time). */
function measured(cmd, args, env) {
  const timed = existsSync('/usr/bin/time');
  const t0 = process.hrtime.bigint();
  const r = timed ? spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], { encoding: 'utf8', env }) : spawnSync(cmd, args, { encoding: 'utf8', env });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${r.stderr.slice(-400)}`);
  const rssMb = timed ? Number(r.stderr.trim().split('\n').pop()) / 1024 : undefined;
  return { secs, rssMb };
}

async function fatPush() {
  if (!have('docker-registry') || !have('skopeo')) return;
  const layout = fixtureLayout('fat-greeter');
  const work = mkdtempSync(join(tmpdir(), 'goslim-bench-registry-fat-'));
  const env = { ...process.env, REGISTRY_AUTH_FILE: join(work, 'auth.json') };
  const bytes = JSON.parse(execFileSync('skopeo', ['inspect', '--raw', `oci:${layout}`], { encoding: 'utf8' })).layers.reduce((n, l) => n + l.size, 0);
  const go = [];
  const sk = [];
  try {
    // Read every blob once first, so neither tool pays for a cold page cache.
    execFileSync('sh', ['-c', `cat "${layout}"/blobs/sha256/* > /dev/null`]);
    for (let run = 0; run < FAT_RUNS; run++) {
      // A fresh registry per run (and per tool): nothing to skip or mount, for either.
      for (const [name, out] of [['skopeo', sk], ['goslim', go]]) {
        const reg = await startRegistry(join(work, `${name}${run}`));
        try {
          out.push(
            name === 'skopeo'
              ? measured('skopeo', ['copy', '-q', '--dest-tls-verify=false', `oci:${layout}`, `docker://${reg.host}/fat/greeter:v1`], env)
              : measured(process.execPath, [join(repo, 'bin/goslim.js'), 'push', `oci:${layout}`, `docker://${reg.host}/fat/greeter:v1`], env),
          );
        } finally {
          await stopRegistry(reg.child);
          rmSync(join(work, `${name}${run}`), { recursive: true, force: true });
        }
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const list = (xs, f) => xs.map(f).join(', ');
  const g = median(go.map((x) => x.secs));
  const s = median(sk.map((x) => x.secs));
  console.log(`\nfat fixture image (fat-greeter), ${(bytes / 1e6).toFixed(1)} MB of layers: goslim push (CLI) vs skopeo copy, OCI layout -> fresh registry, ${FAT_RUNS} runs each`);
  console.log(`push  goslim [${list(go, (x) => x.secs.toFixed(2))}] s, skopeo [${list(sk, (x) => x.secs.toFixed(2))}] s`);
  console.log(`push  goslim ${g.toFixed(2)} s (${(bytes / 1e6 / g).toFixed(0)} MB/s)   skopeo copy ${s.toFixed(2)} s   ratio goslim/skopeo ${(g / s).toFixed(2)}x (target <= 1.0x)`);
  if (go[0].rssMb !== undefined) {
    const gr = Math.max(...go.map((x) => x.rssMb));
    const sr = Math.max(...sk.map((x) => x.rssMb));
    console.log(`peak RSS goslim [${list(go, (x) => x.rssMb.toFixed(1))}] MB (max ${gr.toFixed(1)} MB, target <= 64 MB), skopeo [${list(sk, (x) => x.rssMb.toFixed(1))}] MB; ratio ${(gr / sr).toFixed(2)}x skopeo`);
  }
}

await main();
await fatPush();
