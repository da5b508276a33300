import { describe, expect, it } from 'vitest';
import { RULE_TOPICS } from './rules.js';
import { getTopic } from './index.js';

describe('rule topics', () => {
  it('maps every rule doc into an explain topic', () => {
    expect(RULE_TOPICS.length).toBeGreaterThanOrEqual(19);
    for (const t of RULE_TOPICS) {
      expect(t.kind).toBe('rule');
      expect(t.references.every((r) => r.url.startsWith('https://'))).toBe(true);
    }
  });
  it('is registered with goslim explain', () => {
    expect(getTopic('G003').summary).toMatch(/libc/);
    expect(getTopic('g009').check).toMatch(/go tool nm/);
  });
});
