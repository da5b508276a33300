/**
 * A vocabulary entry's full help, as plain text and as Markdown, for SARIF rules (GitHub code
 * scanning shows `help.markdown`) and the Markdown reports. The words are the explain topics'
 * (src/explain), which take them from src/vocabulary.
 */
import { LEVER_TOPICS } from '../explain/levers.js';
import { BUDGET_TOPICS, CHECK_TOPICS } from '../explain/vocabulary.js';
import type { Topic } from '../explain/topic.js';
import { InternalError } from '../errors.js';

const PARTS: ReadonlyArray<[keyof Topic, string]> = [
  ['removes', 'What it removes'],
  ['why', 'Why it matters'],
  ['lose', 'What you lose'],
  ['keep', 'What still works'],
  ['check', 'How to check'],
  ['fix', 'Fix'],
];

export function topicFor(id: string): Topic {
  const t = LEVER_TOPICS.find((x) => x.id === id) ?? CHECK_TOPICS.find((x) => x.id === id) ?? BUDGET_TOPICS.find((x) => x.id === id);
  if (!t) throw new InternalError(`no explain topic ${id}`);
  return t;
}

export function topicHelpText(t: Topic): string {
  const out = [t.title, '', t.summary];
  for (const [k, label] of PARTS) {
    const v = t[k];
    if (typeof v === 'string') out.push('', `${label}: ${v}`);
  }
  if (t.references.length > 0) out.push('', 'Sources:', ...t.references.map((r) => `- ${r.title}: ${r.url}`));
  out.push('', `More: goslim explain ${t.id}`);
  return out.join('\n');
}

/** Markdown that survives GitHub's sanitiser: headings, paragraphs, lists and links only. */
export function topicHelpMarkdown(t: Topic): string {
  const out = [`**${t.title}**`, '', t.summary];
  for (const [k, label] of PARTS) {
    const v = t[k];
    if (typeof v === 'string') out.push('', `**${label}:** ${v}`);
  }
  if (t.references.length > 0) out.push('', '**Sources:**', '', ...t.references.map((r) => `- [${r.title}](${r.url})`));
  out.push('', `More: \`goslim explain ${t.id}\``);
  return out.join('\n');
}
