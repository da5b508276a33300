/**
 * Unit tests of the report renderers (issue 14): the Markdown parses as CommonMark with tables
 * (markdown-it), what will not start heads text, Markdown and SARIF, image SARIF locates findings
 * on Dockerfile lines and validates against SARIF 2.1.0, the JSON envelope, and the schemas'
 * enums are the vocabulary's ids.
 */
import { readdirSync, readFileSync } from 'node:fs';
import MarkdownIt from 'markdown-it';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import type { InspectReport } from '../analysis/inspect.js';
import type { Lever } from '../analysis/types.js';
import type { VerifyReport } from '../verify/types.js';
import { CAUSE_IDS } from '../vocabulary/causes.js';
import { CHECK_IDS } from '../vocabulary/checks.js';
import { LEVER_DOCS, LEVER_IDS } from '../vocabulary/levers.js';
import { HINT_IDS } from '../vocabulary/hints.js';
import { BUDGET_IDS } from '../vocabulary/budgets.js';
import { DOCUMENT_KINDS, formatJsonDocument, jsonDocument, prettyJsonCompact } from './document.js';
import { formatImageSarif, locateInDockerfile } from './image-sarif.js';
import { renderInspectText } from './inspect-text.js';
import { cell } from './md.js';
import { renderInspectMarkdown, renderVerifyMarkdown } from './report-markdown.js';
import { ANSI, stripStyle } from './style.js';
import { renderVerifyText } from './verify-text.js';
import { parseDockerfile } from '../dockerfile/parse/parse-dockerfile.js';

const md = new MarkdownIt({ html: true });
const sarifSchema = JSON.parse(readFileSync(new URL('../../test/fixtures/sarif/sarif-schema-2.1.0.json', import.meta.url), 'utf8')) as Record<string, unknown>;

function lever(id: Lever['id'], bytes: number, extra: Partial<Lever> = {}): Lever {
  const d = LEVER_DOCS[id];
  return { id, bytes, title: `${id} title | with a pipe`, fix: d.fix, lose: d.lose, keep: d.keep, ...extra };
}

function startup(verdict: VerifyReport['verdict']): VerifyReport {
  return {
    image: { ref: 'oci:/x', digest: `sha256:${'a'.repeat(64)}`, platform: 'linux/amd64' },
    command: ['/app'],
    verdict,
    checks: [
      { id: 'command', status: 'pass', message: 'command is /app' },
      verdict === 'fail'
        ? { id: 'interpreter', status: 'fail', message: '/app needs /lib64/ld-linux-x86-64.so.2', runtimeMessage: 'exec /app: no such file or directory', fix: 'CGO_ENABLED=0' }
        : { id: 'interpreter', status: 'pass', message: 'static' },
      { id: 'user', status: 'warn', message: 'runs as root', fix: 'USER 65532' },
    ],
  };
}

function report(verdict: VerifyReport['verdict']): InspectReport {
  return {
    image: { ref: 'oci:/x', source: { transport: 'oci' }, digest: `sha256:${'a'.repeat(64)}`, platform: 'linux/amd64', compressedSize: 40_000_000, compressed: { method: 'blob' }, size: 100_000_000, fileBytes: 95_000_000, files: 3000 },
    layers: Array.from({ length: 12 }, (_, i) => ({ number: i + 1, digest: `sha256:${String(i).padStart(64, '0')}`, diffId: `sha256:${String(i).padStart(64, '1')}`, compressedSize: 1000, compressedMethod: 'blob' as const, size: 2000, createdBy: i === 3 ? 'RUN echo "<script>a|b</script>"' : `RUN step ${i}`, files: 3, added: 3, modified: 0, deleted: 0, deletedBytes: 0 })),
    causes: [{ id: 'go-toolchain', bytes: 80_000_000, files: 2000 }, { id: 'go-binary', bytes: 15_000_000, files: 1 }],
    packages: [],
    largestFiles: [{ path: '/usr/local/bin/app', bytes: 15_000_000, cause: 'go-binary', layer: 12 }],
    goBinaries: [{ path: '/usr/local/bin/app', size: 15_000_000, linking: 'dynamic', interpreter: '/lib64/ld-linux-x86-64.so.2', needed: ['libc.so.6'], go: { version: 'go1.19.8', settings: {} }, strip: { symtab: 1, dwarf: 2, alignment: 0, total: 3 }, trimpath: { leakedPaths: 0, examples: [] }, willStart: verdict !== 'fail' }],
    packedBinaries: [],
    wasted: { bytes: 0, efficiency: 1 },
    levers: [
      lever('cgo-off', 10_000, verdict === 'fail' ? { verdict: 'will not start' } : {}),
      lever('multi-stage', 80_000_000),
      lever('static-base', 1_000_000, { needs: [{ lever: 'cgo-off', why: LEVER_DOCS['static-base'].needs![0]!.why }] }),
    ],
    headline: 'fix this first',
    estimate: { size: 10_000_000, compressedSize: 4_000_000, parts: [{ what: '/usr/local/bin/app (stripped)', size: 8_000_000, compressedSize: 3_000_000 }], method: 'measured' },
    anomalies: 0,
    startup: startup(verdict),
  };
}

