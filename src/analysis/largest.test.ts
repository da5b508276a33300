import { describe, expect, it } from 'vitest';
import { byChargedThenPath, largestFirst } from './largest.js';

/** Files with many equal sizes (and paths localeCompare calls equal), from a fixed-seed generator. */
function sample(count: number): Array<{ path: string; charged: number; id: number }> {
  let seed = 12345;
  const next = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed;
  };
  const out: Array<{ path: string; charged: number; id: number }> = [];
  for (let id = 0; id < count; id++) {
    const size = [0, 1, 4096, 4096, 4096, 12_000, 1 << 20][next() % 7]! + (next() % 5 === 0 ? next() % 3 : 0);
    // "é" precomposed and decomposed: different strings that localeCompare orders as equal.
    const name = next() % 4 === 0 ? (id % 2 === 0 ? 'caf\u00e9' : 'cafe\u0301') : `f${next() % 50}`;
    out.push({ path: `usr/share/${next() % 3}/${name}`, charged: size, id });
  }
  return out;
}

describe('largestFirst', () => {
  it('gives the first n files of a stable sort, equal sizes and equal-collating paths in their original order', () => {
    const files = sample(2000);
    expect('caf\u00e9'.localeCompare('cafe\u0301')).toBe(0); // the tie the stable order must keep
    const sorted = [...files].sort(byChargedThenPath);
    for (const n of [1, 2, 15, 40, 999, files.length - 1, files.length, files.length + 5]) {
      expect(largestFirst(files, n).map((f) => f.id)).toEqual(sorted.slice(0, n).map((f) => f.id));
    }
  });

  it('gives none for a count of zero or less, and none of an empty list', () => {
    const files = sample(50);
    expect(largestFirst(files, 0)).toEqual([]);
    expect(largestFirst(files, -3)).toEqual([]);
    expect(largestFirst([], 15)).toEqual([]);
  });
});
