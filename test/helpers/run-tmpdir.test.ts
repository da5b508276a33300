import { statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename } from 'node:path';
import { expect, it } from 'vitest';

it("tests write under this run's temp dir (removed when the run ends), reachable by other users as /tmp is", () => {
  expect(basename(tmpdir())).toMatch(/^goslim-t-/);
  expect(statSync(tmpdir()).mode & 0o7777).toBe(0o1777);
});
