import type { Rule, RuleReport } from './types.js';
import { copyPaths } from './context.js';
import { toolchainTreeOf } from '../base-image.js';

export const rule: Rule = {
  meta: {
    id: 'G002',
    slug: 'build-stage-leak',
    severity: 'warning',
    lever: 'multi-stage',
    doc: {
      summary: 'The final stage is built FROM the build stage, or copies `/` or `/go` out of it.',
      why:
        'Multi-stage only helps if the last stage starts from a small base. `FROM build` or ' +
        '`COPY --from=build / /` (or `/go`) brings the whole toolchain image, its module cache and build cache ' +
        'back into the final image: the same hundreds of MB as a single-stage build.',
      fix: 'Start the final stage from a runtime base and copy only the binary (and any data files) by path.',
      lose: "Files from the build stage you did not name explicitly.",
      keep: "The binary and whatever you COPY by path.",
      check: "docker history IMAGE   # the final layers should be the base plus your COPYs",
      example: {
        bad: 'FROM golang:1.22 AS build\nRUN go build -o /out/app .\nFROM build\nENTRYPOINT ["/out/app"]',
        good:
          'FROM golang:1.22 AS build\nRUN CGO_ENABLED=0 go build -o /out/app .\n' +
          'FROM gcr.io/distroless/static-debian12:nonroot\nCOPY --from=build /out/app /app\nENTRYPOINT ["/app"]',
      },
      references: ['https://docs.docker.com/build/building/multi-stage/', 'https://github.com/hadolint/hadolint/wiki/DL3067'],
    },
  },
  check(ctx) {
    const out: RuleReport[] = [];
    const s = ctx.finalStage;
    if (!s) return out;
    if (s.base.stageIndex !== null) {
      const parent = ctx.model.stages[s.base.stageIndex]!;
      const builds = ctx.go.buildingStages.has(parent.index) || ctx.baseOf(parent).kind === 'go-toolchain';
      if (builds) {
        out.push({
          range: s.base.range,
          message:
            `The final stage starts FROM the build stage \`${s.base.expanded}\`, so it keeps the Go toolchain, ` +
            'sources and caches (hundreds of MB). Start it from a runtime base and COPY --from only the binary.',
        });
      }
    }
    for (const instr of s.instructions) {
      if (instr.keyword !== 'COPY' || instr.copyFrom?.kind !== 'stage') continue;
      const src = ctx.model.stages[instr.copyFrom.stageIndex]!;
      const paths = copyPaths(ctx.model, instr);
      if (!paths) continue;
      // The one list of what carries the toolchain (base-image.ts), which fix reads too.
      const leak = paths.sources.find((p) => toolchainTreeOf(p) !== null);
      if (leak === undefined) continue;
      const tree = toolchainTreeOf(leak);
      if (tree === 'toolchain' && ctx.baseOf(src).kind !== 'go-toolchain') continue;
      out.push({
        range: instr.range,
        message:
          `COPY --from=${instr.copyFrom.expanded} ${leak} copies ${tree === 'filesystem' ? 'the whole build filesystem' : 'the Go toolchain/module tree'} ` +
          'into the final image (hundreds of MB). Copy only the binary by path.',
      });
    }
    return out;
  },
};
