import type { Rule, RuleReport } from './types.js';
import { contextCopy } from './context.js';

export const rule: Rule = {
  meta: {
    id: 'G010',
    slug: 'copy-before-mod-download',
    severity: 'warning',
    doc: {
      summary: 'The whole build context is copied before `go mod download`.',
      why:
        'Docker caches a layer until one of its inputs changes. With `COPY . .` first, any source edit invalidates ' +
        'the module download layer, and every build re-downloads every dependency (often tens to hundreds of MB ' +
        'of module zips).',
      fix:
        'Copy go.mod and go.sum first, download, then copy the rest:\n' +
        '`COPY go.mod go.sum ./` → `RUN go mod download` → `COPY . .` → `RUN go build ...`',
      lose: "Nothing.",
      keep: "Module refreshes whenever go.mod or go.sum change.",
      check: "docker build --progress=plain . twice after a source edit: the go mod download step shows CACHED",
      example: {
        bad: 'COPY . .\nRUN go mod download\nRUN go build -o /app .',
        good: 'COPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN go build -o /app .',
      },
      references: ['https://docs.docker.com/build/cache/optimize/'],
    },
  },
  check(ctx) {
    const out: RuleReport[] = [];
    for (const stage of ctx.model.stages) {
      const downloads = ctx.go.modDownloads.filter((d) => d.stageIndex === stage.index);
      const builds = ctx.go.builds.filter((b) => b.stageIndex === stage.index);
      if (downloads.length === 0 && builds.length === 0) continue;
      const wholeCopy = stage.instructions.find((i) => contextCopy(ctx.model, i, ['*']) !== null);
      if (!wholeCopy) continue;
      const firstDownload = downloads[0];
      if (firstDownload) {
        if (wholeCopy.line < firstDownload.line) {
          out.push({
            range: wholeCopy.range,
            message:
              'The whole build context is copied before `go mod download`, so any source edit re-downloads every module. ' +
              'COPY go.mod go.sum ./ and run go mod download before COPY . .',
          });
        }
        continue;
      }
      // No explicit download: the first go build downloads modules, inside the layer busted by COPY . .
      const firstBuild = builds[0]!;
      const vendored = builds.some((b) => b.flags.mod === 'vendor');
      const modCache = firstBuild.instruction.flags.some(
        (f) => f.name === 'mount' && f.options.some((o) => o.name === 'target' && /pkg\/mod/.test(o.value ?? '')),
      );
      if (wholeCopy.line < firstBuild.line && !vendored && !modCache) {
        out.push({
          range: wholeCopy.range,
          message:
            'The whole build context is copied before the modules are downloaded (by go build), so any source edit ' +
            're-downloads every module. COPY go.mod go.sum ./ and RUN go mod download before COPY . .',
        });
      }
    }
    return out;
  },
};
