/**
 * One output contract for every command (issue 14): `--format text|json|markdown|sarif`,
 * `--json`, `--output FILE`, on the real CLI (dist/) and the real fixture images and binaries.
 * Every JSON document is validated against schemas/<kind>.schema.json with ajv, every SARIF log
 * against the OASIS 2.1.0 schema, every Markdown report rendered with markdown-it (CommonMark plus
 * GitHub's tables); the text shows the numbers the JSON has, numbered the same way.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import MarkdownIt from 'markdown-it';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureFixtureImages, REPO_ROOT, type FixtureImages } from '../helpers/images.js';
import { contractValidator, sarifValidator } from '../helpers/schemas.js';
import { FIXTURE_TOOLS, describeWithTools, itWithTools } from '../helpers/tools.js';
import { formatBytes } from '../../src/util/units.js';
import type { InspectReport } from '../../src/analysis/inspect.js';

const run = promisify(execFile);
const BIN = join(REPO_ROOT, 'bin/goslim.js');
const work = mkdtempSync(join(tmpdir(), 'goslim-contract-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function goslim(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [BIN, ...args], { maxBuffer: 64 << 20, timeout: 600_000, env: { ...process.env, NO_COLOR: '', FORCE_COLOR: undefined, ...opts.env }, cwd: opts.cwd ?? REPO_ROOT });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const validateDoc = contractValidator();
const validateSarif = sarifValidator();
const md = new MarkdownIt({ html: true });

function expectValid(doc: unknown): void {
  const { ok, errors } = validateDoc(doc);
  expect(errors).toEqual([]);
  expect(ok).toBe(true);
}
function expectSarif(text: string): SarifLog {
  const log = JSON.parse(text) as SarifLog;
  const ok = validateSarif(log);
  expect(validateSarif.errors ?? []).toEqual([]);
  expect(ok).toBe(true);
  // no rule points at a page that does not exist
  expect(JSON.stringify(log)).not.toContain('helpUri');
  expect(JSON.stringify(log)).not.toContain('unpkg.com');
  for (const r of log.runs[0]!.tool.driver.rules) {
    expect(r.help.markdown.length).toBeGreaterThan(80);
    expect(r.help.text.length).toBeGreaterThan(80);
  }
  return log;
}
interface SarifLog {
  runs: Array<{
    tool: { driver: { rules: Array<{ id: string; help: { text: string; markdown: string } }> } };
    results: Array<{ ruleId: string; ruleIndex: number; level: string; message: { text: string }; locations: Array<{ physicalLocation: { artifactLocation: { uri: string }; region?: { startLine: number; snippet?: { text: string } } }; logicalLocations?: Array<{ name: string }> }> }>;
  }>;
}

/** Markdown rendered by a CommonMark parser: the tokens it produced, and what GitHub would strip. */
function renderMarkdown(text: string): { html: string; tables: number; headings: string[]; details: number } {
  const tokens = md.parse(text, {});
  const html = md.render(text);
  // raw HTML other than <details>/<summary>/<br> would be stripped or mangled by GitHub
  const raw = tokens.flatMap((t) => (t.type === 'html_block' || t.type === 'html_inline' ? [t.content] : t.children?.filter((c) => c.type === 'html_inline').map((c) => c.content) ?? []));
  for (const h of raw) expect(h.trim()).toMatch(/^(<\/?details>|<summary>[^<]*<\/summary>|<br>)(\s*(<\/?details>|<summary>[^<]*<\/summary>))*$/);
  expect(html).not.toMatch(/<(script|style|iframe)/);
  const headings = tokens.flatMap((t, i) => (t.type === 'heading_open' ? [tokens[i + 1]!.content] : []));
  return { html, tables: tokens.filter((t) => t.type === 'table_open').length, headings, details: (html.match(/<details>/g) ?? []).length };
}

let fx: FixtureImages;
beforeAll(async () => {
  fx = await ensureFixtureImages();
});

