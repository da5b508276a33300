import type { Rule, RuleReport } from './types.js';
import { expandInScope } from '../parse/parse-dockerfile.js';

/**
 * How a USER value runs the service (expanded): as root (`root`, `0`, whatever the group), as a
 * user Kubernetes can check (numeric uid and group), as a named user, or unknown (empty, a variable).
 * Lint G016 reports root and names; fix writes the numeric non-root user in their place.
 */
export function userKind(value: string): 'root' | 'numeric' | 'named' | 'unknown' {
  const [name = '', group] = value.trim().split(':');
  if (name === '' || name.includes('$')) return 'unknown';
  if (name === 'root' || name === '0') return 'root';
  return /^\d+$/.test(name) && (group === undefined || group === '' || /^\d+$/.test(group)) ? 'numeric' : 'named';
}

export const rule: Rule = {
  meta: {
    id: 'G016',
    slug: 'root-user',
    severity: 'warning',
    doc: {
      summary: 'The final image runs as root, or with a non-numeric USER.',
      why:
        'A Go service needs no root privileges; running as root turns any RCE into root in the container. A ' +
        'non-numeric user (`USER nonroot`) cannot be verified by Kubernetes: a pod with runAsNonRoot is rejected ' +
        'with "container has runAsNonRoot and image has non-numeric user".',
      fix:
        'Use a base whose default user is non-root (`gcr.io/distroless/static-debian12:nonroot`, chainguard/static) ' +
        'or set a numeric user: `USER 65532:65532`.',
      lose: "Binding ports below 1024 and writing root-owned paths; COPY --chown what the service must write.",
      keep: "Everything the service does as an unprivileged process.",
      check: "docker image inspect --format '{{.Config.User}}' IMAGE",
      example: { bad: 'FROM gcr.io/distroless/static-debian12\nUSER nonroot', good: 'FROM gcr.io/distroless/static-debian12\nUSER 65532:65532' },
      references: [
        'https://kubernetes.io/docs/tasks/configure-pod-container/security-context/',
        'https://github.com/hadolint/hadolint/wiki/DL3002',
        'https://github.com/hadolint/hadolint/wiki/DL3066',
      ],
    },
  },
  check(ctx) {
    const out: RuleReport[] = [];
    const s = ctx.finalStage;
    const base = ctx.finalBase;
    if (!s || !base || base.kind === 'windows') return out;
    let user: { value: string; range: typeof s.from.range } | null = null;
    for (const st of [...ctx.finalChain].reverse()) {
      for (const i of st.instructions) {
        if (i.keyword === 'USER') user = { value: expandInScope(ctx.model, i, i.body.trim()), range: i.range };
      }
    }
    if (user === null) {
      if (base.isNonRootDefault === false && ctx.go.builds.length + ctx.go.opaque.length + ctx.shipped.length > 0) {
        out.push({
          range: s.from.range,
          message:
            `No USER: the service runs as root (the default user of \`${base.image}\`). Use a :nonroot base or add USER 65532:65532.`,
        });
      }
      return out;
    }
    const kind = userKind(user.value);
    if (kind === 'root') {
      out.push({ range: user.range, message: 'USER root: the service runs as root. Use a numeric non-root user, e.g. USER 65532:65532.' });
    } else if (kind === 'named') {
      out.push({
        range: user.range,
        message:
          `USER ${user.value} is not numeric: Kubernetes cannot check it, and a pod with runAsNonRoot is rejected ` +
          '("image has non-numeric user"). Use the numeric ids, e.g. USER 65532:65532.',
      });
    }
    return out;
  },
};
