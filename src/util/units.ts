import { UsageError } from '../errors.js';

/** A byte count scaled to decimal units (kB, MB, GB, TB): `[sign, value, unit]`, unit `B` below 1000. */
function scaleDecimal(n: number): [string, number, string] {
  const sign = n < 0 ? '-' : '';
  let v = Math.abs(n);
  if (v < 1000) return [sign, v, 'B'];
  const units = ['kB', 'MB', 'GB', 'TB'];
  let i = -1;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return [sign, v, units[i]!];
}

/** Human-readable sizes. Decimal units (kB, MB, GB), as registries and `docker images` print. */
export function formatBytes(n: number): string {
  const [sign, v, unit] = scaleDecimal(n);
  if (unit === 'B') return `${sign}${v} B`;
  return `${sign}${v.toFixed(v >= 100 ? 0 : 1)} ${unit}`;
}

/** Three significant digits, decimal units: `1.04 GB`, `9.20 MB`, `512 B` (compare's headline precision). */
export function formatSize3(n: number): string {
  const [sign, v, unit] = scaleDecimal(n);
  if (unit === 'B') return `${sign}${v} B`;
  return `${sign}${v.toPrecision(3)} ${unit}`;
}

/** Parse "250MB", "1.5 GiB", "300k", "12345" into bytes. Returns undefined when unparseable. */
export function parseBytes(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)(i?)[bB]?\s*$/.exec(text);
  if (!m) return undefined;
  const value = Number(m[1]);
  const unit = (m[2] ?? '').toLowerCase();
  const base = m[3] ? 1024 : 1000;
  const power = unit === '' ? 0 : 'kmgt'.indexOf(unit) + 1;
  return Math.round(value * base ** power);
}

export function formatPercent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)} %`;
}

/** "30s", "10m", "1500ms", "1h" or plain seconds, as ms (pure). */
export function parseDuration(text: string, what: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/i.exec(text);
  if (m === null) throw new UsageError(`${what}: expected a duration such as 30s, 10m or 1500ms, got "${text}"`);
  const unit = (m[2] ?? 's').toLowerCase();
  return Math.round(Number(m[1]) * (unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000));
}

/** "1024", "10KB/s", "1MiB/s", "500k" as bytes per second (pure). */
export function parseRate(text: string, what: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib)?\s*(\/s)?\s*$/i.exec(text);
  if (m === null) throw new UsageError(`${what}: expected a rate such as 1024, 10KB/s or 1MB/s, got "${text}"`);
  const unit = (m[2] ?? 'b').toLowerCase();
  const mult = unit === 'b' ? 1 : unit.startsWith('k') ? 1024 : 1024 * 1024;
  return Math.round(Number(m[1]) * mult);
}

