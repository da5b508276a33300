/** The lint rules as `goslim explain` topics (their docs live in the rule modules, src/dockerfile/rules). */
import type { Topic } from './topic.js';
import { rules } from '../dockerfile/rules/index.js';

function title(url: string): string {
  const u = new URL(url);
  return `${u.hostname}${u.pathname}${u.hash}`;
}

export const RULE_TOPICS: readonly Topic[] = rules.map((r) => {
  const d = r.meta.doc;
  return {
    id: r.meta.id,
    title: `${r.meta.id} ${r.meta.slug} (${r.meta.severity}${r.meta.lever ? `, lever ${r.meta.lever}` : ''})`,
    summary: d.summary,
    removes: `${d.why}\nFix: ${d.fix}`,
    lose: d.lose,
    keep: d.keep,
    check: d.check,
    references: d.references.map((url) => ({ title: title(url), url })),
    kind: 'rule',
    aliases: [r.meta.slug],
    ...(r.meta.lever ? { seeAlso: [r.meta.lever] } : {}),
  };
});
