import { describe, expect, it } from 'vitest';
import { parseDockerfile } from './parse/parse-dockerfile.js';
import { analyzeGoBuilds, binaryPath, defaultBinaryName, parseLdflags, parseGoBuildArgs } from './go-build.js';

const analyze = (text: string, target?: string, build?: string) =>
  analyzeGoBuilds(parseDockerfile(text, { ...(target ? { targetPlatform: target } : {}), ...(build ? { buildPlatform: build } : {}) }));

describe('analyzeGoBuilds', () => {
  it('finds go build through env prefixes, && chains and continuations', () => {
    const a = analyze(`FROM golang:1.22 AS build
WORKDIR /src
RUN --mount=type=cache,target=/root/.cache/go-build \\
    go mod download && \\
    CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags="-s -w -X main.version=1.2" -o /out/server ./cmd/server
`);
    expect(a.modDownloads).toHaveLength(1);
    expect(a.builds).toHaveLength(1);
    const b = a.builds[0]!;
    expect(b.line).toBe(3);
    expect(b.flags.trimpath).toBe(true);
    expect(b.flags.ldflags).toMatchObject({ stripSymbols: true, stripDwarf: true, defines: ['main.version=1.2'] });
    expect(b.outputPath).toBe('/out/server');
    expect(b.packages).toEqual(['./cmd/server']);
    expect(b.cgo).toMatchObject({ value: '0', source: 'command' });
    expect(b.goos).toMatchObject({ value: 'linux', raw: 'linux', source: 'command' });
    expect(a.buildingStages.has(0)).toBe(true);
  });

  it('takes CGO_ENABLED from export, ENV and ARG, with its source', () => {
    expect(analyze('FROM golang:1.22\nRUN export CGO_ENABLED=0; go build .\n').builds[0]!.cgo.source).toBe('export');
    const env = analyze('FROM golang:1.22\nENV CGO_ENABLED=0\nRUN go build .\n').builds[0]!;
    expect(env.cgo).toMatchObject({ value: '0', source: 'env', line: 2 });
    const arg = analyze('FROM golang:1.22\nARG CGO_ENABLED=1\nRUN go build .\n').builds[0]!;
    expect(arg.cgo).toMatchObject({ value: '1', source: 'arg' });
    expect(analyze('FROM golang:1.22\nRUN go build .\n').builds[0]!.cgo.source).toBe('unset');
  });

  it('expands platform args in the command and resolves the default output', () => {
    const a = analyze(
      'FROM golang:1.22\nARG TARGETOS TARGETARCH\nWORKDIR /src/app\nRUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build\n',
      'linux/arm64',
    );
    const b = a.builds[0]!;
    expect(b.goarch).toMatchObject({ value: 'arm64', raw: '$TARGETARCH' });
    expect(b.outputPath).toBe('/src/app/app');
  });

  it('looks inside sh -c, exec form and heredocs', () => {
    expect(analyze(`FROM golang:1.22\nRUN ["sh", "-c", "cd /src && go build -o bin/ ./cmd/api"]\n`).builds[0]!.outputPath).toBe(
      '/src/bin/api',
    );
    expect(analyze(`FROM golang:1.22\nRUN sh -c 'CGO_ENABLED=0 go install ./cmd/tool'\n`).builds[0]!).toMatchObject({
      kind: 'install',
      outputPath: '/go/bin/tool',
      nested: true,
    });
    const h = analyze('FROM golang:1.22\nRUN <<EOF\nset -e\nexport CGO_ENABLED=0\ngo build -o /app .\nEOF\n');
    expect(h.builds[0]!.cgo.source).toBe('export');
    expect(h.builds[0]!.line).toBe(2);
  });

  it('recognises opaque builds', () => {
    const a = analyze('FROM golang:1.22\nRUN make build && ./scripts/build.sh\nRUN goreleaser build --snapshot\n');
    expect(a.opaque.map((o) => o.kind)).toEqual(['make', 'script', 'goreleaser']);
    expect(a.builds).toHaveLength(0);
    expect(a.buildingStages.has(0)).toBe(true);
  });

  it('reads GOFLAGS=-trimpath', () => {
    expect(analyze('FROM golang:1.22\nENV GOFLAGS=-trimpath\nRUN go build .\n').builds[0]!.flags.trimpath).toBe(true);
  });
});

