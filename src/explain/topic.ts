/**
 * An explain topic: what a lever (or, later, a lint rule) removes or changes,
 * what you lose, what still works, how to check it yourself, and the primary
 * documentation it rests on. Pure data; src/cli renders it.
 */
export interface Reference {
  title: string;
  url: string;
}

export interface Topic {
  /** Stable id used on the command line: `goslim explain <id>` (e.g. 'strip-symbols', 'G001'). */
  id: string;
  title: string;
  /** One or two sentences. */
  summary: string;
  /** What the change removes from the image or binary. */
  removes: string;
  lose: string;
  keep: string;
  /** How to verify it yourself, with real commands. */
  check: string;
  references: Reference[];
  /** Groups topics in the listing ('lever', 'rule', ...). */
  kind?: string;
  /** Other names that find this topic, e.g. a rule's slug ('missing-strip' for G009). */
  aliases?: string[];
}

/** Build a registry from topic lists; duplicate ids are a programming error. */
export function makeRegistry(...groups: ReadonlyArray<readonly Topic[]>): ReadonlyMap<string, Topic> {
  const map = new Map<string, Topic>();
  for (const group of groups) {
    for (const t of group) {
      if (map.has(t.id)) throw new Error(`duplicate explain topic id ${t.id}`);
      map.set(t.id, t);
    }
  }
  return map;
}
