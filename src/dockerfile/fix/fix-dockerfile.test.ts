import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { lintDockerfile } from '../lint.js';
import { parseDockerfile } from '../parse/parse-dockerfile.js';
import { scanBuildContext } from '../../context/build-context.js';
import { fixDockerfile } from './fix-dockerfile.js';
import { INSTALL_NOT_CROSS, INSTALL_ON_BUILD_PLATFORM, mergeLdflags } from './run-rewrite.js';
import { analyzeGoBuilds } from '../go-build.js';
import type { BuildContextFacts } from './types.js';
import { applyUnifiedDiff, unifiedDiff } from './unified-diff.js';

const EXAMPLES = join(import.meta.dirname, '..', '..', '..', 'examples');

/** Our own corpus: shapes real projects use, multi-stage and single-stage. */
export const FIX_CASES: Record<string, string> = {
  naiveSingle: 'FROM golang:1.21\nWORKDIR /app\nCOPY . .\nRUN go build -o server ./cmd/server\nEXPOSE 8080\nCMD ["./server"]\n',
  singleNoOutput: 'FROM golang:1.22-bookworm\nWORKDIR /src\nCOPY . .\nRUN go build ./cmd/api\nCMD ./api\n',
  singleInstall: 'FROM golang:1.20\nWORKDIR /go/src/app\nCOPY . .\nRUN go install ./cmd/worker\nCMD ["worker"]\n',
  singleMake: 'FROM golang:1.21\nWORKDIR /src\nCOPY . .\nRUN make build\nCMD ["/src/bin/app"]\n',
  singleScript: 'FROM golang:1.21\nWORKDIR /src\nCOPY . .\nRUN go build -o /bin/app .\nENTRYPOINT ["./docker-entrypoint.sh"]\n',
  singleGoRun: 'FROM golang:1.21\nWORKDIR /src\nCOPY . .\nCMD ["go", "run", "./cmd/app"]\n',
  singleEnvLabel:
    'ARG GO=1.21\nFROM golang:${GO}\nLABEL org.opencontainers.image.source=https://example.com/x\nENV APP_ENV=prod GOFLAGS=-mod=mod\nWORKDIR /srv\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN CGO_ENABLED=0 go build -o /usr/local/bin/app ./cmd/app\nCOPY config.yaml /etc/app/config.yaml\nVOLUME /data\nSTOPSIGNAL SIGINT\nEXPOSE 9000 9001\nUSER app\nENTRYPOINT ["/usr/local/bin/app"]\nCMD ["--config", "/etc/app/config.yaml"]\n',
  multiAlpine:
    'FROM golang:1.21-alpine AS build\nWORKDIR /src\nCOPY . .\nRUN go build -ldflags "-X main.version=1.2.3" -o /out/app ./cmd/app\n\nFROM alpine:3.19\nCOPY --from=build /out/app /app\nEXPOSE 8080\nCMD /app\n',
  multiAlpineRun:
    'FROM golang:1.21 AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /out/app .\n\nFROM alpine:3.19\nRUN apk add --no-cache ca-certificates\nCOPY --from=build /out/app /app\nUSER root\nCMD ["/app"]\n',
  multiContinuation:
    'FROM golang:1.21 AS builder\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN GOOS=linux GOARCH=amd64 \\\n    # build it\n    go build \\\n      -ldflags=\'-X main.commit=abc\' \\\n      -o /out/svc ./cmd/svc\n\nFROM gcr.io/distroless/static-debian12\nCOPY --from=builder /out/svc /svc\nUSER nonroot:nonroot\nENTRYPOINT ["/svc"]\n',
  multiRecipe:
    'FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nARG TARGETOS TARGETARCH\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN --mount=type=cache,target=/go/pkg/mod go mod download\nCOPY . .\nRUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \\\n    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags="-s -w" -o /out/app ./cmd/app\n\nFROM gcr.io/distroless/static-debian12:nonroot\nCOPY --from=build /out/app /app\nUSER 65532:65532\nENTRYPOINT ["/app"]\n',
  multiCgoSqlite:
    'FROM golang:1.21-bookworm AS build\nRUN apt-get update && apt-get install -y libsqlite3-dev\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=1 go build -o /out/app .\n\nFROM gcr.io/distroless/static-debian12\nCOPY --from=build /out/app /app\nENTRYPOINT ["/app"]\n',
  multiScratch: 'FROM golang:1.21 AS b\nWORKDIR /s\nCOPY . .\nRUN go build -o /app .\nFROM scratch\nCOPY --from=b /app /app\nENTRYPOINT /app -port 80\n',
  windows: 'FROM golang:1.21-windowsservercore-ltsc2022\nWORKDIR C:\\\\src\nCOPY . .\nRUN go build -o app.exe .\nCMD ["app.exe"]\n',
  heredoc: 'FROM golang:1.21 AS b\nWORKDIR /s\nCOPY . .\nRUN <<EOF\ngo build -o /app .\nEOF\nFROM debian:bookworm-slim\nCOPY --from=b /app /app\nCMD ["/app"]\n',
  crlf: 'FROM golang:1.21 AS b\r\nWORKDIR /s\r\nCOPY . .\r\nRUN go build -o /app .\r\nFROM debian:12\r\nCOPY --from=b /app /app\r\nCMD /app\r\n',
};