describe('binary names and paths (the one answer lint and fix share)', () => {
  it('go build main.go, go build -o, go install', () => {
    const main = analyze('FROM golang:1.22\nWORKDIR /src\nRUN go build main.go\n').builds[0]!;
    expect(main).toMatchObject({ outputPath: '/src/main', outputNameKnown: true });
    expect(binaryPath(main)).toBe('/src/main');
    const o = analyze('FROM golang:1.22\nWORKDIR /src\nRUN go build -o /out/app ./cmd/app\n').builds[0]!;
    expect(o).toMatchObject({ outputPath: '/out/app', outputNameKnown: true });
    const inst = analyze('FROM golang:1.22\nWORKDIR /src\nRUN go install ./cmd/app\n').builds[0]!;
    expect(inst).toMatchObject({ kind: 'install', outputPath: '/go/bin/app', outputNameKnown: true });
  });

  it('follows cd in the RUN; a cd to a variable the RUN cannot see leaves the path unknown', () => {
    expect(analyze('FROM golang:1.22\nWORKDIR /src\nRUN cd cmd/app && go build -o app .\n').builds[0]!.outputPath).toBe('/src/cmd/app/app');
    expect(analyze('FROM golang:1.22\nWORKDIR /src\nARG DIR=cmd/x\nRUN cd $DIR && go build -o app .\n').builds[0]!.outputPath).toBe('/src/cmd/x/app');
    const unknown = analyze('FROM golang:1.22\nWORKDIR /src\nRUN cd $DIR && go build -o app .\n').builds[0]!;
    expect(unknown.outputPath).toBe('/src/$DIR/app');
    expect(binaryPath(unknown)).toBeUndefined();
  });

  it('`go build .` and `-o dir/ .` take the module path\'s name: a guess without go.mod, the answer with it', () => {
    const dot = analyze('FROM golang:1.22\nWORKDIR /src/app\nRUN go build -o /out/ .\n').builds[0]!;
    expect(dot).toMatchObject({ outputPath: '/out/app', outputNameKnown: false });
    expect(binaryPath(dot)).toBeUndefined();
    expect(binaryPath(dot, 'example.com/notes/v2', '/src/app')).toBe('/out/notes');
    expect(binaryPath(dot, 'example.com/notes', '/elsewhere')).toBeUndefined();
    const up = analyze('FROM golang:1.22\nWORKDIR /src/app/cmd\nRUN go build ..\n').builds[0]!;
    expect(up.outputNameKnown).toBe(false);
  });

  // Go 1.19, measured here: GOARCH=amd64 go install on amd64 writes $GOPATH/bin/app, GOARCH=arm64 writes
  // $GOPATH/bin/linux_arm64/app, and GOBIN set with GOARCH=arm64 fails ("cannot install cross-compiled binaries when GOBIN is set").
  it('go install: $GOPATH/bin when GOOS/GOARCH are the platform the stage runs on, bin/<goos>_<goarch>/ when they are not', () => {
    const native = analyze('FROM golang:1.22\nRUN GOOS=linux GOARCH=amd64 go install ./cmd/app\n').builds[0]!;
    expect(native.outputPath).toBe('/go/bin/app');
    const crossed = analyze('FROM golang:1.22\nRUN GOOS=linux GOARCH=arm64 go install ./cmd/app\n').builds[0]!;
    expect(crossed.outputPath).toBe('/go/bin/linux_arm64/app');
    // The stage runs on the target platform without --platform: arm64 is native there.
    expect(analyze('FROM golang:1.22\nRUN GOARCH=arm64 go install ./cmd/app\n', 'linux/arm64').builds[0]!.outputPath).toBe('/go/bin/app');
    // On $BUILDPLATFORM with the target args: native unless the build and target platforms differ.
    const recipe = 'FROM --platform=$BUILDPLATFORM golang:1.22\nARG TARGETOS TARGETARCH\nRUN GOOS=$TARGETOS GOARCH=$TARGETARCH go install ./cmd/app\n';
    expect(analyze(recipe).builds[0]!.outputPath).toBe('/go/bin/app');
    expect(analyze(recipe, 'linux/arm64', 'linux/amd64').builds[0]!.outputPath).toBe('/go/bin/linux_arm64/app');
    // An undeclared target arg is empty in the shell: Go's default, the stage's platform.
    expect(analyze('FROM --platform=$BUILDPLATFORM golang:1.22\nRUN GOARCH=$TARGETARCH go install ./cmd/app\n', 'linux/arm64', 'linux/amd64').builds[0]!.outputPath).toBe('/go/bin/app');
    expect(analyze('FROM golang:1.22\nENV GOPATH=/work\nRUN GOARCH=arm64 go install ./cmd/app\n').builds[0]!.outputPath).toBe('/work/bin/linux_arm64/app');
  });

  it('go install with GOBIN: $GOBIN natively, no output when cross-compiling (Go refuses)', () => {
    expect(analyze('FROM golang:1.22\nENV GOBIN=/usr/local/bin\nRUN go install ./cmd/app\n').builds[0]!.outputPath).toBe('/usr/local/bin/app');
    expect(analyze('FROM golang:1.22\nENV GOBIN=/usr/local/bin\nRUN GOARCH=arm64 go install ./cmd/app\n').builds[0]!.outputPath).toBeNull();
  });
});

