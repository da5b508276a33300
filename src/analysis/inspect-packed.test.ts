/**
 * inspect of an image holding a UPX-packed Go program (test/fixtures/packed/upx-empty-go.bin, a
 * real one: see its README): no Go binary can be read from it, so it is reported as packed, with
 * the exe-compression hint (text, Markdown, HTML); verify's static checks judge the packed file
 * static (no PT_INTERP); compare against the same path holding a real Go binary says it was packed.
 * The images are small OCI layouts built here (src/image/testing).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, describe, expect, it } from 'vitest';
import { openImage } from '../image/open.js';
import { buildTestImage, dir, file, type TestImageSpec } from '../image/testing/index.js';
import { formatJsonDocument, DOCUMENT_KINDS } from '../report/document.js';
import { renderInspectText } from '../report/inspect-text.js';
import { renderInspectMarkdown } from '../report/report-markdown.js';
import { renderInspectHtml } from '../report/html/inspect-html.js';
import { hintDoc } from '../vocabulary/hints.js';
import { GoBinaryCollector } from './go-binaries.js';
import { inspectImage } from './inspect.js';
import { LayerCache } from './layer-cache.js';
import { verifyImage } from '../verify/index.js';
import { itWithTools } from '../../test/helpers/tools.js';
import { contractValidator } from '../../test/helpers/schemas.js';
import { buildFixture } from '../../test/fixtures/go/build-fixtures.js';
import { DEFAULT_COST_MODEL } from './cost.js';
import { compareImages } from '../compare/images.js';
import { formatJsonDocument as formatDoc } from '../report/document.js';
import { renderCompareText } from '../report/compare-text.js';
import { renderCompareMarkdown } from '../report/compare-markdown.js';
import { renderCompareHtml } from '../report/html/compare-html.js';

const REPO = join(import.meta.dirname, '..', '..');
const packed = readFileSync(join(REPO, 'test', 'fixtures', 'packed', 'upx-empty-go.bin'));
const work = mkdtempSync(join(tmpdir(), 'goslim-inspect-packed-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A distroless/static-like base, then the packed program as /app (and a copy that is not executable). */
function spec(entrypoint: string[]): TestImageSpec {
  return {
    layers: [
      { entries: [dir('etc'), file('etc/passwd', 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532::/home/nonroot:/sbin/nologin\n'), file('etc/group', 'root:x:0:\nnonroot:x:65532:\n')] },
      { entries: [file('app', packed, { mode: 0o755 }), dir('data'), file('data/app.copy', packed, { mode: 0o644 })] },
    ],
    config: { Entrypoint: entrypoint, User: '65532' },
  };
}

const UPX = { packer: 'upx', version: 14, release: '4.23', format: 'linux/elf64-amd64', method: 'lzma', level: 10, unpackedSize: 782_336, compressedSize: expect.any(Number) as number };

describe('inspect: an executable packed with UPX', () => {
  it('is reported in packedBinaries with the exe-compression hint (not as a Go binary, not silently)', async () => {
    const built = await buildTestImage(spec(['/app']), { dir: join(work, 'a'), format: 'oci' });
    const r = await inspectImage(await openImage(built.reference), { cache: false });
    expect(r.goBinaries).toEqual([]);
    const doc = hintDoc('exe-compression');
    // Only the executable: candidates are files with an execute bit (the 0644 copy is data).
    expect(r.packedBinaries).toEqual([
      { path: '/app', size: packed.length, packed: UPX, hint: 'exe-compression', title: expect.any(String) as string, fix: doc.fix, lose: doc.lose, keep: doc.keep, explain: 'goslim explain exe-compression' },
    ]);
    const title = r.packedBinaries[0]!.title;
    expect(title).toContain('UPX 4.23');
    expect(title).toContain('782 kB'); // what every start decompresses
    expect(title).toContain('hidden from goslim');
    expect(title).toContain('already compressed');

    // Already compressed: its layer (two copies of it) gzips to more than 95 % of its tar.
    expect(r.layers[1]!.compressedSize).toBeGreaterThan(0.95 * r.layers[1]!.size);
    // So the estimate counts it at its own size, not at the sampled files' ratio.
    const app = r.estimate.parts.find((p) => p.what.startsWith('application files'))!;
    expect(app.size).toBe(2 * packed.length);
    expect(app.compressedSize).toBeGreaterThanOrEqual(packed.length);

    // verify's static checks: the packed file has no PT_INTERP, so it is static; it says it is packed.
    const interp = r.startup.checks.find((c) => c.id === 'interpreter')!;
    expect(interp.status).toBe('pass');
    expect(interp.message).toContain('statically linked');
    expect(interp.message).toContain('packed with UPX');
    expect(r.startup.checks.find((c) => c.id === 'architecture')!.status).toBe('pass');

    // The JSON document validates against schemas/inspect.schema.json.
    const ajv = new Ajv({ allErrors: true, strict: true });
    for (const k of DOCUMENT_KINDS) ajv.addSchema(JSON.parse(readFileSync(join(REPO, 'schemas', `${k}.schema.json`), 'utf8')) as object);
    const validate = ajv.getSchema('urn:goslim:schema:inspect')!;
    expect(validate(JSON.parse(formatJsonDocument('inspect', r))), JSON.stringify(validate.errors)).toBe(true);

    const text = renderInspectText(r);
    expect(text).toContain('none readable');
    expect(text).toMatch(/Packed executables[^\n]*\n {2}\/app {2}295 kB {2}\[exe-compression\]/);
    expect(text).toContain('more: goslim explain exe-compression');
    expect(renderInspectMarkdown(r)).toContain('| `/app` | 295 kB |');
    // The HTML page too: no Go binary to list, the packed one in its own table.
    const html = renderInspectHtml(r);
    expect(html).toContain('None readable: the executables below are packed.');
    expect(html).toContain(`<tr data-packed="/app"><td class="mono">/app</td><td class="num"><span class="bytes" data-bytes="${packed.length}"`);
    expect(html).toContain('<code>goslim explain exe-compression</code>');
  });

  itWithTools(['bwrap', 'prlimit'], 'verify --run agrees with the static verdict: the packed program starts in the sandbox and exits 0', async () => {
    const built = await buildTestImage(spec(['/app']), { dir: join(work, 'run'), format: 'oci' });
    const r = await verifyImage(await openImage(built.reference), { run: { timeoutMs: 20_000 } });
    expect(r.checks.find((c) => c.id === 'interpreter')).toMatchObject({ status: 'pass', message: expect.stringContaining('packed with UPX 4.23') as string });
    expect(r.run).toMatchObject({ sandbox: 'bwrap', started: true, exitCode: 0, timedOut: false });
    expect(r.verdict).toBe('pass');
  });

  itWithTools(['go'], 'compare: a Go binary, then the same path packed with UPX: not a binary that went away; the packed one listed, in every format', async () => {
    const hello = readFileSync(await buildFixture({ name: 'hello.cgo0', program: 'hello', env: { CGO_ENABLED: '0' }, flags: [] }));
    const goSpec = spec(['/app']);
    goSpec.layers[1] = { entries: [file('app', hello, { mode: 0o755 })] };
    const a = await inspectImage(await openImage((await buildTestImage(goSpec, { dir: join(work, 'cmp-a'), format: 'oci' })).reference), { cache: false });
    const b = await inspectImage(await openImage((await buildTestImage(spec(['/app']), { dir: join(work, 'cmp-b'), format: 'oci' })).reference), { cache: false });
    expect(a.goBinaries.map((g) => g.path)).toEqual(['/app']);
    const r = compareImages(a, b, { a: { input: 'a', source: 'image' }, b: { input: 'b', source: 'image' } }, { cost: { ...DEFAULT_COST_MODEL }, costDefaults: { bandwidth: true, nodes: true, keptTags: true } });
    expect(r.goBinaries).toEqual([{ key: '/app', a: hello.length, b: null, delta: -hello.length, status: 'removed', levers: [], notes: ['packed with UPX 4.23 in B (295 kB): its contents are hidden there'] }]);
    expect(r.packedBinaries).toEqual([{ key: '/app', a: null, b: packed.length, delta: packed.length, status: 'added', packer: { a: null, b: 'UPX 4.23' } }]);
    const validate = contractValidator();
    // As the CLI writes it (with the budgets crossed: none here), against schemas/compare.schema.json.
    expect(validate(JSON.parse(formatDoc('compare', { ...r, budgets: [] }))).errors).toEqual([]);
    expect(renderCompareText(r)).toMatch(/Packed executables[^\n]*\n +\+295 kB +- +-> 295 kB +\/app \(new\) +UPX 4\.23/);
    expect(renderCompareMarkdown(r)).toContain('Packed executables (contents hidden)');
    expect(renderCompareMarkdown(r)).toContain('| `/app (UPX 4.23)` (new) | – | 295 kB | +295 kB |');
    expect(renderCompareHtml({ report: r, budgets: [] })).toContain('<tr data-packed="/app"><td class="mono">/app</td>');
  });

  it('the per-layer cache keeps it: another image with the same layers reports it from the cache', async () => {
    const cache = new LayerCache(join(work, 'cache'));
    const first = await buildTestImage(spec(['/app']), { dir: join(work, 'c1'), format: 'oci' });
    const cold = await inspectImage(await openImage(first.reference), { cache });
    // Same layers, another config: the report is not cached, its layers are.
    const second = await buildTestImage(spec(['/app', '-v']), { dir: join(work, 'c2'), format: 'oci' });
    const hitsBefore = cache.stats.hits;
    const warm = await inspectImage(await openImage(second.reference), { cache });
    expect(cache.stats.hits - hitsBefore).toBeGreaterThanOrEqual(2); // both layers
    expect(warm.packedBinaries).toEqual(cold.packedBinaries);
    expect(warm.packedBinaries.map((b) => b.path)).toEqual(['/app']);
  });

  it('the collector finds the packer from the file tail however the data is chunked', async () => {
    for (const size of [7, 999, 4096, 64 * 1024, packed.length]) {
      const c = new GoBinaryCollector(() => undefined);
      const entry = { path: 'usr/local/bin/server', type: 'file' as const, size: packed.length, mode: 0o755, uid: 0, gid: 0, layer: 0 };
      const sink = c.sink(entry);
      for (let at = 0; at < packed.length; at += size) sink.write(packed.subarray(at, at + size));
      await sink.end();
      expect([...c.allPacked()].map((p) => [p.layer, p.facts.path, p.facts.size, p.facts.packed.release])).toEqual([[0, 'usr/local/bin/server', packed.length, '4.23']]);
    }
    // An ELF file that is not packed is not reported.
    const plain = Buffer.from(packed.subarray(0, packed.length - 64));
    const c = new GoBinaryCollector(() => undefined);
    const sink = c.sink({ path: 'x', type: 'file', size: plain.length, mode: 0o755, uid: 0, gid: 0, layer: 0 });
    sink.write(plain);
    await sink.end();
    expect([...c.allPacked()]).toEqual([]);
  });
});
