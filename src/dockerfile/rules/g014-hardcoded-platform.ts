import type { Rule, RuleReport } from './types.js';

export const rule: Rule = {
  meta: {
    id: 'G014',
    slug: 'hardcoded-platform',
    severity: 'warning',
    doc: {
      summary: 'GOARCH (or a non-linux GOOS) is hard-coded in the build.',
      why:
        '`GOARCH=amd64 go build` produces an amd64 binary whatever platform the image is built for: on arm64 ' +
        '(Graviton, Apple silicon, Ampere) the container fails with "exec format error". `GOOS=linux` is ' +
        'harmless for Linux images and is not reported.',
      fix: 'Derive them from the target: `ARG TARGETOS TARGETARCH` then `GOOS=$TARGETOS GOARCH=$TARGETARCH go build`.',
      lose: "Nothing.",
      keep: "A single-platform build still gets the same binary.",
      check: "docker buildx build --platform linux/arm64 -o type=local,dest=out . && file out/app",
      example: {
        bad: 'RUN CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build -o /app .',
        good: 'ARG TARGETOS TARGETARCH\nRUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /app .',
      },
      references: ['https://docs.docker.com/build/building/multi-platform/'],
    },
  },
  check(ctx) {
    const out: RuleReport[] = [];
    // A final stage pinned to one literal platform makes a literal GOARCH consistent.
    const finalPlatform = ctx.finalStage?.platform?.raw ?? '';
    for (const b of ctx.go.builds) {
      const literal: string[] = [];
      for (const [name, s] of [
        ['GOARCH', b.goarch],
        ['GOOS', b.goos],
      ] as const) {
        if (s.raw === null || s.raw.includes('$') || s.source === 'arg' || s.source === 'unset' || s.raw === '') continue;
        if (name === 'GOOS' && s.raw === 'linux') continue;
        if (finalPlatform !== '' && !finalPlatform.includes('$') && finalPlatform.includes(s.raw)) continue;
        literal.push(`${name}=${s.raw}`);
      }
      if (literal.length === 0) continue;
      out.push({
        range: b.instruction.range,
        message:
          `${literal.join(' ')} is hard-coded: building the image for another platform (e.g. --platform linux/arm64) still ` +
          'produces this binary, which fails with "exec format error". Use GOOS=$TARGETOS GOARCH=$TARGETARCH with ARG TARGETOS TARGETARCH.',
      });
    }
    return out;
  },
};
