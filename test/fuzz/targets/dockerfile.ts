/**
 * Dockerfiles: arbitrary text, and a grammar-ish generator (instructions with flags, variables and
 * modifiers, continuations, heredocs, escape directives, stage references), each run through
 * parse, lint (every rule, a target stage, build args) and fix, and the fix's diff and byte splice.
 */
import fc from 'fast-check';
import { parseDockerfile } from '../../../src/dockerfile/parse/parse-dockerfile.js';
import { lintDockerfile } from '../../../src/dockerfile/lint.js';
import { fixDockerfile } from '../../../src/dockerfile/fix/fix-dockerfile.js';
import { unifiedDiff } from '../../../src/dockerfile/fix/unified-diff.js';
import { spliceFixedBytes } from '../../../src/dockerfile/fix/splice.js';
import type { FuzzTarget } from '../target.js';

const name = fc.constantFrom('A', 'B', 'GO_VERSION', 'TARGETOS', 'TARGETARCH', 'CGO_ENABLED', 'X_1', 'build', '');
const op = fc.constantFrom('', ':-', '-', ':+', '+', ':?', '#', '##', '%', '%%', '/', '//', ':');
const glob = fc.array(fc.constantFrom('*', '?', 'a', '.', '/', '[', ']', '\\', '$', '{', '}'), { maxLength: 6 }).map((a) => a.join(''));

const variable: fc.Arbitrary<string> = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    name.map((n) => `$${n}`),
    fc.tuple(name, op, fc.oneof(glob, tie('v') as fc.Arbitrary<string>)).map(([n, o, w]) => (o === '/' || o === '//' ? `\${${n}${o}${w}/x}` : `\${${n}${o}${w}}`)),
    fc.tuple(name, fc.nat(3)).map(([n, k]) => `${'${' + n + ':-'.repeat(1)}`.repeat(k) + 'x' + '}'.repeat(k)),
  ),
})).v;

const word = fc.oneof(
  fc.constantFrom('golang:1.22', 'alpine:3.20', 'scratch', 'gcr.io/distroless/static-debian12:nonroot', 'build', '0', '.', '/app', '/src', 'go', 'make', '&&', ';', '|', '"', "'", '\\', '`', '#', '[', ']', '{', '}', '-o', '-ldflags=-s -w', '--mount=type=cache,target=/go/pkg/mod', '--from=build', '--platform=$BUILDPLATFORM', 'AS', 'CGO_ENABLED=0', 'sh', '-c'),
  variable,
  fc.string({ maxLength: 8 }),
);
const keyword = fc.constantFrom('FROM', 'RUN', 'COPY', 'ADD', 'ARG', 'ENV', 'WORKDIR', 'USER', 'CMD', 'ENTRYPOINT', 'EXPOSE', 'HEALTHCHECK', 'LABEL', 'SHELL', 'ONBUILD', 'STOPSIGNAL', 'VOLUME', 'from', 'Run', 'BOGUS');
const instruction = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(keyword, fc.array(word, { maxLength: 8 })).map(([k, ws]) => `${k} ${ws.join(' ')}`) },
  { weight: 1, arbitrary: fc.tuple(keyword, fc.array(word, { maxLength: 6 })).map(([k, ws]) => `${k} [${ws.map((w) => JSON.stringify(w)).join(', ')}]`) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('<<EOF', '<<-EOF', '<<"EOF"', '<<EOF <<END'), fc.array(word, { maxLength: 4 }), fc.boolean()).map(([m, ws, closed]) => `RUN ${m}\n${ws.join(' ')}\n${closed ? 'EOF' : ''}`) },
  { weight: 1, arbitrary: fc.tuple(fc.array(word, { maxLength: 4 }), fc.constantFrom('\\', '`')).map(([ws, e]) => `RUN ${ws.join(` ${e}\n  `)} ${e}\n# comment\n\n  go build -o /app .`) },
  { weight: 1, arbitrary: fc.constantFrom('# escape=`', '# syntax=docker/dockerfile:1', '# goslim ignore=G009', '# goslim global ignore=all', '#', '', '   ', '\r') },
);
const grammar = fc
  .tuple(fc.constantFrom('', '# escape=`\n', '# escape=\\\n'), fc.array(instruction, { maxLength: 25 }), fc.constantFrom('\n', '\r\n'))
  .map(([head, lines, eol]) => head + lines.join('\n').replace(/\n/g, eol) + eol);

function runAll(text: string): void {
  parseDockerfile(text, { buildArgs: { A: '1', GO_VERSION: '${A}${A}' }, targetPlatform: 'linux/arm64/v8' });
  lintDockerfile(text, { dockerignore: '.git\n*.md\n', target: '0' });
  const r = lintDockerfile(text, { dockerignore: null });
  void r.findings.length;
  const f = fixDockerfile(text, { explain: true });
  unifiedDiff(f.original, f.fixed, 'a/Dockerfile', 'b/Dockerfile');
  if (f.changed) spliceFixedBytes(Buffer.from(text, 'utf8'), text, f.fixed);
}

/** Shapes that once crashed or hung, at random sizes: deep nesting, doubling chains, stage chains, long patterns. */
const hostile = fc
  .tuple(fc.constantFrom('nest', 'double', 'chain', 'pattern', 'cont', 'substitute'), fc.integer({ min: 1, max: 3000 }), grammar)
  .map(([kind, n, tail]) => {
    switch (kind) {
      case 'nest':
        return `FROM alpine\nARG A=${'${X:-'.repeat(n)}x${'}'.repeat(n)}\n${tail}`;
      case 'double': {
        let t = 'ARG A0=xxxxxxxx\n';
        for (let i = 1; i < Math.min(n, 60); i++) t += `ARG A${i}=\${A${i - 1}}\${A${i - 1}}\n`;
        return `${t}FROM alpine:\${A${Math.min(n, 60) - 1}}\n${tail}`;
      }
      case 'chain': {
        let t = 'FROM golang:1.22 AS s0\n';
        for (let i = 1; i < n; i++) t += `FROM s${i - 1} AS s${i}\nENV CGO_ENABLED=0\n`;
        return t + tail;
      }
      case 'pattern':
        return `FROM alpine\nARG V=${'a'.repeat(n * 10)}\nARG W=\${V%%${'*a'.repeat(n % 40)}b} Y=\${V//${'?'.repeat(n % 50)}/\$V}\n${tail}`;
      case 'cont':
        return `FROM golang:1.22\nRUN go build -o /app . \\\n${'  && x \\\n'.repeat(n)}  && y\n${tail}`;
      default:
        return `FROM alpine\nARG B=${'y'.repeat(n)}\nARG A=${'x'.repeat(n)}\nARG C=\${A//?/\$B}\n${tail}`;
    }
  });

export const targets: FuzzTarget[] = [
  {
    name: 'dockerfile (hostile shapes)',
    arbitrary: hostile,
    run: (text) => runAll(text as string),
    ciRuns: 60,
  },
  {
    name: 'dockerfile (grammar)',
    arbitrary: grammar,
    run: (text) => runAll(text as string),
    ciRuns: 300,
  },
  {
    name: 'dockerfile (arbitrary text)',
    arbitrary: fc.oneof(fc.string({ maxLength: 400 }), fc.string({ unit: 'binary', maxLength: 200 }), fc.array(fc.constantFrom('FROM ', 'RUN ', '$', '${', '}', '\\\n', '<<EOF\n', 'EOF\n', ' AS ', 'x', '\n'), { maxLength: 60 }).map((a) => a.join(''))),
    run: (text) => runAll(text as string),
    ciRuns: 300,
  },
];