describe('what comes first', () => {
  it('an image that will not start: its start section heads the text, above layers and levers', () => {
    const text = renderInspectText(report('fail'));
    expect(text.indexOf('Will it start? WILL NOT START')).toBeGreaterThan(0);
    expect(text.indexOf('Will it start?')).toBeLessThan(text.indexOf('Layers'));
    expect(text.indexOf('Will it start?')).toBeLessThan(text.indexOf('Levers, biggest first'));
    // failures before warnings in the checks
    expect(text.indexOf('[FAIL] interpreter'), text).toBeLessThan(text.indexOf('[warn] user'));
    const ok = renderInspectText(report('warn'));
    // an image that starts: the start section keeps its place after the layers and binaries
    expect(ok.indexOf('Layers')).toBeLessThan(ok.indexOf('Will it start?'));
  });

  it('a lever that needs another says so', () => {
    const text = renderInspectText(report('pass'));
    expect(text).toMatch(/\[static-base\][^\n]*\n\s+first: cgo-off: a Go binary built with cgo/);
  });

  it('colour only through the style: plain text is the coloured text without SGR codes', () => {
    const r = report('fail');
    const coloured = renderInspectText(r, { style: ANSI });
    expect(coloured).toContain('\u001b[31m');
    expect(stripStyle(coloured)).toBe(renderInspectText(r));
    expect(renderInspectText(r)).not.toContain('\u001b[');
    expect(stripStyle(renderVerifyText(r.startup, ANSI))).toBe(renderVerifyText(r.startup));
  });
});

describe('Markdown', () => {
  it('inspect: CommonMark with tables and <details>; the start section first when it fails; markup in image data escaped', () => {
    const text = renderInspectMarkdown(report('fail'));
    const tokens = md.parse(text, {});
    const headings = tokens.flatMap((t, i) => (t.type === 'heading_open' ? [tokens[i + 1]!.content] : []));
    expect(headings[0]).toContain('goslim inspect');
    expect(headings[1]).toContain('Will it start?');
    expect(headings.indexOf(headings.find((h) => h.startsWith('Levers'))!)).toBeGreaterThan(1);
    expect(tokens.filter((t) => t.type === 'table_open').length).toBeGreaterThanOrEqual(5);
    const html = md.render(text);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;');
    // 12 layers collapse into <details>; each layer row keeps its 1-based number
    expect(html).toMatch(/<details>\s*<summary>Layers \(12, numbered from 1, the base\)<\/summary>/);
    expect(html).toContain('<td style="text-align:right">12</td>');
    // the title with a pipe stays in its cell
    const rows = tokens.filter((t) => t.type === 'tr_open').length;
    expect(rows).toBeGreaterThan(10);
    expect(html).toContain('title | with a pipe');
    expect(html).toContain('<code>cgo-off</code>: a Go binary built with cgo');
  });

  it('verify: one table with every check, failures first', () => {
    const html = md.render(renderVerifyMarkdown(startup('fail')));
    expect(html.indexOf('interpreter')).toBeLessThan(html.indexOf('<code>user</code>'));
    expect(html.indexOf('<code>user</code>')).toBeLessThan(html.indexOf('<code>command</code>'));
  });

  it('cell escapes what would break a table or inject markup', () => {
    expect(cell('a|b\nc <b>`x`</b>')).toBe('a\\|b c &lt;b&gt;\\`x\\`&lt;/b&gt;');
  });
});

