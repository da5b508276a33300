#!/usr/bin/env node
// goslim lint throughput on 1,000 generated Dockerfiles (files per second), beside the floor of merely
// parsing the same files with dockerfile-ast (the parser goslim builds on), measured in the same run.
// The ratio lint/parse says what goslim's model, Go build analysis and 20 rules cost on top of parsing.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DockerfileParser } from 'dockerfile-ast';
import { lintDockerfile } from '../dist/dockerfile/lint.js';

const FILES = 1000;
const RUNS = 7;
const here = dirname(fileURLToPath(import.meta.url));
const corpusDir = join(here, '../test/fixtures/dockerfiles');
const corpus = readdirSync(corpusDir)
  .filter((f) => f.endsWith('.Dockerfile'))
  .sort()
  .map((f) => readFileSync(join(corpusDir, f), 'utf8'));

// Deterministic generator (mulberry32) so every run lints the same 1,000 files.
function rng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(42);
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const goVersions = ['1.20', '1.21', '1.22', '1.23'];
const bases = ['gcr.io/distroless/static-debian12:nonroot', 'scratch', 'alpine:3.20', 'debian:12-slim', 'cgr.dev/chainguard/static'];
const extras = [
  'LABEL org.opencontainers.image.source="https://example.com/repo"',
  'ENV TZ=UTC',
  'EXPOSE 8080',
  'ARG VERSION=dev',
  'HEALTHCHECK CMD ["/app", "healthcheck"]',
];
function generate(i) {
  let text = corpus[i % corpus.length];
  text = text.replace(/golang:1\.22/g, `golang:${pick(goVersions)}`);
  if (rand() < 0.5) text = text.replace(/gcr\.io\/distroless\/static-debian12:nonroot/g, pick(bases));
  const lines = text.split('\n');
  const n = Math.floor(rand() * 4);
  for (let k = 0; k < n; k++) lines.push(pick(extras));
  return `${lines.join('\n')}\n# generated ${i}\n`;
}
const files = Array.from({ length: FILES }, (_, i) => generate(i));
const bytes = files.reduce((s, f) => s + Buffer.byteLength(f), 0);

function time(fn) {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

let sink = 0;
const parseOnly = () => {
  for (const f of files) sink += DockerfileParser.parse(f).getInstructions().length;
};
const lintAll = () => {
  for (const f of files) sink += lintDockerfile(f, { dockerignore: '.git\n' }).findings.length;
};
// Warm up both paths (JIT), then interleave runs so machine noise hits both alike.
parseOnly();
lintAll();
const parseMs = [];
const lintMs = [];
for (let r = 0; r < RUNS; r++) {
  globalThis.gc?.();
  parseMs.push(time(parseOnly));
  globalThis.gc?.();
  lintMs.push(time(lintAll));
}
const p = median(parseMs);
const l = median(lintMs);
const fps = (ms) => Math.round(FILES / (ms / 1000));
console.log(`corpus: ${FILES} generated Dockerfiles from ${corpus.length} templates, ${(bytes / 1e3).toFixed(0)} kB; median of ${RUNS} runs`);
console.log(`dockerfile-ast parse only (floor): ${p.toFixed(1)} ms  ${fps(p)} files/s`);
console.log(`goslim lint (parse + model + Go build analysis + rules): ${l.toFixed(1)} ms  ${fps(l)} files/s`);
console.log(`ratio lint / parse: ${(l / p).toFixed(2)}x`);

// One large file: the corpus templates concatenated to 1 MB (many stages' worth of real
// instructions; stage names made unique), then the shapes that used to blow up (issue 11):
// 200k lines and 100k continuation lines. goslim's parser must stay linear: lint of 1 MB < 2 s.
function oneMegabyte() {
  let out = '';
  let froms = 0;
  for (let i = 0; Buffer.byteLength(out) < 1024 * 1024; i++) {
    // Keep the stage count under dockerfile.stages: past 900 stages, repeat only the instructions.
    const t = corpus[i % corpus.length].replace(/\bAS\s+(\S+)/gi, (_, n) => `AS ${n}${i}`).replace(/--from=(\S+)/g, (_, n) => `--from=${n}${i}`);
    const n = (t.match(/^FROM /gim) ?? []).length;
    if (froms + n <= 900) {
      out += t;
      froms += n;
    } else out += t.replace(/^FROM .*$/gim, '# from');
    out += '\n';
  }
  return out;
}
const large = [
  ['1 MB of real instructions', oneMegabyte()],
  ['200k lines', `FROM golang:1.22\n${Array.from({ length: 200_000 }, (_, i) => `RUN echo ${i}`).join('\n')}\nRUN go build -o /app .\n`],
  ['100k continuations', `FROM golang:1.22\nRUN go build -o /app . \\\n${'  && echo b \\\n'.repeat(100_000)}  && true\n`],
];
for (const [name, text] of large) {
  const parseT = [];
  const lintT = [];
  let findings = 0;
  for (let r = 0; r < 3; r++) {
    globalThis.gc?.();
    parseT.push(time(() => DockerfileParser.parse(text).getInstructions().forEach((i) => i.getArguments())));
    globalThis.gc?.();
    lintT.push(time(() => (findings = lintDockerfile(text, { dockerignore: '.git\n' }).findings.length)));
  }
  const lp = median(parseT);
  const ll = median(lintT);
  console.log(
    `${name} (${(Buffer.byteLength(text) / 1048576).toFixed(2)} MiB): dockerfile-ast parse ${lp.toFixed(0)} ms, goslim lint ${ll.toFixed(0)} ms ` +
      `(${(ll / lp).toFixed(2)}x), ${findings} findings`,
  );
}
if (sink === 0) console.log('(no work done?)');
