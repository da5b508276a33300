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
