import type { Rule, RuleReport } from './types.js';
import { leverDoc } from '../../vocabulary/levers.js';

export const rule: Rule = {
  meta: {
    id: 'G009',
    slug: 'missing-strip',
    severity: 'warning',
    lever: 'strip-symbols',
    doc: {
      summary: 'go build without -ldflags "-s -w": the symbol table and DWARF stay in the binary.',
      why:
        'The symbol table (-s) and DWARF debug info (-w) are typically 25-30 % of a Go binary. The runtime does not ' +
        'need them: panics and runtime.Caller use pclntab, which stays.',
      fix: 'Build with `-ldflags="-s -w"` (keep any -X flags: `-ldflags="-s -w -X main.version=$VERSION"`).',
      // What you lose and keep is the lever's (one copy: src/vocabulary/levers.ts).
      lose: leverDoc('strip-symbols').lose,
      keep: leverDoc('strip-symbols').keep,
      check: "go tool nm BINARY | head   # 'no symbols' after -s; ls -l BINARY before and after",
      example: { bad: 'RUN go build -o /app .', good: 'RUN go build -ldflags="-s -w" -o /app .' },
      references: ['https://pkg.go.dev/cmd/link'],
    },
  },
  check(ctx) {
    const out: RuleReport[] = [];
    // A later `strip` of the output in the same stage has the same effect: per stage, the last
    // line of a RUN that strips (one pass, instead of one scan of the stage per build).
    const lastStrip = new Map<number, number>();
    const lastStripIn = (stageIndex: number): number => {
      let line = lastStrip.get(stageIndex);
      if (line === undefined) {
        line = -1;
        for (const i of ctx.model.stages[stageIndex]!.instructions) {
          if (i.keyword === 'RUN' && /\b(strip|upx)\b/.test(i.body + i.heredocs.map((h) => h.body).join('\n'))) line = Math.max(line, i.line);
        }
        lastStrip.set(stageIndex, line);
      }
      return line;
    };
    for (const b of ctx.relevantBuilds) {
      const ld = b.flags.ldflags;
      if (ld?.stripSymbols && ld.stripDwarf) continue;
      if (lastStripIn(b.stageIndex) >= b.line) continue;
      const missing = !ld ? '-s -w' : !ld.stripSymbols && !ld.stripDwarf ? '-s -w' : !ld.stripSymbols ? '-s' : '-w';
      out.push({
        range: b.instruction.range,
        message:
          `go ${b.kind} keeps ${missing === '-w' ? 'DWARF debug info' : missing === '-s' ? 'the symbol table' : 'the symbol table and DWARF debug info'} ` +
          `(typically 25-30 % of the binary). Add ${missing} to -ldflags, e.g. -ldflags="-s -w"; panics keep function names and lines.`,
      });
    }
    return out;
  },
};