function corpus(): Array<[string, string]> {
  const out: Array<[string, string]> = Object.entries(FIX_CASES);
  // The lint engineer's corpus, when present.
  for (const dir of ['dockerfiles', 'images/dockerfiles'].map((d) => join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', d))) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir, { recursive: true }) as string[]) {
      if (/Dockerfile|\.dockerfile$/i.test(f) && !f.endsWith('.json')) out.push([`corpus/${f}`, readFileSync(join(dir, f), 'utf8')]);
    }
  }
  for (const e of ['greeter', 'notes', 'cgo-hash']) out.push([`examples/${e}`, readFileSync(join(EXAMPLES, e, 'Dockerfile'), 'utf8')]);
  return out;
}

describe('fixDockerfile on the bundled examples (with their build context)', () => {
  const ctx: Record<string, BuildContextFacts> = {};
  beforeAll(async () => {
    for (const e of ['greeter', 'notes', 'cgo-hash']) ctx[e] = await scanBuildContext(join(EXAMPLES, e));
  });

  it('greeter: builder on the same tag, all four levers, resolved exec-form ENTRYPOINT, own probe as HEALTHCHECK', () => {
    const r = fixDockerfile(readFileSync(join(EXAMPLES, 'greeter', 'Dockerfile'), 'utf8'), { context: ctx.greeter! });
    expect(r.mode).toBe('single-stage');
    const f = r.fixed;
    expect(f).toContain('FROM --platform=$BUILDPLATFORM golang:1.19 AS build');
    expect(f).toContain('COPY go.mod ./\nRUN --mount=type=cache,target=/go/pkg/mod go mod download\nCOPY . .');
    expect(f).toMatch(/CGO_ENABLED=0 GOOS=\$TARGETOS GOARCH=\$TARGETARCH go build -trimpath -ldflags="-s -w" -o \/usr\/local\/bin\/greeter \.\/cmd\/greeter/);
    expect(f).toContain('FROM gcr.io/distroless/static-debian12:nonroot');
    expect(f).toContain('COPY --from=build /usr/local/bin/greeter /usr/local/bin/greeter');
    expect(f).toContain('EXPOSE 8080');
    expect(f).toContain('HEALTHCHECK CMD ["/usr/local/bin/greeter", "-healthcheck"]');
    expect(f).toContain('ENTRYPOINT ["/usr/local/bin/greeter"]');
    expect(f).not.toContain('curl');
    expect(r.todos).toEqual([]);
  });

  it('notes: merges -s -w into -X ldflags, carries runtime dirs but not the embedded one, keeps HEALTHCHECK options', () => {
    const r = fixDockerfile(readFileSync(join(EXAMPLES, 'notes', 'Dockerfile'), 'utf8'), { context: ctx.notes! });
    const f = r.fixed;
    expect(f).toContain('-ldflags "-s -w -X main.version=${VERSION}" -o notes .');
    for (const d of ['config', 'templates', 'migrations']) expect(f).toContain(`COPY --from=build /app/${d} /app/${d}`);
    expect(f).not.toContain('/app/static');
    expect(f).not.toMatch(/COPY --from=build \/app\/(README|go\.mod|main\.go|internal)/);
    expect(f).toContain('HEALTHCHECK --interval=30s --timeout=3s CMD ["/app/notes", "healthcheck"]');
    expect(f).toContain('ENTRYPOINT ["/app/notes"]\nCMD ["serve"]');
    expect(f).toMatch(/FROM gcr\.io\/distroless\/static-debian12:nonroot\nWORKDIR \/app\nENV NOTES_CONFIG=config\/notes\.json/);
    expect(r.notes.some((n) => n.message.includes('static is embedded'))).toBe(true);
  });

  it('cgo-hash: import "C" keeps cgo, no cross-compile, glibc distroless base, says why', () => {
    const r = fixDockerfile(readFileSync(join(EXAMPLES, 'cgo-hash', 'Dockerfile'), 'utf8'), { context: ctx['cgo-hash']! });
    const f = r.fixed;
    expect(f).toContain('FROM golang:1.19 AS build');
    expect(f).not.toContain('CGO_ENABLED=0');
    expect(f).not.toContain('$TARGETOS');
    expect(f).toContain('go build -trimpath -ldflags="-s -w" -o /usr/local/bin/cgohash .');
    expect(f).toContain('FROM gcr.io/distroless/base-debian12:nonroot');
    expect(f).not.toContain('COPY --from=build /go/src/cgohash/hash.c');
    expect(r.edits.find((e) => e.kind === 'cgo-kept')?.message).toMatch(/import "C"/);
  });

  it('--base chooses the final base; --explain comments every written line; cache mounts can be turned off', () => {
    const text = readFileSync(join(EXAMPLES, 'greeter', 'Dockerfile'), 'utf8');
    const r = fixDockerfile(text, { context: ctx.greeter!, base: 'cgr.dev/chainguard/static:latest', explain: true, cacheMounts: false });
    expect(r.fixed).toContain('FROM cgr.dev/chainguard/static:latest');
    expect(r.fixed).not.toContain('--mount=type=cache');
    const lines = r.fixed.split('\n');
    for (const written of ['ENTRYPOINT', 'USER 65532', 'HEALTHCHECK', 'COPY --from=build']) {
      const k = lines.findIndex((l) => l.startsWith(written));
      expect(lines[k - 1], written).toMatch(/^# goslim: \S/);
    }
  });
});

describe('fixDockerfile without a build context', () => {
  it('multi-stage: minimal range edits, comments and formatting kept', () => {
    const r = fixDockerfile(FIX_CASES.multiContinuation!);
    expect(r.mode).toBe('multi-stage');
    expect(r.fixed).toContain("      -ldflags='-s -w -X main.commit=abc' \\\n");
    expect(r.fixed).toContain('    # build it\n');
    expect(r.fixed).toContain('RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \\\n');
    expect(r.fixed).toContain('FROM --platform=$BUILDPLATFORM golang:1.21 AS builder\nARG TARGETOS TARGETARCH\n');
    expect(r.fixed).toContain('USER 65532:65532\nENTRYPOINT ["/svc"]');
    expect(r.fixed).toContain('RUN --mount=type=cache,target=/go/pkg/mod go mod download');
    // Nothing else moved: the untouched lines are byte-identical.
    const before = FIX_CASES.multiContinuation!.split('\n');
    for (const l of ['WORKDIR /src', 'COPY go.mod go.sum ./', 'COPY . .', '      -o /out/svc ./cmd/svc', 'COPY --from=builder /out/svc /svc']) {
      expect(before).toContain(l);
      expect(r.fixed.split('\n')).toContain(l);
    }
  });

  it('multi-stage: alpine final with nothing needing a shell -> distroless static, exec form, USER', () => {
    const r = fixDockerfile(FIX_CASES.multiAlpine!);
    expect(r.fixed).toContain('FROM gcr.io/distroless/static-debian12:nonroot\n');
    expect(r.fixed).toContain('CMD ["/app"]');
    expect(r.fixed).toContain('USER 65532:65532\nCMD ["/app"]');
    expect(r.fixed).toContain('-ldflags "-s -w -X main.version=1.2.3"');
  });

  it('multi-stage: a final stage that RUNs keeps its base, says why, and still gets a non-root USER', () => {
    const r = fixDockerfile(FIX_CASES.multiAlpineRun!);
    expect(r.fixed).toContain('FROM alpine:3.19');
    expect(r.notes.some((n) => /final base kept/.test(n.message))).toBe(true);
    expect(r.fixed).toContain('USER 65532:65532\nCMD ["/app"]');
  });

  it('cgo asked for explicitly (C library headers, CGO_ENABLED=1) is kept, and a static final base becomes glibc', () => {
    const r = fixDockerfile(FIX_CASES.multiCgoSqlite!);
    expect(r.fixed).toContain('CGO_ENABLED=1 go build -trimpath -ldflags="-s -w"');
    expect(r.fixed).toContain('FROM gcr.io/distroless/base-debian12:nonroot');
    expect(r.fixed).not.toContain('--platform');
  });

  it('scratch final with a shell-form ENTRYPOINT becomes exec form', () => {
    expect(fixDockerfile(FIX_CASES.multiScratch!).fixed).toContain('ENTRYPOINT ["/app", "-port", "80"]');
  });

  it('leaves what it cannot carry with a goslim TODO: make, scripts, go run, heredocs, Windows', () => {
    const make = fixDockerfile(FIX_CASES.singleMake!);
    expect(make.fixed).toContain('# goslim: TODO this RUN builds through a tool');
    expect(make.todos.length).toBeGreaterThan(0);
    const script = fixDockerfile(FIX_CASES.singleScript!);
    expect(script.fixed).toMatch(/# goslim: TODO ENTRYPOINT runs \.\/docker-entrypoint\.sh/);
    const goRun = fixDockerfile(FIX_CASES.singleGoRun!);
    expect(goRun.fixed).toMatch(/# goslim: TODO CMD runs the Go toolchain/);
    const heredoc = fixDockerfile(FIX_CASES.heredoc!);
    expect(heredoc.fixed).toContain('# goslim: TODO go build inside a heredoc');
    const win = fixDockerfile(FIX_CASES.windows!);
    expect(win.changed).toBe(false);
    expect(win.todos[0]!.message).toMatch(/Windows/);
  });

  it('resolves output names: go build without -o, go install, and PATH lookup of a bare CMD', () => {
    const a = fixDockerfile(FIX_CASES.singleNoOutput!);
    expect(a.fixed).toContain('COPY --from=build /src/api /src/api');
    expect(a.fixed).toContain('ENTRYPOINT ["/src/api"]');
    const b = fixDockerfile(FIX_CASES.singleInstall!);
    expect(b.fixed).toContain('COPY --from=build /go/bin/worker /go/bin/worker');
    expect(b.fixed).toContain('ENTRYPOINT ["/go/bin/worker"]');
  });

  it('single stage carries LABEL, ENV (not Go build settings), VOLUME, STOPSIGNAL, EXPOSE, copied files, ENTRYPOINT+CMD', () => {
    const r = fixDockerfile(FIX_CASES.singleEnvLabel!);
    const final = r.fixed.slice(r.fixed.lastIndexOf('\nFROM '));
    for (const l of ['LABEL org.opencontainers.image.source=https://example.com/x', 'ENV APP_ENV=prod GOFLAGS=-mod=mod', 'VOLUME /data', 'STOPSIGNAL SIGINT', 'EXPOSE 9000 9001', 'COPY --from=build /etc/app/config.yaml /etc/app/config.yaml', 'ENTRYPOINT ["/usr/local/bin/app"]', 'CMD ["--config", "/etc/app/config.yaml"]', 'USER 65532:65532']) {
      expect(final, l).toContain(l);
    }
    expect(r.fixed).toContain('ARG GO=1.21\nFROM --platform=$BUILDPLATFORM golang:${GO} AS build');
    // go mod download already came first: not added twice.
    expect(r.fixed.match(/go mod download/g)).toHaveLength(1);
    expect(r.notes.some((n) => n.message.includes('volumes'))).toBe(true);
  });

  it('keeps CRLF line endings', () => {
    const r = fixDockerfile(FIX_CASES.crlf!);
    expect(r.fixed).toContain('\r\n');
    expect(r.fixed.replace(/\r\n/g, '')).not.toContain('\n');
    expect(r.fixed).toContain('CMD ["/app"]\r\n');
  });

  it('leaves a Dockerfile that builds no Go alone and says why (issue 12)', () => {
    for (const text of [
      'FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD ["node", "server.js"]\n',
      'FROM python:3.12-slim\nRUN pip install flask\nCMD python app.py\n',
      'FROM gcr.io/distroless/static-debian12\nCOPY app /app\nENTRYPOINT ["/app"]\n',
    ]) {
      const r = fixDockerfile(text);
      expect(r.changed).toBe(false);
      expect(r.fixed).toBe(text);
      expect(r.edits).toEqual([]);
      expect(r.skipped).toBe('no-go-build');
      expect(r.notes).toHaveLength(1);
    }
    // A Go toolchain stage alone is enough to count as a Go build (make inside golang).
    expect(fixDockerfile(FIX_CASES.singleMake!).skipped).toBeUndefined();
  });

  it('go build main.go writes ./main (lint\'s go-build answer, as cmd/go does)', () => {
    const r = fixDockerfile('FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build main.go\nCMD ["./main"]\n');
    expect(r.mode).toBe('single-stage');
    expect(r.fixed).toContain('COPY --from=build /src/main /src/main');
    expect(r.fixed).toContain('ENTRYPOINT ["/src/main"]');
    // The only TODO left is the uninspected build context (COPY . ., line 3), none for the binary.
    expect(r.todos.map((t) => t.line)).toEqual([3]);
  });

  it('cgo asked for through `export` or `sh -c` counts, as lint\'s analysis sees it (one set of facts)', () => {
    for (const run of ['RUN export CGO_ENABLED=1 && go build -o /app .', 'RUN sh -c "CGO_ENABLED=1 go build -o /app ."']) {
      const text = `FROM golang:1.22 AS b\nWORKDIR /s\nCOPY . .\n${run}\nFROM gcr.io/distroless/static-debian12\nCOPY --from=b /app /app\nENTRYPOINT ["/app"]\n`;
      const r = fixDockerfile(text);
      const kinds = r.edits.map((e) => e.kind);
      expect(kinds).toContain('cgo-kept');
      expect(kinds).not.toContain('cgo-off');
      // The base swap names the glibc the binary must not outgrow (issue 15).
      expect(r.edits.find((e) => e.kind === 'cgo-kept' && e.message.startsWith('final base'))?.message).toMatch(/glibc is 2\.36 \(Debian 12\).*goslim explain symbol-versions/);
      expect(lintDockerfile(r.fixed).findings.filter((f) => f.rule === 'G003')).toEqual([]);
    }
  });

  it('binary paths from lint\'s analysis: go build -o /out/app ./cmd/app, go install ./cmd/app (not cross-compiled)', () => {
    const o = fixDockerfile('FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /out/app ./cmd/app\nCMD ["/out/app"]\n');
    expect(o.fixed).toContain('COPY --from=build /out/app /out/app');
    expect(o.fixed).toContain('ENTRYPOINT ["/out/app"]');
    // A `cd` in the RUN moves a relative -o with it (the analysis follows cd); a `cd $DIR` that does not expand does not guess.
    const cd = fixDockerfile('FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN cd cmd/app && go build -o app .\nCMD ["/src/cmd/app/app"]\n');
    expect(cd.fixed).toContain('COPY --from=build /src/cmd/app/app /src/cmd/app/app');
    const cdVar = fixDockerfile('FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN cd $DIR && go build -o app .\nCMD ["./app"]\n');
    expect(cdVar.fixed).not.toMatch(/COPY --from=build \S*app/);
    const inst = fixDockerfile('FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go install ./cmd/app\nCMD ["app"]\n');
    expect(inst.fixed).toContain('COPY --from=build /go/bin/app /go/bin/app');
    expect(inst.fixed).toContain('ENTRYPOINT ["/go/bin/app"]');
    // Go writes a cross-compiled go install to /go/bin/<goos>_<goarch>/: no GOOS/GOARCH, no $BUILDPLATFORM.
    expect(inst.fixed).not.toMatch(/BUILDPLATFORM|GOARCH/);
    expect(inst.notes.map((n) => n.message)).toContain(INSTALL_NOT_CROSS);
    expect(lintDockerfile(inst.fixed).findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(fixDockerfile(inst.fixed).fixed).toBe(inst.fixed);
  });

  it('single stage: go install with GOOS/GOARCH copies the path lint computes (go-build.ts installDir), or says why it cannot', () => {
    const os = fixDockerfile('FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN GOOS=linux go install ./cmd/x\nCMD ["x"]\n');
    expect(os.fixed).toContain('COPY --from=build /go/bin/x /go/bin/x');
    expect(os.fixed).toContain('ENTRYPOINT ["/go/bin/x"]');
    expect(lintDockerfile(os.fixed).findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(fixDockerfile(os.fixed).fixed).toBe(os.fixed);
    const target = fixDockerfile('FROM golang:1.22\nARG TARGETOS TARGETARCH\nWORKDIR /src\nCOPY . .\nRUN GOOS=$TARGETOS GOARCH=$TARGETARCH go install ./cmd/x\nCMD ["x"]\n');
    expect(target.fixed).toContain('COPY --from=build /go/bin/x /go/bin/x');
    // A literal GOARCH: /go/bin/x on an arm64 target, /go/bin/linux_arm64/x elsewhere; fix copies neither guess.
    const arch = fixDockerfile('FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN GOARCH=arm64 go install ./cmd/x\nCMD ["x"]\n');
    expect(arch.fixed).not.toMatch(/COPY --from=build \S*\/x /);
    expect(arch.todos.map((t) => t.message).join('\n')).toContain('GOARCH=arm64 on the target platform: whether go install cross-compiles depends on the platforms of the build');
  });

  it('COPY . in exec form is the whole-context copy lint G010/G020 see (contextCopy): the module layer goes before it', () => {
    const text = 'FROM golang:1.22 AS build\nWORKDIR /src\nCOPY [".", "."]\nRUN go build -o /app .\nFROM gcr.io/distroless/static-debian12:nonroot\nCOPY --from=build /app /app\nENTRYPOINT ["/app"]\n';
    const r = fixDockerfile(text);
    expect(r.fixed).toMatch(/COPY go\.mod go\.sum\* \.\/\nRUN --mount=type=cache,target=\/go\/pkg\/mod go mod download\nCOPY \[".", "."\]/);
    expect(lintDockerfile(r.fixed, { dockerignore: '.git\n' }).findings.filter((f) => f.rule === 'G010')).toEqual([]);
    const single = fixDockerfile('FROM golang:1.22\nWORKDIR /src\nCOPY [".", "/src"]\nRUN go build -o /app .\nCMD ["/app"]\n');
    expect(single.fixed).toContain('COPY --from=build /app /app');
  });

  it('USER: fix replaces what lint G016 reports, read the same way (userKind)', () => {
    const final = (user: string, base = 'debian:12-slim') =>
      `FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /app .\nFROM ${base}\nARG APP_USER=root\nCOPY --from=build /app /app\nUSER ${user}\nENTRYPOINT ["/app"]\n`;
    for (const user of ['root:staff', '0', '$APP_USER']) {
      const r = fixDockerfile(final(user));
      expect(r.fixed, user).toContain('USER 65532:65532');
      expect(lintDockerfile(r.fixed).findings.filter((f) => f.rule === 'G016'), user).toEqual([]);
    }
    // A variable fix cannot read is left as written (and lint says nothing of it either).
    const unknown = fixDockerfile(final('$UID', 'gcr.io/distroless/static-debian12'));
    expect(unknown.fixed).toContain('USER $UID');
    expect(lintDockerfile(unknown.fixed).findings.filter((f) => f.rule === 'G016')).toEqual([]);
  });

  it('go install in a stage already on $BUILDPLATFORM without GOARCH: a TODO, and lint G013 says the same', () => {
    const text = 'FROM --platform=$BUILDPLATFORM golang:1.22 AS tools\nRUN go install example.com/tool@v1.0.0\nFROM gcr.io/distroless/static-debian12:nonroot\nCOPY --from=tools /go/bin/tool /tool\nENTRYPOINT ["/tool"]\n';
    const r = fixDockerfile(text);
    expect(r.todos.map((t) => t.message)).toContain(INSTALL_ON_BUILD_PLATFORM);
    const g013 = lintDockerfile(text).findings.find((f) => f.rule === 'G013')!;
    expect(g013.message).toContain('go build -o');
  });

  it('edits go build inside sh -c "..." in place, quoting for the string it is in', () => {
    const run = (line: string): string =>
      `FROM golang:1.22 AS b\nWORKDIR /s\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\n${line}\nFROM gcr.io/distroless/static-debian12:nonroot\nCOPY --from=b /app /app\nENTRYPOINT ["/app"]\n`;
    const dq = fixDockerfile(run('RUN sh -c "cd /s && go build -o /app ./cmd/app"'));
    expect(dq.fixed).toContain(
      'sh -c "cd /s && CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags=\'-s -w\' -o /app ./cmd/app"',
    );
    const sq = fixDockerfile(run('RUN sh -c \'go build -ldflags "-X main.v=1" -o /app .\''));
    expect(sq.fixed).toContain('go build -trimpath -ldflags "-s -w -X main.v=1" -o /app .\'');
    const exec = fixDockerfile(run('RUN ["/bin/sh", "-c", "go build -o /app ."]'));
    expect(exec.fixed).toContain('["/bin/sh", "-c", "CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags=\'-s -w\' -o /app ."]');
    for (const r of [dq, sq, exec]) {
      expect(r.todos).toEqual([]);
      // The finding and its fix come from the same facts: lint sees the edited command and has nothing left to say about it.
      expect(lintDockerfile(r.fixed).findings.filter((f) => ['G008', 'G009', 'G011', 'G013'].includes(f.rule))).toEqual([]);
      expect(fixDockerfile(r.fixed).fixed).toBe(r.fixed);
    }
    // A sh -c string with escapes has no single place for the words: a TODO that says so.
    const esc = fixDockerfile(run('RUN sh -c "go build -ldflags \\"-X a=b\\" -o /app ."'));
    expect(esc.todos.map((t) => t.message).join('\n')).toMatch(/go build inside sh -c \(the sh -c string has escapes/);
  });

  it('GOFLAGS=-trimpath counts for the finding and for the fix (one set of facts)', () => {
    const text = 'FROM golang:1.22 AS b\nENV GOFLAGS=-trimpath\nWORKDIR /s\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN CGO_ENABLED=0 go build -ldflags="-s -w" -o /app .\nFROM gcr.io/distroless/static-debian12:nonroot\nCOPY --from=b /app /app\nENTRYPOINT ["/app"]\n';
    expect(lintDockerfile(text).findings.filter((f) => f.rule === 'G008')).toEqual([]);
    const r = fixDockerfile(text);
    expect(r.edits.map((e) => e.kind)).not.toContain('trimpath');
    expect(r.fixed).not.toContain('go build -trimpath');
  });

  it('mergeLdflags adds only what is missing', () => {
    expect(mergeLdflags('-X main.v=1')).toBe('-s -w -X main.v=1');
    expect(mergeLdflags('-w -X a=b')).toBe('-s -w -X a=b');
    expect(mergeLdflags('-s -w')).toBeUndefined();
    // Lint's reading of the flags decides what is missing: `-s=true` counts, and so does an ARG-held -s.
    expect(mergeLdflags('-s=true -X a=b')).toBe('-w -s=true -X a=b');
    const b = analyzeGoBuilds(parseDockerfile('FROM golang:1.22\nARG LDFLAGS="-s -X main.v=1"\nRUN go build -ldflags="${LDFLAGS}" -o /app .\n')).builds[0]!;
    expect(mergeLdflags('${LDFLAGS}', b.flags.ldflags!)).toBe('-w ${LDFLAGS}');
  });
});

describe('properties over the corpus', () => {
  const cases = corpus();

  it.each(cases)('%s: fix(fix(x)) == fix(x)', (_name, text) => {
    const once = fixDockerfile(text).fixed;
    expect(fixDockerfile(once).fixed).toBe(once);
    const explained = fixDockerfile(text, { explain: true }).fixed;
    expect(fixDockerfile(explained, { explain: true }).fixed).toBe(explained);
  });

  it.each(cases)('%s: the output parses and has no error-level lint finding (unless goslim left a TODO)', (_name, text) => {
    const r = fixDockerfile(text);
    const model = parseDockerfile(r.fixed.replace(/\r\n/g, '\n'));
    expect(model.stages.length).toBeGreaterThan(0);
    const errors = lintDockerfile(r.fixed).findings.filter((f) => f.severity === 'error');
    if (r.todos.length === 0) expect(errors.map((e) => `${e.rule}:${e.line} ${e.message}`)).toEqual([]);
    else {
      // What remains is what the TODOs say: never an error the input did not have.
      const before = new Set(lintDockerfile(text).findings.filter((f) => f.severity === 'error').map((f) => f.rule));
      expect(errors.filter((e) => !before.has(e.rule)).map((e) => `${e.rule}:${e.line}`)).toEqual([]);
    }
  });

  it.each(cases)('%s: build outputs, EXPOSE and runtime COPY destinations are kept', (_name, text) => {
    const fixed = fixDockerfile(text).fixed;
    const outs = (t: string): string[] => [...t.matchAll(/-o\s+(\S+)/g)].map((m) => m[1]!);
    // Every output is kept (an -o may be added where a later stage copies a path go build did not write).
    const after = outs(fixed);
    for (const o of outs(text)) expect(after).toContain(o);
    const expose = (t: string): string[] => [...t.matchAll(/^EXPOSE .*$/gm)].map((m) => m[0].trim());
    expect(expose(fixed)).toEqual(expose(text));
  });

  it.each(cases)('%s: every COPY/ADD destination of the original is still written to', (_name, text) => {
    const fixed = fixDockerfile(text).fixed.replace(/\r\n/g, '\n');
    const model = parseDockerfile(text.replace(/\r\n/g, '\n'));
    const after = parseDockerfile(fixed);
    const dests = (m: typeof model): Set<string> =>
      new Set(m.instructions.filter((i) => (i.keyword === 'COPY' || i.keyword === 'ADD') && i.heredocs.length === 0 && i.args.length >= 2).map((i) => i.args[i.args.length - 1]!.value));
    const kept = dests(after);
    for (const d of dests(model)) expect(kept.has(d) || [...kept].some((k) => k.endsWith(d.replace(/^\.\/?/, '')))).toBe(true);
  });

  it.each(cases)('%s: the unified diff applies back to the fixed text', (_name, text) => {
    const fixed = fixDockerfile(text).fixed;
    const diff = unifiedDiff(text, fixed, 'a', 'b');
    expect(applyUnifiedDiff(text, diff)).toBe(fixed);
    if (fixed === text) expect(diff).toBe('');
  });
});

describe('robustness: every one-line deletion of every corpus file', () => {
  it('never throws and stays idempotent (bounded: at most 2,000 mutants)', () => {
    const failures: string[] = [];
    let mutants = 0;
    for (const [name, text] of corpus()) {
      const lines = text.split('\n');
      for (let i = 0; i < lines.length && mutants < 2000; i++, mutants++) {
        const t = [...lines.slice(0, i), ...lines.slice(i + 1)].join('\n');
        try {
          const once = fixDockerfile(t).fixed;
          if (fixDockerfile(once).fixed !== once) failures.push(`${name} without line ${i + 1}: not idempotent`);
        } catch (e) {
          failures.push(`${name} without line ${i + 1}: ${(e as Error).message}`);
        }
      }
    }
    expect(mutants).toBeGreaterThan(100);
    expect(failures).toEqual([]);
  });
});
