// Config for the child vitest runs of test/helpers/tools.test.ts (not part of the suite).
import { defineConfig } from 'vitest/config';
import SkipReporter from '../skip-reporter.js';

export default defineConfig({
  test: {
    include: ['*.fixture-test.ts'],
    pool: 'forks',
    maxWorkers: 1,
    reporters: ['default', new SkipReporter()],
  },
});
