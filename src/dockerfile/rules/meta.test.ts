/**
 * Every rule has a module, a test file, a registry entry and a doc page in
 * sync with its metadata (eslint Makefile.js checkRuleFiles).
 * Regenerate the pages with UPDATE_RULE_DOCS=1 npx vitest run src/dockerfile/rules/meta.test.ts
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rules, ruleDocPath, ruleMarkdown, ruleTopics, findRule, rulesIndexMarkdown } from './index.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../..');
const modules = readdirSync(here).filter((f) => /^g\d{3}-.*\.ts$/.test(f) && !f.endsWith('.test.ts'));

describe('rule registry', () => {
  it('registers every rule module exactly once, with unique ids and slugs', () => {
    expect(rules.map((r) => `${r.meta.id.toLowerCase()}-${r.meta.slug}.ts`).sort()).toEqual([...modules].sort());
    expect(new Set(rules.map((r) => r.meta.id)).size).toBe(rules.length);
    expect(new Set(rules.map((r) => r.meta.slug)).size).toBe(rules.length);
  });

  it.each(rules.map((r) => [r.meta.id, r] as const))('%s has complete docs, tests and a doc page', (_id, r) => {
    const d = r.meta.doc;
    for (const text of [d.summary, d.why, d.fix, d.lose, d.keep, d.check, d.example.bad, d.example.good]) expect(text.trim().length).toBeGreaterThan(5);
    expect(d.references.length).toBeGreaterThan(0);
    for (const ref of d.references) expect(ref).toMatch(/^https:\/\//);
    expect(existsSync(join(here, `${r.meta.id.toLowerCase()}-${r.meta.slug}.test.ts`))).toBe(true);
    const page = join(root, ruleDocPath(r));
    if (process.env.UPDATE_RULE_DOCS === '1') {
      mkdirSync(dirname(page), { recursive: true });
      writeFileSync(page, ruleMarkdown(r));
    }
    expect(readFileSync(page, 'utf8')).toBe(ruleMarkdown(r));
    expect(findRule(r.meta.slug)).toBe(r);
    expect(findRule(r.meta.id.toLowerCase())).toBe(r);
  });

  it('covers the required rule set', () => {
    const required = ['G001', 'G002', 'G003', 'G004', 'G005', 'G006', 'G007', 'G008', 'G009', 'G010', 'G011', 'G012', 'G013', 'G014', 'G016', 'G018', 'G019', 'G020', 'G021'];
    for (const id of required) expect(findRule(id)).toBeDefined();
  });

  it('keeps docs/rules/README.md (the index) in sync', () => {
    const page = join(root, 'docs/rules/README.md');
    if (process.env.UPDATE_RULE_DOCS === '1') writeFileSync(page, rulesIndexMarkdown());
    expect(readFileSync(page, 'utf8')).toBe(rulesIndexMarkdown());
  });

  it('exposes one explain topic per rule', () => {
    const topics = ruleTopics();
    expect(topics.map((t) => t.id)).toEqual(rules.map((r) => r.meta.id));
    expect(topics[0]!.body).toContain('## Why');
  });
});
