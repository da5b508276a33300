import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectImageRef, type InspectReport } from '../../analysis/inspect.js';
import { analyzeBinary } from '../../binary/index.js';
import { buildTestImage, file, whiteout } from '../../image/testing/index.js';
import { sizeTree, sizeTreeBytes } from '../../binary/size-tree.js';
import { imagePageData, jsonForScript, renderBinaryHtml, renderInspectHtml } from './index.js';

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
