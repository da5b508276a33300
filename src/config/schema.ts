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
 * inspect:                         # budgets of goslim inspect (as its flags)
 *   max-size: 50MB
 *   max-compressed-size: 20MB
 *   min-efficiency: 95%
 *   fail-on-lever: [strip-symbols]
 * verify: { run: true, timeout: 5s, probe: http://127.0.0.1:8080/healthz, sandbox: auto, strict: false, args: [serve] }
 * build: { base: scratch, platforms: [linux/amd64, linux/arm64], ldflags: "-X main.version=1.2.3", sbom: spdx }
 * registries: { insecure: [registry.internal:5000], request-timeout: 90s, min-rate: 10KB/s }
 * cost:                            # what the bytes cost (inspect, compare)
 *   bandwidth: 100Mbit
 *   nodes: 50
 *   kept-tags: 30
 * compare:
 *   max-growth: 5%                 # or a size: 2MB
 *   fail-on-new-lever: true
 * cache: { dir: /var/cache/goslim, max-size: 2GB, enabled: true }   # the per-layer analysis cache (inspect, compare)
 * ```
 *
 * Every value is checked here with the parser its command-line flag uses, so a bad value is
 * reported with its dotted path before any work starts; the command applies flag ?? config ?? default.
 */
import { isLeverId, LEVER_IDS, type LeverId } from '../vocabulary/levers.js';
import { parseBytes, parseDuration, parseRate } from '../util/units.js';
import { parseBandwidth, parseCount } from '../analysis/cost.js';
import { parseMaxGrowth } from '../compare/budgets.js';

export type { ConfigSeverity, ConfigThreshold, LintConfig, InspectConfig, SandboxKind, VerifyConfig, BuildConfig, RegistriesConfig, CostConfig, CompareConfig, CacheConfig, GoslimConfig, ConfigIssue, ValidateOptions } from './types.js';
export { defaultConfig } from './types.js';
import { defaultConfig, type ConfigIssue, type ConfigSeverity, type ConfigThreshold, type GoslimConfig, type ValidateOptions } from './types.js';

const SEVERITIES: readonly string[] = ['error', 'warning', 'info'];
const THRESHOLDS: readonly string[] = ['error', 'warning', 'info', 'none'];
const TOP_KEYS = ['lint', 'inspect', 'compare', 'cost', 'verify', 'build', 'registries', 'cache'];
const COST_KEYS = ['bandwidth', 'nodes', 'kept-tags'];
const COMPARE_KEYS = ['max-growth', 'fail-on-new-lever'];
const LINT_KEYS = ['disable', 'severity', 'failure-threshold'];

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
  validateSections(raw, config, issues);
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

/**
 * Reads one section's keys with typed getters; every problem is an issue at its dotted path.
 * A getter returns undefined for a missing or invalid value (the issue is recorded).
 */
class Section {
  constructor(
    readonly name: string,
    readonly data: Record<string, unknown>,
    readonly issues: ConfigIssue[],
  ) {}

  private bad(key: string, expected: string, v: unknown): undefined {
    this.issues.push({ path: `${this.name}.${key}`, message: `expected ${expected}, found ${describe(v)}` });
    return undefined;
  }

  string(key: string, expected = 'a string', check?: (s: string) => boolean): string | undefined {
    const v = this.data[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string' || v.trim() === '' || (check !== undefined && !check(v))) return this.bad(key, expected, v);
    return v;
  }

  /** A string or a number (YAML reads `300000` as a number). */
  text(key: string, expected: string, check: (s: string) => boolean): string | undefined {
    const v = this.data[key];
    if (typeof v === 'number') return check(String(v)) ? String(v) : this.bad(key, expected, v);
    return this.string(key, expected, check);
  }

  bool(key: string): boolean | undefined {
    const v = this.data[key];
    if (v === undefined || v === null) return undefined;
    return typeof v === 'boolean' ? v : this.bad(key, 'true or false', v);
  }

  int(key: string, min: number, max: number): number | undefined {
    const v = this.data[key];
    if (v === undefined || v === null) return undefined;
    return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? v : this.bad(key, `a whole number from ${min} to ${max}`, v);
  }

  oneOf<T extends string>(key: string, choices: readonly T[]): T | undefined {
    const v = this.data[key];
    if (v === undefined || v === null) return undefined;
    return typeof v === 'string' && (choices as readonly string[]).includes(v) ? (v as T) : this.bad(key, `one of ${choices.join(', ')}`, v);
  }

  /** A list of strings (a single string is a list of one). */
  list(key: string, expected = 'a string', check?: (s: string) => boolean): string[] | undefined {
    const v = this.data[key];
    if (v === undefined || v === null) return undefined;
    const items = typeof v === 'string' ? [v] : v;
    if (!Array.isArray(items)) return this.bad(key, `a list of ${expected.replace(/^an? /, '')}s`, v);
    const out: string[] = [];
    items.forEach((item, i) => {
      if (typeof item !== 'string' || item.trim() === '' || (check !== undefined && !check(item))) {
        this.issues.push({ path: `${this.name}.${key}[${i}]`, message: `expected ${expected}, found ${describe(item)}` });
      } else out.push(item);
    });
    return out;
  }

  unknownKeys(known: readonly string[]): void {
    for (const key of Object.keys(this.data)) {
      if (!known.includes(key)) this.issues.push({ path: `${this.name}.${key}`, message: `unknown key (expected one of: ${known.join(', ')})` });
    }
  }
}

function section(raw: Record<string, unknown>, name: string, issues: ConfigIssue[]): Section | null {
  const v = raw[name];
  if (v === undefined || v === null) return null;
  if (!isRecord(v)) {
    issues.push({ path: name, message: `expected a mapping, found ${describe(v)}` });
    return null;
  }
  return new Section(name, v, issues);
}

const parses = (f: (s: string) => unknown): ((s: string) => boolean) => (s) => {
  try {
    f(s);
    return true;
  } catch {
    return false;
  }
};
const isSize = (s: string): boolean => parseBytes(s) !== undefined;
const isFraction = (s: string): boolean => {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(s);
  const v = m ? Number(m[1]) / (m[2] ? 100 : 1) : NaN;
  return v >= 0 && v <= 1;
};
const isPlatform = (s: string): boolean => /^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/.test(s.trim());
const isKeyValue = (s: string): boolean => s.indexOf('=') > 0;
const isHost = (s: string): boolean => /^(?:[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*|\[[a-fA-F0-9:]+\])(?::\d+)?$/.test(s);
const isLoopbackUrl = (s: string): boolean => /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\//.test(s);

/** verify's timeout: a duration, a plain number meaning milliseconds (as `--timeout`). */
function timeoutMs(text: string): number | undefined {
  const t = /^\s*\d+\s*$/.test(text) ? `${text.trim()}ms` : text;
  return parses((x) => parseDuration(x, 'timeout'))(t) ? parseDuration(t, 'timeout') : undefined;
}

/** The sections other than `lint`. */
function validateSections(raw: Record<string, unknown>, config: GoslimConfig, issues: ConfigIssue[]): void {
  const set = <T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void => {
    if (value !== undefined) target[key] = value;
  };

  const b = section(raw, 'inspect', issues);
  if (b) {
    b.unknownKeys(['max-size', 'max-compressed-size', 'min-efficiency', 'fail-on-lever']);
    const bytes = (key: string): number | undefined => {
      const t = b.text(key, 'a size such as 250MB, 1.5GiB or 300000', isSize);
      return t === undefined ? undefined : parseBytes(t);
    };
    set(config.inspect, 'maxSize', bytes('max-size'));
    set(config.inspect, 'maxCompressedSize', bytes('max-compressed-size'));
    const eff = b.text('min-efficiency', 'a fraction (0.95) or a percentage (95%)', isFraction);
    if (eff !== undefined) config.inspect.minEfficiency = Number(/[\d.]+/.exec(eff)![0]) / (eff.includes('%') ? 100 : 1);
    const levers = b.list('fail-on-lever', `a lever id (${LEVER_IDS.join(', ')})`, isLeverId);
    if (levers !== undefined) config.inspect.failOnLever = levers as LeverId[];
  }

  const c = section(raw, 'cache', issues);
  if (c) {
    c.unknownKeys(['dir', 'max-size', 'enabled']);
    set(config.cache, 'dir', c.string('dir', 'a directory', (t) => t.trim() !== ''));
    const t = c.text('max-size', 'a size such as 2GB, 500MiB or 300000', isSize);
    if (t !== undefined) config.cache.maxSize = parseBytes(t);
    set(config.cache, 'enabled', c.bool('enabled'));
  }

  const v = section(raw, 'verify', issues);
  if (v) {
    v.unknownKeys(['run', 'timeout', 'probe', 'sandbox', 'strict', 'args']);
    set(config.verify, 'run', v.bool('run'));
    const timeout = v.text('timeout', 'a duration such as 3s or 1500ms (at most 10m; a plain number is ms)', (t) => {
      const ms = timeoutMs(t);
      return ms !== undefined && ms > 0 && ms <= 600_000;
    });
    if (timeout !== undefined) config.verify.timeout = timeoutMs(timeout);
    set(config.verify, 'probe', v.string('probe', 'an http:// URL on 127.0.0.1 or localhost', isLoopbackUrl));
    set(config.verify, 'sandbox', v.oneOf('sandbox', ['auto', 'podman', 'namespaces'] as const));
    set(config.verify, 'strict', v.bool('strict'));
    set(config.verify, 'args', v.list('args', 'an argument'));
  }

  const bu = section(raw, 'build', issues);
  if (bu) {
    bu.unknownKeys(['base', 'platforms', 'ldflags', 'user', 'sbom', 'gzip-level', 'ports', 'env', 'labels', 'source']);
    set(config.build, 'base', bu.string('base', 'an image reference or "scratch"'));
    set(config.build, 'platforms', bu.list('platforms', 'a platform such as linux/amd64', isPlatform));
    set(config.build, 'ldflags', bu.string('ldflags'));
    const user = bu.text('user', 'a user name or uid', () => true);
    if (user !== undefined) config.build.user = user;
    set(config.build, 'sbom', bu.oneOf('sbom', ['spdx', 'cyclonedx', 'none'] as const));
    set(config.build, 'gzipLevel', bu.int('gzip-level', 0, 9));
    const ports = bu.data['ports'];
    if (Array.isArray(ports)) bu.data['ports'] = ports.map((p) => (typeof p === 'number' ? String(p) : p));
    set(config.build, 'ports', bu.list('ports', 'a port such as 8080 or 53/udp', (s) => /^\d{1,5}(\/(tcp|udp|sctp))?$/.test(s)));
    set(config.build, 'env', bu.list('env', 'KEY=VALUE', isKeyValue));
    const labels = bu.data['labels'];
    if (labels !== undefined && labels !== null) {
      if (!isRecord(labels)) issues.push({ path: 'build.labels', message: `expected a mapping of label to value, found ${describe(labels)}` });
      else {
        const out: Record<string, string> = {};
        for (const [k, val] of Object.entries(labels)) {
          if (typeof val === 'string' || typeof val === 'number' || typeof val === 'boolean') out[k] = String(val);
          else issues.push({ path: `build.labels.${k}`, message: `expected a string, found ${describe(val)}` });
        }
        config.build.labels = out;
      }
    }
    set(config.build, 'source', bu.string('source', 'a URL'));
  }

  const r = section(raw, 'registries', issues);
  if (r) {
    r.unknownKeys(['insecure', 'request-timeout', 'min-rate']);
    config.registries.insecure = r.list('insecure', 'a registry host[:port]', isHost) ?? [];
    set(config.registries, 'requestTimeout', r.text('request-timeout', 'a duration such as 90s or 30m', parses((s) => parseDuration(s, 'request-timeout'))));
    set(config.registries, 'minRate', r.text('min-rate', 'a rate such as 10KB/s', parses((s) => parseRate(s, 'min-rate'))));
  }
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
