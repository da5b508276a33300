import type { Rule, RuleReport } from './types.js';

export const rule: Rule = {
  meta: {
    id: 'G004',
    slug: 'cgo-in-non-build-stage',
    severity: 'warning',
    lever: 'cgo-off',
    doc: {
      summary: 'CGO_ENABLED is set in a stage that does not build Go code, where it has no effect.',
      why:
        'ENV and ARG are per stage. `ENV CGO_ENABLED=0` in the runtime stage does not reach the `go build` in the ' +
        'build stage, which still links libc dynamically when gcc is present; on a libc-less base the binary then ' +
        'fails with "exec ...: no such file or directory".',
      fix: 'Move the setting to the stage that runs `go build` (or onto the command: `RUN CGO_ENABLED=0 go build ...`).',
      lose: "Nothing: the setting only matters where the compiler runs.",
      keep: "The same runtime stage.",
      check: "docker build --target build . && docker run --rm IMAGE go env CGO_ENABLED",
      example: {
        bad: 'FROM golang:1.22 AS build\nRUN go build -o /app .\nFROM scratch\nENV CGO_ENABLED=0\nCOPY --from=build /app /app',
        good: 'FROM golang:1.22 AS build\nENV CGO_ENABLED=0\nRUN go build -o /app .\nFROM scratch\nCOPY --from=build /app /app',
      },
      references: ['https://docs.docker.com/reference/dockerfile/#scope'],
    },
  },
  check(ctx) {
    const out: RuleReport[] = [];
    if (ctx.go.builds.length === 0 && ctx.go.opaque.length === 0) return out;
    // A stage inherits ENV into stages built FROM it: a stage feeds a build when it builds or a stage
    // built FROM it does. Children come after their parent, so one backward pass settles every stage.
    const feeds = ctx.model.stages.map((s) => ctx.go.buildingStages.has(s.index));
    for (let i = feeds.length - 1; i >= 0; i--) {
      const parent = ctx.model.stages[i]!.base.stageIndex;
      if (feeds[i] && parent !== null && parent < i) feeds[parent] = true;
    }
    for (const stage of ctx.model.stages) {
      if (feeds[stage.index]) continue;
      for (const instr of stage.instructions) {
        if (instr.keyword !== 'ENV' && instr.keyword !== 'ARG') continue;
        if (!/\bCGO_ENABLED\b/.test(instr.body)) continue;
        out.push({
          range: instr.range,
          message:
            `${instr.keyword} CGO_ENABLED in stage ${stage.name ?? stage.index} has no effect: this stage runs no go build, ` +
            'and ENV/ARG do not cross stages. Set it in the stage that runs go build.',
        });
      }
    }
    return out;
  },
};
