#!/usr/bin/env node
// Runs every bench/*.bench.js (or the ones named on the command line) in turn.
// Each benchmark prints its own ratios against a floor or a peer measured in the same run.
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.js'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();
let failed = 0;
for (const f of files) {
  process.stdout.write(`\n=== ${f}\n`);
  // The benchmarks measure the work itself: goslim's per-layer analysis cache (on by default) would
  // answer a repeated inspect from disk. cache.bench.js and scan.bench.js turn it on where they measure it.
  const r = spawnSync(process.execPath, ['--expose-gc', join(here, f)], { stdio: 'inherit', env: { ...process.env, GOSLIM_NO_CACHE: process.env.GOSLIM_NO_CACHE ?? '1' } });
  if (r.status !== 0) failed++;
}
process.exitCode = failed === 0 ? 0 : 1;
