import type { Rule, RuleReport } from './types.js';
import { copyPaths } from './context.js';
import { healthcheckMissing } from '../base-image.js';
import { healthcheckCommand } from '../parse/parse-dockerfile.js';

export const rule: Rule = {
  meta: {
    id: 'G006',
    slug: 'healthcheck-tools',
    severity: 'error',
    lever: 'static-base',
    doc: {
      summary: 'HEALTHCHECK needs curl, wget or a shell that the final base does not have.',
      why:
        'A health check command that cannot be executed fails every time: Docker marks the container unhealthy, ' +
        'and Swarm, ECS or Compose `depends_on: service_healthy` restart or never route to it, although the ' +
        'service itself is fine.',
      fix:
        'Probe from the orchestrator (Kubernetes HTTP probes), or give the Go binary a `healthcheck` sub-command ' +
        'and use exec form: `HEALTHCHECK CMD ["/app", "healthcheck"]`.',
      lose: "Nothing at run time.",
      keep: "Health checking, done by the orchestrator or the binary itself, without shipping curl and its libraries.",
      check: "docker inspect --format '{{json .State.Health}}' CONTAINER",
      example: {
        bad: 'FROM gcr.io/distroless/static-debian12\nHEALTHCHECK CMD curl -f http://localhost:8080/healthz',
        good: 'FROM gcr.io/distroless/static-debian12\nHEALTHCHECK CMD ["/app", "healthcheck"]',
      },
      references: ['https://docs.docker.com/reference/dockerfile/#healthcheck'],
    },
  },
  check(ctx) {
    const out: RuleReport[] = [];
    const s = ctx.finalStage;
    const base = ctx.finalBase;
    if (!s || !base) return out;
    const copiedNames = new Set<string>();
    for (const i of s.instructions) {
      if (i.keyword !== 'COPY' && i.keyword !== 'ADD') continue;
      const p = copyPaths(ctx.model, i);
      if (p) for (const src of [...p.sources, p.dest]) copiedNames.add(src.replace(/\/+$/, '').split('/').pop() ?? '');
    }
    for (const instr of s.instructions) {
      if (instr.keyword !== 'HEALTHCHECK') continue;
      // The one reading of a HEALTHCHECK and of what a base lacks (base-image.ts), which fix reads too.
      const missing = healthcheckMissing(base, instr);
      if (missing === null) continue;
      if (missing === '/bin/sh' && healthcheckCommand(instr)?.exec === null) {
        out.push({
          range: instr.range,
          message:
            `Shell-form HEALTHCHECK runs /bin/sh -c, which \`${base.image}\` does not have: every check fails and the ` +
            'container is marked unhealthy. Use exec form with a binary the image contains, e.g. HEALTHCHECK CMD ["/app", "healthcheck"].',
        });
        continue;
      }
      const tool = missing.split('/').pop()!;
      if (!copiedNames.has(tool)) {
        out.push({
          range: instr.range,
          message:
            `HEALTHCHECK runs ${tool}, which \`${base.image}\` does not contain: every check fails and the container is ` +
            'marked unhealthy. Probe from the orchestrator or add a healthcheck sub-command to the Go binary.',
        });
      }
    }
    return out;
  },
};
