import type { Rule, RuleReport } from './types.js';
import { copyPaths } from './context.js';

const FILES: Array<[RegExp, string, 'hasCaCerts' | 'hasTzdata' | 'hasPasswd']> = [
  [/^\/etc\/ssl\/certs(\/|$)|^\/etc\/ssl\/cert\.pem$|ca-certificates\.crt$/, 'CA certificates', 'hasCaCerts'],
  [/^\/usr\/share\/zoneinfo(\/|$)|zoneinfo/, 'tzdata', 'hasTzdata'],
  [/^\/etc\/(passwd|group)$/, '/etc/passwd and /etc/group', 'hasPasswd'],
];

export const rule: Rule = {
  meta: {
    id: 'G018',
    slug: 'redundant-base-files',
    severity: 'info',
    doc: {
      summary: 'CA certificates, tzdata or passwd are copied onto a distroless/chainguard base that already has them.',
      why:
        'distroless/static and chainguard/static already ship /etc/ssl/certs/ca-certificates.crt, /usr/share/zoneinfo and ' +
        'an /etc/passwd with root, nonroot (65532) and nobody. Copying them again adds a layer with a second copy that ' +
        'shadows the base\'s and goes stale when the base is updated.',
      fix: 'Drop the COPY; the base provides the files (on scratch, keep it).',
      lose: "Your own copy of the files.",
      keep: "The base's CA certificates and zoneinfo, updated with the base image.",
      check: "docker history IMAGE   # one layer fewer",
      example: {
        bad: 'FROM gcr.io/distroless/static-debian12\nCOPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/',
        good: 'FROM gcr.io/distroless/static-debian12',
      },
      references: ['https://github.com/GoogleContainerTools/distroless/blob/main/base/README.md'],
    },
  },
  check(ctx) {
    const out: RuleReport[] = [];
    const s = ctx.finalStage;
    const base = ctx.finalBase;
    if (!s || !base || !/^(distroless|chainguard)/.test(base.kind)) return out;
    for (const i of s.instructions) {
      if (i.keyword !== 'COPY' && i.keyword !== 'ADD') continue;
      const p = copyPaths(ctx.model, i);
      if (!p) continue;
      const dests = [p.dest, ...p.sources];
      const hit = FILES.find(([re, , fact]) => base[fact] === true && dests.some((d) => re.test(d)));
      if (!hit) continue;
      out.push({
        range: i.range,
        message: `\`${base.image}\` already contains ${hit[1]}: this COPY adds a duplicate that can go stale. Remove it.`,
      });
    }
    return out;
  },
};
