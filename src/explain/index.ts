/**
 * The explain registry. To add topics (e.g. the lint rules G001...), export a
 * `readonly Topic[]` from a module and add it to the `makeRegistry(...)` call below.
 */
import { UsageError } from '../errors.js';
import { LEVER_TOPICS } from './levers.js';
import { RULE_TOPICS } from '../dockerfile/rules/explain-topics.js';
import { makeRegistry, type Topic } from './topic.js';

export type { Topic, Reference } from './topic.js';
export { LEVER_TOPICS } from './levers.js';

const REGISTRY = makeRegistry(LEVER_TOPICS, RULE_TOPICS);

export function listTopics(): Topic[] {
  return [...REGISTRY.values()];
}

/** The topic for `id` or one of its aliases (case-insensitive); E_USAGE listing the known ids when unknown. */
export function getTopic(id: string): Topic {
  const wanted = id.toLowerCase();
  const t =
    REGISTRY.get(id) ??
    [...REGISTRY.values()].find((x) => x.id.toLowerCase() === wanted || (x.aliases ?? []).some((a) => a.toLowerCase() === wanted));
  if (!t) {
    throw new UsageError(`unknown topic "${id}"; known topics: ${[...REGISTRY.keys()].join(', ')}`, {
      details: { topic: id },
    });
  }
  return t;
}
