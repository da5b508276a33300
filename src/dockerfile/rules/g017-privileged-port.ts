import type { Rule, RuleReport } from './types.js';
import { expandInScope } from '../parse/parse-dockerfile.js';

export const rule: Rule = {
  meta: {
    id: 'G017',
    slug: 'privileged-port',
    severity: 'info',
    doc: {
      summary: 'A port below 1024 is exposed while the image runs as a non-root user.',
      why:
        'Binding a port below 1024 needs CAP_NET_BIND_SERVICE; a non-root process without it fails at start with ' +
        '"listen tcp :80: bind: permission denied" (unless the runtime lowers net.ipv4.ip_unprivileged_port_start).',
      fix: 'Listen on a high port (8080) and map it in the orchestrator (`-p 80:8080`, a Service port).',
      lose: "Nothing.",
      keep: "The published port, which can stay 80/443 through the port mapping.",
      check: "docker run --rm -p 80:8080 IMAGE",
      example: { bad: 'USER 65532:65532\nEXPOSE 80', good: 'USER 65532:65532\nEXPOSE 8080' },
      references: ['https://man7.org/linux/man-pages/man7/capabilities.7.html'],
    },
  },
  check(ctx) {
    const out: RuleReport[] = [];
    const s = ctx.finalStage;
    const base = ctx.finalBase;
    if (!s || !base || base.kind === 'windows') return out;
    let nonRoot = base.isNonRootDefault === true;
    for (const st of [...ctx.finalChain].reverse()) {
      for (const i of st.instructions) {
        if (i.keyword === 'USER') {
          const u = expandInScope(ctx.model, i, i.body.trim()).split(':')[0] ?? '';
          nonRoot = u !== '' && u !== 'root' && u !== '0';
        }
      }
    }
    if (!nonRoot) return out;
    for (const i of s.instructions) {
      if (i.keyword !== 'EXPOSE') continue;
      const low = expandInScope(ctx.model, i, i.body)
        .split(/\s+/)
        .map((p) => Number.parseInt(p, 10))
        .filter((p) => Number.isFinite(p) && p > 0 && p < 1024);
      if (low.length === 0) continue;
      out.push({
        range: i.range,
        message:
          `Port ${low.join(', ')} is below 1024 but the image runs as a non-root user: listening fails with "bind: permission denied". ` +
          'Listen on a high port (e.g. 8080) and map it.',
      });
    }
    return out;
  },
};
