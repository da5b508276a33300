/** goslim's own version, read once from its package.json (src/util and dist/util are both two levels down). */
import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** The `version` of goslim's package.json, or "unknown" when it cannot be read. */
export function packageVersion(): string {
  if (cached !== undefined) return cached;
  try {
    cached = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    cached = 'unknown';
  }
  return cached;
}
