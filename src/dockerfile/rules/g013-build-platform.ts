import type { Rule, RuleReport } from './types.js';
import { onBuildPlatform as stageOnBuildPlatform } from '../go-build.js';
import { referencedVariables } from '../parse/expand.js';

export const rule: Rule = {
  meta: {
    id: 'G013',
    slug: 'build-platform',
    severity: 'warning',
    doc: {
      summary: 'In a cross-platform build, the Go build stage is not on --platform=$BUILDPLATFORM.',
      why:
        'With `docker buildx build --platform linux/arm64,linux/amd64`, a build stage without ' +
        '`--platform=$BUILDPLATFORM` runs once per target platform, the foreign one under QEMU emulation, which is ' +
        'many times slower. Go cross-compiles natively, so the compiler should run on the build machine and only ' +
        'GOOS/GOARCH should follow the target.',
      fix:
        '`FROM --platform=$BUILDPLATFORM golang:<version> AS build`, `ARG TARGETOS TARGETARCH`, and ' +
        '`GOOS=$TARGETOS GOARCH=$TARGETARCH go build ...`.',
      lose: "Cross-compiling needs CGO_ENABLED=0 (or a cross C toolchain).",
      keep: "The same binary for each platform, compiled natively on the build machine.",
      check: "docker buildx build --platform linux/amd64,linux/arm64 .   # compare the build time",
      example: {
        bad: 'FROM golang:1.22 AS build\nARG TARGETOS TARGETARCH\nRUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /app .',
        good: 'FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nARG TARGETOS TARGETARCH\nRUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /app .',
      },
      references: ['https://docs.docker.com/build/building/multi-platform/#cross-compilation'],
    },
  },
  check(ctx) {
    const out: RuleReport[] = [];
    // GOOS/GOARCH that follow the target platform (go-build.ts `side`: through ENV and ARG too), or name a
    // target arg the stage forgot to declare (the intent; G012 reports the missing ARG).
    const crossBuild = ctx.go.builds.some(
      (b) => b.goos.side === 'target' || b.goarch.side === 'target' || [b.goos.raw, b.goarch.raw].some((r) => r !== null && referencedVariables(r).some((n) => n.startsWith('TARGET'))),
    );
    for (const idx of ctx.go.buildingStages) {
      const stage = ctx.model.stages[idx]!;
      const builds = ctx.go.builds.filter((b) => b.stageIndex === idx);
      const onBuildPlatform = stageOnBuildPlatform(ctx.model, stage);
      if (crossBuild && !onBuildPlatform && builds.length > 0) {
        out.push({
          range: stage.from.range,
          message:
            'This build stage cross-compiles for $TARGETOS/$TARGETARCH but is not on --platform=$BUILDPLATFORM: in a ' +
            'multi-platform build it runs under QEMU emulation (many times slower). Use FROM --platform=$BUILDPLATFORM.',
        });
      }
      if (onBuildPlatform) {
        for (const b of builds) {
          if (b.goarch.source === 'unset') {
            out.push({
              range: b.instruction.range,
              severity: 'error',
              message:
                `This stage runs on $BUILDPLATFORM but go ${b.kind} does not set GOARCH: the binary is built for the build ` +
                'machine, so an image for another platform fails with "exec format error". ' +
                (b.kind === 'install'
                  ? 'Use go build -o <path> with GOOS=$TARGETOS GOARCH=$TARGETARCH: a cross-compiled go install writes to /go/bin/<goos>_<goarch>/, not /go/bin.'
                  : 'Set GOOS=$TARGETOS GOARCH=$TARGETARCH.'),
            });
          }
        }
      }
    }
    return out;
  },
};
