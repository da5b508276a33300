/** The size levers as explain topics (their text: src/vocabulary/levers.ts). */
import { LEVER_CONDITION_TEXT as CONDITION_TEXT, LEVER_DOCS, LEVER_IDS } from '../vocabulary/levers.js';
import type { LeverTopic } from './topic.js';

export const LEVER_TOPICS: readonly LeverTopic[] = LEVER_IDS.map((id) => {
  const d = LEVER_DOCS[id];
  return {
    id,
    kind: 'lever',
    title: d.title,
    summary: d.summary,
    removes: d.removes,
    lose: d.lose,
    keep: d.keep,
    check: d.check,
    // Order between levers (data: the vocabulary's `needs`), said where the fix is.
    fix: [d.fix, ...(d.needs ?? []).map((n) => `Apply ${n.lever} first when ${CONDITION_TEXT[n.when]}: ${n.why}.`)].join(' '),
    ...(d.needs !== undefined ? { seeAlso: d.needs.map((n) => n.lever) } : {}),
    references: d.references,
  };
});
