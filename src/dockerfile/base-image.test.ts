import { describe, expect, it } from 'vitest';
import { classifyImage, classifyStageBase, healthcheckMissing, lacksProgram, parseBaseImageReference, toolchainTreeOf } from './base-image.js';
import { parseDockerfile } from './parse/parse-dockerfile.js';
import { analyzeGoBuilds } from './go-build.js';

describe('classifyImage', () => {
  it.each([
    ['golang:1.22-bookworm', 'go-toolchain', true, 'glibc'],
    ['golang:1.22-alpine', 'go-toolchain', true, 'musl'],
    ['docker.io/library/golang:1.22', 'go-toolchain', true, 'glibc'],
    ['debian:12-slim', 'distro', true, 'glibc'],
    ['ubuntu:24.04', 'distro', true, 'glibc'],
    ['registry.access.redhat.com/ubi9/ubi-minimal:9.4', 'distro', true, 'glibc'],
    ['alpine:3.20', 'alpine', true, 'musl'],
    ['gcr.io/distroless/static-debian12:nonroot', 'distroless-static', false, null],
    ['gcr.io/distroless/static-debian12:debug-nonroot', 'distroless-static', true, null],
    ['gcr.io/distroless/base-debian12', 'distroless-base', false, 'glibc'],
    ['gcr.io/distroless/cc-debian12:latest', 'distroless-cc', false, 'glibc'],
    ['cgr.dev/chainguard/static:latest', 'chainguard-static', false, null],
    ['scratch', 'scratch', false, null],
    ['mcr.microsoft.com/windows/nanoserver:ltsc2022', 'windows', true, null],
    ['mcr.microsoft.com/windows/servercore:ltsc2022', 'windows', true, null],
    ['quay.io/acme/runtime:1', 'unknown', null, null],
  ])('%s -> %s', (image, kind, shell, libc) => {
    const f = classifyImage(image);
    expect(f.kind).toBe(kind);
    expect(f.hasShell).toBe(shell);
    expect(f.libc).toBe(libc);
  });

  it('knows nonroot defaults and bundled files', () => {
    expect(classifyImage('gcr.io/distroless/static-debian12:nonroot').isNonRootDefault).toBe(true);
    expect(classifyImage('gcr.io/distroless/static-debian12').isNonRootDefault).toBe(false);
    expect(classifyImage('cgr.dev/chainguard/static').isNonRootDefault).toBe(true);
    expect(classifyImage('gcr.io/distroless/static').hasCaCerts).toBe(true);
    expect(classifyImage('scratch').hasCaCerts).toBe(false);
  });

  it('follows FROM <stage> chains', () => {
    const m = parseDockerfile('FROM alpine:3.20 AS base\nFROM base AS runtime\nFROM runtime\n');
    expect(classifyStageBase(m, m.stages[2]!).kind).toBe('alpine');
  });

  it('splits references', () => {
    expect(parseBaseImageReference('localhost:5000/a/b:1@sha256:abc')).toEqual({
      registry: 'localhost:5000',
      repository: 'a/b',
      tag: '1',
      digest: 'sha256:abc',
    });
    expect(parseBaseImageReference('golang')).toEqual({ registry: null, repository: 'golang', tag: null, digest: null });
  });
});

describe('what a base lacks (lint G006 and fix read the same facts)', () => {
  it('programs by name or path; unknown bases lack nothing', () => {
    const distroless = classifyImage('gcr.io/distroless/static-debian12:nonroot');
    for (const p of ['sh', '/bin/sh', '/bin/bash', 'curl', '/usr/bin/wget', 'nc']) expect(lacksProgram(distroless, p), p).toBe(true);
    expect(lacksProgram(distroless, '/app')).toBe(false);
    const alpine = classifyImage('alpine:3.20');
    expect(['sh', 'curl', 'wget'].map((p) => lacksProgram(alpine, p))).toEqual([false, true, false]);
    expect(['sh', 'curl', 'nc'].map((p) => lacksProgram(classifyImage('example.com/custom:1'), p))).toEqual([false, false, false]);
  });

  it('a HEALTHCHECK: the shell for the shell form, else its program; nothing for NONE', () => {
    const hc = (line: string) => parseDockerfile(`FROM scratch\n${line}\n`).stages[0]!.instructions[0]!;
    const scratch = classifyImage('scratch');
    expect(healthcheckMissing(scratch, hc('HEALTHCHECK --interval=5s CMD curl -f http://x/'))).toBe('/bin/sh');
    expect(healthcheckMissing(scratch, hc('HEALTHCHECK CMD ["/usr/bin/curl", "-f", "http://x/"]'))).toBe('/usr/bin/curl');
    expect(healthcheckMissing(scratch, hc('HEALTHCHECK CMD ["/app", "-healthcheck"]'))).toBeNull();
    expect(healthcheckMissing(scratch, hc('HEALTHCHECK NONE'))).toBeNull();
    expect(healthcheckMissing(classifyImage('alpine:3.20'), hc('HEALTHCHECK CMD wget -q http://x/ || exit 1'))).toBeNull();
  });
});

describe('what a COPY out of a Go toolchain stage carries (lint G002 and fix read the same list)', () => {
  it.each([
    ['/', 'filesystem'],
    ['/.', 'filesystem'],
    ['/go/', 'toolchain'],
    ['/root/go', 'toolchain'],
    ['/usr/local/go', 'toolchain'],
    ['/usr/lib/go', 'toolchain'],
    ['/go/bin/app', null],
    ['/out/app', null],
  ] as const)('%s', (path, tree) => expect(toolchainTreeOf(path)).toBe(tree));
});

describe('the WORKDIR a base sets (go-build.ts starts each stage there)', () => {
  it('golang images set /go; others are unknown (BuildKit then uses /)', () => {
    expect(classifyImage('golang:1.22-alpine').workdir).toBe('/go');
    expect(classifyImage('mirror.gcr.io/golang:1.22').workdir).toBe('/go');
    expect(classifyImage('debian:12').workdir).toBeNull();
    const m = parseDockerfile('FROM golang:1.22\nRUN go build -o app .\nFROM debian:12\nRUN go build -o app .\n');
    expect(analyzeGoBuilds(m).builds.map((b) => b.outputPath)).toEqual(['/go/app', '/app']);
  });
});

describe('classifyImage cache', () => {
  it('answers a repeated image with the same frozen facts, and keeps answering past its bound', () => {
    const a = classifyImage('alpine:3.20');
    expect(classifyImage('alpine:3.20')).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    for (let i = 0; i < 600; i++) expect(classifyImage(`example.com/img${i}:1`).kind).toBe('unknown');
    expect(classifyImage('alpine:3.20')).toEqual(a);
  });
});
