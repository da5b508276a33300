/** Markdown lint report (for PR comments and CI job summaries). */
import type { LintFileReport } from '../dockerfile/format/types.js';

const ICON: Record<string, string> = { error: '🛑 error', warning: '⚠️ warning', info: 'ℹ️ info' };

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

export function formatLintMarkdown(reports: readonly LintFileReport[]): string {
  const out: string[] = ['# goslim lint', ''];
  let total = 0;
  for (const r of reports) {
    out.push(`## \`${r.path === '-' ? 'stdin' : r.path}\``, '');
    if (r.findings.length === 0) {
      out.push('No findings.', '');
      continue;
    }
    out.push('| Line | Severity | Rule | Finding |', '|---:|---|---|---|');
    for (const f of r.findings) {
      total++;
      const id = `${f.rule} ${f.slug}`;
      out.push(`| ${f.line} | ${ICON[f.severity] ?? f.severity} | ${id} | ${cell(f.message)} |`);
    }
    out.push('');
  }
  out.push(`${total} finding${total === 1 ? '' : 's'} in ${reports.length} file${reports.length === 1 ? '' : 's'}.`, '');
  return out.join('\n');
}
