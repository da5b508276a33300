import { describe, expect, it } from 'vitest';
import { classifyImage, classifyStageBase, parseBaseImageReference } from './base-image.js';
import { parseDockerfile } from './parse/parse-dockerfile.js';

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
