#!/usr/bin/env node
// npm run test:repeat -- N [--keep] [--cold] [-- vitest args...]
//
// Runs the README's test command N times, each in a fresh clone of HEAD (as CI does: another
// folder, no test/.work, no dist, `npm ci`, the fixture images built first), one after another,
// and lists every test that did not pass every time. Clone folders get names of different
// lengths, since some results depend on where the checkout is (paths end up in Go binaries).
// The debootstrap/toolchain cache of the fixture images (FIXTURE_CACHE) is shared between the
// clones unless --cold: it holds inputs, not results under test, and a cold one costs minutes.
// Exit 0 when every test passed in every run, 1 otherwise.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const dashes = args.indexOf('--');
const own = dashes < 0 ? args : args.slice(0, dashes);
const vitestArgs = dashes < 0 ? [] : args.slice(dashes + 1);
const n = Number(own.find((a) => /^\d+$/.test(a)) ?? '5');
const keep = own.includes('--keep');
const cold = own.includes('--cold');
if (!Number.isInteger(n) || n < 1 || n > 50) {
  console.error('usage: npm run test:repeat -- N [--keep] [--cold] [-- vitest args]   (1 <= N <= 50)');
  process.exit(2);
}

const head = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: repo, encoding: 'utf8' }).stdout.trim();
const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: repo, encoding: 'utf8' }).stdout.trim();
if (dirty) console.log('test:repeat: note: uncommitted changes are not in the clones (they test HEAD)');
const cache = cold ? undefined : join(repo, 'test/.work/cache');
if (cache) mkdirSync(cache, { recursive: true });
const outDir = mkdtempSync(join(tmpdir(), 'goslim-repeat-'));
/** test name -> statuses per run */
const results = new Map();
const runs = [];

function sh(cmd, argv, cwd, env, log) {
  const t0 = Date.now();
  const r = spawnSync(cmd, argv, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 30 });
  writeFileSync(log, Buffer.concat([r.stdout ?? Buffer.alloc(0), r.stderr ?? Buffer.alloc(0)]), { flag: 'a' });
  return { status: r.status ?? 1, seconds: Math.round((Date.now() - t0) / 1000) };
}

for (let i = 1; i <= n; i++) {
  // Folder names of different lengths: goslim-repeat-XXXXXX/r<i>-ppp...
  const clone = join(outDir, `r${i}-${'p'.repeat(3 + ((i * 7) % 23))}`);
  const log = join(outDir, `run-${i}.log`);
  const json = join(outDir, `run-${i}.json`);
  const env = { ...process.env, CI: 'true', ...(cache ? { FIXTURE_CACHE: cache } : {}) };
  delete env.GOSLIM_FIXTURE_DIR;
  console.log(`test:repeat: run ${i}/${n} in ${clone}`);
  let step = sh('git', ['clone', '-q', '--no-hardlinks', repo, clone], outDir, env, log);
  if (step.status === 0) step = sh('git', ['checkout', '-q', head], clone, env, log);
  if (step.status === 0) step = sh('npm', ['ci', '--no-audit', '--no-fund'], clone, env, log);
  if (step.status === 0) step = sh('bash', ['test/fixtures/images/make-images.sh', 'test/.work/images'], clone, env, log);
  let test = { status: 1, seconds: 0 };
  if (step.status === 0) {
    const build = sh('npm', ['run', 'build'], clone, env, log);
    if (build.status === 0) {
      test = sh('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${json}`, ...vitestArgs], clone, env, log);
    }
  }
  let counted = 0;
  if (existsSync(json)) {
    const report = JSON.parse(readFileSync(json, 'utf8'));
    for (const file of report.testResults ?? []) {
      const rel = file.name.startsWith(clone) ? file.name.slice(clone.length + 1) : file.name;
      if ((file.assertionResults ?? []).length === 0) {
        const key = `${rel} (the file itself)`;
        if (!results.has(key)) results.set(key, []);
        results.get(key)[i - 1] = file.status === 'passed' ? 'passed' : 'failed';
      }
      for (const t of file.assertionResults ?? []) {
        const key = `${rel} > ${t.fullName}`;
        if (!results.has(key)) results.set(key, []);
        results.get(key)[i - 1] = t.status;
        counted++;
      }
    }
  }
  runs.push({ run: i, setup: step.status === 0, exit: test.status, seconds: test.seconds, tests: counted, log });
  console.log(`test:repeat: run ${i}: ${step.status !== 0 ? 'setup failed' : `vitest exit ${test.status}`}, ${counted} tests, ${test.seconds} s (log: ${log})`);
  if (!keep) rmSync(clone, { recursive: true, force: true });
}

const unstable = [];
for (const [name, statuses] of results) {
  const all = Array.from({ length: n }, (_, k) => statuses[k] ?? 'missing');
  const passed = all.filter((s) => s === 'passed').length;
  const skipped = all.filter((s) => s === 'skipped' || s === 'pending' || s === 'todo').length;
  if (passed !== n && skipped !== n) unstable.push({ name, all });
}
console.log(`\ntest:repeat: ${n} runs of ${head.slice(0, 12)}; ${results.size} tests seen`);
for (const r of runs) console.log(`  run ${r.run}: ${r.setup ? `exit ${r.exit}` : 'setup failed'}, ${r.tests} tests, ${r.seconds} s`);
if (unstable.length === 0 && runs.every((r) => r.setup && r.exit === 0)) {
  console.log('test:repeat: every test passed in every run');
  process.exit(0);
}
console.log(`test:repeat: ${unstable.length} test(s) did not pass every time:`);
for (const u of unstable) console.log(`  ${u.all.map((s) => (s === 'passed' ? '.' : s === 'failed' ? 'F' : s[0])).join('')}  ${u.name}`);
process.exit(1);
