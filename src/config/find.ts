/**
 * Finding the config file, without reading it: light (no YAML parser), so a command can look for
 * a config before it pays for loading one.
 */
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve, isAbsolute } from 'node:path';

export const CONFIG_FILE_NAMES = ['.goslim.yaml', '.goslim.yml', 'goslim.config.json'] as const;

/** The nearest config file between `startDir` and `stopDir` (inclusive), or null. */
export function findConfigFile(startDir: string, stopDir: string): string | null {
  let dir = resolve(startDir);
  const stop = resolve(stopDir);
  const inside = (d: string): boolean => {
    const rel = relative(stop, d);
    return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
  };
  // Outside the stop directory: only the start directory itself is searched.
  const walkUp = inside(dir);
  for (let hops = 0; hops < 64; hops++) {
    for (const name of CONFIG_FILE_NAMES) {
      const p = join(dir, name);
      if (existsSync(p)) return p;
    }
    if (!walkUp || dir === stop) break;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return null;
}

