import type { Rule } from './types.js';
import { leverDoc } from '../../vocabulary/levers.js';

export const rule: Rule = {
  meta: {
    id: 'G008',
    slug: 'missing-trimpath',
    severity: 'info',
    lever: 'trimpath',
    doc: {
      summary: 'go build without -trimpath.',
      why:
        'Without -trimpath the binary records absolute build paths (/src/..., /go/pkg/mod/...) in its file table ' +
        'and panics: the build is not reproducible across machines and leaks the build layout; the paths also ' +
        'add a little to the file table.',
      fix: 'Add `-trimpath` to go build (or `ENV GOFLAGS=-trimpath`).',
      // What you lose and keep is the lever's (one copy: src/vocabulary/levers.ts).
      lose: leverDoc('trimpath').lose,
      keep: leverDoc('trimpath').keep,
      check: "go version -m BINARY | grep trimpath; strings BINARY | grep -c /src/",
      example: { bad: 'RUN go build -o /app .', good: 'RUN go build -trimpath -o /app .' },
      references: ['https://pkg.go.dev/cmd/go#hdr-Compile_packages_and_dependencies'],
    },
  },
  check(ctx) {
    return ctx.relevantBuilds
      .filter((b) => !b.flags.trimpath)
      .map((b) => ({
        range: b.instruction.range,
        message:
          `go ${b.kind} without -trimpath embeds absolute build paths (e.g. ${b.workdir}/...) in the binary: builds are not ` +
          'reproducible and the paths leak into panics. Add -trimpath.',
      }));
  },
};
