/** Inspect's causes and verify's checks as explain topics (their text: src/vocabulary). */
import { CAUSE_DOCS, CAUSE_IDS } from '../vocabulary/causes.js';
import { CHECK_DOCS, CHECK_IDS } from '../vocabulary/checks.js';
import { ERROR_DOCS } from '../vocabulary/errors.js';
import { LIMITS, type LimitKey } from '../limits.js';
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

/** Error codes (`error:E_LIMIT`, alias `E_LIMIT`): every code a command can print. */
export const ERROR_TOPICS: readonly Topic[] = Object.entries(ERROR_DOCS).map(([code, d]) => ({
  id: `error:${code}`,
  kind: 'error',
  title: `${code}: ${d.title} (exit ${d.exit})`,
  summary: d.summary,
  why: d.why,
  fix: d.fix,
  references: [],
  aliases: [code],
}));

/** Resource limits (`limit:tar.pathDepth`): what `details.limit` of an E_LIMIT error names. */
export const LIMIT_TOPICS: readonly Topic[] = (Object.keys(LIMITS) as LimitKey[]).map((key) => {
  const l = LIMITS[key];
  return {
    id: `limit:${key}`,
    kind: 'limit',
    title: `limit ${key} = ${l.value} ${l.unit}`,
    summary: `${l.doc.charAt(0).toUpperCase()}${l.doc.slice(1)}.`,
    why: 'Bounds goslim\'s memory and time on hostile or broken input; crossing it is E_LIMIT with details.limit set to this name.',
    fix: 'Real inputs stay far below it. If a real one crosses it, report the limit name with what the input held.',
    references: [],
    seeAlso: ['error:E_LIMIT'],
  };
});
