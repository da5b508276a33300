#!/usr/bin/env node
// npm run fuzz -- --iterations N [--seed S] [target-name-filter]
// Runs test/fuzz's targets with N inputs each (fixed seed unless --seed), through vitest.
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
let runs = 10_000;
let seed = 20261201;
const rest = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--iterations') runs = Number(args[++i]);
  else if (args[i] === '--seed') seed = Number(args[++i]);
  else rest.push(args[i]);
}
if (!Number.isInteger(runs) || runs <= 0 || !Number.isInteger(seed)) {
  console.error('usage: npm run fuzz -- --iterations N [--seed S] [name filter]');
  process.exit(2);
}
const r = spawnSync('npx', ['vitest', 'run', 'test/fuzz/fuzz.test.ts', ...(rest.length ? ['-t', rest.join(' ')] : [])], {
  stdio: 'inherit',
  env: { ...process.env, GOSLIM_FUZZ_RUNS: String(runs), GOSLIM_FUZZ_SEED: String(seed) },
});
process.exit(r.status ?? 1);