describe('go flag parsing', () => {
  it('parses build flags', () => {
    const { flags, packages } = parseGoBuildArgs(['-v', '-tags', 'netgo,osusergo', '-buildmode=pie', '-mod=vendor', '-o', 'x', './a', './b']);
    expect(flags).toMatchObject({ tags: ['netgo', 'osusergo'], buildmode: 'pie', mod: 'vendor', output: 'x', other: ['-v'] });
    expect(packages).toEqual(['./a', './b']);
  });
  it('parses ldflags', () => {
    expect(parseLdflags(`-w -s -linkmode external -extldflags "-static"`)).toMatchObject({
      stripSymbols: true,
      stripDwarf: true,
      linkmode: 'external',
      extldflags: '-static',
    });
  });
  it('derives default binary names', () => {
    expect(defaultBinaryName('./cmd/server', '/src')).toBe('server');
    expect(defaultBinaryName('.', '/src/myapp')).toBe('myapp');
    expect(defaultBinaryName('example.com/tool/v2@latest', '/')).toBe('tool');
    expect(defaultBinaryName('main.go', '/src')).toBe('main');
    expect(defaultBinaryName('./...', '/src')).toBeNull();
  });
});

describe('real-world spellings', () => {
  it('expands ARG-held ldflags and reads legacy ENV form', () => {
    const a = analyze(
      'FROM golang:1.22 as build\nARG LDFLAGS="-s -w -X main.v=1"\nENV CGO_ENABLED 0\nRUN --mount=type=cache,id=gomod,target=/go/pkg/mod,sharing=locked go build -ldflags="${LDFLAGS}" -o /bin/app .\n',
    );
    const b = a.builds[0]!;
    expect(b.flags.ldflags).toMatchObject({ stripSymbols: true, stripDwarf: true, defines: ['main.v=1'] });
    expect(b.cgo).toMatchObject({ value: '0', source: 'env' });
  });

  it('handles lowercase AS, --link and digests', () => {
    const m = parseDockerfile('FROM golang:1.22@sha256:abcd as Build\nRUN go build -o /app .\nFROM scratch\nCOPY --link --from=build /app /app\n');
    expect(m.stages[0]!.name).toBe('Build');
    expect(m.stages[1]!.instructions[0]!.copyFrom).toMatchObject({ kind: 'stage', stageIndex: 0 });
  });
});
