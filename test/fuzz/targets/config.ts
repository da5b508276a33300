/** Config files: YAML and JSON text, arbitrary and grammar-ish (anchors, aliases, merge keys, nesting). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { loadConfigFile, parseConfigText } from '../../../src/config/load.js';
import { validateConfig } from '../../../src/config/schema.js';
import type { FuzzTarget } from '../target.js';

const knownRules = ['G001', 'single-stage', 'G008', 'G019'];
const piece = fc.constantFrom(
  'lint:\n', '  disable: ', '  severity: ', '  failure-threshold: ', '[G001]', '[G001, 3]', '{G008: warning}', '&a ', '*a', '<<: *a\n', '- ', '? ', ': ', '!!binary ', '!!str ', '"', "'", '#', '\n', '  ', '[', ']', '{', '}', ',', 'error', 'null', '~', '1e400', '---\n', '...\n', '%YAML 1.2\n',
);
const yamlish = fc.array(piece, { maxLength: 50 }).map((a) => a.join(''));
function run(input: { text: string; json: boolean }): void {
  const fileName = input.json ? 'goslim.config.json' : '.goslim.yaml';
  const parsed = parseConfigText(input.text, fileName);
  if (parsed.issues.length === 0) validateConfig(parsed.data, { knownRules });
  // Through the file reader too; one temp dir per input, removed at once (workers may end without 'exit').
  const dir = mkdtempSync(join(tmpdir(), 'goslim-fuzz-config-'));
  try {
    const p = join(dir, fileName);
    writeFileSync(p, input.text);
    loadConfigFile(p, { knownRules });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const target: FuzzTarget = {
  name: 'config',
  arbitrary: fc.record({ text: fc.oneof(yamlish, fc.string({ maxLength: 300 }), fc.json().map((j) => `{"lint": ${j}}`)), json: fc.boolean() }),
  run: (input) => run(input as { text: string; json: boolean }),
  ciRuns: 300,
};
