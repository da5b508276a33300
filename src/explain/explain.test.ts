import { describe, expect, it } from 'vitest';
import { LEVERS } from '../binary/types.js';
import { getTopic, LEVER_TOPICS, listTopics } from './index.js';
import { makeRegistry } from './topic.js';

describe('explain registry', () => {
  it('has one topic per lever id the findings use, each complete and citing https sources', () => {
    expect(LEVER_TOPICS.map((t) => t.id)).toEqual([...LEVERS]);
    for (const t of LEVER_TOPICS) {
      for (const k of ['title', 'summary', 'removes', 'lose', 'keep', 'check'] as const) expect(t[k].length).toBeGreaterThan(20);
      expect(t.references.length).toBeGreaterThan(0);
      for (const r of t.references) expect(r.url).toMatch(/^https:\/\//);
    }
  });

  it('lists levers first and finds topics case-insensitively', () => {
    expect(listTopics().slice(0, 5).map((t) => t.id)).toEqual([...LEVERS]);
    expect(getTopic('STRIP-SYMBOLS').id).toBe('strip-symbols');
    // a rule is found by its id or its slug
    expect(getTopic('g009').id).toBe('G009');
    expect(getTopic('missing-strip').id).toBe('G009');
  });

  it('unknown topics are usage errors; duplicate ids are refused when the registry is built', () => {
    expect(() => getTopic('nope')).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
    expect(() => makeRegistry(LEVER_TOPICS, [LEVER_TOPICS[0]!])).toThrow(/duplicate/);
  });
});
