/** Table-driven test over test/fixtures/dockerfiles: every file against its reviewed expectations. */
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { lintDockerfile } from './lint.js';

const dir = new URL('../../test/fixtures/dockerfiles/', import.meta.url);
const names = readdirSync(dir)
  .filter((f) => f.endsWith('.Dockerfile'))
  .map((f) => f.slice(0, -'.Dockerfile'.length))
  .sort();

interface Expected {
  description: string;
  dockerignore?: string | null;
  findings: Array<{ rule: string; line: number; severity?: string; message?: string }>;
}

describe('Dockerfile corpus', () => {
  it('has at least 30 files, each with expectations', () => {
    expect(names.length).toBeGreaterThanOrEqual(30);
    const sidecars = readdirSync(dir).filter((f) => f.endsWith('.expected.json'));
    expect(sidecars.map((f) => f.replace('.expected.json', '')).sort()).toEqual(names);
  });

  it.each(names)('%s', (name) => {
    const text = readFileSync(new URL(`${name}.Dockerfile`, dir), 'utf8');
    const expected = JSON.parse(readFileSync(new URL(`${name}.expected.json`, dir), 'utf8')) as Expected;
    const { findings } = lintDockerfile(text, { dockerignore: expected.dockerignore });
    expect(findings.map((f) => `${f.rule}@${f.line}`)).toEqual(expected.findings.map((f) => `${f.rule}@${f.line}`));
    expected.findings.forEach((e, i) => {
      if (e.severity) expect(findings[i]!.severity).toBe(e.severity);
      if (e.message) expect(findings[i]!.message).toContain(e.message);
    });
  });

  it('the four-lever recipe is free of warnings and errors', () => {
    const text = readFileSync(new URL('four-lever-recipe.Dockerfile', dir), 'utf8');
    expect(lintDockerfile(text, { dockerignore: '.git\n' }).findings).toEqual([]);
    expect(lintDockerfile(text, { dockerignore: '.git\n', parse: { targetPlatform: 'linux/arm64', buildPlatform: 'linux/amd64' } }).findings).toEqual([]);
  });
});
