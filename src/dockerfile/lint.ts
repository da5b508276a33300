/**
 * The lint driver: parse, analyse once, run every enabled rule, then apply
 * policy in one place (inline ignores, config disables and severity
 * overrides). Pure: text and options in, findings out.
 */
import { parseDockerfile } from './parse/parse-dockerfile.js';
import type { DockerfileModel, ParseOptions } from './parse/model.js';
import { buildRuleContext } from './rules/context.js';
import { findRule, rules } from './rules/index.js';
import type { Finding, Rule, Severity } from './rules/types.js';

export interface LintPolicy {
  /** Rule ids or slugs to skip. */
  disabled?: readonly string[];
  /** Severity per rule id or slug. */
  severity?: Readonly<Record<string, Severity>>;
}

export interface LintOptions {
  policy?: LintPolicy;
  /** `.dockerignore` text; null = absent; undefined = unknown (G020 is skipped). */
  dockerignore?: string | null;
  parse?: ParseOptions;
  /** The stage that becomes the image (`docker build --target`); default the last stage. E_USAGE when unknown. */
  target?: string;
}

export interface LintResult {
  model: DockerfileModel;
  findings: Finding[];
  /** Findings dropped by inline ignore comments. */
  suppressed: number;
}

const SEVERITY_RANK: Record<Severity, number> = { error: 3, warning: 2, info: 1 };

export function severityRank(s: Severity): number {
  return SEVERITY_RANK[s];
}

/** `# goslim ignore=G009,G008` / `# goslim global ignore=G019` pragmas. */
export interface IgnorePragmas {
  global: Set<string>;
  /** 0-based line of the comment -> rule ids it ignores for the next instruction. */
  byLine: Map<number, Set<string>>;
}

const PRAGMA = /^goslim\s+(global\s+)?ignore\s*=\s*([A-Za-z0-9_,\s-]+?)(?:\s+#.*)?$/i;

export function readIgnorePragmas(model: DockerfileModel): IgnorePragmas {
  const out: IgnorePragmas = { global: new Set(), byLine: new Map() };
  // dockerfile-ast reads a first-line `# goslim global ignore=...` as a parser directive; scan both.
  const commentLines = [...model.comments, ...model.directives].map((c) => c.range.start.line);
  for (const line of commentLines) {
    const c = { range: { start: { line } } };
    const m = PRAGMA.exec((model.lines[line] ?? '').trim().replace(/^#\s*/, ''));
    if (!m) continue;
    const ids = new Set(
      m[2]!
        .split(/[\s,]+/)
        .filter(Boolean)
        .map((k) => findRule(k)?.meta.id ?? k.toUpperCase()),
    );
    if (m[1]) for (const id of ids) out.global.add(id);
    else out.byLine.set(c.range.start.line, ids);
  }
  return out;
}

function resolvePolicy(policy: LintPolicy | undefined): { disabled: Set<string>; severity: Map<string, Severity> } {
  const disabled = new Set((policy?.disabled ?? []).map((k) => findRule(k)?.meta.id ?? k.toUpperCase()));
  const severity = new Map<string, Severity>();
  for (const [k, v] of Object.entries(policy?.severity ?? {})) severity.set(findRule(k)?.meta.id ?? k.toUpperCase(), v);
  return { disabled, severity };
}

/** Lint one Dockerfile's text. */
export function lintDockerfile(text: string, options: LintOptions = {}): LintResult {
  const model = parseDockerfile(text, options.parse);
  return lintModel(model, options);
}

/** The instruction whose lines include `line0` (binary search: instructions are in source order). */
function instructionAt(model: DockerfileModel, line0: number): DockerfileModel['instructions'][number] | undefined {
  const list = model.instructions;
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = list[mid]!.range;
    if (line0 < r.start.line) hi = mid - 1;
    else if (line0 > r.end.line) lo = mid + 1;
    else return list[mid];
  }
  return undefined;
}

export function lintModel(model: DockerfileModel, options: LintOptions = {}, only?: readonly Rule[]): LintResult {
  const ctx = buildRuleContext(model, options.dockerignore, options.target);
  const { disabled, severity } = resolvePolicy(options.policy);
  const pragmas = readIgnorePragmas(model);
  // Map each instruction's line span to the ignores written directly above it (comment lines may stack).
  const ignoredAt = (line0: number, id: string): boolean => {
    if (pragmas.byLine.size === 0) return false;
    const instr = instructionAt(model, line0);
    if (!instr) return false;
    for (let l = instr.range.start.line - 1; l >= 0; l--) {
      const ids = pragmas.byLine.get(l);
      if (ids?.has(id)) return true;
      const isComment = /^\s*#/.test(model.lines[l] ?? '');
      if (!isComment) break;
    }
    return false;
  };
  const findings: Finding[] = [];
  let suppressed = 0;
  for (const rule of only ?? rules) {
    const id = rule.meta.id;
    if (disabled.has(id)) continue;
    for (const r of rule.check(ctx)) {
      if (pragmas.global.has(id) || ignoredAt(r.range.start.line, id)) {
        suppressed++;
        continue;
      }
      findings.push({
        rule: id,
        slug: rule.meta.slug,
        severity: severity.get(id) ?? r.severity ?? rule.meta.severity,
        line: r.range.start.line + 1,
        endLine: r.range.end.line + 1,
        column: r.range.start.character + 1,
        range: r.range,
        message: r.message,
        ...(rule.meta.lever ? { lever: rule.meta.lever } : {}),
      });
    }
  }
  findings.sort((a, b) => a.line - b.line || a.column - b.column || a.rule.localeCompare(b.rule));
  return { model, findings, suppressed };
}

export type FailureThreshold = Severity | 'none';

/** True when any finding is at or above the threshold (hadolint's failure-threshold). */
export function exceedsThreshold(findings: readonly Finding[], threshold: FailureThreshold): boolean {
  if (threshold === 'none') return false;
  return findings.some((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK[threshold]);
}
