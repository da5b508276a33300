/** Human-readable sizes. Decimal units (kB, MB, GB), as registries and `docker images` print. */
export function formatBytes(n: number): string {
  const sign = n < 0 ? '-' : '';
  let v = Math.abs(n);
  if (v < 1000) return `${sign}${v} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let i = -1;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  const digits = v >= 100 ? 0 : 1;
  return `${sign}${v.toFixed(digits)} ${units[i]}`;
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
