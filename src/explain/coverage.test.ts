/**
 * Every id any command can emit or accept has an `explain` topic (issue 12): levers, lint rules
 * (ids and slugs), inspect's causes, verify's checks. The ids come from the registries, from what
 * the analyzers emit (rule metadata, binary findings, analysis levers) and from what the CLI
 * accepts (`inspect --fail-on-lever`, through the same parser the command uses).
 */
import { describe, expect, it } from 'vitest';
import { LEVER_IDS as BUDGET_LEVER_IDS, parseBudgets } from '../analysis/budgets.js';
import { BINARY_COMPARE_LEVERS } from '../compare/binaries.js';
import { rules } from '../dockerfile/rules/index.js';
import { CAUSE_IDS } from '../vocabulary/causes.js';
import { CHECK_IDS } from '../vocabulary/checks.js';
import { LEVER_IDS } from '../vocabulary/levers.js';
import { HINT_IDS } from '../vocabulary/hints.js';
import { BUDGET_IDS } from '../vocabulary/budgets.js';
import type { ErrorCode } from '../errors.js';
import { LIMITS } from '../limits.js';
import { ERROR_DOCS } from '../vocabulary/errors.js';
import { getTopic, listTopics } from './index.js';

// The analyzers' id types (analysis LeverId and CauseId, the lint rules' and binary findings' lever,
// verify's CheckId) are aliases of the registries' types (src/vocabulary), so the registries list
// every id they can emit; the rules' levers are also enumerated below from the rule metadata.

/** What `--fail-on-lever` accepts: probe the parser the CLI uses with an unknown id, read the accepted list it reports. */
function failOnLeverChoices(): string[] {
  try {
    parseBudgets({ failOnLever: ['no-such-lever'] });
  } catch (err) {
    return ((err as { details?: { accepted?: string[] } }).details?.accepted ?? []) as string[];
  }
  throw new Error('parseBudgets accepted an unknown lever');
}

function everyEmittedOrAcceptedId(): string[] {
  const accepted = failOnLeverChoices();
  for (const id of accepted) expect(() => parseBudgets({ failOnLever: [id] })).not.toThrow();
  return [
    ...LEVER_IDS,
    ...HINT_IDS,
    ...BUDGET_LEVER_IDS,
    ...accepted,
    ...rules.flatMap((r) => [r.meta.id, r.meta.slug, ...(r.meta.lever ? [r.meta.lever] : [])]),
    ...CAUSE_IDS,
    ...CAUSE_IDS.map((id) => `cause:${id}`),
    ...CHECK_IDS,
    ...CHECK_IDS.map((id) => `check:${id}`),
    // compare: image comparisons name the levers, causes and checks of the two inspect reports (above);
    // binary comparisons name these levers.
    ...BINARY_COMPARE_LEVERS,
    // every crossed budget names its budget (inspect, compare)
    ...BUDGET_IDS.map((id) => `budget:${id}`),
    ...BUDGET_IDS,
  ];
}

describe('explain covers every id', () => {
  it('--fail-on-lever accepts exactly the lever ids, vcs-metadata, apt-lists and docs included', () => {
    expect(failOnLeverChoices().sort()).toEqual([...LEVER_IDS].sort());
    expect(failOnLeverChoices()).toEqual(expect.arrayContaining(['vcs-metadata', 'apt-lists', 'docs']));
  });

  it.each([...new Set(everyEmittedOrAcceptedId())])('explain %s answers', (id) => {
    const t = getTopic(id);
    expect(t.summary.length).toBeGreaterThan(5);
    expect(t.references.length).toBeGreaterThan(0);
  });

  it('every cause, check and lever has its own topic with its kind', () => {
    const ids = new Set(listTopics().map((t) => `${t.kind}:${t.id}`));
    for (const id of LEVER_IDS) expect(ids).toContain(`lever:${id}`);
    for (const id of HINT_IDS) expect(ids).toContain(`hint:${id}`);
    for (const id of CAUSE_IDS) expect(ids).toContain(`cause:cause:${id}`);
    for (const id of CHECK_IDS) expect(ids).toContain(`check:check:${id}`);
    for (const r of rules) expect(ids).toContain(`rule:${r.meta.id}`);
    for (const id of BUDGET_IDS) expect(ids).toContain(`budget:budget:${id}`);
  });
});

describe('explain covers every error code and limit', () => {
  // ERROR_DOCS is a Record over ErrorCode, so the compiler already refuses a code without text.
  it.each(Object.keys(ERROR_DOCS) as ErrorCode[])('explain %s and error:%s answer', (code) => {
    expect(getTopic(code).id).toBe(`error:${code}`);
    expect(getTopic(`error:${code}`).kind).toBe('error');
    expect(getTopic(code).title).toContain(`exit ${code === 'E_INTERNAL' ? 3 : 2}`);
  });

  it.each(Object.keys(LIMITS))('explain limit:%s answers with its value', (key) => {
    const t = getTopic(`limit:${key}`);
    expect(t.kind).toBe('limit');
    expect(t.title).toContain(String(LIMITS[key as keyof typeof LIMITS].value));
  });
});
