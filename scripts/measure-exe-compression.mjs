#!/usr/bin/env node
// What UPX costs a Go service, measured (issue 15, the `exe-compression` explain topic):
// the test fixtures' server (test/fixtures/go/server, net/http) and hello, built static and
// stripped as the four levers leave them (CGO_ENABLED=0, -trimpath -ldflags="-s -w"), then
// packed with UPX at its default level. For each: file size and gzip -6 size (what a layer
// holding it costs on the wire), start-up time of hello (spawn to exit, median of RUNS
// alternating runs), and for two replicas of the server, each process's memory from
// /proc/PID/smaps_rollup once it answers /healthz (Rss, Pss, private and shared bytes).
//
// UPX is not in Debian 12 (bookworm has no upx-ucl); build it from source first:
//   https://github.com/upx/upx with its vendor/ submodules, `cmake -B build && make -C build upx`.
//
//   node scripts/measure-exe-compression.mjs --upx /path/to/upx [--runs 31]
// Needs Go (Debian's golang-go). Prints a Markdown table; writes nothing outside a temporary dir.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const arg = (name, fallback) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : fallback);
const upx = arg('--upx');
const RUNS = Number(arg('--runs', '31'));
if (!upx) {
  console.error('usage: node scripts/measure-exe-compression.mjs --upx /path/to/upx [--runs N]');
  process.exit(2);
}
const repo = new URL('..', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'goslim-upx-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

function build(fixture) {
  const out = join(work, fixture);
  run('go', ['build', '-trimpath', '-ldflags=-s -w', '-o', out, '.'], {
    cwd: join(repo, 'test', 'fixtures', 'go', fixture),
    env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=mod', GOCACHE: join(work, 'gocache'), GOPATH: join(work, 'gopath'), GOPROXY: 'off' },
  });
  const packed = `${out}.upx`;
  run(upx, ['-q', '-o', packed, out]);
  return { plain: out, packed };
}

const sizes = (f) => {
  const b = readFileSync(f);
  return { file: statSync(f).size, gz: gzipSync(b, { level: 6 }).length };
};

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/** Spawn-to-exit times of each program, alternating, in ms. */
function startTimes(programs) {
  const times = programs.map(() => []);
  for (let i = 0; i < RUNS; i++) {
    programs.forEach((p, k) => {
      const t0 = process.hrtime.bigint();
      const r = spawnSync(p, [], { stdio: 'ignore' });
      if (r.status !== 0) throw new Error(`${p} exited ${r.status}`);
      times[k].push(Number(process.hrtime.bigint() - t0) / 1e6);
    });
  }
  return times.map(median);
}

async function freePort() {
  const srv = createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

async function answering(port) {
  // Bounded: 5 s of 2 ms polls.
  for (let i = 0; i < 2500; i++) {
    const ok = await new Promise((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.end();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error(`nothing answered on ${port}`);
}

function smaps(pid) {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) * 1024;
  return { rss: kb('Rss'), pss: kb('Pss'), private: kb('Private_Clean') + kb('Private_Dirty'), shared: kb('Shared_Clean') + kb('Shared_Dirty') };
}

/** Two replicas of a server program: memory of each once it answers. */
async function replicas(program) {
  const procs = [];
  try {
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      const p = spawn(program, [], { env: { ...process.env, ADDR: `127.0.0.1:${port}` }, stdio: 'ignore' });
      procs.push(p);
      await answering(port);
    }
    await new Promise((r) => setTimeout(r, 200));
    return procs.map((p) => smaps(p.pid));
  } finally {
    for (const p of procs) p.kill('SIGKILL');
  }
}

const mb = (n) => `${(n / 1e6).toFixed(2)} MB`;
const upxVersion = run(upx, ['--version']).split('\n')[0];
const hello = build('hello');
const server = build('server');
const [helloPlain, helloPacked] = startTimes([hello.plain, hello.packed]);
const memPlain = await replicas(server.plain);
const memPacked = await replicas(server.packed);
const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

console.log(`${upxVersion}; go ${run('go', ['env', 'GOVERSION']).trim()}; load average ${load}; ${RUNS} runs\n`);
console.log('| binary | file | gzip -6 (layer bytes) | start, spawn to exit (median) | per replica, 2 running: Rss / Pss / private / shared |');
console.log('|---|---|---|---|---|');
for (const [name, b, start, mem] of [
  ['hello, -s -w, static', hello.plain, helloPlain, undefined],
  ['hello, the same + UPX', hello.packed, helloPacked, undefined],
  ['server, -s -w, static', server.plain, undefined, memPlain],
  ['server, the same + UPX', server.packed, undefined, memPacked],
]) {
  const s = sizes(b);
  const m = mem ? mem.map((x) => `${mb(x.rss)} / ${mb(x.pss)} / ${mb(x.private)} / ${mb(x.shared)}`).join('; ') : '';
  console.log(`| ${name} | ${mb(s.file)} | ${mb(s.gz)} | ${start !== undefined ? `${start.toFixed(2)} ms` : ''} | ${m} |`);
}
