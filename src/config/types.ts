/**
 * The config's types and its defaults, apart from the validator (schema.ts) so that a command run
 * without a config file loads neither the validator nor what it checks against (the levers'
 * vocabulary, the budget and cost parsers): ~3.5 MB of a push's 64 MB budget (issue 17).
 */
import type { LeverId } from '../vocabulary/levers.js';

export type ConfigSeverity = 'error' | 'warning' | 'info';
export type ConfigThreshold = ConfigSeverity | 'none';

export interface LintConfig {
  disable: string[];
  severity: Record<string, ConfigSeverity>;
  failureThreshold?: ConfigThreshold;
}

/** Budgets of `inspect` (as its flags). Sizes in bytes. */
export interface InspectConfig {
  maxSize?: number;
  maxCompressedSize?: number;
  /** 0..1 */
  minEfficiency?: number;
  failOnLever?: LeverId[];
}

export type SandboxKind = 'auto' | 'podman' | 'namespaces';

export interface VerifyConfig {
  run?: boolean;
  /** Milliseconds. */
  timeout?: number;
  probe?: string;
  sandbox?: SandboxKind;
  strict?: boolean;
  args?: string[];
}

export interface BuildConfig {
  base?: string;
  platforms?: string[];
  ldflags?: string;
  user?: string;
  sbom?: 'spdx' | 'cyclonedx' | 'none';
  gzipLevel?: number;
  ports?: string[];
  env?: string[];
  labels?: Record<string, string>;
  source?: string;
}

export interface RegistriesConfig {
  /** Registry hosts (host[:port]) reached over plain HTTP, as `--insecure` does for one run. */
  insecure: string[];
  /** As `--request-timeout` (duration text). */
  requestTimeout?: string;
  /** As `--min-rate` (rate text). */
  minRate?: string;
}

/** `cost:` — the cost model of inspect and compare (each absent value is the default). */
export interface CostConfig {
  /** Bits per second. */
  bandwidth?: number;
  nodes?: number;
  keptTags?: number;
}

/** `compare:` — budgets of `goslim compare`, as their option text. */
export interface CompareConfig {
  maxGrowth?: string;
  failOnNewLever?: boolean;
}

/** `cache:` — the per-layer analysis cache of inspect and compare (docs/cache.md). */
export interface CacheConfig {
  /** Directory (relative: to the current directory). */
  dir?: string;
  /** Bytes. */
  maxSize?: number;
  /** false: no cache (as --no-cache). */
  enabled?: boolean;
}

export interface GoslimConfig {
  cache: CacheConfig;
  lint: LintConfig;
  inspect: InspectConfig;
  verify: VerifyConfig;
  build: BuildConfig;
  registries: RegistriesConfig;
  cost: CostConfig;
  compare: CompareConfig;
}

export interface ConfigIssue {
  /** Dotted path of the offending value (`lint.severity.G008`). */
  path: string;
  message: string;
}

export interface ValidateOptions {
  /** Rule ids and slugs that may be named (from the rule registry). */
  knownRules: readonly string[];
}


export function defaultConfig(): GoslimConfig {
  return { lint: { disable: [], severity: {} }, inspect: {}, compare: {}, cost: {}, verify: {}, build: {}, registries: { insecure: [] }, cache: {} };
}
