import type { Rule, RuleReport } from './types.js';

export const rule: Rule = {
  meta: {
    id: 'G021',
    slug: 'static-noise',
    severity: 'info',
    lever: 'cgo-off',
    doc: {
      summary: '`-extldflags -static`, `-tags netgo,osusergo` or `-a` with CGO_ENABLED=0: no effect.',
      why:
        'With CGO_ENABLED=0 the Go linker already produces a static binary (internal linking, no external linker to ' +
        'pass -static to), and net and os/user already use their pure-Go implementations. These flags are copied from ' +
        'cgo-era recipes and make readers think cgo is involved; `-a` only forces needless rebuilds.',
      fix: 'Remove them; keep `CGO_ENABLED=0 go build -trimpath -ldflags="-s -w"`.',
      lose: "Nothing.",
      keep: "The same static, pure-Go binary.",
      check: "readelf -l BINARY | grep -i interpreter   # no output: already static",
      example: {
        bad: 'RUN CGO_ENABLED=0 go build -a -tags netgo -ldflags \'-s -w -extldflags "-static"\' -o /app .',
        good: 'RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /app .',
      },
      references: ['https://pkg.go.dev/net#hdr-Name_Resolution', 'https://pkg.go.dev/cmd/cgo'],
    },
  },
  check(ctx) {
    const out: RuleReport[] = [];
    for (const b of ctx.go.builds) {
      if (b.cgo.value !== '0') continue;
      const noise: string[] = [];
      if (b.flags.ldflags?.extldflags && /-static/.test(b.flags.ldflags.extldflags)) noise.push('-extldflags -static');
      const tags = b.flags.tags.filter((t) => t === 'netgo' || t === 'osusergo' || t === 'static_build');
      if (tags.length > 0) noise.push(`-tags ${tags.join(',')}`);
      if (b.flags.other.includes('-a')) noise.push('-a');
      if (noise.length === 0) continue;
      out.push({
        range: b.instruction.range,
        message: `${noise.join(', ')} ${noise.length > 1 ? 'have' : 'has'} no effect with CGO_ENABLED=0 (the binary is already static and pure Go). Remove ${noise.length > 1 ? 'them' : 'it'}.`,
      });
    }
    return out;
  },
};
