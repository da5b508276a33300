/** The size levers as explain topics (their text: src/vocabulary/levers.ts). */
import { LEVER_CONDITION_TEXT as CONDITION_TEXT, LEVER_DOCS, LEVER_IDS } from '../vocabulary/levers.js';
import { HINT_DOCS, HINT_IDS } from '../vocabulary/hints.js';
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

/** `goslim binary`'s hints (issue 15) as explain topics: never applied automatically, so kind `hint`. */
export const HINT_TOPICS: readonly LeverTopic[] = HINT_IDS.map((id) => {
  const d = HINT_DOCS[id];
  return {
    id,
    kind: 'hint',
    title: d.title,
    summary: d.summary,
    removes: d.removes,
    lose: d.lose,
    keep: d.keep,
    check: d.check,
    fix: d.fix,
    references: d.references,
  };
});
