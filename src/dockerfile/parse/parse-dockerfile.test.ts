import { describe, expect, it } from 'vitest';
import { parseDockerfile, joinContinuations, sliceRange } from './parse-dockerfile.js';
import { expandVariables } from './expand.js';
import { splitSimpleCommands } from './shell-words.js';

const RECIPE = `# syntax=docker/dockerfile:1
ARG GO_VERSION=1.22
FROM --platform=$BUILDPLATFORM golang:\${GO_VERSION}-bookworm AS build
ARG TARGETOS TARGETARCH
WORKDIR /src
RUN --mount=type=cache,target=/go/pkg/mod \\
    # download first
    go mod download
COPY . .
RUN CGO_ENABLED=0 GOOS=$TARGETOS go build -o /out/app ./cmd/app
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build --chown=65532:65532 /out/app /app
ENTRYPOINT ["/app"]
`;

describe('parseDockerfile', () => {
  it('builds stages with expanded bases, platforms and names', () => {
    const m = parseDockerfile(RECIPE, { targetPlatform: 'linux/arm64', buildPlatform: 'linux/amd64' });
    expect(m.stages).toHaveLength(2);
    const [build, final] = m.stages;
    expect(build!.name).toBe('build');
    expect(build!.base.raw).toBe('golang:${GO_VERSION}-bookworm');
    expect(build!.base.expanded).toBe('golang:1.22-bookworm');
    expect(build!.platform?.expanded).toBe('linux/amd64');
    expect(final!.base.expanded).toBe('gcr.io/distroless/static-debian12:nonroot');
    expect(m.globalArgs).toHaveLength(1);
    expect(m.directives).toEqual([expect.objectContaining({ name: 'syntax', value: 'docker/dockerfile:1' })]);
  });

  it('keeps exact ranges for instructions, flags and arguments', () => {
    const m = parseDockerfile(RECIPE);
    const copy = m.stages[1]!.instructions[0]!;
    expect(copy.keyword).toBe('COPY');
    expect(copy.line).toBe(12);
    expect(sliceRange(m.lines, copy.range)).toBe('COPY --from=build --chown=65532:65532 /out/app /app');
    expect(copy.flags.map((f) => sliceRange(m.lines, f.range))).toEqual(['--from=build', '--chown=65532:65532']);
    expect(copy.args.map((a) => sliceRange(m.lines, a.range))).toEqual(['/out/app', '/app']);
    expect(copy.copyFrom).toMatchObject({ kind: 'stage', stageIndex: 0 });
    const run = m.stages[0]!.instructions[2]!;
    expect(run.flags[0]!.options.map((o) => [o.name, o.value])).toEqual([
      ['type', 'cache'],
      ['target', '/go/pkg/mod'],
    ]);
    expect(run.body).toBe('go mod download');
    expect(run.line).toBe(6);
    expect(run.endLine).toBe(8);
  });

  it('scopes ARGs: platform args only after an in-stage ARG', () => {
    const m = parseDockerfile(RECIPE, { targetPlatform: 'linux/arm64' });
    const build = m.stages[0]!;
    expect(build.from.scope.get('TARGETARCH')?.value).toBe('arm64');
    expect(build.instructions[0]!.scope.has('TARGETOS')).toBe(false); // the ARG line itself
    expect(build.instructions[1]!.scope.get('TARGETOS')?.value).toBe('linux');
    expect(build.instructions[1]!.scope.has('GO_VERSION')).toBe(false);
    expect(m.stages[1]!.instructions[0]!.scope.has('TARGETOS')).toBe(false);
  });

  it('detects exec vs shell form by JSON parsing', () => {
    const m = parseDockerfile('FROM scratch\nENTRYPOINT ["/app", "-v"]\nCMD [/app]\nCMD echo "hi"\n');
    const [ep, cmd1, cmd2] = m.stages[0]!.instructions;
    expect(ep!.form).toBe('exec');
    expect(ep!.exec).toEqual(['/app', '-v']);
    expect(cmd1!.form).toBe('shell');
    expect(cmd2!.form).toBe('shell');
  });

  it('reads heredoc bodies and the escape directive', () => {
    const m = parseDockerfile('FROM golang:1.22\nRUN <<-EOF\n\tset -e\n\tgo build -o /app .\nEOF\nRUN echo done\n');
    const run = m.stages[0]!.instructions[0]!;
    expect(run.heredocs).toHaveLength(1);
    expect(run.heredocs[0]!.body).toBe('set -e\ngo build -o /app .');
    expect(run.heredocs[0]!.stripTabs).toBe(true);
    expect(run.body).toBe('<<-EOF');
    expect(m.stages[0]!.instructions[1]!.line).toBe(6);

    const w = parseDockerfile('# escape=`\nFROM mcr.microsoft.com/windows/nanoserver:ltsc2022\nRUN echo a `\n    && echo b\n');
    expect(w.escapeChar).toBe('`');
    expect(w.stages[0]!.instructions[0]!.body).toBe('echo a     && echo b');
  });

  it('inherits ENV from a parent stage and resolves FROM <stage>', () => {
    const m = parseDockerfile('FROM golang:1.22 AS base\nENV CGO_ENABLED=0\nFROM base AS build\nRUN go build .\nCOPY --from=0 /a /b\nCOPY --from=alpine:3.20 /x /y\n');
    const build = m.stages[1]!;
    expect(build.base.stageIndex).toBe(0);
    expect(build.instructions[0]!.scope.get('CGO_ENABLED')?.value).toBe('0');
    expect(build.instructions[1]!.copyFrom).toMatchObject({ kind: 'stage', stageIndex: 0 });
    expect(build.instructions[2]!.copyFrom).toMatchObject({ kind: 'image', expanded: 'alpine:3.20' });
  });

  it('applies build args over defaults', () => {
    const m = parseDockerfile('ARG BASE=alpine:3.20\nFROM ${BASE}\n', { buildArgs: { BASE: 'debian:12' } });
    expect(m.stages[0]!.base.expanded).toBe('debian:12');
  });
});

