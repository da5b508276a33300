/** Hostile config files end in E_CONFIG or E_LIMIT, never E_INTERNAL (issue 11). */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { GoslimError } from '../errors.js';
import { LIMITS } from '../limits.js';
import { loadConfigFile } from './load.js';

function codeOf(path: string): { code: string; limit?: unknown } {
  try {
    loadConfigFile(path, { knownRules: ['G001'] });
  } catch (err) {
    if (err instanceof GoslimError) return { code: err.code, limit: err.details?.limit };
    throw err;
  }
  return { code: 'ok' };
}
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function file(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'goslim-config-limits-'));
  dirs.push(dir);
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('config limits', () => {
  it('a YAML alias bomb is E_CONFIG (config.aliases)', () => {
    let y = 'a: &a [x, x, x, x, x, x, x, x, x]\n';
    let prev = 'a';
    for (let i = 1; i < 10; i++) {
      y += `l${i}: &l${i} [${Array(9).fill(`*${prev}`).join(', ')}]\n`;
      prev = `l${i}`;
    }
    y += `lint:\n  disable: *${prev}\n`;
    expect(codeOf(file('.goslim.yaml', y)).code).toBe('E_CONFIG');
  });

  it('a few aliases are fine', () => {
    expect(codeOf(file('.goslim.yaml', 'x: &d [G001]\nlint:\n  disable: *d\n')).code).toBe('E_CONFIG'); // unknown top-level key x
    expect(codeOf(file('.goslim.yaml', 'lint:\n  disable: &d [G001]\n')).code).toBe('ok');
  });

  it('deep nesting is E_CONFIG, not a stack overflow', () => {
    const n = 200_000;
    expect(codeOf(file('.goslim.yaml', `lint: ${'['.repeat(n)}${']'.repeat(n)}\n`)).code).toBe('E_CONFIG');
    expect(codeOf(file('goslim.config.json', `{"lint": ${'['.repeat(n)}${']'.repeat(n)}}`)).code).toBe('E_CONFIG');
  });

  it('a config file over config.size is E_LIMIT', () => {
    const r = codeOf(file('.goslim.yaml', `# ${'x'.repeat(LIMITS['config.size'].value)}\n`));
    expect(r).toEqual({ code: 'E_LIMIT', limit: 'config.size' });
  });
});
