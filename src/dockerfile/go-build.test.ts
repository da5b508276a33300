import { describe, expect, it } from 'vitest';
import { parseDockerfile } from './parse/parse-dockerfile.js';
import { analyzeGoBuilds, binaryPath, defaultBinaryName, parseLdflags, parseGoBuildArgs, splitGoArgs, type GoBuildWords, type LocatedWord } from './go-build.js';
import { tokenizeShell } from './parse/shell-words.js';

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
  // Go compares GOOS/GOARCH with GOHOSTOS/GOHOSTARCH: the platform the stage runs on (docs/lint.md, "go install's directory").
  const installPath = (text: string, target?: string, build?: string) => analyze(text, target, build).builds[0]!;

  it('go install, same platform: GOOS/GOARCH that the stage runs on (or unset) write $GOPATH/bin, whatever the target', () => {
    // No --platform: the stage runs on the target platform; GOOS=linux is its OS on any Linux target.
    expect(installPath('FROM golang:1.22\nRUN GOOS=linux go install ./cmd/x\n')).toMatchObject({ outputPath: '/go/bin/x', outputUnknown: null });
    // $TARGETARCH on the target platform is native for every target, given or not.
    const targetArgs = 'FROM golang:1.22\nARG TARGETOS TARGETARCH\nRUN GOOS=$TARGETOS GOARCH=$TARGETARCH go install ./cmd/app\n';
    for (const target of [undefined, 'linux/amd64', 'linux/arm64']) expect(installPath(targetArgs, target).outputPath).toBe('/go/bin/app');
    // Through an ENV, an ARG default and an export, as written.
    expect(installPath('FROM golang:1.22\nARG TARGETARCH\nENV GOARCH=$TARGETARCH\nRUN go install ./cmd/app\n').outputPath).toBe('/go/bin/app');
    expect(installPath('FROM golang:1.22\nARG TARGETARCH\nARG ARCH=${TARGETARCH}\nRUN GOARCH=$ARCH go install ./cmd/app\n').outputPath).toBe('/go/bin/app');
    expect(installPath('FROM golang:1.22\nARG TARGETARCH\nRUN export GOARCH=$TARGETARCH && go install ./cmd/app\n').outputPath).toBe('/go/bin/app');
    // A global ARG whose default names the target arg, redeclared in the stage; ENV inherited through FROM <stage>.
    expect(installPath('ARG ARCH=$TARGETARCH\nFROM golang:1.22\nARG ARCH\nRUN GOARCH=$ARCH go install ./cmd/app\n').outputPath).toBe('/go/bin/app');
    expect(installPath('FROM golang:1.22 AS base\nARG TARGETARCH\nENV GOARCH=$TARGETARCH\nFROM base\nRUN go install ./cmd/app\n').outputPath).toBe('/go/bin/app');
    // A literal platform and a literal GOARCH that match; --platform=$BUILDPLATFORM without GOARCH builds for the build machine.
    expect(installPath('FROM --platform=linux/arm64 golang:1.22\nRUN GOARCH=arm64 go install ./cmd/app\n').outputPath).toBe('/go/bin/app');
    expect(installPath('FROM --platform=$BUILDPLATFORM golang:1.22\nRUN go install ./cmd/app\n').outputPath).toBe('/go/bin/app');
    // An undeclared target arg is empty in the shell: Go's default, native.
    expect(installPath('FROM --platform=$BUILDPLATFORM golang:1.22\nRUN GOARCH=$TARGETARCH go install ./cmd/app\n', 'linux/arm64', 'linux/amd64').outputPath).toBe('/go/bin/app');
  });

  it('go install, different GOARCH: bin/<goos>_<goarch>/ when the platforms are facts, no path (and why) when they are not', () => {
    const literal = 'FROM golang:1.22\nRUN GOOS=linux GOARCH=arm64 go install ./cmd/app\n';
    expect(installPath(literal, 'linux/amd64').outputPath).toBe('/go/bin/linux_arm64/app');
    expect(installPath(literal, 'linux/arm64').outputPath).toBe('/go/bin/app');
    // Without lint --platform the target is linux/amd64 by default only: an assumption, so no path.
    const unknown = installPath(literal);
    expect(unknown.outputPath).toBeNull();
    expect(unknown.outputUnknown).toMatch(/^GOARCH=arm64 on the target platform: whether go install cross-compiles depends on the platforms of the build/);
    expect(binaryPath(unknown)).toBeUndefined();
    expect(installPath('FROM --platform=linux/amd64 golang:1.22\nRUN GOARCH=arm64 go install ./cmd/app\n').outputPath).toBe('/go/bin/linux_arm64/app');
    // A global ARG with a written-out value is fixed too: a fact only against a given target.
    expect(installPath('ARG GOARCH=arm64\nFROM golang:1.22\nARG GOARCH\nRUN go install ./cmd/app\n').outputPath).toBeNull();
    expect(installPath('ARG GOARCH=arm64\nFROM golang:1.22\nARG GOARCH\nRUN go install ./cmd/app\n', 'linux/amd64').outputPath).toBe('/go/bin/linux_arm64/app');
    expect(installPath('FROM golang:1.22\nENV GOPATH=/work\nRUN GOARCH=arm64 go install ./cmd/app\n', 'linux/amd64').outputPath).toBe('/work/bin/linux_arm64/app');
    // A cross build whose <goos>_<goarch> would be named from a default is not a fact either.
    expect(installPath('FROM golang:1.22\nRUN GOOS=windows go install ./cmd/app\n').outputPath).toBeNull();
    expect(installPath('FROM golang:1.22\nRUN GOOS=windows go install ./cmd/app\n', 'linux/arm64').outputPath).toBe('/go/bin/windows_arm64/app');
  });

  it('go install on --platform=$BUILDPLATFORM with the target args: native only when the build and target platforms are the same', () => {
    const recipe = 'FROM --platform=$BUILDPLATFORM golang:1.22\nARG TARGETOS TARGETARCH\nRUN GOOS=$TARGETOS GOARCH=$TARGETARCH go install ./cmd/app\n';
    expect(installPath(recipe, 'linux/arm64', 'linux/amd64').outputPath).toBe('/go/bin/linux_arm64/app');
    expect(installPath(recipe, 'linux/arm64', 'linux/arm64').outputPath).toBe('/go/bin/app');
    // Neither platform given, or only the target (lint --platform): the build machine decides.
    for (const [target, build] of [[undefined, undefined], ['linux/arm64', undefined]] as const) {
      const b = installPath(recipe, target, build);
      expect(b.outputPath).toBeNull();
      expect(b.outputUnknown).toContain('GOARCH=$TARGETARCH on --platform=$BUILDPLATFORM');
      expect(b.outputUnknown).toContain('/go/bin on a native build, /go/bin/<goos>_<goarch>/ on a cross build); use go build -o <path>');
    }
    // The same through ENV in the stage.
    expect(installPath('FROM --platform=$BUILDPLATFORM golang:1.22\nARG TARGETARCH\nENV GOARCH=${TARGETARCH}\nRUN go install ./cmd/app\n').outputPath).toBeNull();
    // GOARCH=$BUILDARCH on $BUILDPLATFORM: the same platform arg on both sides, native.
    expect(installPath('FROM --platform=$BUILDPLATFORM golang:1.22\nARG BUILDARCH\nRUN GOARCH=$BUILDARCH go install ./cmd/app\n').outputPath).toBe('/go/bin/app');
  });

  it('go install with GOBIN: $GOBIN natively, no output when cross-compiling (Go refuses)', () => {
    expect(analyze('FROM golang:1.22\nENV GOBIN=/usr/local/bin\nRUN go install ./cmd/app\n').builds[0]!.outputPath).toBe('/usr/local/bin/app');
    const refused = analyze('FROM golang:1.22\nENV GOBIN=/usr/local/bin\nRUN GOARCH=arm64 go install ./cmd/app\n', 'linux/amd64').builds[0]!;
    expect(refused).toMatchObject({ outputPath: null, outputUnknown: 'Go refuses to install a cross-compiled binary when GOBIN is set' });
    expect(analyze('FROM golang:1.22\nENV GOBIN=/usr/local/bin\nRUN GOARCH=arm64 go install ./cmd/app\n').builds[0]!.outputUnknown).toContain('/usr/local/bin on a native build, and Go refuses a cross build with GOBIN set');
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

describe('located words: every offset slices the exact source text of its word (what fix edits)', () => {
  /** Every located word of a build, named. */
  const wordsOf = (w: GoBuildWords): Array<[string, LocatedWord]> => [
    ['first', w.first],
    ...w.env.map((e, i): [string, LocatedWord] => [`env${i}`, e]),
    ['go', w.goWord],
    ['sub', w.subWord],
    ...w.flags.flatMap((f): Array<[string, LocatedWord]> => [[`-${f.name}`, f.word], ...(f.valueWord && f.valueWord !== f.word ? [[`-${f.name} value`, f.valueWord] as [string, LocatedWord]] : [])]),
    ...w.packages.map((p, i): [string, LocatedWord] => [`pkg${i}`, p]),
  ];
  /** The word the text between the offsets reads as, in the frame it sits in. */
  const reread = (slice: string, site: string, escape: string): string[] =>
    site === 'exec'
      ? [JSON.parse(slice) as string]
      : tokenizeShell(slice, site === 'shell' ? { dockerfileEscape: escape } : {}).flatMap((t) => (t.type === 'word' ? [t.word.value] : []));

  const cases: Array<[string, string]> = [
    ['shell form, env prefixes and quoted values', 'FROM golang:1.22\nRUN CGO_ENABLED=0 GOOS="linux" go build -trimpath -ldflags="-s -w -X main.v=1" -o \'/out/my app\' ./cmd/app\n'],
    ['line continuations between and inside words', 'FROM golang:1.22\nRUN CGO_ENABLED=0 \\\n    go build \\\n      -ldflags "-X main.v=1 \\\n  -X main.c=2" \\\n      -o /out/app \\\n      ./cmd/app\n'],
    ['a continuation in the middle of a bare word', 'FROM golang:1.22\nRUN go build -o /out/ap\\\np ./cmd/app\n'],
    ['comment and blank lines inside a continued RUN', 'FROM golang:1.22\nRUN go mod download && \\\n  # build it\n\n  env GOOS=linux GOARCH=arm64 go build -o /app .\n'],
    ['the backtick escape directive', '# escape=`\nFROM golang:1.22\nRUN CGO_ENABLED=0 go build `\n    -o /out/app .\n'],
    ['sh -c in double quotes', 'FROM golang:1.22\nRUN sh -c "cd /src && CGO_ENABLED=1 go build -ldflags=\'-X a=b\' -o /app ./cmd/app"\n'],
    ['sh -c in single quotes', "FROM golang:1.22\nRUN sh -c 'GOARCH=arm64 go install -ldflags \"-s\" ./cmd/tool'\n"],
    ['exec form', 'FROM golang:1.22\nRUN ["go", "build", "-ldflags=-s -w", "-o", "/app", "./cmd/x"]\n'],
    ['exec form through sh -c', 'FROM golang:1.22\nRUN ["/bin/sh", "-c", "CGO_ENABLED=0 go build -o /app ."]\n'],
    ['heredoc', 'FROM golang:1.22\nRUN <<EOF\nset -e\nexport GOFLAGS=-mod=mod\nCGO_ENABLED=0 go build \\\n  -ldflags="-s -w" -o /app ./cmd/app\nEOF\n'],
    ['heredoc with a quoted marker after a command', 'FROM golang:1.22\nRUN --mount=type=cache,target=/go/pkg/mod <<"EOT"\ngo install -trimpath ./cmd/a ./cmd/b\nEOT\n'],
    ['CRLF line endings', 'FROM golang:1.22\r\nRUN CGO_ENABLED=0 \\\r\n  go build -o /app .\r\n'],
  ];

  it.each(cases)('%s', (_, text) => {
    const model = parseDockerfile(text);
    const builds = analyzeGoBuilds(model).builds;
    expect(builds.length).toBeGreaterThan(0);
    for (const b of builds) {
      expect(b.located, b.unlocated ?? '').not.toBeNull();
      const w = b.located!;
      for (const [name, word] of wordsOf(w)) {
        const slice = b.instruction.text.slice(word.start, word.end);
        expect(reread(slice, b.site, model.escapeChar), `${name}: ${JSON.stringify(slice)}`).toEqual([word.value]);
      }
      // The words are the command's, in order, and the flags' values are what the analysis read.
      expect(w.goWord.value).toBe('go');
      expect(w.subWord.value).toBe(b.kind);
      // Words come in source order and do not overlap (an edit of one never touches another).
      // (`first` is the same word as the first assignment, `env` or `go`.)
      const spans = wordsOf(w).map(([, x]) => x).filter((x, i, all) => all.findIndex((y) => y.start === x.start && y.end === x.end) === i).sort((x, y) => x.start - y.start);
      for (let k = 1; k < spans.length; k++) expect(spans[k]!.start).toBeGreaterThanOrEqual(spans[k - 1]!.end);
    }
  });

  it('the located flags and packages are the ones the facts were read from (one split of the arguments, expanded)', () => {
    const text = 'FROM golang:1.22\nARG OUT=-o\nRUN go build -v $OUT /app -- -notaflag\n';
    const b = analyzeGoBuilds(parseDockerfile(text)).builds[0]!;
    expect(b.flags.output).toBe('/app');
    expect(b.packages).toEqual(['-notaflag']);
    const w = b.located!;
    expect(w.flags.map((f) => [f.name, b.instruction.text.slice(f.word.start, f.word.end), f.valueWord && b.instruction.text.slice(f.valueWord.start, f.valueWord.end)])).toEqual([
      ['v', '-v', undefined],
      ['o', '$OUT', '/app'],
    ]);
    expect(w.packages.map((p) => p.value)).toEqual(['-notaflag']);
    expect(splitGoArgs(['-ldflags', '-s -w', '-trimpath=true', '.'])).toEqual([
      { kind: 'flag', at: 0, name: 'ldflags', valueAt: 1, inline: undefined },
      { kind: 'flag', at: 2, name: 'trimpath', valueAt: null, inline: 'true' },
      { kind: 'package', at: 3 },
    ]);
  });

  it('env assignments, -o, -ldflags and package words hold what the analysis read', () => {
    const text = 'FROM golang:1.22\nRUN CGO_ENABLED=0 GOOS=linux \\\n  go build -ldflags "-s -w -X main.v=1" -o /out/app ./cmd/app\n';
    const b = analyzeGoBuilds(parseDockerfile(text)).builds[0]!;
    const w = b.located!;
    const at = (x: LocatedWord): string => b.instruction.text.slice(x.start, x.end);
    expect(w.env.map(at)).toEqual(['CGO_ENABLED=0', 'GOOS=linux']);
    expect(b.cgo.raw).toBe(w.env[0]!.value.split('=')[1]);
    const o = w.flags.find((f) => f.name === 'o')!;
    expect([at(o.word), at(o.valueWord!)]).toEqual(['-o', '/out/app']);
    expect(o.value).toBe(b.flags.output);
    const ld = w.flags.find((f) => f.name === 'ldflags')!;
    expect(at(ld.valueWord!)).toBe('"-s -w -X main.v=1"');
    expect(ld.value).toBe(b.flags.ldflags!.raw);
    expect(w.packages.map(at)).toEqual(b.packages);
  });
});
