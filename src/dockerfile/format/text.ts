/** Human-readable lint output: `path:line:col severity ID message`, then a summary. */
import type { LintFileReport } from './types.js';

/** How severities are marked: src/report/style.ts's Style fits (the CLI decides colour; default plain). */
export interface SeverityStyle {
  bad(s: string): string;
  warn(s: string): string;
}
const PLAIN_SEVERITY: SeverityStyle = { bad: (s) => s, warn: (s) => s };

export function formatLintText(reports: readonly LintFileReport[], style: SeverityStyle = PLAIN_SEVERITY): string {
  const lines: string[] = [];
  const counts = { error: 0, warning: 0, info: 0 };
  for (const r of reports) {
    for (const f of r.findings) {
      counts[f.severity]++;
      const severity = f.severity === 'error' ? style.bad(f.severity) : f.severity === 'warning' ? style.warn(f.severity) : f.severity;
      lines.push(`${r.path}:${f.line}:${f.column} ${severity} ${f.rule} (${f.slug}) ${f.message}`);
    }
  }
  const total = counts.error + counts.warning + counts.info;
  const files = `${reports.length} file${reports.length === 1 ? '' : 's'}`;
  lines.push(
    total === 0
      ? `${files} checked, no findings.`
      : `${files} checked: ${counts.error} error(s), ${counts.warning} warning(s), ${counts.info} info. Run \`goslim explain <rule>\` for details.`,
  );
  return `${lines.join('\n')}\n`;
}
