import { describe, expect, it } from 'vitest';
import { LEVER_IDS } from '../vocabulary/levers.js';
import { getTopic, LEVER_TOPICS, listTopics } from './index.js';
import { makeRegistry } from './topic.js';

describe('explain registry', () => {
  it('has one topic per lever id, each complete and citing https sources', () => {
    expect(LEVER_TOPICS.map((t) => t.id)).toEqual([...LEVER_IDS]);
    for (const t of LEVER_TOPICS) {
      for (const k of ['title', 'summary', 'removes', 'lose', 'keep', 'check', 'fix'] as const) expect(t[k].length).toBeGreaterThan(5);
      expect(t.references.length).toBeGreaterThan(0);
      for (const r of t.references) expect(r.url).toMatch(/^https:\/\//);
    }
  });

  it('lists levers first and finds topics case-insensitively', () => {
    expect(listTopics().slice(0, LEVER_IDS.length).map((t) => t.id)).toEqual([...LEVER_IDS]);
    expect(getTopic('STRIP-SYMBOLS').id).toBe('strip-symbols');
    // a rule is found by its id or its slug
    expect(getTopic('g009').id).toBe('G009');
    expect(getTopic('missing-strip').id).toBe('G009');
  });

  it('an id wins over an alias; a plain cause or check id finds its qualified topic; shared names point at each other', () => {
    expect(getTopic('docs').id).toBe('docs');
    expect(getTopic('cause:docs').id).toBe('cause:docs');
    expect(getTopic('user').id).toBe('check:user');
    expect(getTopic('vcs').id).toBe('cause:vcs');
    expect(getTopic('shell').id).toBe('cause:shell');
    expect(getTopic('shell').seeAlso).toContain('check:shell');
    expect(getTopic('check:shell').seeAlso).toContain('cause:shell');
    expect(getTopic('docs').seeAlso).toContain('cause:docs');
  });

  it('unknown topics are usage errors; duplicate ids are refused when the registry is built', () => {
    expect(() => getTopic('nope')).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
    expect(() => makeRegistry(LEVER_TOPICS, [LEVER_TOPICS[0]!])).toThrow(/duplicate/);
  });
});
