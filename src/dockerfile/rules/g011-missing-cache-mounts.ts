import type { Instruction } from '../parse/model.js';
import type { Rule, RuleReport } from './types.js';

function cacheTargets(instr: Instruction): string[] {
  return instr.flags
    .filter((f) => f.name === 'mount' && f.options.some((o) => o.name === 'type' && o.value === 'cache'))
    .map((f) => f.options.find((o) => o.name === 'target' || o.name === 'dst' || o.name === 'destination')?.value ?? '');
}

export const rule: Rule = {
  meta: {
    id: 'G011',
    slug: 'missing-cache-mounts',
    severity: 'info',
    doc: {
      summary: 'go build / go mod download without BuildKit cache mounts for the module and build caches.',
      why:
        'Without `--mount=type=cache`, every rebuild of the layer starts with an empty module cache ' +
        '(/go/pkg/mod) and an empty build cache (/root/.cache/go-build): all modules are downloaded and all ' +
        'packages compiled again. Cache mounts keep both across builds without putting them in any layer.',
      fix:
        'RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build go build ... ' +
        '(use the GOMODCACHE / GOCACHE paths if you changed them, e.g. for a non-root build user).',
      lose: "Builds without BuildKit (it is the default since Docker 23, and in buildx).",
      keep: "The image contents: cache mounts never end up in a layer.",
      check: "docker build --progress=plain . twice: the second go build takes a fraction of the first",
      example: {
        bad: 'RUN go build -o /app .',
        good: 'RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build go build -o /app .',
      },
      references: ['https://docs.docker.com/build/cache/optimize/#use-cache-mounts'],
    },
  },
  check(ctx) {
    const out: RuleReport[] = [];
    const seen = new Set<Instruction>();
    const downloaded = new Set<number>();
    const events = [
      ...ctx.go.modDownloads.map((d) => ({ kind: 'download' as const, instr: d.instruction, stage: d.stageIndex, line: d.line })),
      ...ctx.go.builds.map((b) => ({ kind: 'build' as const, instr: b.instruction, stage: b.stageIndex, line: b.line })),
    ].sort((a, b) => a.line - b.line);
    for (const e of events) {
      if (ctx.baseOf(ctx.model.stages[e.stage]!).kind === 'windows') continue;
      const targets = cacheTargets(e.instr);
      const gomodcache = e.instr.scope.get('GOMODCACHE')?.value;
      const gocache = e.instr.scope.get('GOCACHE')?.value;
      const hasMod = targets.some((t) => /pkg\/mod\/?$/.test(t) || (gomodcache !== undefined && t === gomodcache));
      const hasBuild = targets.some((t) => /go-build\/?$/.test(t) || (gocache !== undefined && t === gocache));
      const missing: string[] = [];
      const cost: string[] = [];
      const needMod = e.kind === 'download' || !downloaded.has(e.stage);
      if (e.kind === 'download') downloaded.add(e.stage);
      if (e.kind === 'build' && !hasBuild) {
        missing.push(`build cache (${gocache ?? '/root/.cache/go-build'})`);
        cost.push('recompiles every package');
      }
      if (needMod && !hasMod) {
        missing.push(`module cache (${gomodcache ?? '/go/pkg/mod'})`);
        cost.push('re-downloads every module');
      }
      if (missing.length === 0 || seen.has(e.instr)) continue;
      seen.add(e.instr);
      out.push({
        range: e.instr.range,
        message:
          `No cache mount for the ${missing.join(' and ')}: each rebuild of this layer ${cost.join(' and ')}. ` +
          `Add ${missing.length > 1 ? 'a --mount=type=cache,target=<dir> for each' : '--mount=type=cache,target=<dir>'}.`,
      });
    }
    return out;
  },
};
