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
 * ```
 */
export type ConfigSeverity = 'error' | 'warning' | 'info';
export type ConfigThreshold = ConfigSeverity | 'none';

export interface LintConfig {
  disable: string[];
  severity: Record<string, ConfigSeverity>;
  failureThreshold?: ConfigThreshold;
}

export interface GoslimConfig {
  lint: LintConfig;
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
const TOP_KEYS = ['lint'];
const LINT_KEYS = ['disable', 'severity', 'failure-threshold'];

export function defaultConfig(): GoslimConfig {
  return { lint: { disable: [], severity: {} } };
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
