import type { Rule } from './types.js';
import { leverDoc } from '../../vocabulary/levers.js';

export const rule: Rule = {
  meta: {
    id: 'G001',
    slug: 'single-stage',
    severity: 'warning',
    lever: 'multi-stage',
    doc: {
      summary: 'The final stage is a Go toolchain image, so the image ships the compiler.',
      why:
        'A `golang:*` final stage carries the Go toolchain, the standard library sources, the module cache ' +
        'and the build cache: hundreds of MB the service never uses at run time, plus a compiler and a shell ' +
        'for anyone who gets into the container.',
      fix:
        'Build in a first stage (`FROM golang:<version> AS build`) and copy only the binary into a small final ' +
        'stage: `FROM gcr.io/distroless/static-debian12:nonroot` + `COPY --from=build /out/app /app`.',
      // What you lose and keep is the lever's (one copy: src/vocabulary/levers.ts).
      lose: leverDoc('multi-stage').lose,
      keep: leverDoc('multi-stage').keep,
      check: "docker image ls IMAGE   # size before and after; goslim lint Dockerfile",
      example: {
        bad: 'FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\nENTRYPOINT ["/app"]',
        good:
          'FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=0 go build -o /app .\n' +
          'FROM gcr.io/distroless/static-debian12:nonroot\nCOPY --from=build /app /app\nENTRYPOINT ["/app"]',
      },
      references: ['https://docs.docker.com/build/building/multi-stage/'],
    },
  },
  check(ctx) {
    const s = ctx.finalStage;
    if (!s || s.base.stageIndex !== null) return [];
    if (ctx.baseOf(s).kind !== 'go-toolchain') return [];
    return [
      {
        range: s.base.range,
        message:
          `The final image is based on the Go toolchain image \`${s.base.expanded}\`: it ships the compiler, ` +
          'the standard library and the module/build caches (hundreds of MB). Build in a separate stage and copy ' +
          'only the binary into a small final base such as gcr.io/distroless/static-debian12:nonroot.',
      },
    ];
  },
};