describe('expandVariables', () => {
  const vars: Record<string, string> = { A: 'x', E: '', V: 'v1.2.3-rc1', P: 'github.com/acme/app' };
  const look = (n: string): string | undefined => vars[n];
  it.each([
    ['$A', 'x'],
    ['${A}', 'x'],
    ['${U:-def}', 'def'],
    ['${E:-def}', 'def'],
    ['${E-def}', ''],
    ['${A:+alt}', 'alt'],
    ['${U:+alt}', ''],
    ['${U:-${A}-y}', 'x-y'],
    ['${V#v}', '1.2.3-rc1'],
    ['${V%-*}', 'v1.2.3'],
    ['${P##*/}', 'app'],
    ['${P%%/*}', 'github.com'],
    ['${V/./_}', 'v1_2.3-rc1'],
    ['${V//./_}', 'v1_2_3-rc1'],
    ['\\$A', '$A'],
    ["'$A'", "'$A'"], // single quotes are literal (lex.go)
    ['$U', ''],
  ])('%s -> %s', (input, out) => {
    expect(expandVariables(input, look)).toBe(out);
  });
});

describe('shell helpers', () => {
  it('joins continuations and drops comment lines', () => {
    expect(joinContinuations('a \\\n  # c\n  b \\\n\n  c', '\\')).toBe('a   b   c');
  });
  it('splits simple commands on control operators', () => {
    const cmds = splitSimpleCommands('cd /src && CGO_ENABLED=0 go build -ldflags "-s -w" ./... ; echo ok || true');
    expect(cmds.map((c) => c.map((w) => w.value))).toEqual([
      ['cd', '/src'],
      ['CGO_ENABLED=0', 'go', 'build', '-ldflags', '-s -w', './...'],
      ['echo', 'ok'],
      ['true'],
    ]);
  });
});