describeWithTools([...FIXTURE_TOOLS, 'dist'], 'inspect: one contract in four formats', () => {
  const reports = new Map<string, InspectReport>();
  const ref = (name: keyof FixtureImages['images']) => `oci:${fx.images[name].oci}`;

  beforeAll(async () => {
    for (const name of ['fat-greeter', 'slim-four-levers', 'cgo-on-static'] as const) {
      const r = await goslim(['inspect', ref(name), '--json', '--allow-not-starting']);
      expect(r.code, r.stderr).toBe(0);
      reports.set(name, JSON.parse(r.stdout) as InspectReport);
    }
  });

  it('every JSON document validates against schemas/inspect.schema.json', () => {
    for (const doc of reports.values()) {
      expect(doc).toMatchObject({ schemaVersion: 1, kind: 'inspect' });
      expectValid(doc);
    }
    // the schema is live: a relative path or a 0-based layer is rejected
    const fat = structuredClone(reports.get('fat-greeter')!);
    fat.largestFiles[0]!.path = fat.largestFiles[0]!.path.slice(1);
    expect(validateDoc(fat).ok).toBe(false);
    const zero = structuredClone(reports.get('fat-greeter')!);
    zero.layers[0]!.number = 0;
    expect(validateDoc(zero).ok).toBe(false);
  });

  it('paths are absolute and layers numbered from 1 in JSON and text alike; the text shows JSON numbers', async () => {
    const fat = reports.get('fat-greeter')!;
    expect(fat.layers.map((l) => l.number)).toEqual(fat.layers.map((_, i) => i + 1));
    expect(fat.goBinaries.every((b) => b.path.startsWith('/'))).toBe(true);
    expect(fat.largestFiles.every((f) => f.path.startsWith('/') && f.layer >= 1 && f.layer <= fat.layers.length)).toBe(true);
    const text = (await goslim(['inspect', ref('fat-greeter'), '--top', '15'])).stdout;
    for (const l of fat.layers) expect(text).toMatch(new RegExp(`^\\s+${l.number}\\s+${formatBytes(l.size).replace('.', '\\.')}\\s`, 'm'));
    for (const f of fat.largestFiles) expect(text).toContain(`${f.path.length > 70 ? f.path.slice(0, 69) : f.path}`);
    for (const f of fat.largestFiles) expect(text).toMatch(new RegExp(`layer ${f.layer}\\]`));
    for (const b of fat.goBinaries) expect(text).toContain(`  ${b.path}  ${formatBytes(b.size)}`);
    expect(text).toContain(`${formatBytes(fat.estimate.size)} uncompressed, ${formatBytes(fat.estimate.compressedSize)} compressed (now ${formatBytes(fat.image.size)} / ${formatBytes(fat.image.compressedSize)})`);
    for (const l of fat.levers) expect(text).toContain(`[${l.id}] ${formatBytes(l.bytes)}`);
    // levers that depend on each other say so: static-base on the cgo binary needs cgo-off first
    const staticBase = fat.levers.find((l) => l.id === 'static-base')!;
    expect(staticBase.needs).toEqual([expect.objectContaining({ lever: 'cgo-off' })]);
    expect(text).toMatch(/\[static-base\][^\n]*\n\s+first: cgo-off: /);
  });

  it('the estimate after all levers is never larger than the image', () => {
    for (const r of reports.values()) {
      expect(r.estimate.size).toBeLessThanOrEqual(r.image.size);
      expect(r.estimate.compressedSize).toBeLessThanOrEqual(r.image.compressedSize);
    }
  });

  it('Markdown: tables, <details> for long lists, what will not start first; nothing GitHub strips', async () => {
    const broken = await goslim(['inspect', ref('cgo-on-static'), '--format', 'markdown']);
    expect(broken.code).toBe(1);
    const m = renderMarkdown(broken.stdout);
    expect(m.tables).toBeGreaterThanOrEqual(5);
    expect(m.details).toBeGreaterThanOrEqual(3);
    const start = m.headings.findIndex((h) => h.includes('Will it start?'));
    const levers = m.headings.findIndex((h) => h.startsWith('Levers'));
    expect(start).toBeGreaterThanOrEqual(0);
    expect(start).toBeLessThan(levers);
    expect(m.html).toContain('<td><code>interpreter</code></td>');
    const fat = await goslim(['inspect', ref('fat-greeter'), '--format', 'markdown']);
    const f = renderMarkdown(fat.stdout);
    // a passing image: levers come before the start section, every lever is a table row
    expect(f.headings.findIndex((h) => h.startsWith('Levers'))).toBeLessThan(f.headings.findIndex((h) => h.includes('Will it start?')));
    for (const l of reports.get('fat-greeter')!.levers) expect(f.html).toContain(`<td><code>${l.id}</code></td>`);
  });

  it('SARIF: failed start checks first, each lever a result, located on the Dockerfile line that causes it', async () => {
    const dockerfile = join(fx.dockerfiles, 'cgo-on-static.Dockerfile');
    const lines = readFileSync(dockerfile, 'utf8').split('\n');
    const r = await goslim(['inspect', ref('cgo-on-static'), '--format', 'sarif', '--dockerfile', dockerfile]);
    expect(r.code).toBe(1); // still will not start
    const log = expectSarif(r.stdout);
    const results = log.runs[0]!.results;
    expect(results[0]).toMatchObject({ ruleId: 'check:interpreter', level: 'error' });
    const report = reports.get('cgo-on-static')!;
    expect(results.filter((x) => !x.ruleId.startsWith('check:')).map((x) => x.ruleId).sort()).toEqual(report.levers.map((l) => l.id).sort());
    const lineOf = (x: (typeof results)[number]) => x.locations[0]!.physicalLocation.region!.startLine;
    for (const x of results) expect(log.runs[0]!.tool.driver.rules[x.ruleIndex]!.id).toBe(x.ruleId);
    // the go build line for cgo-off, strip-symbols and trimpath, and for the missing loader
    const goBuild = lines.findIndex((l) => /^RUN go build/.test(l)) + 1;
    for (const id of ['check:interpreter', 'cgo-off', 'strip-symbols', 'trimpath']) {
      const x = results.find((y) => y.ruleId === id);
      if (x) expect(lineOf(x), id).toBe(goBuild);
    }
    // static-base on the fat image: the final stage's FROM
    const fatDockerfile = join(fx.dockerfiles, 'fat-greeter.Dockerfile');
    const fatLines = readFileSync(fatDockerfile, 'utf8').split('\n');
    const fat = expectSarif((await goslim(['inspect', ref('fat-greeter'), '--format', 'sarif', '--dockerfile', fatDockerfile])).stdout);
    const lastFrom = fatLines.map((l, i) => (/^FROM\s/i.test(l) ? i + 1 : 0)).filter(Boolean).at(-1);
    const sb = fat.runs[0]!.results.find((x) => x.ruleId === 'static-base')!;
    expect(sb.locations[0]!.physicalLocation.region!.startLine).toBe(lastFrom);
    expect(sb.message.text).toContain('Apply cgo-off first');
    // without a Dockerfile: on the image
    const plain = expectSarif((await goslim(['inspect', ref('slim-four-levers'), '--format', 'sarif'])).stdout);
    for (const x of plain.runs[0]!.results) {
      expect(x.locations[0]!.physicalLocation.region).toBeUndefined();
      expect(x.locations[0]!.logicalLocations![0]!.name).toBe(ref('slim-four-levers'));
    }
  });

  it('SARIF: a crossed budget is the first result, on the line of the image as a whole, with its rule\'s help', async () => {
    const dockerfile = join(fx.dockerfiles, 'slim-four-levers.Dockerfile');
    const lines = readFileSync(dockerfile, 'utf8').split('\n');
    const r = await goslim(['inspect', ref('slim-four-levers'), '--format', 'sarif', '--dockerfile', dockerfile, '--max-size', '1MB']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('exceeds --max-size');
    const log = expectSarif(r.stdout);
    const first = log.runs[0]!.results[0]!;
    expect(first).toMatchObject({ ruleId: 'budget:max-size', level: 'error' });
    expect(first.message.text).toMatch(/^Budget crossed: size .* exceeds --max-size 1(\.0+)? MB$/);
    const lastFrom = lines.map((l, i) => (/^FROM\s/i.test(l) ? i + 1 : 0)).filter(Boolean).at(-1);
    expect(first.locations[0]!.physicalLocation.region!.startLine).toBe(lastFrom);
    const rule = log.runs[0]!.tool.driver.rules[first.ruleIndex]!;
    expect(rule.id).toBe('budget:max-size');
    expect(rule.help.markdown).toContain('goslim explain budget:max-size');
    // within budget: no budget result
    const ok = expectSarif((await goslim(['inspect', ref('slim-four-levers'), '--format', 'sarif', '--max-size', '1GB'])).stdout);
    expect(ok.runs[0]!.results.filter((x) => x.ruleId.startsWith('budget:'))).toEqual([]);
  });

  it('--output writes the report atomically; --json and a different --format are a usage error', async () => {
    const file = join(work, 'inspect.json');
    const r = await goslim(['inspect', ref('slim-four-levers'), '--json', '--output', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expectValid(JSON.parse(readFileSync(file, 'utf8')));
    expect(readdirSync(work).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    const both = await goslim(['inspect', ref('slim-four-levers'), '--json', '--format', 'sarif']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('E_USAGE');
    // text to a file has no colour even when forced
    const txt = join(work, 'inspect.txt');
    await goslim(['inspect', ref('slim-four-levers'), '-o', txt], { env: { FORCE_COLOR: '1' } });
    expect(readFileSync(txt, 'utf8')).not.toContain('\u001b[');
    const forced = await goslim(['inspect', ref('slim-four-levers')], { env: { FORCE_COLOR: '1' } });
    expect(forced.stdout).toContain('\u001b[1m');
    const off = await goslim(['inspect', ref('slim-four-levers')], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } });
    expect(off.stdout).not.toContain('\u001b[');
  });
});

describeWithTools([...FIXTURE_TOOLS, 'dist'], 'compare: SARIF for the image under review (B)', () => {
  it('budgets first, then B\'s own findings as inspect reports them, levers new in B marked; on B\'s Dockerfile', async () => {
    const ref = (name: keyof FixtureImages['images']) => `oci:${fx.images[name].oci}`;
    const slimJson = join(work, 'slim-for-compare.json');
    expect((await goslim(['inspect', ref('slim-four-levers'), '--json', '-o', slimJson])).code).toBe(0);
    const dockerfile = join(fx.dockerfiles, 'fat-greeter.Dockerfile');
    const lines = readFileSync(dockerfile, 'utf8').split('\n');
    // the pull request made the image fat again: A = the slim report, B = the fat image
    const r = await goslim(['compare', slimJson, ref('fat-greeter'), '--format', 'sarif', '--dockerfile', dockerfile, '--max-growth', '5%', '--fail-on-new-lever']);
    expect(r.code).toBe(1);
    const log = expectSarif(r.stdout);
    const results = log.runs[0]!.results;
    const cmp = JSON.parse((await goslim(['compare', slimJson, ref('fat-greeter'), '--json', '--max-growth', '5%', '--fail-on-new-lever'])).stdout) as { budgets: string[]; levers: { new: string[] } };
    expect(cmp.levers.new.length).toBeGreaterThan(0);
    // one budget result per budget line of the JSON, in the same order, before any other result
    const budgets = results.filter((x) => x.ruleId.startsWith('budget:'));
    expect(budgets.map((x) => x.message.text)).toEqual(cmp.budgets.map((b) => `Budget crossed: ${b}`));
    expect(results.slice(0, budgets.length)).toEqual(budgets);
    expect(budgets.filter((x) => x.ruleId === 'budget:max-growth')).toHaveLength(2); // uncompressed and compressed
    // B's levers: exactly inspect's results for the fat image, the new ones marked
    const inspected = expectSarif((await goslim(['inspect', ref('fat-greeter'), '--format', 'sarif', '--dockerfile', dockerfile])).stdout);
    const rest = results.slice(budgets.length);
    expect(rest.map((x) => x.ruleId)).toEqual(inspected.runs[0]!.results.map((x) => x.ruleId));
    for (const x of rest) {
      const isNew = cmp.levers.new.includes(x.ruleId);
      expect(x.message.text.startsWith('New: '), x.ruleId).toBe(isNew);
    }
    // a new lever's budget result sits on that lever's line: static-base on the final stage's FROM
    const lastFrom = lines.map((l, i) => (/^FROM\s/i.test(l) ? i + 1 : 0)).filter(Boolean).at(-1);
    const sb = budgets.find((x) => x.ruleId === 'budget:fail-on-new-lever' && x.message.text.includes('static-base'));
    expect(sb, JSON.stringify(budgets.map((b) => b.message.text))).toBeDefined();
    expect(sb!.locations[0]!.physicalLocation.region!.startLine).toBe(lastFrom);
  });

  it('two Go binaries: the binary under review\'s findings and the budgets', async () => {
    const bin = (n: string) => join(fx.dir, 'bin', n);
    const r = await goslim(['compare', bin('greeter-static'), bin('greeter-cgo'), '--format', 'sarif', '--max-growth', '1%']);
    expect(r.code).toBe(1);
    const log = expectSarif(r.stdout);
    expect(log.runs[0]!.results[0]).toMatchObject({ ruleId: 'budget:max-growth', level: 'error' });
    const binary = JSON.parse((await goslim(['binary', bin('greeter-cgo'), '--json'])).stdout) as { findings: Array<{ lever: string }> };
    expect(log.runs[0]!.results.slice(1).map((x) => x.ruleId).sort()).toEqual(binary.findings.map((f) => f.lever).sort());
  });
});

describeWithTools([...FIXTURE_TOOLS, 'dist'], 'verify: one contract in four formats', () => {
  it('JSON validates; Markdown renders; SARIF puts the failed check on the go build line', async () => {
    for (const name of ['slim-four-levers', 'cgo-on-static', 'fat-greeter'] as const) {
      const r = await goslim(['verify', `oci:${fx.images[name].oci}`, '--format', 'json']);
      const doc = JSON.parse(r.stdout) as { kind: string; verdict: string };
      expect(doc.kind).toBe('verify');
      expectValid(doc);
      expect(r.code).toBe(doc.verdict === 'fail' ? 1 : 0);
    }
    const m = renderMarkdown((await goslim(['verify', `oci:${fx.images['cgo-on-static'].oci}`, '--format', 'markdown'])).stdout);
    expect(m.tables).toBe(1);
    expect(m.html).toMatch(/<td><code>interpreter<\/code><\/td>\s*<td>🛑 fail<\/td>/);
    const dockerfile = join(fx.dockerfiles, 'cgo-on-static.Dockerfile');
    const log = expectSarif((await goslim(['verify', `oci:${fx.images['cgo-on-static'].oci}`, '--format', 'sarif', '--dockerfile', dockerfile])).stdout);
    const x = log.runs[0]!.results[0]!;
    expect(x).toMatchObject({ ruleId: 'check:interpreter', level: 'error' });
    expect(x.locations[0]!.physicalLocation.region!.snippet!.text).toMatch(/^RUN go build/);
  });

  itWithTools(['bwrap'], 'the --run result validates too', async () => {
    const r = await goslim(['verify', `oci:${fx.images['slim-four-levers'].oci}`, '--run', '--sandbox', 'namespaces', '--json']);
    const doc = JSON.parse(r.stdout) as { run?: unknown };
    expect(doc.run).toBeDefined();
    expectValid(doc);
  });
});

describeWithTools([...FIXTURE_TOOLS, 'dist'], 'binary and lint: one contract', () => {
  it('binary: JSON validates for the cgo and the static greeter; Markdown and SARIF', async () => {
    for (const file of [fx.binaries.cgo, fx.binaries.static]) {
      const r = await goslim(['binary', file, '--json']);
      expect(r.code, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout) as { kind: string; findings: Array<{ lever: string; bytes: number }>; size: number };
      expect(doc.kind).toBe('binary');
      expectValid(doc);
      const text = (await goslim(['binary', file])).stdout;
      expect(text).toContain(`${formatBytes(doc.size)} (${doc.size} bytes)`);
      const m = renderMarkdown((await goslim(['binary', file, '-f', 'markdown'])).stdout);
      expect(m.tables).toBeGreaterThanOrEqual(2);
      const log = expectSarif((await goslim(['binary', file, '-f', 'sarif'])).stdout);
      expect(log.runs[0]!.results.map((x) => x.ruleId).sort()).toEqual(doc.findings.map((f) => f.lever).sort());
    }
    // A UPX-packed program (test/fixtures/packed): `packed` filled in, still the one contract.
    const packed = await goslim(['binary', join(REPO_ROOT, 'test', 'fixtures', 'packed', 'upx-empty-go.bin'), '--json']);
    expect(packed.code, packed.stderr).toBe(0);
    const doc = JSON.parse(packed.stdout) as { packed: { packer: string } | null };
    expect(doc.packed?.packer).toBe('upx');
    expectValid(doc);
    expectSarif((await goslim(['binary', join(REPO_ROOT, 'test', 'fixtures', 'packed', 'upx-empty-go.bin'), '-f', 'sarif'])).stdout);
  });

  it('lint: JSON validates, no dead doc links', async () => {
    const r = await goslim(['lint', join(fx.dockerfiles, 'cgo-on-static.Dockerfile'), '--json']);
    const doc = JSON.parse(r.stdout) as { kind: string; files: Array<{ findings: Array<{ doc?: string }> }> };
    expect(doc.kind).toBe('lint');
    expectValid(doc);
    expect(r.stdout).not.toContain('unpkg.com');
    for (const f of doc.files[0]!.findings) expect(readFileSync(join(REPO_ROOT, f.doc!), 'utf8').length).toBeGreaterThan(0);
    expectSarif((await goslim(['lint', join(fx.dockerfiles, 'cgo-on-static.Dockerfile'), '-f', 'sarif'])).stdout);
  });
});

describeWithTools([...FIXTURE_TOOLS, 'dist'], 'build: one contract, and a scratch image’s estimate', () => {
  const app = join(work, 'greeter');
  beforeAll(() => cpSync(join(REPO_ROOT, 'examples', 'greeter'), app, { recursive: true }));

  it('JSON validates; Markdown renders; inspect of the scratch image estimates no more than it is', async () => {
    const env = { GOSLIM_CACHE: join(work, 'cache'), GOCACHE: join(REPO_ROOT, 'test/.work/go-cache') };
    const out = join(work, 'scratch-oci');
    const r = await goslim(['build', './cmd/greeter', '--base', 'scratch', '--oci', out, '--sbom', 'none', '--format', 'json'], { env, cwd: app });
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { kind: string; written: boolean; platforms: Array<{ size: { uncompressed: number } }> };
    expect(doc).toMatchObject({ kind: 'build', written: true });
    expectValid(doc);
    const m = renderMarkdown((await goslim(['build', './cmd/greeter', '--base', 'scratch', '--oci', join(work, 'scratch-oci2'), '--sbom', 'none', '-f', 'markdown'], { env, cwd: app })).stdout);
    expect(m.tables).toBe(1);
    // an image that would not start is not written: the document says which checks failed
    const never = await goslim(['build', './cmd/greeter', '--base', 'scratch', '--user', 'appuser', '--oci', join(work, 'never'), '--json'], { env, cwd: app });
    expect(never.code).toBe(1);
    const failed = JSON.parse(never.stdout) as { written: boolean; failedChecks: Array<{ id: string }> };
    expect(failed).toMatchObject({ kind: 'build', written: false });
    expect(failed.failedChecks.map((c) => c.id)).toContain('user');
    expectValid(failed);
    // the scratch image: its "after all levers" estimate must not exceed it (it was 6.6 MB for 4.5 MB)
    const ins = await goslim(['inspect', `oci:${out}:latest`, '--json', '--allow-not-starting']);
    expect(ins.code, ins.stderr).toBe(0);
    const report = JSON.parse(ins.stdout) as InspectReport;
    expectValid(report);
    expect(report.estimate.size).toBeLessThanOrEqual(report.image.fileBytes);
    expect(report.estimate.size).toBeLessThanOrEqual(report.image.size);
    expect(report.estimate.compressedSize).toBeLessThanOrEqual(report.image.compressedSize);
    expect(report.estimate.parts.map((p) => p.what).join()).not.toContain('static base');
  });
});

describe('schemas ship in the package', () => {
  it('package.json lists schemas/', () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { files: string[] };
    expect(pkg.files).toContain('schemas');
  });
});
