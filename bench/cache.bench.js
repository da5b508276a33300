#!/usr/bin/env node
// The per-layer analysis cache (issue 17), run by `npm run bench` after `npm run build`.
//
// On the fat fixture image (about 1 GB uncompressed, 5 layers; test/.work/images):
//   - the floor: Node start-up alone (`node -e 0`), the part of a CLI run no cache can remove;
//   - inspect without the cache, first inspect with an empty cache (walks every layer and writes
//     the entries), second inspect (the whole-report entry answers; no blob read), and the same
//     image with other options (every layer replayed from its entry, the analysis across layers
//     redone: what an image sharing all its layers with cached ones costs);
//   - each as the library call inside a process (the inspect itself) and as the whole CLI
//     (`goslim inspect --json`, a fresh process: start-up, module loading, output).
// Target: second inspect <= 0.1 s plus Node start-up. Every measurement is a fresh child process,
// RUNS times, the best wall time kept (the machine is shared).
//
//   node bench/cache.bench.js [--runs N]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixtureLayout } from './lib/fixtures.js';

const here = new URL('.', import.meta.url).pathname;
const root = join(here, '..');
const dist = join(root, 'dist', 'analysis', 'inspect.js');
const cacheModule = join(root, 'dist', 'analysis', 'layer-cache.js');
const bin = join(root, 'bin', 'goslim.js');
const RUNS = Number(process.argv.includes('--runs') ? process.argv[process.argv.indexOf('--runs') + 1] : 3);

if (!existsSync(dist)) {
  console.error('bench/cache: dist/ is missing; run `npm run build` first (npm run bench does)');
  process.exit(1);
}


const LIB = `
  const { inspectImageRef } = await import(process.argv[2]);
  const { LayerCache } = await import(process.argv[3]);
  const dir = process.argv[4];
  const cache = dir === '' ? false : new LayerCache(dir);
  const t0 = performance.now();
  const r = await inspectImageRef('oci:' + process.argv[1], { cache, ...JSON.parse(process.argv[5] ?? '{}') });
  const ms = performance.now() - t0;
  console.log(JSON.stringify({ ms, files: r.image.files, size: r.image.size, stats: cache ? cache.stats : null }));
`;

function lib(layout, dir, options = {}) {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', LIB, layout, dist, cacheModule, dir, JSON.stringify(options)], { encoding: 'utf8', maxBuffer: 1 << 24, timeout: 30 * 60_000 });
  if (r.status !== 0) throw new Error(`inspect failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

function wall(args) {
  const env = { ...process.env };
  delete env.GOSLIM_NO_CACHE;
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 26, timeout: 30 * 60_000, env });
  const ms = performance.now() - t0;
  if (r.status !== 0 && r.status !== 1) throw new Error(`${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return { ms };
}

const best = (runs) => runs.reduce((b, r) => (r.ms < b.ms ? r : b));
const s = (ms) => `${(ms / 1000).toFixed(3)} s`;

const layout = fixtureLayout('fat-greeter');
const work = mkdtempSync(join(tmpdir(), 'goslim-bench-cache-'));
try {
  const startup = [];
  const cliStart = [];
  const none = [];
  const first = [];
  const second = [];
  const layersOnly = [];
  const cliFirst = [];
  const cliSecond = [];
  for (let i = 0; i < RUNS; i++) {
    startup.push(wall(['-e', '0']));
    cliStart.push(wall([bin, '--version']));
    none.push(lib(layout, ''));
    const dir = join(work, `lib-${i}`);
    first.push(lib(layout, dir));
    second.push(lib(layout, dir));
    // Other options (20 largest files instead of 15): no whole-report entry, every layer replayed from its entry.
    layersOnly.push(lib(layout, dir, { largest: 20 }));
    const cdir = join(work, `cli-${i}`);
    const args = [bin, 'inspect', `oci:${layout}`, '--json', '--allow-not-starting', '--cache-dir', cdir];
    cliFirst.push(wall(args));
    cliSecond.push(wall(args));
  }
  const w = best(second);
  if (w.stats.hits === 0 || w.stats.misses !== 0) throw new Error(`the second inspect was not all cached: ${JSON.stringify(w.stats)}`);
  const lo = best(layersOnly);
  if (lo.stats.hits < 2 || lo.stats.writes !== 1) throw new Error(`the layer-entries run was not what it should be: ${JSON.stringify(lo.stats)}`);
  const n = best(none);
  const f = best(first);
  const node = best(startup);
  const cliFloor = best(cliStart);
  const cf = best(cliFirst);
  const cs = best(cliSecond);
  console.log(`\nfat-greeter: ${(n.size / 1e6).toFixed(1)} MB uncompressed, ${n.files} files (best of ${RUNS})`);
  console.log(`  node start-up (node -e 0)            ${s(node.ms)}`);
  console.log(`  goslim --version (CLI start-up)      ${s(cliFloor.ms)}`);
  console.log(`  inspect, no cache (library call)     ${s(n.ms)}`);
  console.log(`  first inspect, empty cache           ${s(f.ms)}   (${(f.ms / n.ms).toFixed(2)}x no cache: walks recorded, entries written)`);
  console.log(`  second inspect, all cached           ${s(w.ms)}   (${(w.ms / f.ms).toFixed(3)}x first; the whole-report entry, no blob)`);
  console.log(`    layer entries only (other options)  ${s(lo.ms)}   (${(lo.ms / f.ms).toFixed(3)}x first; ${lo.stats.hits} entries read, no blob, the analysis across layers redone)`);
  console.log(`  CLI first inspect --json             ${s(cf.ms)}`);
  console.log(`  CLI second inspect --json            ${s(cs.ms)}   (${(cs.ms / cf.ms).toFixed(3)}x first; ${s(cs.ms - node.ms)} over node start-up, ${s(cs.ms - cliFloor.ms)} over goslim --version)`);
  const ok = w.ms <= 100;
  console.log(`  target: second inspect <= 0.1 s plus Node start-up: library call ${s(w.ms)} ${ok ? 'OK' : 'OVER'}; CLI ${s(cs.ms - node.ms)} over start-up (module loading and output included) ${cs.ms - node.ms <= 100 ? 'OK' : 'OVER'}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
