/**
 * `goslim init`: the recipe as text. Pure: facts about the module in, Dockerfile
 * and .dockerignore text out. The same recipe `goslim fix` produces, so
 * `goslim fix` on an init'ed Dockerfile changes nothing (tested).
 */
import { posix } from 'node:path';
import { renderExec } from '../dockerfile/fix/exec-form.js';
import { GLIBC_BASE, NONROOT_USER, STATIC_BASE } from '../dockerfile/fix/types.js';

export interface InitRecipe {
  /** Go release for the builder image tag, e.g. "1.19" -> golang:1.19. */
  goVersion: string;
  modulePath: string;
  /** Package argument for go build, e.g. "./cmd/api" or ".". */
  pkg: string;
  /** Binary name (last element of the package path). */
  binary: string;
  /** cgo really needed, and why. */
  cgo?: string;
  hasGoSum: boolean;
  /** The main package's own probe ("-healthcheck" or "healthcheck"), if any. */
  healthcheck?: string;
  /** Directories/files embedded with //go:embed (reported only; they ship inside the binary). */
  embeds: string[];
  /** Final base override. */
  base?: string;
  /** Port to EXPOSE, when one is known. */
  port?: number;
}

export function renderDockerfile(r: InitRecipe): string {
  const cgo = r.cgo !== undefined;
  const base = r.base ?? (cgo ? GLIBC_BASE : STATIC_BASE);
  const bin = posix.join('/usr/local/bin', r.binary);
  const env = cgo ? 'CGO_ENABLED=1' : 'CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH';
  const lines = [
    '# syntax=docker/dockerfile:1',
    `# Written by goslim init for ${r.modulePath} (${r.pkg}).`,
    cgo
      ? `# cgo is kept because ${r.cgo}; the final base therefore has glibc.`
      : '# The four levers: multi-stage, distroless static base, CGO_ENABLED=0, -trimpath -ldflags="-s -w".',
    cgo ? `FROM golang:${r.goVersion} AS build` : `FROM --platform=$BUILDPLATFORM golang:${r.goVersion} AS build`,
    ...(cgo ? [] : ['ARG TARGETOS TARGETARCH']),
    'WORKDIR /src',
    `COPY go.mod ${r.hasGoSum ? 'go.sum ' : ''}./`,
    'RUN --mount=type=cache,target=/go/pkg/mod go mod download',
    'COPY . .',
    'RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \\',
    `    ${env} go build -trimpath -ldflags="-s -w" -o ${bin} ${r.pkg}`,
    '',
    `FROM ${base}`,
    `COPY --from=build ${bin} ${bin}`,
    ...(r.port !== undefined ? [`EXPOSE ${r.port}`] : []),
    `USER ${NONROOT_USER}`,
    ...(r.healthcheck !== undefined ? [`HEALTHCHECK CMD ${renderExec([bin, r.healthcheck])}`] : []),
    `ENTRYPOINT ${renderExec([bin])}`,
  ];
  return `${lines.join('\n')}\n`;
}

// One .dockerignore recipe for init and fix (fix writes it when the build context has none).
export { renderDockerignore } from '../dockerfile/fix/dockerignore-plan.js';
