/** Table-driven test over test/fixtures/dockerfiles: every file against its reviewed expectations. */
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { lintDockerfile } from './lint.js';
import { fixDockerfile } from './fix/fix-dockerfile.js';

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

describe('fix over the corpus: one analysis for the finding and its fix (issue 12)', () => {
  const levers = new Set(['multi-stage', 'static-base', 'cgo-off', 'strip-symbols', 'trimpath']);

  it.each(names)('%s: lint(fix(x)) has no error for a lever whose fix was applied, and fix(fix(x)) == fix(x)', (name) => {
    const text = readFileSync(new URL(`${name}.Dockerfile`, dir), 'utf8');
    const expected = JSON.parse(readFileSync(new URL(`${name}.expected.json`, dir), 'utf8')) as Expected;
    const once = fixDockerfile(text);
    const applied = new Set(once.edits.map((e) => e.kind as string).filter((k) => levers.has(k)));
    const errors = lintDockerfile(once.fixed, { dockerignore: expected.dockerignore }).findings.filter((f) => f.severity === 'error' && f.lever !== undefined);
    expect(errors.filter((f) => applied.has(f.lever!)).map((f) => `${f.rule}:${f.lever}@${f.line}`)).toEqual([]);
    expect(fixDockerfile(once.fixed).fixed).toBe(once.fixed);
  });
});

describe('robustness', () => {
  // Truncated and spliced Dockerfiles (editors lint half-typed files): findings or nothing, never a crash.
  it('lints every prefix of every corpus file without throwing', () => {
    let runs = 0;
    for (const name of names) {
      const text = readFileSync(new URL(`${name}.Dockerfile`, dir), 'utf8');
      for (let cut = 0; cut <= text.length; cut += 11) {
        const r = lintDockerfile(text.slice(0, cut), { dockerignore: null });
        for (const f of r.findings) expect(f.line).toBeGreaterThanOrEqual(1);
        runs++;
      }
    }
    expect(runs).toBeGreaterThan(1000);
  });

  it('survives odd input', () => {
    for (const text of ['', '\n\n', '# only a comment\n', 'RUN echo before from\n', 'FROM\n', 'FROM ${UNSET}\nCOPY --from= / /\n', 'FROM scratch\nCMD [\n', 'FROM a\nRUN <<EOF\nnever closed\n', 'FROM a AS a\nFROM a\nCOPY --from=a /x /y\n', '\uFEFFFROM golang:1.22\r\nRUN go build -o /app .\r\n']) {
      expect(() => lintDockerfile(text, { dockerignore: null })).not.toThrow();
    }
  });
});
