/**
 * RuleTester (eslint-style): declarative valid / invalid cases for one rule.
 * Takes vitest's describe/it/expect as arguments so this module stays free of
 * test-runner imports and compiles with the library.
 */
import { lintDockerfile } from '../lint.js';
import type { Rule } from './types.js';

export interface InvalidCase {
  name?: string;
  code: string;
  /** Expected findings of this rule: 1-based lines (and optional message fragments). */
  errors: Array<{ line: number; message?: RegExp | string; severity?: string }>;
  dockerignore?: string | null;
  targetPlatform?: string;
}

export interface ValidCase {
  name?: string;
  code: string;
  dockerignore?: string | null;
  targetPlatform?: string;
}

interface TestApi {
  describe: (name: string, fn: () => void) => void;
  it: (name: string, fn: () => void) => void;
  expect: (v: unknown) => {
    toEqual(x: unknown): void;
    toMatch(x: RegExp | string): void;
    toBe(x: unknown): void;
  };
}

function run(rule: Rule, c: ValidCase) {
  return lintDockerfile(c.code, {
    dockerignore: c.dockerignore,
    parse: c.targetPlatform ? { targetPlatform: c.targetPlatform } : {},
  }).findings.filter((f) => f.rule === rule.meta.id);
}

export function ruleTester(api: TestApi, rule: Rule, cases: { valid: ValidCase[]; invalid: InvalidCase[] }): void {
  const seen = new Set<string>();
  const unique = (c: ValidCase): void => {
    const key = JSON.stringify([c.code, c.dockerignore, c.targetPlatform]);
    api.expect(seen.has(key)).toBe(false); // duplicate cases hide mistakes (eslint RuleTester)
    seen.add(key);
  };
  api.describe(`${rule.meta.id} ${rule.meta.slug}`, () => {
    cases.valid.forEach((c, i) => {
      api.it(`valid #${i + 1}${c.name ? `: ${c.name}` : ''}`, () => {
        unique(c);
        api.expect(run(rule, c).map((f) => `${f.line}: ${f.message}`)).toEqual([]);
      });
    });
    cases.invalid.forEach((c, i) => {
      api.it(`invalid #${i + 1}${c.name ? `: ${c.name}` : ''}`, () => {
        unique(c);
        const found = run(rule, c);
        api.expect(found.map((f) => f.line)).toEqual(c.errors.map((e) => e.line));
        c.errors.forEach((e, j) => {
          if (e.message !== undefined) api.expect(found[j]!.message).toMatch(e.message);
          if (e.severity !== undefined) api.expect(found[j]!.severity).toBe(e.severity);
        });
      });
    });
  });
}
