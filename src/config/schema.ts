/**
 * goslim configuration (`.goslim.yaml` / `goslim.config.json`): shape and
 * validation. Pure: validation returns every issue at once, each with a dotted
 * path, instead of stopping at the first (changesets' validateConfig).
 *
 * ```yaml
 * lint:
 *   disable: [G019, unpinned-base]
 *   severity: { G008: warning }
 *   failure-threshold: warning     # error | warning | info | none
 * cost:                            # what the bytes cost (inspect, compare)
 *   bandwidth: 100Mbit
 *   nodes: 50
 *   kept-tags: 30
 * compare:
 *   max-growth: 5%                 # or a size: 2MB
 *   fail-on-new-lever: true
 * ```
 */
import { parseBandwidth, parseCount } from '../analysis/cost.js';
import { parseMaxGrowth } from '../compare/budgets.js';

export type ConfigSeverity = 'error' | 'warning' | 'info';
export type ConfigThreshold = ConfigSeverity | 'none';

export interface LintConfig {
  disable: string[];
  severity: Record<string, ConfigSeverity>;
  failureThreshold?: ConfigThreshold;
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

export interface GoslimConfig {
  lint: LintConfig;
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

const SEVERITIES: readonly string[] = ['error', 'warning', 'info'];
const THRESHOLDS: readonly string[] = ['error', 'warning', 'info', 'none'];
const TOP_KEYS = ['lint', 'cost', 'compare'];
const COST_KEYS = ['bandwidth', 'nodes', 'kept-tags'];
const COMPARE_KEYS = ['max-growth', 'fail-on-new-lever'];
const LINT_KEYS = ['disable', 'severity', 'failure-threshold'];

export function defaultConfig(): GoslimConfig {
  return { lint: { disable: [], severity: {} }, cost: {}, compare: {} };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'string' ? `"${v}"` : typeof v;
}

/** Validate parsed config data; returns the config with defaults and every issue found. */
export function validateConfig(raw: unknown, options: ValidateOptions): { config: GoslimConfig; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const config = defaultConfig();
  if (raw === null || raw === undefined) return { config, issues };
  if (!isRecord(raw)) {
    issues.push({ path: '(root)', message: `expected a mapping, found ${describe(raw)}` });
    return { config, issues };
  }
  const known = new Set(options.knownRules.map((k) => k.toLowerCase()));
  const checkRule = (path: string, key: string): boolean => {
    if (known.has(key.toLowerCase())) return true;
    issues.push({ path, message: `unknown rule "${key}"` });
    return false;
  };
  for (const key of Object.keys(raw)) {
    if (!TOP_KEYS.includes(key)) issues.push({ path: key, message: `unknown key (expected one of: ${TOP_KEYS.join(', ')})` });
  }
  validateCost(raw.cost, config, issues);
  validateCompare(raw.compare, config, issues);
  const lint = raw.lint;
  if (lint === undefined || lint === null) return { config, issues };
  if (!isRecord(lint)) {
    issues.push({ path: 'lint', message: `expected a mapping, found ${describe(lint)}` });
    return { config, issues };
  }
  for (const key of Object.keys(lint)) {
    if (!LINT_KEYS.includes(key)) issues.push({ path: `lint.${key}`, message: `unknown key (expected one of: ${LINT_KEYS.join(', ')})` });
  }
  if (lint.disable !== undefined) {
    if (!Array.isArray(lint.disable)) {
      issues.push({ path: 'lint.disable', message: `expected a list of rule ids, found ${describe(lint.disable)}` });
    } else {
      lint.disable.forEach((v, i) => {
        if (typeof v !== 'string') issues.push({ path: `lint.disable[${i}]`, message: `expected a rule id, found ${describe(v)}` });
        else if (checkRule(`lint.disable[${i}]`, v)) config.lint.disable.push(v);
      });
    }
  }
  if (lint.severity !== undefined) {
    if (!isRecord(lint.severity)) {
      issues.push({ path: 'lint.severity', message: `expected a mapping of rule id to severity, found ${describe(lint.severity)}` });
    } else {
      for (const [rule, sev] of Object.entries(lint.severity)) {
        const path = `lint.severity.${rule}`;
        const okRule = checkRule(path, rule);
        if (typeof sev !== 'string' || !SEVERITIES.includes(sev)) {
          issues.push({ path, message: `expected one of ${SEVERITIES.join(', ')}, found ${describe(sev)}` });
        } else if (okRule) {
          config.lint.severity[rule] = sev as ConfigSeverity;
        }
      }
    }
  }
  const t = lint['failure-threshold'];
  if (t !== undefined) {
    if (typeof t !== 'string' || !THRESHOLDS.includes(t)) {
      issues.push({ path: 'lint.failure-threshold', message: `expected one of ${THRESHOLDS.join(', ')}, found ${describe(t)}` });
    } else {
      config.lint.failureThreshold = t as ConfigThreshold;
    }
  }
  return { config, issues };
}

/** A check that throws a GoslimError (the option parsers), as an issue at `path`. */
function parsed<T>(path: string, issues: ConfigIssue[], f: () => T): T | undefined {
  try {
    return f();
  } catch (err) {
    issues.push({ path, message: (err as Error).message.replace(/^--[a-z-]+ /, '') });
    return undefined;
  }
}

function unknownKeys(section: string, value: Record<string, unknown>, keys: string[], issues: ConfigIssue[]): void {
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) issues.push({ path: `${section}.${key}`, message: `unknown key (expected one of: ${keys.join(', ')})` });
  }
}

