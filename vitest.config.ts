import { configDefaults, defineConfig } from 'vitest/config';
import SkipReporter from './test/helpers/skip-reporter.js';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // test/.work holds fixture root file systems; while debootstrap runs, their /proc is mounted and
    // /proc/<pid>/cwd would make every test file appear once per process.
    exclude: [...configDefaults.exclude, 'test/.work/**'],
    // Real-tool tests (go build, registry, buildah) take seconds, not milliseconds.
    testTimeout: 120_000,
    hookTimeout: 600_000,
    pool: 'forks',
    // One temp dir per run, removed at its end (test/helpers/run-tmpdir.ts).
    globalSetup: ['./test/helpers/run-tmpdir.ts'],
    // GitHub's workflow parser (docs/examples' workflow test) imports its JSON schema without an
    // import attribute, as bundlers allow and Node's ESM loader does not: let vite load it.
    server: { deps: { inline: ['@actions/workflow-parser'] } },
    // No per-layer analysis cache unless a test asks for one (--cache-dir, or a LayerCache): a test
    // that reads an image reads its layers, whatever ran before it (docs/cache.md).
    // And every image on the reader threads, small ones too (readHere in
    // src/image/filesystem/walk.ts): the tests' images are small, and the reader path is the one
    // large images take. The small-image path has its own test (merge-lookahead.test.ts).
    env: { GOSLIM_NO_CACHE: '1', GOSLIM_SMALL_IMAGE: '0' },
    maxWorkers: 2,
    // The default output, then what was skipped for a missing tool and why (test/helpers/tools.ts).
    reporters: ['default', new SkipReporter()],
  },
});
