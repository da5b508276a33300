import type { Rule, RuleReport } from './types.js';

const WHAT: Record<string, string> = {
  make: 'make',
  script: 'a build script',
  goreleaser: 'goreleaser',
  mage: 'mage',
  task: 'task',
  bazel: 'bazel',
};

export const rule: Rule = {
  meta: {
    id: 'G023',
    slug: 'opaque-build',
    severity: 'info',
    doc: {
      summary: 'The Go build runs inside make, a script, goreleaser, mage, task or bazel, where goslim cannot see its flags.',
      why:
        'goslim checks CGO_ENABLED, -trimpath and -ldflags "-s -w" on the `go build` command line. When the command is ' +
        'inside a Makefile or script, those checks (G003, G008, G009, G021) cannot run for this build, so a dynamically ' +
        'linked or unstripped binary can pass unnoticed.',
      fix:
        'Either call `go build` directly in the Dockerfile, or make sure the wrapped command uses ' +
        '`CGO_ENABLED=0 go build -trimpath -ldflags="-s -w"`; `goslim binary <file>` checks the built binary itself.',
      lose: 'Nothing: this is a notice, not a defect.',
      keep: 'Your build tooling.',
      check: 'goslim binary ./bin/app   # reports linking, symbols and build paths of the real binary',
      example: {
        bad: 'RUN make build',
        good: 'RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/app ./cmd/app',
      },
      references: ['https://pkg.go.dev/cmd/go#hdr-Compile_packages_and_dependencies'],
    },
  },
  check(ctx) {
    const out: RuleReport[] = [];
    const seen = new Set<unknown>();
    for (const o of ctx.go.opaque) {
      if (seen.has(o.instruction)) continue;
      seen.add(o.instruction);
      out.push({
        range: o.instruction.range,
        message:
          `The Go build runs inside ${WHAT[o.kind] ?? o.kind} (\`${o.command}\`): goslim cannot check its CGO_ENABLED, -trimpath or ` +
          '-ldflags here. Make sure it uses CGO_ENABLED=0 go build -trimpath -ldflags="-s -w", or check the binary with goslim binary.',
      });
    }
    return out;
  },
};
