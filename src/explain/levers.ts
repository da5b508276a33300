/** The size levers as explain topics (their text: src/vocabulary/levers.ts). */
import { LEVER_DOCS, LEVER_IDS } from '../vocabulary/levers.js';
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
    fix: d.fix,
    references: d.references,
  };
});
