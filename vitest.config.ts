import { defineConfig } from 'vitest/config';
import SkipReporter from './test/helpers/skip-reporter.js';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Real-tool tests (go build, registry, buildah) take seconds, not milliseconds.
    testTimeout: 120_000,
    hookTimeout: 600_000,
    pool: 'forks',
    maxWorkers: 2,
    // The default output, then what was skipped for a missing tool and why (test/helpers/tools.ts).
    reporters: ['default', new SkipReporter()],
  },
});
