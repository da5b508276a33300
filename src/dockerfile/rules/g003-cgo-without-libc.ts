import type { Rule, RuleReport } from './types.js';
import { entrypointPath } from './context.js';
import { cPackagesInstalled } from '../go-build.js';
import { leverDoc } from '../../vocabulary/levers.js';

/** Packages that bring a C toolchain onto an Alpine build image. */

export const rule: Rule = {
  meta: {
    id: 'G003',
    slug: 'cgo-without-libc',
    severity: 'error',
    lever: 'cgo-off',
    doc: {
      summary: 'CGO is not disabled while the final base has no libc: the binary will not start.',
      why:
        'On a golang image with gcc, `go build` defaults to CGO_ENABLED=1 for native builds, and packages such ' +
        'as net and os/user then link libc dynamically. scratch, distroless/static and chainguard/static ship ' +
        'no libc and no dynamic loader, so the kernel cannot run the binary: the container exits at once with ' +
        '`exec /app: no such file or directory` (the file exists; its ELF interpreter does not).',
      fix: 'Set `CGO_ENABLED=0` on the build (`RUN CGO_ENABLED=0 go build ...` or `ENV CGO_ENABLED=0` in the build stage).',
      // What you lose and keep is the lever's (one copy: src/vocabulary/levers.ts).
      lose: leverDoc('cgo-off').lose,
      keep: leverDoc('cgo-off').keep,
      check: "readelf -l BINARY | grep -i interpreter   # no output = static; with output, it needs libc",
      example: {
        bad: 'FROM golang:1.22 AS build\nRUN go build -o /app .\nFROM scratch\nCOPY --from=build /app /app\nENTRYPOINT ["/app"]',
        good:
          'FROM golang:1.22 AS build\nRUN CGO_ENABLED=0 go build -o /app .\nFROM scratch\nCOPY --from=build /app /app\nENTRYPOINT ["/app"]',
      },
      references: ['https://pkg.go.dev/cmd/cgo', 'https://github.com/GoogleContainerTools/distroless#why-should-i-use-distroless-images'],
    },
  },
  check(ctx) {
    const out: RuleReport[] = [];
    const base = ctx.finalBase;
    if (!base || base.hasLibc !== false) return out;
    const seen = new Set<unknown>();
    for (const b of ctx.relevantBuilds) {
      if (seen.has(b) || b.cgo.value === '0') continue;
      seen.add(b);
      const stage = ctx.model.stages[b.stageIndex]!;
      const buildBase = ctx.baseOf(stage);
      // golang:*-alpine has no C compiler unless one is installed: cmd/go then defaults CGO_ENABLED to 0 (Go 1.20+).
      if (buildBase.kind === 'go-toolchain' && buildBase.libc === 'musl' && b.cgo.value === null) {
        const installsCc = stage.instructions.some((i) => cPackagesInstalled(i).compiler);
        if (!installsCc) continue;
      }
      const shipped = ctx.shipped.find((s) => s.build === b);
      const path = shipped?.pathInImage ?? entrypointPath(ctx) ?? b.outputPath ?? '/app';
      const how = b.cgo.value === null ? 'CGO_ENABLED is not set (cgo defaults to on where gcc exists)' : `CGO_ENABLED=${b.cgo.value}`;
      out.push({
        range: b.instruction.range,
        message:
          `${how} for this go build, so the binary is linked dynamically against libc; the final base ` +
          `\`${base.image}\` has no libc, so the container will not start: "exec ${path}: no such file or directory". ` +
          'Set CGO_ENABLED=0 on the build.',
      });
    }
    return out;
  },
};
