/**
 * The explain registry: a topic for every id goslim emits or accepts — levers, lint rules,
 * inspect's causes, verify's checks, CI budgets, error codes and resource limits. To add topics, export a `readonly Topic[]` from a module
 * and add it to the `makeRegistry(...)` call below.
 */
import { UsageError } from '../errors.js';
import { HINT_TOPICS, LEVER_TOPICS } from './levers.js';
import { RULE_TOPICS } from './rules.js';
import { makeRegistry, type Topic } from './topic.js';
import { BUDGET_TOPICS, CAUSE_TOPICS, CHECK_TOPICS, ERROR_TOPICS, LIMIT_TOPICS } from './vocabulary.js';

export type { Topic, LeverTopic, Reference } from './topic.js';
export { HINT_TOPICS, LEVER_TOPICS } from './levers.js';
export { RULE_TOPICS } from './rules.js';
export { BUDGET_TOPICS, CAUSE_TOPICS, CHECK_TOPICS, ERROR_TOPICS, LIMIT_TOPICS } from './vocabulary.js';

/** Topics that share a name (an alias or an id) point at each other in seeAlso. */
function linkSharedNames(groups: ReadonlyArray<readonly Topic[]>): Topic[][] {
  const byName = new Map<string, string[]>();
  for (const t of groups.flat()) {
    for (const name of new Set([t.id, ...(t.aliases ?? [])].map((n) => n.toLowerCase()))) byName.set(name, [...(byName.get(name) ?? []), t.id]);
  }
  return groups.map((g) =>
    g.map((t) => {
      const others = [t.id, ...(t.aliases ?? [])].flatMap((n) => byName.get(n.toLowerCase()) ?? []).filter((id) => id !== t.id);
      const seeAlso = [...new Set([...(t.seeAlso ?? []), ...others])];
      return seeAlso.length > 0 ? { ...t, seeAlso } : t;
    }),
  );
}

const REGISTRY = makeRegistry(...linkSharedNames([LEVER_TOPICS, HINT_TOPICS, RULE_TOPICS, CAUSE_TOPICS, CHECK_TOPICS, BUDGET_TOPICS, ERROR_TOPICS, LIMIT_TOPICS]));

export function listTopics(): Topic[] {
  return [...REGISTRY.values()];
}

/**
 * The topic for `id` or one of its aliases (case-insensitive); an id wins over an alias, and of
 * several topics with the same alias the first listed wins (levers, rules, causes, checks).
 * E_USAGE listing the known ids when unknown.
 */
export function getTopic(id: string): Topic {
  const wanted = id.toLowerCase();
  const all = [...REGISTRY.values()];
  const t =
    REGISTRY.get(id) ??
    all.find((x) => x.id.toLowerCase() === wanted) ??
    all.find((x) => (x.aliases ?? []).some((a) => a.toLowerCase() === wanted));
  if (!t) {
    throw new UsageError(`unknown topic "${id}"; known topics: ${[...REGISTRY.keys()].join(', ')}`, {
      details: { topic: id },
    });
  }
  return t;
}