describe('image SARIF', () => {
  const DOCKERFILE = `FROM golang:1.19 AS build
WORKDIR /src
COPY . .
RUN go build -o /app ./cmd/app

FROM debian:bookworm-slim
COPY --from=build /app /app
USER root
ENTRYPOINT ["/app"]
`;
  const ajv = new Ajv({ allErrors: true, strict: false });
  ajv.addFormat('uri', /^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$/);
  ajv.addFormat('uri-reference', /^[^\s]*$/);
  ajv.addFormat('date-time', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
  const validate = ajv.compile(sarifSchema);

  it('locates levers and checks on the lines that cause them', () => {
    const model = parseDockerfile(DOCKERFILE);
    expect(locateInDockerfile(model, 'final-from')!.line).toBe(6);
    expect(locateInDockerfile(model, 'go-build')!.line).toBe(4);
    expect(locateInDockerfile(model, ['USER'])!.line).toBe(8);
    expect(locateInDockerfile(model, ['HEALTHCHECK'])!.line).toBe(6); // none: the final FROM
    const r = report('fail');
    const log = JSON.parse(formatImageSarif({ image: r.startup.image, checks: r.startup.checks, levers: r.levers }, { toolVersion: '0.1.0', dockerfile: { path: 'svc/Dockerfile', text: DOCKERFILE } })) as {
      runs: Array<{ results: Array<{ ruleId: string; level: string; locations: Array<{ physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }> }> }>;
    };
    expect(validate(log), JSON.stringify(validate.errors)).toBe(true);
    const results = log.runs[0]!.results;
    // failed check, then warning, then levers (the one that fixes "will not start" first)
    expect(results.map((x) => x.ruleId)).toEqual(['check:interpreter', 'check:user', 'cgo-off', 'multi-stage', 'static-base']);
    expect(results.map((x) => x.level)).toEqual(['error', 'warning', 'error', 'warning', 'warning']);
    const line = (id: string) => results.find((x) => x.ruleId === id)!.locations[0]!.physicalLocation.region.startLine;
    expect(line('check:interpreter')).toBe(4);
    expect(line('check:user')).toBe(8);
    expect(line('cgo-off')).toBe(4);
    expect(line('static-base')).toBe(6);
    expect(line('multi-stage')).toBe(6);
    expect(results[0]!.locations[0]!.physicalLocation.artifactLocation.uri).toBe('svc/Dockerfile');
  });

  it('without a Dockerfile: on the image; every rule has full help and no helpUri', () => {
    const r = report('pass');
    const log = JSON.parse(formatImageSarif({ image: r.startup.image, checks: r.startup.checks, levers: r.levers }, { toolVersion: '0.1.0' })) as {
      runs: Array<{ tool: { driver: { rules: Array<Record<string, unknown> & { help: { text: string; markdown: string } }> } }; results: Array<{ locations: Array<{ physicalLocation: Record<string, unknown>; logicalLocations: Array<{ fullyQualifiedName: string }> }> }> }>;
    };
    expect(validate(log), JSON.stringify(validate.errors)).toBe(true);
    const run = log.runs[0]!;
    expect(run.tool.driver.rules.map((x) => x.id)).toEqual([...CHECK_IDS.map((c) => `check:${c}`), ...LEVER_IDS, ...BUDGET_IDS.map((b) => `budget:${b}`)]);
    for (const rule of run.tool.driver.rules) {
      expect(rule.helpUri).toBeUndefined();
      expect(rule.help.markdown).toContain('**Fix:**');
      expect(rule.help.text).toContain('More: goslim explain');
    }
    expect(run.results[0]!.locations[0]!.physicalLocation.region).toBeUndefined();
    expect(run.results[0]!.locations[0]!.logicalLocations[0]!.fullyQualifiedName).toBe(`oci:/x@sha256:${'a'.repeat(64)}`);
  });
});

describe('JSON documents and their schemas', () => {
  it('every document starts with schemaVersion and kind', () => {
    const doc = JSON.parse(formatJsonDocument('verify', startup('pass'))) as Record<string, unknown>;
    expect(Object.keys(doc).slice(0, 2)).toEqual(['schemaVersion', 'kind']);
    expect(doc).toMatchObject({ schemaVersion: 1, kind: 'verify', verdict: 'pass' });
    expect(jsonDocument('lint', { kind: 'other', schemaVersion: 7, x: 1 })).toEqual({ schemaVersion: 1, kind: 'lint', x: 1 });
  });

  it("the schemas' enums are the vocabulary's ids", () => {
    const read = (k: string) => readFileSync(new URL(`../../schemas/${k}.schema.json`, import.meta.url), 'utf8');
    const inspect = JSON.parse(read('inspect')) as { properties: Record<string, { items?: { properties: Record<string, { enum?: string[] }> } }> };
    expect(inspect.properties.causes!.items!.properties.id!.enum).toEqual([...CAUSE_IDS]);
    expect(inspect.properties.levers!.items!.properties.id!.enum).toEqual([...LEVER_IDS]);
    const verify = JSON.parse(read('verify')) as { definitions: { check: { properties: { id: { enum: string[] } } } } };
    expect(verify.definitions.check.properties.id.enum).toEqual([...CHECK_IDS]);
    const binary = JSON.parse(read('binary')) as { properties: { findings: { items: { properties: { lever: { enum: string[] } } } } } };
    expect(binary.properties.findings.items.properties.lever.enum).toEqual([...LEVER_IDS]);
    const hints = (JSON.parse(read('binary')) as { properties: { hints: { items: { properties: { hint: { enum: string[] } } } } } }).properties.hints.items.properties.hint.enum;
    expect(hints).toEqual([...HINT_IDS]);
  });

  it('the synthetic report validates against the inspect schema (the schemas compile in strict mode)', () => {
    const strict = new Ajv({ allErrors: true, strict: true });
    // one schema per document kind, and nothing else in schemas/
    const files = readdirSync(new URL('../../schemas/', import.meta.url)).sort();
    expect(files).toEqual(DOCUMENT_KINDS.map((k) => `${k}.schema.json`).sort());
    for (const k of DOCUMENT_KINDS) strict.addSchema(JSON.parse(readFileSync(new URL(`../../schemas/${k}.schema.json`, import.meta.url), 'utf8')) as object);
    // each compiles, its references to the others resolved
    for (const k of DOCUMENT_KINDS) expect(typeof strict.getSchema(`urn:goslim:schema:${k}`)).toBe('function');
    const v = strict.getSchema('urn:goslim:schema:inspect')!;
    expect(v(JSON.parse(formatJsonDocument('inspect', report('fail')))), JSON.stringify(v.errors)).toBe(true);
  });
});

describe('a base image (no Entrypoint, no Cmd)', () => {
  it('does not count as "will not start": nothing of its own starts; the failed command check is still listed', () => {
    const r = report('pass');
    r.startup = { ...r.startup, command: [], verdict: 'fail', checks: [{ id: 'command', status: 'fail', message: 'the image sets neither Entrypoint nor Cmd: there is nothing to run' }] };
    const text = renderInspectText(r);
    expect(text.indexOf('Layers')).toBeLessThan(text.indexOf('Will it start?'));
    expect(text).toContain('[FAIL] command');
    const m = renderInspectMarkdown(r);
    expect(m).not.toContain('This image will not start');
  });
});

describe('prettyJsonCompact', () => {
  it('writes the named keys\' values on one line, the rest indented, and reads back the same', () => {
    const value = { a: 1, tree: { root: { n: '', f: [['x', 1, 0, -1, 1]] } }, list: [{ sizeTree: { n: 'b', d: [{ n: 'c', b: 2 }] }, s: 'tree' }] };
    const text = prettyJsonCompact(value, ['tree', 'sizeTree']);
    expect(JSON.parse(text)).toEqual(value);
    expect(text).toContain('"tree": {"root":{"n":"","f":[["x",1,0,-1,1]]}}');
    expect(text).toContain('"sizeTree": {"n":"b","d":[{"n":"c","b":2}]}');
    expect(text).toContain('\n  "a": 1,\n');
    expect(text.endsWith('}\n')).toBe(true);
    expect(prettyJsonCompact({ a: [1] }, ['tree'])).toBe(`${JSON.stringify({ a: [1] }, null, 2)}\n`);
  });
});
