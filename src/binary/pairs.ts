/**
 * (u32 key, i32 value) pairs in typed arrays (no objects, no numbers on the JS heap), sorted by key
 * with a stable LSD radix sort: the attribution's funcdata references (offset, function index) and
 * first references to data (address, function or item index). Stable, so pairs pushed in index
 * order come out by key, then index: what sorting `key * 2^k + index` as doubles gave before.
 */
export const NO_PAIRS: Pairs = { keys: new Uint32Array(0), vals: new Int32Array(0) };

export interface Pairs {
  keys: Uint32Array;
  vals: Int32Array;
}

/** (u32 key, i32 value) pairs in typed arrays, sorted by key with a stable radix sort (no comparator, no objects). */
export class PairList {
  private k: Uint32Array;
  private v: Int32Array;
  length = 0;
  constructor(capacity = 1 << 12) {
    this.k = new Uint32Array(Math.max(16, capacity));
    this.v = new Int32Array(Math.max(16, capacity));
  }
  push(key: number, val: number): void {
    if (this.length === this.k.length) {
      const k = new Uint32Array(this.k.length * 2);
      k.set(this.k);
      this.k = k;
      const v = new Int32Array(this.v.length * 2);
      v.set(this.v);
      this.v = v;
    }
    this.k[this.length] = key;
    this.v[this.length++] = val;
  }
  /** The pairs by key; pairs with equal keys keep their push order. */
  sorted(): Pairs {
    const n = this.length;
    let keys: Uint32Array = this.k.subarray(0, n);
    let vals: Int32Array = this.v.subarray(0, n);
    const max = maxOf(keys);
    // LSD radix sort, 16 bits a pass: one pass below 2^16, two otherwise.
    let tk: Uint32Array = new Uint32Array(n);
    let tv: Int32Array = new Int32Array(n);
    const count = new Int32Array(0x10001);
    for (let shift = 0; shift < 32 && (shift === 0 || max >= 2 ** shift); shift += 16) {
      radixPass(keys, vals, tk, tv, shift, count);
      [keys, tk] = [tk, keys];
      [vals, tv] = [tv, vals];
    }
    return { keys, vals };
  }
}

function maxOf(keys: Uint32Array): number {
  let max = 0;
  for (let i = 0; i < keys.length; i++) if (keys[i]! > max) max = keys[i]!;
  return max;
}

/** One stable counting pass on bits [shift, shift + 16) of the keys, from (keys, vals) into (tk, tv). */
function radixPass(keys: Uint32Array, vals: Int32Array, tk: Uint32Array, tv: Int32Array, shift: number, count: Int32Array): void {
  // Three loops, three functions: each is compiled on its own (one loop's compiled code meeting the
  // next, never-run loop threw it away).
  countDigits(keys, shift, count);
  prefixSums(count);
  scatter(keys, vals, tk, tv, shift, count);
}

function countDigits(keys: Uint32Array, shift: number, count: Int32Array): void {
  count.fill(0);
  for (let i = 0; i < keys.length; i++) count[((keys[i]! >>> shift) & 0xffff) + 1]!++;
}

function prefixSums(count: Int32Array): void {
  for (let b = 1; b < count.length; b++) count[b]! += count[b - 1]!;
}

function scatter(keys: Uint32Array, vals: Int32Array, tk: Uint32Array, tv: Int32Array, shift: number, count: Int32Array): void {
  for (let i = 0; i < keys.length; i++) {
    const at = count[(keys[i]! >>> shift) & 0xffff]!++;
    tk[at] = keys[i]!;
    tv[at] = vals[i]!;
  }
}
