import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectImageRef, type InspectReport } from '../../analysis/inspect.js';
import { analyzeBinary } from '../../binary/index.js';
import { buildTestImage, file, whiteout } from '../../image/testing/index.js';
import { sizeTree, sizeTreeBytes } from '../../binary/size-tree.js';
import { DEFAULT_COST_MODEL } from '../../analysis/cost.js';
import { compareImages } from '../../compare/images.js';
import { compareBinaries } from '../../compare/binaries.js';
import { escapeHtml, imagePageData, jsonForScript, renderBinaryHtml, renderCompareHtml, renderInspectHtml, type ComparePageData } from './index.js';

/** The JSON the page script reads, parsed back out of the page. */
function pageData(html: string): unknown {
  const m = /<script type="application\/json" id="goslim-data">([\s\S]*?)<\/script>/.exec(html);
  if (!m) throw new Error('no data element');
  return JSON.parse(m[1] ?? '');
}

const HOSTILE = 'x</script><script>alert(1)</script>\u2028\u2029<!--';
/** A file name cannot hold "/": the rest of the same tricks. */
const HOSTILE_NAME = 'x<script>alert(1)<!--\u2028\u2029&"\'';

describe('jsonForScript', () => {
  it('never closes its script element and reads back to the same value', () => {
    const value = { a: HOSTILE, b: ['</SCRIPT >', '<!-- -->', '&amp;'] };
    const text = jsonForScript(value);
    expect(text).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(text)).toEqual(value);
  });
});

describe('renderInspectHtml', () => {
  let work: string;
  let report: InspectReport;
  let html: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'goslim-html-'));
    const built = await buildTestImage(
      {
        layers: [
          { entries: [file('usr/share/doc/pkg/copyright', 3000), file('tmp/big.bin', 50_000)], createdBy: 'RUN echo base' },
          { entries: [whiteout('tmp/big.bin'), file(`app/${HOSTILE_NAME}`, 1234), file('app/server', 20_000)], createdBy: `RUN echo "${HOSTILE}"` },
        ],
      },
      { dir: work, format: 'oci' },
    );
    report = await inspectImageRef(built.reference, { fileTree: true });
    html = renderInspectHtml(report);
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('inlines everything: no external script, style, font or image', () => {
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/\bsrc\s*=/i);
    expect(html).not.toMatch(/@import|@font-face/i);
    expect(html).toContain('Content-Security-Policy');
    // Exactly the two script elements the page has: a hostile name or instruction cannot add one.
    expect(html.match(/<\/script>/gi)).toHaveLength(2);
    expect(html).not.toContain('<script>alert');
  });

  it('carries the tree and the layers exactly, hostile names included', () => {
    expect(pageData(html)).toEqual(JSON.parse(JSON.stringify(imagePageData(report))));
    const app = report.tree?.root.d?.find((d) => d.n === 'app');
    expect(app?.f?.map((f) => f[0])).toContain(HOSTILE_NAME);
    expect(html).toContain("RUN echo &quot;x&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;");
  });

  it('shows the report\'s own figures, exact in data-bytes', () => {
    const field = (name: string): number => Number(new RegExp(`data-field="${name.replace(/\./g, '\\.')}" data-bytes="(\\d+)"`).exec(html)?.[1]);
    expect(field('image.size')).toBe(report.image.size);
    expect(field('image.fileBytes')).toBe(report.image.fileBytes);
    expect(field('wasted.bytes')).toBe(report.wasted.bytes);
    expect(report.wasted.bytes).toBe(50_000);
    for (const c of report.causes) if (c.bytes > 0) expect(field(`cause.${c.id}`)).toBe(c.bytes);
    for (const l of report.layers) expect(field(`layer.${l.number}.deletedBytes`)).toBe(l.deletedBytes);
    // The hidden bytes are in the page's data, by the layer that wrote them.
    expect(report.tree?.hidden).toEqual([[1, 50_000]]); // layers numbered from 1, as in layers[].number
  });
});

describe('renderBinaryHtml', () => {
  it('splits every byte of an executable into tiles that add up to its size', () => {
    // Node's own executable: a real ELF, not Go (the Go fixtures are covered by test/e2e/html.test.ts).
    const r = analyzeBinary(readFileSync(process.execPath), { path: 'node' });
    expect(sizeTreeBytes(sizeTree(r))).toBe(r.size);
    const html = renderBinaryHtml(r);
    expect(html.match(/<\/script>/gi)).toHaveLength(2);
    expect(Number(/data-field="size" data-bytes="(\d+)"/.exec(html)?.[1])).toBe(r.size);
  });
});

