/**
 * Markdown building blocks for reports that land in GITHUB_STEP_SUMMARY and pull-request
 * comments: tables, `<details>` for long lists, nothing GitHub's sanitiser strips (no style, no
 * script, no raw HTML besides details/summary). Cell text is escaped so an image's file names
 * cannot break a table or inject markup.
 */

/** Text for a table cell: pipes escaped, newlines folded, HTML and Markdown specials neutralised. */
export function cell(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/([*_`[\]])/g, '\\$1')
    .replace(/\r?\n/g, ' ');
}

/** Inline code in a table cell (a path, a digest): backticks inside become a longer fence. */
export function code(text: string): string {
  const one = text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
  const fence = one.includes('`') ? '``' : '`';
  return `${fence}${fence.length > 1 ? ' ' : ''}${one}${fence.length > 1 ? ' ' : ''}${fence}`;
}

export type Align = 'l' | 'r';

export function table(head: readonly string[], rows: ReadonlyArray<readonly string[]>, align: readonly Align[] = []): string[] {
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map((_, i) => (align[i] === 'r' ? '---:' : '---')).join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ];
}

/** A collapsed block; the blank lines around the body let GitHub render Markdown inside it. */
export function details(summary: string, body: readonly string[]): string[] {
  return ['<details>', `<summary>${cell(summary)}</summary>`, '', ...body, '', '</details>', ''];
}

/** Tables longer than this go into `<details>`. */
export const LONG = 10;
