import type { Rule, RuleReport } from './types.js';

export const rule: Rule = {
  meta: {
    id: 'G007',
    slug: 'run-without-shell',
    severity: 'error',
    lever: 'static-base',
    doc: {
      summary: 'Shell-form RUN in a final stage whose base has no shell.',
      why:
        'RUN in shell form executes `/bin/sh -c`. On scratch, distroless or chainguard/static there is no /bin/sh, ' +
        'so the build fails at this step.',
      fix:
        'Do the work in the build stage and COPY the result (directories: `COPY --from=build --chown=65532:65532 /data /data`; ' +
        'permissions: `COPY --chmod`).',
      lose: "Nothing: the work moves to the build stage.",
      keep: "A shell-less final image, which is the point of the base.",
      check: "docker build .   # the step fails with /bin/sh: no such file or directory when the rule fires",
      example: {
        bad: 'FROM gcr.io/distroless/static-debian12\nRUN mkdir /data',
        good: 'FROM golang:1.22 AS build\nRUN mkdir -p /out/data\nFROM gcr.io/distroless/static-debian12\nCOPY --from=build /out/data /data',
      },
      references: ['https://docs.docker.com/reference/dockerfile/#run'],
    },
  },
  check(ctx) {
    const out: RuleReport[] = [];
    const s = ctx.finalStage;
    if (!s || ctx.finalBase?.hasShell !== false) return out;
    for (const instr of s.instructions) {
      if (instr.keyword !== 'RUN' || instr.form !== 'shell') continue;
      out.push({
        range: instr.range,
        message:
          `RUN executes /bin/sh -c, and \`${ctx.finalBase.image}\` has no shell: the build fails here. Do this work in the ` +
          'build stage and COPY the result into the final stage.',
      });
    }
    return out;
  },
};