describe('renderCompareHtml', () => {
  let work: string;
  let a: InspectReport;
  let b: InspectReport;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'goslim-compare-html-'));
    const before = await buildTestImage(
      { layers: [{ entries: [file('usr/share/doc/pkg/copyright', 3000), file('app/server', 20_000), file(`app/${HOSTILE_NAME}`, 500)], createdBy: 'RUN echo a' }] },
      { dir: join(work, 'a'), format: 'oci' },
    );
    const after = await buildTestImage(
      { layers: [{ entries: [file('app/server', 12_000), file('app/new.txt', 700)], createdBy: `RUN echo "${HOSTILE}"` }] },
      { dir: join(work, 'b'), format: 'oci' },
    );
    a = await inspectImageRef(before.reference, { fileTree: true });
    b = await inspectImageRef(after.reference, { fileTree: true });
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const compare = (input: { a: string; b: string }) =>
    compareImages(a, b, { a: { input: input.a, source: 'image' }, b: { input: input.b, source: 'image' } }, {
      cost: { ...DEFAULT_COST_MODEL },
      costDefaults: { bandwidth: true, nodes: true, keptTags: true },
    });

  it('images read now: both file trees in the data, the headline and the figures exact, hostile names escaped', () => {
    const report = compare({ a: HOSTILE, b: 'b' });
    const html = renderCompareHtml({ report, budgets: [`budget ${HOSTILE}`], a, b });
    expect(html.match(/<\/script>/gi)).toHaveLength(2);
    expect(html).not.toContain('<script>alert');
    expect(html).not.toMatch(/\bsrc\s*=/i);
    const data = pageData(html) as ComparePageData;
    expect(data.kind).toBe('compare');
    expect(data.changes).toBeNull();
    expect(data.sides.a).toMatchObject({ kind: 'image', tree: JSON.parse(JSON.stringify(a.tree)) });
    expect(data.sides.b).toMatchObject({ kind: 'image', tree: JSON.parse(JSON.stringify(b.tree)) });
    expect(html).toContain(`<strong data-field="headline">${escapeHtml(report.headline)}</strong>`);
    const field = (name: string): number => Number(new RegExp(`data-field="${name.replace(/\./g, '\\.')}" data-bytes="(-?\\d+)"`).exec(html)?.[1]);
    expect(field('size.a')).toBe(a.image.size);
    expect(field('size.b')).toBe(b.image.size);
    expect(field('size.delta')).toBe(b.image.size - a.image.size);
    for (const c of report.causes) expect(field(`cause.${c.key}.delta`), c.key).toBe(c.delta);
    expect(html).toContain('data-count="1"');
    expect(html).toContain('budget x&lt;/script&gt;');
  });

  it('saved reports (no trees): the page says so and its change map is the per-cause change', () => {
    const report = compare({ a: 'a.json', b: 'b.json' });
    const html = renderCompareHtml({ report, budgets: [] });
    const data = pageData(html) as ComparePageData;
    expect(data.sides).toEqual({ a: null, b: null });
    expect(html).toContain('data-absent-map="a"');
    expect(html).toContain('This page shows only what the saved report contains');
    expect(html).not.toContain('data-map="a"');
    // One image read now, one saved report without a tree: A's map, B's absence, and the change per cause.
    const { tree: _tree, ...saved } = b;
    const mixed = renderCompareHtml({ report, budgets: [], a, b: saved });
    const md = pageData(mixed) as ComparePageData;
    expect(md.sides.a).not.toBeNull();
    expect(md.sides.b).toBeNull();
    expect(md.changes).not.toBeNull();
    expect(mixed).toContain('data-map="a"');
    expect(mixed).toContain('data-absent-map="b"');
    // A saved report with its tree (`inspect --json --tree`) is drawn like an image read now.
    const treed = pageData(renderCompareHtml({ report, budgets: [], a: JSON.parse(JSON.stringify(a)) as InspectReport, b })) as ComparePageData;
    const live = pageData(renderCompareHtml({ report, budgets: [], a })) as ComparePageData;
    expect(live.sides.a).not.toBeNull();
    expect(treed.sides.a).toEqual(live.sides.a);
    expect(treed.changes).toBeNull();
    const leaves = (n: { b?: number; d?: Array<{ b?: number; d?: unknown[] }> }): number => (n.d ? n.d.reduce((t, c) => t + leaves(c as typeof n), 0) : (n.b ?? 0));
    const [grew, shrank] = data.changes?.d ?? [];
    expect(leaves(grew!)).toBe(report.causes.filter((c) => c.delta > 0).reduce((t, c) => t + c.delta, 0));
    expect(leaves(shrank!)).toBe(report.causes.filter((c) => c.delta < 0).reduce((t, c) => t - c.delta, 0));
  });

  it('binaries: a size tree per side that adds up to the file; without one, a module -> package change map', () => {
    const r = analyzeBinary(readFileSync(process.execPath), { path: 'node' });
    const report = compareBinaries(r, r, { a: { input: 'node', source: 'binary' }, b: { input: 'node', source: 'binary' } });
    const html = renderCompareHtml({ report, budgets: [], a: r, b: r });
    const data = pageData(html) as ComparePageData;
    for (const s of [data.sides.a, data.sides.b]) {
      expect(s?.kind).toBe('binary');
      expect(sizeTreeBytes((s as { root: Parameters<typeof sizeTreeBytes>[0] }).root)).toBe(r.size);
    }
    // A saved report without the layout the size tree needs (saved by an older goslim).
    const { layout: _layout, ...old } = r;
    const without = pageData(renderCompareHtml({ report, budgets: [], a: old, b: r })) as ComparePageData;
    expect(without.sides.a).toBeNull();
    expect(without.changes).toMatchObject({ n: 'changes' });
  });
});
