/** Inspect's causes and verify's checks as explain topics (their text: src/vocabulary). */
import { CAUSE_DOCS, CAUSE_IDS } from '../vocabulary/causes.js';
import { CHECK_DOCS, CHECK_IDS } from '../vocabulary/checks.js';
import { ERROR_DOCS } from '../vocabulary/errors.js';
import { BUDGET_DOCS, BUDGET_IDS } from '../vocabulary/budgets.js';
import { LIMITS, type LimitKey } from '../limits.js';
import type { Topic } from './topic.js';

/**
 * Cause and check ids share names with each other and with levers (`shell` is a cause and a check,
 * `docs` a cause and a lever), so their topic ids are qualified (`cause:shell`, `check:shell`) and
 * the plain id is an alias: `goslim explain shell` finds the first topic with that name.
 */
interface DocText {
  title: string;
  summary: string;
  why: string;
  fix: string;
  references: Topic['references'];
}

/** A cause's or check's topic: qualified id, its text, the plain id as an alias. */
function docTopic(kind: 'cause' | 'check', id: string, d: DocText, seeAlso?: string): Topic {
  return {
    id: `${kind}:${id}`,
    kind,
    title: d.title,
    summary: d.summary,
    why: d.why,
    fix: d.fix,
    references: d.references,
    aliases: [id],
    ...(seeAlso !== undefined ? { seeAlso: [seeAlso] } : {}),
  };
}

export const CAUSE_TOPICS: readonly Topic[] = CAUSE_IDS.map((id) => docTopic('cause', id, CAUSE_DOCS[id], CAUSE_DOCS[id].lever));

export const CHECK_TOPICS: readonly Topic[] = CHECK_IDS.map((id) => docTopic('check', id, CHECK_DOCS[id]));

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

/** CI budgets (`budget:max-growth`, alias `max-growth`): what each crossed-budget line names. */
export const BUDGET_TOPICS: readonly Topic[] = BUDGET_IDS.map((id) => {
  const d = BUDGET_DOCS[id];
  return {
    id: `budget:${id}`,
    kind: 'budget',
    title: d.title,
    summary: `${d.summary} Set with ${d.flag} or \`${d.config}\` in .goslim.yaml.`,
    why: d.why,
    fix: d.fix,
    references: d.references,
    aliases: [id],
  };
});
