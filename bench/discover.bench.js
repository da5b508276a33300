#!/usr/bin/env node
// Finding Dockerfiles for `goslim lint DIR` and `goslim lint 'GLOB'` (src/context/discover.ts) on a
// generated monorepo tree (400 services, each with Go sources, a vendor/ and node_modules/ tree, and 1-2
// Dockerfiles; ~20,000 entries), beside the peer `find` (GNU findutils) doing the same search (same names,
// same pruned directories), measured in the same run (find's time includes starting its process, a few ms).
// Reports files of the tree per second and the ratio to find; both answers must be the same list length.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandLintTargets } from '../dist/context/discover.js';

const SERVICES = 400;
const RUNS = 7;
const root = mkdtempSync(join(tmpdir(), 'goslim-bench-discover-'));
let entries = 0;
const put = (rel, text = '') => {
  const p = join(root, rel);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, text);
  entries++;
};
for (let i = 0; i < SERVICES; i++) {
  const s = `services/svc${i}`;
  put(`${s}/Dockerfile`, 'FROM scratch\n');
  if (i % 3 === 0) put(`${s}/deploy/prod.Dockerfile`, 'FROM scratch\n');
  for (let k = 0; k < 20; k++) put(`${s}/internal/pkg${k % 4}/file${k}.go`, 'package x\n');
  for (let k = 0; k < 15; k++) put(`${s}/vendor/example.com/m${k}/Dockerfile`, 'FROM scratch\n');
  for (let k = 0; k < 15; k++) put(`${s}/node_modules/dep${k}/index.js`, '');
}
const findArgs = [root, '(', '-name', '.git', '-o', '-name', 'node_modules', '-o', '-name', 'vendor', ')', '-prune', '-o', '-type', 'f',
  '(', '-name', 'Dockerfile', '-o', '-name', '*.Dockerfile', '-o', '-name', 'Dockerfile.*', '-o', '-name', 'Containerfile', ')', '-print'];

const time = async (fn) => {
  const t = process.hrtime.bigint();
  const n = await fn();
  return { ms: Number(process.hrtime.bigint() - t) / 1e6, n };
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ours = async () => (await expandLintTargets(['.'], root)).length;
const glob = async () => (await expandLintTargets(['services/**/*Dockerfile'], root)).length;
const peer = async () => execFileSync('find', findArgs, { encoding: 'utf8' }).split('\n').filter(Boolean).filter((p) => !p.endsWith('.dockerignore')).length;

try {
  const counts = { ours: await ours(), glob: await glob(), peer: await peer() };
  if (counts.ours !== counts.peer || counts.glob !== counts.peer) throw new Error(`different answers: ${JSON.stringify(counts)}`);
  const o = [];
  const g = [];
  const f = [];
  for (let r = 0; r < RUNS; r++) {
    f.push((await time(peer)).ms);
    o.push((await time(ours)).ms);
    g.push((await time(glob)).ms);
  }
  const [mo, mg, mf] = [median(o), median(g), median(f)];
  const rate = (ms) => Math.round(entries / (ms / 1000));
  console.log(`tree: ${entries} files, ${counts.peer} Dockerfiles outside vendor/ and node_modules/ (median of ${RUNS})`);
  console.log(`find (peer):          ${mf.toFixed(1)} ms  (${rate(mf)} files/s)`);
  console.log(`goslim lint DIR:      ${mo.toFixed(1)} ms  (${rate(mo)} files/s)  ratio to find ${(mo / mf).toFixed(2)}x`);
  console.log(`goslim lint 'GLOB':   ${mg.toFixed(1)} ms  (${rate(mg)} files/s)  ratio to find ${(mg / mf).toFixed(2)}x`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
