/** Inspect's causes and verify's checks as explain topics (their text: src/vocabulary). */
import { CAUSE_DOCS, CAUSE_IDS } from '../vocabulary/causes.js';
import { CHECK_DOCS, CHECK_IDS } from '../vocabulary/checks.js';
import type { Topic } from './topic.js';

/**
 * Cause and check ids share names with each other and with levers (`shell` is a cause and a check,
 * `docs` a cause and a lever), so their topic ids are qualified (`cause:shell`, `check:shell`) and
 * the plain id is an alias: `goslim explain shell` finds the first topic with that name.
 */
export const CAUSE_TOPICS: readonly Topic[] = CAUSE_IDS.map((id) => {
  const d = CAUSE_DOCS[id];
  return {
    id: `cause:${id}`,
    kind: 'cause',
    title: d.title,
    summary: d.summary,
    why: d.why,
    fix: d.fix,
    references: d.references,
    aliases: [id],
    ...(d.lever !== undefined ? { seeAlso: [d.lever] } : {}),
  };
});

export const CHECK_TOPICS: readonly Topic[] = CHECK_IDS.map((id) => {
  const d = CHECK_DOCS[id];
  return {
    id: `check:${id}`,
    kind: 'check',
    title: d.title,
    summary: d.summary,
    why: d.why,
    fix: d.fix,
    references: d.references,
    aliases: [id],
  };
});
