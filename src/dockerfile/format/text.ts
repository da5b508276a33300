/** Human-readable lint output: `path:line:col severity ID message`, then a summary. */
import type { LintFileReport } from './types.js';

export function formatLintText(reports: readonly LintFileReport[]): string {
  const lines: string[] = [];
  const counts = { error: 0, warning: 0, info: 0 };
  for (const r of reports) {
    for (const f of r.findings) {
      counts[f.severity]++;
      lines.push(`${r.path}:${f.line}:${f.column} ${f.severity} ${f.rule} (${f.slug}) ${f.message}`);
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