function validateCost(cost: unknown, config: GoslimConfig, issues: ConfigIssue[]): void {
  if (cost === undefined || cost === null) return;
  if (!isRecord(cost)) {
    issues.push({ path: 'cost', message: `expected a mapping, found ${describe(cost)}` });
    return;
  }
  unknownKeys('cost', cost, COST_KEYS, issues);
  const b = cost.bandwidth;
  if (b !== undefined) {
    if (typeof b !== 'string' && typeof b !== 'number') issues.push({ path: 'cost.bandwidth', message: `expected a rate such as 100Mbit, found ${describe(b)}` });
    else {
      const v = parsed('cost.bandwidth', issues, () => parseBandwidth(String(b)));
      if (v !== undefined) config.cost.bandwidth = v;
    }
  }
  for (const [key, field] of [['nodes', 'nodes'], ['kept-tags', 'keptTags']] as const) {
    const v = cost[key];
    if (v === undefined) continue;
    if (typeof v !== 'number' && typeof v !== 'string') {
      issues.push({ path: `cost.${key}`, message: `expected a whole number, found ${describe(v)}` });
      continue;
    }
    const n = parsed(`cost.${key}`, issues, () => parseCount(v, `cost.${key}`));
    if (n !== undefined) config.cost[field] = n;
  }
}

function validateCompare(compare: unknown, config: GoslimConfig, issues: ConfigIssue[]): void {
  if (compare === undefined || compare === null) return;
  if (!isRecord(compare)) {
    issues.push({ path: 'compare', message: `expected a mapping, found ${describe(compare)}` });
    return;
  }
  unknownKeys('compare', compare, COMPARE_KEYS, issues);
  const g = compare['max-growth'];
  if (g !== undefined) {
    if (typeof g !== 'string' && typeof g !== 'number') issues.push({ path: 'compare.max-growth', message: `expected a percentage (5%) or a size (2MB), found ${describe(g)}` });
    else if (parsed('compare.max-growth', issues, () => parseMaxGrowth(String(g))) !== undefined) config.compare.maxGrowth = String(g);
  }
  const f = compare['fail-on-new-lever'];
  if (f !== undefined) {
    if (typeof f !== 'boolean') issues.push({ path: 'compare.fail-on-new-lever', message: `expected true or false, found ${describe(f)}` });
    else config.compare.failOnNewLever = f;
  }
}
