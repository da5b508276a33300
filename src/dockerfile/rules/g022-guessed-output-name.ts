import type { Rule, RuleContext, RuleReport } from './types.js';
import { copyDestination, copyPaths } from './context.js';
import { defaultBinaryName } from '../go-build.js';
import type { Instruction } from '../parse/model.js';

/**
 * COPY --from sources that name a `go install` binary in $GOPATH/bin or bin/<goos>_<goarch>/ when the
 * analysis cannot tell which of the two the build writes (`outputUnknown`, not GOBIN's refusal).
 */
function installCopies(ctx: RuleContext, instr: Instruction, from: number): RuleReport[] {
  const installs = ctx.go.builds.filter((b) => b.stageIndex === from && b.kind === 'install' && b.outputPath === null && b.outputUnknown !== null && b.packages.length === 1);
  if (installs.length === 0) return [];
  const paths = copyPaths(ctx.model, instr);
  if (!paths) return [];
  const out: RuleReport[] = [];
  for (const src of paths.sources) {
    const srcAbs = `/${src.replace(/^\.?\/+/, '')}`;
    const b = installs.find((x) => {
      const name = defaultBinaryName(x.packages[0]!, x.workdir);
      return name !== null && (srcAbs.endsWith(`/bin/${name}`) || new RegExp(`/bin/[a-z0-9]+_[a-z0-9]+/${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`).test(srcAbs));
    });
    if (b === undefined) continue;
    out.push({
      range: instr.range,
      severity: 'warning',
      message: `COPY --from copies ${srcAbs}, but where go install (line ${b.line}) writes depends on the build: ${b.outputUnknown}.`,
    });
  }
  return out;
}

export const rule: Rule = {
  meta: {
    id: 'G022',
    slug: 'guessed-output-name',
    severity: 'error',
    doc: {
      summary: '`go build` without -o, and a later COPY --from names a file the build did not write (or a `go install` path that depends on the build platform).',
      why:
        'Without -o, go build names the binary after the package directory (or the module path\'s last element for ' +
        '`.`), in the working directory. A COPY --from that guesses another name fails the build with ' +
        '"failed to compute cache key: ... not found", typically after a directory rename. `go install` writes to ' +
        '$GOPATH/bin, but to $GOPATH/bin/<goos>_<goarch>/ when GOOS/GOARCH differ from the platform it runs on: ' +
        'when the Dockerfile does not fix both (GOARCH=$TARGETARCH on --platform=$BUILDPLATFORM), a COPY of either ' +
        'path fails on some machines (a warning: docs/lint.md, "go install\'s directory").',
      fix: 'Give the build an explicit output path and copy exactly that: `go build -o /out/app ./cmd/app` + `COPY --from=build /out/app /app`.',
      lose: 'Nothing.',
      keep: 'The same binary, at a path that no longer depends on directory names.',
      check: 'docker build .   # fails at the COPY step while the rule fires',
      example: {
        bad: 'FROM golang:1.22 AS build\nWORKDIR /src\nRUN go build ./cmd/api\nFROM scratch\nCOPY --from=build /src/server /server',
        good: 'FROM golang:1.22 AS build\nWORKDIR /src\nRUN go build -o /out/server ./cmd/api\nFROM scratch\nCOPY --from=build /out/server /server',
      },
      references: ['https://pkg.go.dev/cmd/go#hdr-Compile_packages_and_dependencies'],
    },
  },
  check(ctx) {
    const out: RuleReport[] = [];
    for (const stage of ctx.model.stages) {
      for (const instr of stage.instructions) {
        if (instr.keyword !== 'COPY' || instr.copyFrom?.kind !== 'stage') continue;
        const from = instr.copyFrom.stageIndex;
        if (ctx.go.opaque.some((o) => o.stageIndex === from)) continue;
        out.push(...installCopies(ctx, instr, from));
        const builds = ctx.go.builds.filter((b) => b.stageIndex === from && b.kind === 'build');
        const guessed = builds.filter((b) => b.flags.output === null && b.outputPath !== null);
        // `go build .` takes its name from go.mod's module path, which is not visible here: no claim.
        if (guessed.some((b) => !b.outputNameKnown)) continue;
        if (guessed.length === 0 || guessed.length !== builds.length) continue;
        const paths = copyPaths(ctx.model, instr);
        if (!paths) continue;
        for (const src of paths.sources) {
          if (/[*?[]/.test(src)) continue;
          // COPY --from sources are relative to the source stage's root, not its WORKDIR.
          const srcAbs = `/${src.replace(/^\.?\/+/, '')}`;
          // Only sources in a build's own directory are guesses at its output; anything else may come from other steps.
          const sameDir = guessed.filter((b) => b.outputPath!.slice(0, b.outputPath!.lastIndexOf('/')) === srcAbs.slice(0, srcAbs.lastIndexOf('/')));
          if (sameDir.length === 0) continue;
          if (sameDir.some((b) => copyDestination(b.outputPath!, [srcAbs], '/x', '/') !== null)) continue;
          const b = sameDir[0]!;
          out.push({
            range: instr.range,
            message:
              `COPY --from expects ${srcAbs}, but go build (line ${b.line}) has no -o and writes ${b.outputPath}: the build fails ` +
              `at this COPY ("not found"). Build with -o ${srcAbs}.`,
          });
        }
      }
    }
    return out;
  },
};
