/**
 * The per-layer analysis cache on the command line (inspect, compare): `--cache-dir DIR`,
 * `--cache-max-size SIZE`, `--no-cache`, else the config's `cache:` section, else
 * `$GOSLIM_CACHE`, `$XDG_CACHE_HOME/goslim` or `~/.cache/goslim` and a 2 GB cap.
 * `GOSLIM_NO_CACHE=1` turns it off as `--no-cache` does (the test suite sets it, so that tests
 * that do not ask for the cache read every layer). See docs/cache.md.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_CACHE_MAX_SIZE, LayerCache } from '../analysis/layer-cache.js';
import { defaultCacheDir } from '../build/cache.js';
import type { CacheConfig } from '../config/schema.js';
import { UsageError } from '../errors.js';
import { formatBytes, parseBytes } from '../util/units.js';

export interface CacheCliOptions {
  cacheDir?: string;
  cacheMaxSize?: string;
  /** false with --no-cache (commander's default true). */
  cache?: boolean;
}

export function addCacheOptions(cmd: Command): Command {
  return cmd
    .option('--cache-dir <dir>', 'per-layer analysis cache (default $GOSLIM_CACHE, $XDG_CACHE_HOME/goslim or ~/.cache/goslim)')
    .option('--cache-max-size <size>', `cap of the analysis cache; least recently used layers are removed past it (default ${formatBytes(DEFAULT_CACHE_MAX_SIZE)})`)
    .option('--no-cache', 'read every layer; neither use nor fill the analysis cache (also GOSLIM_NO_CACHE=1)');
}

/** The cache the flags, the config and the environment ask for, or false for none (E_USAGE on a bad size). */
export function resolveLayerCache(o: CacheCliOptions, config: CacheConfig, env: NodeJS.ProcessEnv, cwd: string): LayerCache | false {
  let maxSize = config.maxSize;
  if (o.cacheMaxSize !== undefined) {
    maxSize = parseBytes(o.cacheMaxSize);
    if (maxSize === undefined) throw new UsageError(`--cache-max-size must be a size such as 2GB or 500MiB, got "${o.cacheMaxSize}"`);
  }
  if (o.cache === false) return false;
  // An explicit --cache-dir turns it on again over the environment's or the config's "off".
  if (o.cacheDir === undefined && (config.enabled === false || (env.GOSLIM_NO_CACHE !== undefined && env.GOSLIM_NO_CACHE !== '' && env.GOSLIM_NO_CACHE !== '0'))) return false;
  const dir = resolve(cwd, o.cacheDir ?? config.dir ?? defaultCacheDir(env));
  return new LayerCache(dir, maxSize !== undefined ? { maxSize } : {});
}
