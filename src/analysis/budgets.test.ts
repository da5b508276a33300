import { describe, expect, it } from 'vitest';
import { isGoslimError } from '../errors.js';
import { checkBudgets, parseBudgets } from './budgets.js';
import type { InspectReport } from './inspect.js';

const report = {
  image: { ref: 'x', digest: 'sha256:0', platform: 'linux/amd64', compressedSize: 300_000_000, size: 1_000_000_000, fileBytes: 0, files: 0 },
  wasted: { bytes: 100_000_000, efficiency: 0.9 },
  levers: [
    { id: 'multi-stage', bytes: 600_000_000, title: '600 MB of toolchain', fix: '', lose: '', keep: '' },
    { id: 'cgo-off', bytes: 0, title: '/app will not start', fix: '', lose: '', keep: '', verdict: 'will not start' },
    { id: 'trimpath', bytes: 0, title: 'paths', fix: '', lose: '', keep: '' },
  ],
} as unknown as InspectReport;

describe('budgets', () => {
  it('parses sizes, fractions, percentages and lever lists', () => {
    expect(parseBudgets({ maxSize: '50MB', maxCompressedSize: '1.5GiB', minEfficiency: '95%', failOnLever: ['multi-stage,cgo-off', 'trimpath'] })).toEqual({
      maxSize: 50_000_000,
      maxCompressedSize: Math.round(1.5 * 1024 ** 3),
      minEfficiency: 0.95,
      failOnLevers: ['multi-stage', 'cgo-off', 'trimpath'],
    });
    expect(parseBudgets({ minEfficiency: '0.9' }).minEfficiency).toBe(0.9);
    for (const bad of [{ maxSize: 'big' }, { minEfficiency: '150%' }, { minEfficiency: '2' }, { failOnLever: ['nope'] }]) {
      let err: unknown;
      try {
        parseBudgets(bad);
      } catch (e) {
        err = e;
      }
      expect(isGoslimError(err, 'E_USAGE'), JSON.stringify(bad)).toBe(true);
    }
  });

  it('gives one reason per exceeded budget, and none within budget', () => {
    const reasons = checkBudgets(report, { maxSize: 500_000_000, maxCompressedSize: 100_000_000, minEfficiency: 0.95, failOnLevers: ['multi-stage', 'cgo-off', 'trimpath', 'static-base'] });
    expect(reasons).toHaveLength(5);
    expect(reasons[0]).toMatch(/^size 1\.0 GB .* exceeds --max-size 500 MB$/);
    expect(reasons[2]).toMatch(/efficiency 90\.0 %/);
    expect(reasons[3]).toBe('lever multi-stage applies: 600 MB of toolchain');
    expect(reasons[4]).toBe('lever cgo-off applies: /app will not start');
    expect(checkBudgets(report, { maxSize: 2_000_000_000, minEfficiency: 0.5, failOnLevers: ['static-base', 'trimpath'] })).toEqual([]);
  });
});
