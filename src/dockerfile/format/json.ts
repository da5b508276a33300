/** Machine-readable lint output: `{"files": [{"path", "findings": [...]}], "summary": {...}}`. */
import { findRule, ruleDocPath } from '../rules/index.js';
import type { LintFileReport } from './types.js';

export interface LintJson {
  files: Array<{
    path: string;
    findings: Array<{
      rule: string;
      slug: string;
      severity: string;
      line: number;
      endLine: number;
      column: number;
      message: string;
      lever?: string;
      /** The rule's page inside the package (docs/rules/…), also `goslim explain <rule>`. */
      doc?: string;
      range: { start: { line: number; character: number }; end: { line: number; character: number } };
    }>;
  }>;
  summary: { files: number; error: number; warning: number; info: number };
}

export function toLintJson(reports: readonly LintFileReport[]): LintJson {
  const summary = { files: reports.length, error: 0, warning: 0, info: 0 };
  const files = reports.map((r) => ({
    path: r.path,
    findings: r.findings.map((f) => {
      summary[f.severity]++;
      const rule = findRule(f.rule);
      return {
        rule: f.rule,
        slug: f.slug,
        severity: f.severity,
        line: f.line,
        endLine: f.endLine,
        column: f.column,
        message: f.message,
        ...(f.lever ? { lever: f.lever } : {}),
        ...(rule ? { doc: ruleDocPath(rule) } : {}),
        range: f.range,
      };
    }),
  }));
  return { files, summary };
}

/** The body of the lint report; `goslim lint --format json` wraps it in the versioned document (src/report/document.ts). */
export function formatLintJson(reports: readonly LintFileReport[]): string {
  return `${JSON.stringify(toLintJson(reports), null, 2)}\n`;
}
