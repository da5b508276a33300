/**
 * The config file for every command (`.goslim.yaml`, `.goslim.yml`, `goslim.config.json`, or
 * `--config FILE`): found, read and validated once per run (every problem at once, E_CONFIG), then
 * merged by each command as flag ?? config ?? default. See src/config/schema.ts for the keys.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { findConfigFile } from '../config/find.js';
import { defaultConfig, type GoslimConfig } from '../config/types.js';
import { parseImageReference } from '../image/reference.js';
import type { NetworkCliOptions } from './network-options.js';

export interface ConfigCliOptions {
  config?: string;
}

export const CONFIG_OPTION_HELP = "config file (default: .goslim.yaml, .goslim.yml or goslim.config.json in the current directory)";

export function addConfigOption(cmd: Command, help = CONFIG_OPTION_HELP): Command {
  return cmd.option('-c, --config <file>', help);
}

/**
 * The config for this run: `--config FILE` if given (E_NOT_FOUND when missing), else the nearest
 * config file from `startDir` up to the current directory, else the defaults. The YAML parser and
 * the lint rule registry (for the lint section's rule names) load only when there is a file, so a
 * run without one starts as fast as before.
 */
export async function commandConfig(cwd: string, explicit: string | undefined, startDir: string = cwd): Promise<GoslimConfig> {
  const path = explicit !== undefined ? resolve(cwd, explicit) : findConfigFile(resolve(cwd, startDir), cwd);
  if (path === null) return defaultConfig();
  const [{ loadConfigFile }, { ruleKeys }] = await Promise.all([import('../config/load.js'), import('../dockerfile/rules/index.js')]);
  return loadConfigFile(path, { knownRules: ruleKeys() });
}

/** The registry host a reference names, or null for archives, layouts and paths. */
export function registryHostOf(ref: string): string | null {
  try {
    const r = parseImageReference(ref);
    return r.transport === 'docker' ? r.registry.registry : null;
  } catch {
    return null;
  }
}

/** `--insecure`, or every registry the run talks to is listed in `registries.insecure`. */
export function insecureFor(flag: boolean | undefined, refs: readonly string[], config: GoslimConfig): boolean {
  if (flag === true) return true;
  const hosts = refs.map(registryHostOf).filter((h): h is string => h !== null);
  return hosts.length > 0 && hosts.every((h) => config.registries.insecure.includes(h));
}

/** `--request-timeout` / `--min-rate`, else `registries.request-timeout` / `registries.min-rate`. */
export function networkOptions(o: NetworkCliOptions, config: GoslimConfig): NetworkCliOptions {
  const out: NetworkCliOptions = {};
  const timeout = o.requestTimeout ?? config.registries.requestTimeout;
  const rate = o.minRate ?? config.registries.minRate;
  if (timeout !== undefined) out.requestTimeout = timeout;
  if (rate !== undefined) out.minRate = rate;
  return out;
}
