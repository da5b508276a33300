import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { formatSarif, toArtifactUri } from './sarif.js';
import { formatLintMarkdown } from './markdown.js';
import { lintDockerfile } from '../dockerfile/lint.js';
import { rules } from '../dockerfile/rules/index.js';

const schema = JSON.parse(
  readFileSync(new URL('../../test/fixtures/sarif/sarif-schema-2.1.0.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

/** RFC 3986 shape checks for the three formats the SARIF schema uses. */
function sarifValidator() {
  const ajv = new Ajv({ allErrors: true });
  ajv.addFormat('uri', /^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$/);
  ajv.addFormat('uri-reference', /^[^\s]*$/);
  ajv.addFormat('date-time', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
  return ajv.compile(schema);
}

const BAD = `FROM golang
WORKDIR /src
COPY . .
RUN go build -o /app .
FROM gcr.io/distroless/static-debian12
COPY --from=0 /app /app
CMD /app
`;

describe('SARIF output', () => {
  const validate = sarifValidator();
  const reports = [
    { path: 'services/api/Dockerfile', findings: lintDockerfile(BAD, { dockerignore: null }).findings },
    { path: 'dir with space/Dockerfile', findings: [] },
    { path: '-', findings: lintDockerfile('FROM golang:1.22\nRUN go build .\n').findings },
  ];

  it('validates against the SARIF 2.1.0 schema', () => {
    const log = JSON.parse(formatSarif(reports, { toolVersion: '0.1.0' })) as Record<string, unknown>;
    const ok = validate(log);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('the schema rejects a malformed log (the validator is live)', () => {
    const log = JSON.parse(formatSarif(reports, { toolVersion: '0.1.0' })) as { runs: Array<{ results: Array<Record<string, unknown>> }> };
    log.runs[0]!.results[0]!.level = 'fatal';
    expect(validate(log)).toBe(false);
  });

  it('carries rule metadata and 1-based regions', () => {
    const log = JSON.parse(formatSarif(reports, { toolVersion: '0.1.0' })) as {
      runs: Array<{
        tool: { driver: { rules: Array<{ id: string; helpUri?: string; help: { markdown: string } }> } };
        results: Array<{ ruleId: string; ruleIndex: number; level: string; locations: Array<{ physicalLocation: { region: { startLine: number } } }> }>;
      }>;
    };
    const run = log.runs[0]!;
    expect(run.tool.driver.rules.map((r) => r.id)).toEqual(rules.map((r) => r.meta.id));
    expect(run.tool.driver.rules[0]!.help.markdown).toContain('## Why');
    expect(run.tool.driver.rules.every((r) => r.helpUri === undefined)).toBe(true);
    const g003 = run.results.find((r) => r.ruleId === 'G003')!;
    expect(g003.level).toBe('error');
    expect(g003.locations[0]!.physicalLocation.region.startLine).toBe(4);
    expect(run.tool.driver.rules[g003.ruleIndex]!.id).toBe('G003');
    expect(run.results.some((r) => r.level === 'note')).toBe(true);
  });

  it('encodes artifact URIs', () => {
    expect(toArtifactUri('dir with space/Dockerfile')).toBe('dir%20with%20space/Dockerfile');
    expect(toArtifactUri('-')).toBe('stdin');
  });
});

describe('markdown output', () => {
  it('renders a table per file and escapes pipes', () => {
    const md = formatLintMarkdown([
      { path: 'Dockerfile', findings: lintDockerfile(BAD).findings },
      { path: 'ok/Dockerfile', findings: [] },
    ]);
    expect(md).toContain('| Line | Severity | Rule | Finding |');
    // no link: the package is unpublished, so a registry-CDN page would not exist
    expect(md).toMatch(/\| 4 \| 🛑 error \| G003 cgo-without-libc \|/);
    expect(md).not.toContain('unpkg');
    expect(md).toContain('No findings.');
  });
});
