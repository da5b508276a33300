/**
 * Prints, at the end of a run, which tests were skipped because a tool was missing and why:
 *
 *   goslim: skipped 12 tests in 3 files because: go missing (Debian package golang-go) [8 tests], ...
 *
 * The reasons come from test/helpers/tools.ts, which puts them in each skipped test's meta.
 */
import { relative } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';
import type { SkipRecord } from './tools.js';

export interface SkipSummary {
  tests: number;
  files: string[];
  /** reason -> number of tests */
  reasons: Map<string, number>;
}

export function summarizeSkips(testModules: ReadonlyArray<TestModule>, root = process.cwd()): SkipSummary {
  const files = new Set<string>();
  const reasons = new Map<string, number>();
  let tests = 0;
  for (const mod of testModules) {
    for (const test of mod.children.allTests()) {
      const needs = (test.meta() as { goslimNeeds?: SkipRecord }).goslimNeeds;
      if (needs === undefined || test.result().state !== 'skipped') continue;
      tests++;
      files.add(relative(root, mod.moduleId));
      for (const m of needs.missing) {
        const why = `${m.tool} missing (${m.package})${m.pretended ? ' [GOSLIM_TEST_NO_TOOLS]' : ''}`;
        reasons.set(why, (reasons.get(why) ?? 0) + 1);
      }
    }
  }
  return { tests, files: [...files].sort(), reasons };
}

export function formatSkips(s: SkipSummary): string {
  if (s.tests === 0) return '';
  const why = [...s.reasons].map(([reason, n]) => `${reason}: ${n} test${n === 1 ? '' : 's'}`).join(', ');
  return (
    `goslim: skipped ${s.tests} test${s.tests === 1 ? '' : 's'} in ${s.files.length} file${s.files.length === 1 ? '' : 's'} because: ${why}\n` +
    s.files.map((f) => `  ${f}`).join('\n') +
    '\n  (scripts/install-deps.sh installs every package; with CI=true a missing tool fails the run)'
  );
}

export default class SkipReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const text = formatSkips(summarizeSkips(testModules));
    if (text !== '') process.stdout.write(`\n${text}\n`);
  }
}
