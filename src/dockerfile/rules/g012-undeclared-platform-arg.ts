import type { Rule, RuleReport } from './types.js';
import { AUTOMATIC_PLATFORM_ARGS } from '../parse/parse-dockerfile.js';
import { referencedVariables } from '../parse/expand.js';

const AUTO = new Set<string>(AUTOMATIC_PLATFORM_ARGS);

export const rule: Rule = {
  meta: {
    id: 'G012',
    slug: 'undeclared-platform-arg',
    severity: 'error',
    doc: {
      summary: '$TARGETOS / $TARGETARCH (or another automatic platform arg) used in a stage without an in-stage ARG.',
      why:
        'BuildKit defines the automatic platform args in the global scope only. Inside a stage they are empty until ' +
        'redeclared with `ARG TARGETARCH`; `GOARCH=$TARGETARCH go build` then becomes `GOARCH= go build` and ' +
        'silently builds for the build machine. An arm64 image gets an amd64 binary: "exec format error" at start. ' +
        "BuildKit's own UndefinedVar check skips shell-form RUN, so nothing else warns.",
      fix: 'Add `ARG TARGETOS TARGETARCH` (and TARGETVARIANT if used) after the FROM of the stage that uses them.',
      lose: "Nothing.",
      keep: "Single-platform builds behave as before; multi-platform builds get the right binary per platform.",
      check: "docker buildx build --platform linux/arm64 -o type=local,dest=out . && file out/app",
      example: {
        bad: 'FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nRUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /app .',
        good: 'FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nARG TARGETOS TARGETARCH\nRUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /app .',
      },
      references: [
        'https://docs.docker.com/reference/dockerfile/#automatic-platform-args-in-the-global-scope',
        'https://docs.docker.com/reference/build-checks/undefined-var/',
      ],
    },
  },
  check(ctx) {
    const out: RuleReport[] = [];
    for (const stage of ctx.model.stages) {
      for (const instr of stage.instructions) {
        if (instr.keyword === 'ARG') continue;
        const text = [instr.body, ...instr.flags.map((f) => f.value ?? ''), ...instr.heredocs.map((h) => h.body)].join('\n');
        if (!text.includes('$')) continue;
        const missing = referencedVariables(text).filter((n) => AUTO.has(n) && !instr.scope.has(n));
        if (missing.length === 0) continue;
        out.push({
          range: instr.range,
          message:
            `${missing.map((n) => `$${n}`).join(', ')} ${missing.length > 1 ? 'are' : 'is'} empty here: automatic platform args ` +
            `must be redeclared in the stage. The build silently targets the build machine's platform. Add ` +
            `\`ARG ${missing.join(' ')}\` after FROM (line ${stage.from.line}).`,
        });
      }
    }
    return out;
  },
};
