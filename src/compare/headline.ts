/** The one-line verdict of a comparison, in the seed's terms. Pure. */
import { formatBytes, formatPercent, formatSize3 } from '../util/units.js';

export { formatSize3 };
import type { Change, SizePair } from './types.js';

export function sizePair(a: number, b: number): SizePair {
  return { a, b, delta: b - a, fraction: a === 0 ? null : (b - a) / a };
}

/** `113x` for ratios of 10 and more, `2.5x` below. */
export function formatRatio(ratio: number): string {
  return ratio >= 10 ? `${Math.round(ratio)}x` : `${ratio.toFixed(1)}x`;
}

/** `+3.1 MB (+4.2 %)`, `-40.0 MB (-3.8 %)`. */
export function formatDelta(p: SizePair): string {
  const sign = p.delta > 0 ? '+' : '';
  const pct = p.fraction === null ? '' : ` (${sign}${formatPercent(p.fraction)})`;
  return `${sign}${Math.abs(p.delta) >= 1000 ? formatSize3(p.delta) : formatBytes(p.delta)}${pct}`;
}

/**
 * `1.04 GB -> 9.2 MB (113x smaller)` when b is at most two thirds of a; `1.04 GB -> 1.00 GB (-40.0 MB,
 * -3.8 %)` for a smaller cut; `+3.1 MB (+4.2 %): 74.0 MB -> 77.1 MB` for growth; `no change: 9.2 MB`.
 */
export function headlineOf(p: SizePair): string {
  if (p.delta === 0) return `no change: ${formatSize3(p.a)}`;
  const arrow = `${formatSize3(p.a)} -> ${formatSize3(p.b)}`;
  if (p.delta > 0) return `${formatDelta(p)}: ${arrow}`;
  if (p.b > 0 && p.a / p.b >= 1.5) return `${arrow} (${formatRatio(p.a / p.b)} smaller)`;
  if (p.b === 0) return `${arrow} (all of it removed)`;
  return `${arrow} (${formatDelta(p)})`;
}

export function ratioOf(p: SizePair): number | null {
  return p.b === 0 ? null : p.a / p.b;
}

/**
 * Rows for two keyed lists: every key of either side, largest absolute change first (then by
 * key, so the order is stable).
 */
export function changes<K extends string>(a: Iterable<[K, number]>, b: Iterable<[K, number]>): Array<Change<K>> {
  const ma = new Map<K, number>();
  const mb = new Map<K, number>();
  for (const [k, v] of a) ma.set(k, (ma.get(k) ?? 0) + v);
  for (const [k, v] of b) mb.set(k, (mb.get(k) ?? 0) + v);
  const keys = new Set<K>([...ma.keys(), ...mb.keys()]);
  const rows: Array<Change<K>> = [];
  for (const key of keys) {
    const va = ma.get(key);
    const vb = mb.get(key);
    const delta = (vb ?? 0) - (va ?? 0);
    const status = va === undefined ? 'added' : vb === undefined ? 'removed' : delta === 0 ? 'same' : 'changed';
    rows.push({ key, a: va ?? null, b: vb ?? null, delta, status });
  }
  return sortChanges(rows);
}

export function sortChanges<T extends { key: string; delta: number }>(rows: T[]): T[] {
  return rows.sort((x, y) => Math.abs(y.delta) - Math.abs(x.delta) || (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
}
