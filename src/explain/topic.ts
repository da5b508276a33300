/**
 * An explain topic: what a lever, lint rule, cause or verify check is, with the text its kind has
 * (a lever: what it removes, what you lose, what still works, how to check it; a cause or check:
 * why it matters and what to do) and the primary documentation it rests on. Pure data; src/cli
 * renders it. The words come from src/vocabulary and from the rule modules: topics only map them.
 */
import { InternalError } from '../errors.js';
import type { Reference } from '../vocabulary/reference.js';

export type { Reference };

export interface Topic {
  /** Stable id used on the command line: `goslim explain <id>` (e.g. 'strip-symbols', 'G001', 'check:user'). */
  id: string;
  title: string;
  /** One or two sentences. */
  summary: string;
  /** What the change removes from the image or binary (levers, rules). */
  removes?: string;
  /** Why it matters: why the bytes cost (causes) or what the runtime does when the check fails (checks). */
  why?: string;
  /** What to do. */
  fix?: string;
  lose?: string;
  keep?: string;
  /** How to verify it yourself, with real commands. */
  check?: string;
  references: Reference[];
  /** Groups topics in the listing ('lever', 'rule', 'cause', 'check'). */
  kind?: string;
  /** Other names that find this topic, e.g. a rule's slug ('missing-strip' for G009), a check's plain id ('user'). */
  aliases?: string[];
  /** Related topics: the lever that removes a cause, other topics that share an alias. */
  seeAlso?: string[];
}

/** A lever's topic: every lever part is there. */
export interface LeverTopic extends Topic {
  removes: string;
  fix: string;
  lose: string;
  keep: string;
  check: string;
}

/** Build a registry from topic lists; duplicate ids are a programming error. */
export function makeRegistry(...groups: ReadonlyArray<readonly Topic[]>): ReadonlyMap<string, Topic> {
  const map = new Map<string, Topic>();
  for (const group of groups) {
    for (const t of group) {
      if (map.has(t.id)) throw new InternalError(`duplicate explain topic id ${t.id}`);
      map.set(t.id, t);
    }
  }
  return map;
}
