/**
 * What an image's bytes cost, from its measured sizes (issue 14): the time one node takes to pull
 * it, the disk it takes on every node, and what a registry stores for the kept tags. Pure, and
 * the one copy both `inspect` and `compare` use.
 *
 * The model, stated in every output: a pull transfers the compressed (stored) size at the given
 * bandwidth (no layer already on the node, no protocol overhead); a node keeps the unpacked
 * (uncompressed) layers; the registry keeps the compressed blobs of every kept tag, counted as
 * if no layer were shared between tags, so it is an upper bound.
 */
import { UsageError } from '../errors.js';

export interface CostModel {
  /** Bits per second one node pulls at. */
  bandwidthBitsPerSecond: number;
  nodes: number;
  keptTags: number;
}

/** Stated defaults: a 100 Mbit/s link, 50 nodes, 30 tags kept in the registry. */
export const DEFAULT_COST_MODEL: Readonly<CostModel> = { bandwidthBitsPerSecond: 100e6, nodes: 50, keptTags: 30 };

export interface Cost {
  /** Seconds one node takes to pull the compressed bytes at the model's bandwidth. */
  pullSeconds: number;
  /** Uncompressed bytes across all nodes. */
  nodesDisk: number;
  /** Compressed bytes for all kept tags (upper bound: no layer shared between tags). */
  registryStorage: number;
}

export function costOf(sizes: { compressedSize: number; size: number }, model: CostModel): Cost {
  return {
    pullSeconds: (sizes.compressedSize * 8) / model.bandwidthBitsPerSecond,
    nodesDisk: sizes.size * model.nodes,
    registryStorage: sizes.compressedSize * model.keptTags,
  };
}

const BIT_UNITS: Record<string, number> = { '': 1, k: 1e3, m: 1e6, g: 1e9, t: 1e12 };

/**
 * A bandwidth in bits per second: `100Mbit`, `1Gbit/s`, `100Mbps`, `12.5MB/s` (bytes), `1e8` (bits).
 * E_USAGE otherwise.
 */
export function parseBandwidth(text: string, flag = '--bandwidth'): number {
  const m = /^\s*(\d+(?:\.\d+)?(?:e\d+)?)\s*(?:([kmgt]?)(bit|bps|b)(?:\/s)?)?\s*$/i.exec(text);
  if (m) {
    const value = Number(m[1]);
    const prefix = (m[2] ?? '').toLowerCase();
    const unit = m[3];
    const perByte = unit === undefined ? 1 : unit.toLowerCase() === 'b' ? (unit === 'B' ? 8 : 1) : 1;
    const bits = value * (BIT_UNITS[prefix] ?? 1) * perByte;
    if (Number.isFinite(bits) && bits > 0) return bits;
  }
  throw new UsageError(`${flag} must be a rate such as 100Mbit, 1Gbit/s or 12.5MB/s, got "${text}"`);
}

/** A positive whole count (`--nodes`, `--kept-tags`); E_USAGE otherwise. */
export function parseCount(text: string | number, flag: string): number {
  const n = typeof text === 'number' ? text : /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`${flag} must be a whole number of at least 1, got "${String(text)}"`);
  return n;
}

/** `100 Mbit/s`: how a bandwidth is printed. */
export function formatBandwidth(bitsPerSecond: number): string {
  const units: Array<[number, string]> = [[1e12, 'Tbit/s'], [1e9, 'Gbit/s'], [1e6, 'Mbit/s'], [1e3, 'kbit/s']];
  for (const [scale, name] of units) if (bitsPerSecond >= scale) return `${Number((bitsPerSecond / scale).toPrecision(4))} ${name}`;
  return `${Number(bitsPerSecond.toPrecision(4))} bit/s`;
}

/** `4.2 s`, `3 min 12 s`, `1 h 5 min`. */
export function formatDuration(seconds: number): string {
  if (seconds < 0.1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const s = Math.round(seconds);
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

/** One sentence stating the model, for every output that shows a cost. */
export function describeCostModel(model: CostModel): string {
  return `pull at ${formatBandwidth(model.bandwidthBitsPerSecond)} (compressed size, cold node), disk on ${model.nodes} nodes (uncompressed size), registry storage for ${model.keptTags} kept tags (compressed size, no layer shared between tags: an upper bound)`;
}
