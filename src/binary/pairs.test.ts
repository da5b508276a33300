/**
 * The radix-sorted pair lists the attribution sorts funcdata and references with: the order must be
 * exactly what sorting `key * 2^k + index` as doubles gave (by key, then push order), across one
 * pass (keys below 2^16), two passes (up to 2^32 - 1), ties, growth past the initial capacity.
 */
import { describe, expect, it } from 'vitest';
import { PairList } from './pairs.js';

/** A small deterministic generator (no Math.random: the same cases every run). */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x;
  };
}

function check(keys: number[]): void {
  const list = new PairList(4);
  keys.forEach((k, i) => list.push(k, i));
  const { keys: sk, vals: sv } = list.sorted();
  const want = keys.map((k, i) => k * 2 ** 21 + i).sort((a, b) => a - b);
  expect(sk.length).toBe(keys.length);
  expect(Array.from(sk, (k, i) => k * 2 ** 21 + sv[i]!)).toEqual(want);
}

describe('PairList.sorted', () => {
  it('sorts by key, then push order, with keys below 2^16 (one pass) and many ties', () => {
    const next = lcg(1);
    check(Array.from({ length: 5000 }, () => next() % 300));
  });

  it('sorts keys up to 2^32 - 1 (two passes), ties kept in push order', () => {
    const next = lcg(2);
    const keys = Array.from({ length: 20000 }, () => next());
    keys.push(0xffffffff, 0, 0xffffffff, 65535, 65536, 0);
    for (let i = 0; i < 500; i++) keys.push(keys[i * 7]!);
    check(keys);
  });

  it('handles empty and single-element lists', () => {
    check([]);
    check([42]);
    const empty = new PairList();
    expect(empty.sorted().keys.length).toBe(0);
  });
});
