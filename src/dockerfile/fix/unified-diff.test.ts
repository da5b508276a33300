import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyUnifiedDiff, lcsOps, unifiedDiff } from './unified-diff.js';

const edits = (ops: ReturnType<typeof lcsOps>): number => ops.filter((o) => o.kind !== ' ').length;
const lines = fc.array(fc.constantFrom('a', 'b', 'c', 'RUN x', ''), { maxLength: 60 });

describe('unified diff', () => {
  it('Myers finds edit scripts as short as the LCS table (small alphabet, many ties)', () => {
    fc.assert(
      fc.property(lines, lines, (a, b) => {
        const table = lcsOps(a, b);
        const myers = lcsOps(a, b, 0);
        expect(edits(myers)).toBe(edits(table));
        // Both rebuild b from a.
        expect(myers.filter((o) => o.kind !== '-').map((o) => o.line)).toEqual(b);
        expect(myers.filter((o) => o.kind !== '+').map((o) => o.line)).toEqual(a);
      }),
      { numRuns: 300, seed: 11 },
    );
  });

  it('a 20,000-line file with scattered edits round-trips through the diff (no quadratic table)', () => {
    const a = Array.from({ length: 20_000 }, (_, i) => `RUN echo ${i}`);
    const b = [...a];
    for (let i = 0; i < b.length; i += 997) b[i] = `RUN changed ${i}`;
    b.splice(10_000, 0, 'ENV X=1', 'ENV Y=2');
    const before = `${a.join('\n')}\n`;
    const after = `${b.join('\n')}\n`;
    const diff = unifiedDiff(before, after, 'a/Dockerfile', 'b/Dockerfile');
    expect(applyUnifiedDiff(before, diff)).toBe(after);
    expect(diff.split('\n').filter((l) => l.startsWith('+') && !l.startsWith('+++')).length).toBe(23);
  });

  it('beyond the edit bound the middle becomes one -/+ block, still an exact diff', () => {
    const a = Array.from({ length: 6000 }, (_, i) => `a${i}`);
    const b = Array.from({ length: 6000 }, (_, i) => `b${i}`);
    const before = `head\n${a.join('\n')}\ntail\n`;
    const after = `head\n${b.join('\n')}\ntail\n`;
    expect(applyUnifiedDiff(before, unifiedDiff(before, after, 'a', 'b'))).toBe(after);
  });
});

describe('hunk headers', () => {
  it('start both sides at the hunk\'s first line even when insertions precede deletions', () => {
    const before = 'FROM golang:1.22\nWORKDIR /src\nCMD x\n';
    const after = 'A\nB\nFROM golang:1.22 AS build\nWORKDIR /src\nCMD y\n';
    const diff = unifiedDiff(before, after, 'a', 'b');
    expect(diff.split('\n')[2]).toBe('@@ -1,3 +1,5 @@');
    expect(applyUnifiedDiff(before, diff)).toBe(after);
  });
  it('agree with patch(1) on every hunk (random edits)', () => {
    fc.assert(
      fc.property(lines, lines, (a, b) => {
        const before = a.map((l) => `${l}\n`).join('');
        const after = b.map((l) => `${l}\n`).join('');
        const diff = unifiedDiff(before, after, 'a', 'b');
        // Each hunk's +start/-start equals the count of lines before it on that side.
        let aSeen = 0;
        let bSeen = 0;
        for (const line of diff.split('\n').slice(2)) {
          const m = /^@@ -(\d+),(\d+) \+(\d+),(\d+) @@$/.exec(line);
          if (m) {
            const [as, ac, bs, bc] = m.slice(1).map(Number) as [number, number, number, number];
            expect(ac === 0 ? as : as - 1).toBeGreaterThanOrEqual(aSeen);
            expect((ac === 0 ? as : as - 1) - aSeen).toBe((bc === 0 ? bs : bs - 1) - bSeen);
            aSeen = (ac === 0 ? as : as - 1) + ac;
            bSeen = (bc === 0 ? bs : bs - 1) + bc;
          }
        }
      }),
      { numRuns: 300, seed: 5 },
    );
  });
});
