#!/usr/bin/env node
// `goslim compare` benchmark, run by `npm run bench` after `npm run build`.
//
// 1. Compare of two saved `inspect --json` reports (the fat fixture image's and the four-lever
//    image's, saved once in a temp dir): the whole CLI run, wall time, beside the start-up floor
//    `node -e 0` measured in the same run. Target: < 0.2 s; the ratio to the floor is printed.
// 2. Compare of the two images themselves (both read and analysed) beside inspecting both with two
//    `goslim inspect --json` runs, one after the other. Target: compare no slower than the two
//    inspects (it is the same reads plus a pure diff, in one process).
//
// Every measurement is a fresh child process, taken RUNS times (interleaved) and the best wall time
// kept (the machine is shared).
//
//   node bench/compare.bench.js [--runs N] [--skip-images]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixtureLayout } from './lib/fixtures.js';

const here = new URL('.', import.meta.url).pathname;
const root = join(here, '..');
const cli = join(root, 'bin', 'goslim.js');
const RUNS = Number(process.argv.includes('--runs') ? process.argv[process.argv.indexOf('--runs') + 1] : 5);
const IMAGE_RUNS = Math.max(1, Math.min(RUNS, 3));

if (!existsSync(join(root, 'dist', 'compare', 'index.js'))) {
  console.error('bench/compare: dist/ is missing; run `npm run build` first (npm run bench does)');
  process.exit(1);
}


/** Wall time of one child process, in ms; throws when it fails (exit 1 is a crossed budget, not a failure). */
function time(args) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 256 << 20, env: { ...process.env, CI: '1' } });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { ms, stdout: r.stdout };
}

const s = (ms) => `${(ms / 1000).toFixed(3)} s`;
const fat = fixtureLayout('fat-greeter');
const slim = fixtureLayout('slim-four-levers');
const work = mkdtempSync(join(tmpdir(), 'goslim-bench-compare-'));
try {
  // Saved reports, once.
  const fatJson = join(work, 'fat.json');
  const slimJson = join(work, 'slim.json');
  writeFileSync(fatJson, time([cli, 'inspect', fat, '--json']).stdout);
  writeFileSync(slimJson, time([cli, 'inspect', slim, '--json']).stdout);

  // 1. two saved reports vs the start-up floor
  const best = { floor: Infinity, help: Infinity, reports: Infinity };
  for (let i = 0; i < RUNS; i++) {
    best.floor = Math.min(best.floor, time(['-e', '0']).ms);
    best.help = Math.min(best.help, time([cli, 'compare', '--help']).ms);
    best.reports = Math.min(best.reports, time([cli, 'compare', fatJson, slimJson, '--json']).ms);
  }
  console.log(`compare of two saved reports (fat-greeter vs slim-four-levers, best of ${RUNS}):`);
  console.log(`  node -e 0 (start-up floor)          ${s(best.floor)}`);
  console.log(`  goslim compare --help (CLI start-up) ${s(best.help)}  = ${(best.help / best.floor).toFixed(2)}x the floor`);
  console.log(`  goslim compare A.json B.json        ${s(best.reports)}  = ${(best.reports / best.floor).toFixed(2)}x the floor, ${(best.reports / best.help).toFixed(2)}x the CLI start-up  (target < 0.2 s: ${best.reports < 200 ? 'met' : 'NOT met'})`);

  if (!process.argv.includes('--skip-images')) {
    // 2. two images vs inspecting both
    const img = { compare: Infinity, inspectBoth: Infinity };
    for (let i = 0; i < IMAGE_RUNS; i++) {
      img.inspectBoth = Math.min(img.inspectBoth, time([cli, 'inspect', fat, '--json']).ms + time([cli, 'inspect', slim, '--json']).ms);
      img.compare = Math.min(img.compare, time([cli, 'compare', fat, slim, '--json']).ms);
    }
    console.log(`compare of two images (fat-greeter 1.08 GB vs slim-four-levers 7.6 MB, OCI layouts, best of ${IMAGE_RUNS}):`);
    console.log(`  goslim inspect A + inspect B ${s(img.inspectBoth)}`);
    console.log(`  goslim compare A B           ${s(img.compare)}  = ${(img.compare / img.inspectBoth).toFixed(2)}x inspecting both  (target <= 1.0x: ${img.compare <= img.inspectBoth ? 'met' : 'NOT met'})`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
