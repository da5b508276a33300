/**
 * `goslim compare --format html` in a real browser (issues 13 and 14): Debian's chromium driven by
 * playwright-core opens, from file://, the compare page of the fat and the four-lever fixture
 * images, of two saved `inspect --json` reports of them, of two real Go builds (with and without
 * `-s -w`) and of a comparison that crosses a budget. Every figure checked is read out of the DOM
 * and compared with `goslim compare --format json` (and `inspect --json`) of the same inputs:
 * the headline, sizes, per-cause rows, start verdicts, budgets; the treemaps' roots add up to
 * the reports' bytes, their tiles' areas are proportional to their bytes, the change map's
 * grew - shrank is B - A; keyboard zoom works per map; no request, no console error.
 * Screenshots go to test/.work/artifacts/html/.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { InspectReport } from '../../src/analysis/inspect.js';
import type { BinaryReport } from '../../src/binary/types.js';
import type { BinaryComparison, CompareJson, ImageComparison } from '../../src/compare/types.js';
import { buildFixtures, HELLO } from '../fixtures/go/build-fixtures.js';
import { launchChromium, openReport, reportFields, type BrowserHandle, type PageWatch } from '../helpers/browser.js';
import { ensureFixtureImages, REPO_ROOT } from '../helpers/images.js';
import { contractValidator } from '../helpers/schemas.js';
import { FIXTURE_TOOLS, describeWithTools } from '../helpers/tools.js';

const ARTIFACTS = join(REPO_ROOT, 'test', '.work', 'artifacts', 'html');

/** The JSON the page script reads, parsed back out of a page. */
function pageData(file: string): { sides: unknown; changes: unknown } {
  const m = /<script type="application\/json" id="goslim-data">([\s\S]*?)<\/script>/.exec(readFileSync(file, 'utf8'));
  if (!m) throw new Error(`no data element in ${file}`);
  return JSON.parse(m[1] ?? '') as { sides: unknown; changes: unknown };
}

function goslim(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/goslim.js'), ...args], { encoding: 'utf8', timeout: 300_000, maxBuffer: 256 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface MapState {
  path: string;
  tiles: number;
  bytes: number;
  width: number;
  height: number;
  crumbs: string;
  /** The drawn top-level tiles: their kind, bytes, area in px² and aria label. */
  drawn: Array<{ kind: string; bytes: number; area: number; label: string }>;
}

async function mapState(page: Page, map: string): Promise<MapState> {
  return page.evaluate((m) => {
    const el = document.querySelector(`[data-map="${m}"]`) as Element;
    const svg = el.querySelector('.treemap svg') as SVGSVGElement;
    return {
      path: svg.getAttribute('data-path') ?? '',
      tiles: Number(svg.getAttribute('data-tiles')),
      bytes: Number(svg.getAttribute('data-bytes')),
      width: Number(svg.getAttribute('width')),
      height: Number(svg.getAttribute('height')),
      crumbs: (el.querySelector('nav.crumbs') as HTMLElement).innerText,
      drawn: Array.from(svg.querySelectorAll('g.tile')).map((g) => ({
        kind: g.getAttribute('data-kind') ?? '',
        bytes: Number(g.getAttribute('data-bytes')),
        area: Number(g.getAttribute('data-area')),
        label: g.getAttribute('aria-label') ?? '',
      })),
    };
  }, map);
}

/** Each drawn tile's area is its share of the map's bytes (to the pixel), and the tiles fit the map. */
function expectProportional(s: MapState): void {
  const total = s.width * s.height;
  expect(s.drawn.length).toBeGreaterThan(0);
  expect(s.drawn.length).toBe(s.tiles);
  let area = 0;
  for (const t of s.drawn) {
    expect(Math.abs(t.area - (t.bytes / s.bytes) * total), t.label).toBeLessThanOrEqual(1);
    area += t.area;
  }
  // Tiles too small to draw (under 4 px²) are left out; everything drawn fits the map.
  expect(area).toBeLessThanOrEqual(total + s.drawn.length);
  const drawnBytes = s.drawn.reduce((t, d) => t + d.bytes, 0);
  expect(drawnBytes).toBeLessThanOrEqual(s.bytes);
}

/** grew and shrank of a change map (its two top-level tiles, either may be absent when nothing moved that way). */
function grewShrank(s: MapState): { grew: number; shrank: number } {
  const by = (name: string): number => s.drawn.find((t) => t.label.startsWith(`${name}: `))?.bytes ?? 0;
  return { grew: by('grew'), shrank: by('shrank') };
}

describeWithTools([...FIXTURE_TOOLS, 'dist', 'chromium', 'go'], 'goslim compare --format html in a real browser', () => {
  let work: string;
  let browser: BrowserHandle;
  let imgHtml: string;
  let img: ImageComparison & CompareJson;
  let fat: InspectReport;
  let slim: InspectReport;
  let savedHtml: string;
  let saved: ImageComparison & CompareJson;
  let treedHtml: string;
  let treed: { fat: string; slim: string };
  let binHtml: string;
  let bin: BinaryComparison & CompareJson;
  let binA: BinaryReport;
  let binB: BinaryReport;
  let binSavedHtml: string;
  let grownHtml: string;
  let grown: CompareJson;
  let cgoHtml: string;
  let cgo: ImageComparison & CompareJson;

  beforeAll(async () => {
    const fx = await ensureFixtureImages();
    work = mkdtempSync(join(tmpdir(), 'goslim-compare-html-e2e-'));
    mkdirSync(ARTIFACTS, { recursive: true });
    const fatRef = `oci:${fx.images['fat-greeter'].oci}`;
    const slimRef = `oci:${fx.images['slim-four-levers'].oci}`;

    imgHtml = join(work, 'images.html');
    const h = goslim('compare', fatRef, slimRef, '--format', 'html', '--output', imgHtml);
    expect(h.code, h.stderr).toBe(0);
    expect(h.stdout).toBe('');
    const j = goslim('compare', fatRef, slimRef, '--format', 'json');
    expect(j.code, j.stderr).toBe(0);
    img = JSON.parse(j.stdout) as ImageComparison & CompareJson;

    // Two saved reports: what CI keeps of main's image.
    const fj = goslim('inspect', fatRef, '--json');
    const sj = goslim('inspect', slimRef, '--json');
    fat = JSON.parse(fj.stdout) as InspectReport;
    slim = JSON.parse(sj.stdout) as InspectReport;
    writeFileSync(join(work, 'fat.json'), fj.stdout);
    writeFileSync(join(work, 'slim.json'), sj.stdout);
    savedHtml = join(work, 'saved.html');
    const sh = goslim('compare', join(work, 'fat.json'), join(work, 'slim.json'), '--format', 'html', '-o', savedHtml);
    expect(sh.code, sh.stderr).toBe(0);
    saved = JSON.parse(goslim('compare', join(work, 'fat.json'), join(work, 'slim.json'), '--json').stdout) as ImageComparison & CompareJson;

    // Two saved reports with their trees (inspect --json --tree).
    treed = { fat: goslim('inspect', fatRef, '--json', '--tree').stdout, slim: goslim('inspect', slimRef, '--json', '--tree').stdout };
    writeFileSync(join(work, 'fat-tree.json'), treed.fat);
    writeFileSync(join(work, 'slim-tree.json'), treed.slim);
    treedHtml = join(work, 'saved-tree.html');
    const th = goslim('compare', join(work, 'fat-tree.json'), join(work, 'slim-tree.json'), '--format', 'html', '-o', treedHtml);
    expect(th.code, th.stderr).toBe(0);

    // A budget crossed: the slim image grown into the fat one, against 1 %.
    grownHtml = join(work, 'grown.html');
    const gh = goslim('compare', join(work, 'slim.json'), join(work, 'fat.json'), '--max-growth', '1%', '--format', 'html', '-o', grownHtml);
    expect(gh.code, gh.stderr).toBe(1);
    grown = JSON.parse(goslim('compare', join(work, 'slim.json'), join(work, 'fat.json'), '--max-growth', '1%', '--json').stdout) as CompareJson;

    // The same Go program at the same path: cgo on a static base (will not start) -> four levers applied.
    const cgoRef = `oci:${fx.images['cgo-on-static'].oci}`;
    cgoHtml = join(work, 'cgo.html');
    const ch = goslim('compare', cgoRef, slimRef, '--format', 'html', '-o', cgoHtml);
    expect(ch.code, ch.stderr).toBe(0);
    cgo = JSON.parse(goslim('compare', cgoRef, slimRef, '--json').stdout) as ImageComparison & CompareJson;

    // Two real builds of the same program, with and without -s -w.
    const exes = await buildFixtures([HELLO('default'), HELLO('sw', ['-ldflags=-s -w'])]);
    const [ea, eb] = [exes.get('hello.default') as string, exes.get('hello.sw') as string];
    binHtml = join(work, 'binaries.html');
    const bh = goslim('compare', ea, eb, '--format', 'html', '-o', binHtml);
    expect(bh.code, bh.stderr).toBe(0);
    bin = JSON.parse(goslim('compare', ea, eb, '--json').stdout) as BinaryComparison & CompareJson;
    const [ja, jb] = [goslim('binary', ea, '--json').stdout, goslim('binary', eb, '--json').stdout];
    binA = JSON.parse(ja) as BinaryReport;
    binB = JSON.parse(jb) as BinaryReport;
    writeFileSync(join(work, 'a-bin.json'), ja);
    writeFileSync(join(work, 'b-bin.json'), jb);
    binSavedHtml = join(work, 'binaries-saved.html');
    const bs = goslim('compare', join(work, 'a-bin.json'), join(work, 'b-bin.json'), '--format', 'html', '-o', binSavedHtml);
    expect(bs.code, bs.stderr).toBe(0);

    browser = await launchChromium();
  }, 900_000);

  afterAll(async () => {
    await browser?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('two images: one file under 2 MB, no request, no console error; the headline and figures are the JSON comparison\'s', async () => {
    expect(statSync(imgHtml).size).toBeLessThan(2 * 1024 * 1024);
    const watch: PageWatch = { errors: [], requests: [] };
    const page = await openReport(browser, imgHtml, watch, '[data-map="diff"] svg g.tile');
    await page.screenshot({ path: join(ARTIFACTS, 'compare-images.png'), fullPage: true });
    expect(watch.errors).toEqual([]);
    expect(watch.requests).toEqual([pathToFileURL(imgHtml).href]);

    expect(await page.locator('[data-field="headline"]').innerText()).toBe(img.headline);
    expect(img.headline).toMatch(/ -> .*x smaller\)$/);
    const f = await reportFields(page);
    for (const k of ['size', 'compressedSize'] as const) {
      expect(f.get(`${k}.a`)).toBe(img[k].a);
      expect(f.get(`${k}.b`)).toBe(img[k].b);
      expect(f.get(`${k}.delta`)).toBe(img[k].delta);
    }
    for (const c of img.causes) {
      if (c.a !== null) expect(f.get(`cause.${c.key}.a`), c.key).toBe(c.a);
      if (c.b !== null) expect(f.get(`cause.${c.key}.b`), c.key).toBe(c.b);
      expect(f.get(`cause.${c.key}.delta`), c.key).toBe(c.delta);
    }
    for (const l of img.levers.applied) expect(f.get(`applied.${l.id}`), l.id).toBe(l.bytes);
    expect(Number(await page.locator('[data-field="files.a"]').getAttribute('data-count'))).toBe(img.files.a);
    expect(Number(await page.locator('[data-field="files.b"]').getAttribute('data-count'))).toBe(img.files.b);
    expect(await page.locator('[data-field="startup.a"]').getAttribute('data-verdict')).toBe(img.startup.a.verdict);
    expect(await page.locator('[data-field="startup.b"]').getAttribute('data-verdict')).toBe(img.startup.b.verdict);
    expect(Number(await page.locator('[data-field="budgets"]').getAttribute('data-count'))).toBe(img.budgets.length);
    expect(await page.locator('tr[data-layer-row]').count()).toBe(img.layers.length);
    expect(await page.locator('tr[data-binary]').count()).toBe(img.goBinaries.length);
    await page.close();
  }, 120_000);

  it('two images: A and B treemaps add up to each image\'s files and hidden bytes; the change map to what changed', async () => {
    const page = await openReport(browser, imgHtml, { errors: [], requests: [] }, '[data-map="diff"] svg g.tile');
    const a = await mapState(page, 'a');
    const b = await mapState(page, 'b');
    const d = await mapState(page, 'diff');
    expect(a.bytes).toBe(fat.image.fileBytes + fat.wasted.bytes);
    expect(b.bytes).toBe(slim.image.fileBytes + slim.wasted.bytes);
    for (const s of [a, b, d]) expectProportional(s);
    // Every changed byte is in "grew" or "shrank"; what grew minus what shrank is B - A.
    const { grew, shrank } = grewShrank(d);
    expect(grew + shrank).toBe(d.bytes);
    expect(grew - shrank).toBe(b.bytes - a.bytes);
    expect(shrank).toBeGreaterThan(0);
    await page.close();
  }, 120_000);

  it('keyboard: Tab reaches a tile of A, Enter zooms A, Escape zooms out the map that has the focus only', async () => {
    const page = await openReport(browser, imgHtml, { errors: [], requests: [] }, '[data-map="diff"] svg g.tile');
    const topA = await mapState(page, 'a');
    const topD = await mapState(page, 'diff');
    let onTile = false;
    for (let i = 0; i < 60 && !onTile; i++) {
      await page.keyboard.press('Tab');
      onTile = await page.evaluate(() => document.activeElement?.matches('[data-map="a"] g.tile') ?? false);
    }
    expect(onTile).toBe(true);
    const label = await page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? '');
    expect(label).toMatch(/Enter to zoom in$/);
    await page.keyboard.press('Enter');
    const inA = await mapState(page, 'a');
    expect(inA.path).not.toBe(topA.path);
    expect(inA.crumbs).toMatch(/^A\s*\//);
    expect(await mapState(page, 'diff')).toEqual(topD);
    // The change map: zoom into what shrank by keyboard; Escape there leaves A where it is.
    await page.locator('[data-map="diff"] g.tile[aria-label^="shrank: "]').focus();
    await page.keyboard.press('Enter');
    const inShrank = await mapState(page, 'diff');
    expect(inShrank.path).toBe('(shrank)');
    expect(inShrank.bytes).toBe(grewShrank(topD).shrank);
    expectProportional(inShrank);
    expect(await page.locator('#details-diff').innerText()).toMatch(/^\/\S*/);
    await page.screenshot({ path: join(ARTIFACTS, 'compare-images-shrank.png') });
    await page.keyboard.press('Escape');
    expect(await mapState(page, 'diff')).toEqual(topD);
    expect((await mapState(page, 'a')).path).toBe(inA.path);
    // Back in A, Escape zooms A out.
    await page.locator('[data-map="a"] g.tile').first().focus();
    await page.keyboard.press('Escape');
    expect(await mapState(page, 'a')).toEqual(topA);
    await page.close();
  }, 120_000);

  it('two saved reports: the page says the file trees are absent and draws the change per cause', async () => {
    const watch: PageWatch = { errors: [], requests: [] };
    const page = await openReport(browser, savedHtml, watch, '[data-map="diff"] svg g.tile');
    expect(watch.errors).toEqual([]);
    expect(watch.requests).toEqual([pathToFileURL(savedHtml).href]);
    await page.screenshot({ path: join(ARTIFACTS, 'compare-saved.png'), fullPage: true });
    expect(await page.locator('[data-field="headline"]').innerText()).toBe(saved.headline);
    // The same images, read now or from their saved reports: the same headline.
    expect(saved.headline).toBe(img.headline);
    expect(await page.locator('[data-map="a"]').count()).toBe(0);
    for (const side of ['a', 'b']) expect(await page.locator(`[data-absent-map="${side}"]`).innerText()).toMatch(/saved report.*only what the saved report contains/s);
    const d = await mapState(page, 'diff');
    expectProportional(d);
    const { grew, shrank } = grewShrank(d);
    expect(grew).toBe(saved.causes.filter((c) => c.delta > 0).reduce((t, c) => t + c.delta, 0));
    expect(shrank).toBe(saved.causes.filter((c) => c.delta < 0).reduce((t, c) => t - c.delta, 0));
    await page.locator('[data-map="diff"] g.tile[aria-label^="shrank: "]').click();
    const causes = await mapState(page, 'diff');
    const titles = causes.drawn.map((t) => t.label.replace(/: .*$/, ''));
    expect(titles.length).toBeGreaterThan(0);
    expect(await page.locator('#crumbs-diff').innerText()).toMatch(/changes\s*\/\s*shrank/);
    await page.close();
  }, 120_000);

  it('two reports saved with --tree: valid inspect documents, drawn exactly as the images read now', async () => {
    const validate = contractValidator();
    for (const text of [treed.fat, treed.slim]) {
      const doc = JSON.parse(text) as InspectReport;
      expect(doc.tree).toBeDefined();
      expect(validate(doc).errors).toEqual([]);
      // Without --tree the same report, less the trees.
      expect(text.length).toBeLessThan(2 * 1024 * 1024);
    }
    const { tree: _t, goBinaries, ...rest } = JSON.parse(treed.fat) as InspectReport;
    expect({ ...rest, goBinaries: goBinaries.map(({ sizeTree: _s, ...g }) => g) }).toEqual(fat);
    // The page data of the saved reports is the page data of the images read now.
    expect(pageData(treedHtml).sides).toEqual(pageData(imgHtml).sides);
    expect(pageData(treedHtml).changes).toBeNull();
    const watch: PageWatch = { errors: [], requests: [] };
    const page = await openReport(browser, treedHtml, watch, '[data-map="diff"] svg g.tile');
    expect(watch.errors).toEqual([]);
    expect(await page.locator('[data-absent-map]').count()).toBe(0);
    const live = await openReport(browser, imgHtml, { errors: [], requests: [] }, '[data-map="diff"] svg g.tile');
    for (const m of ['a', 'b', 'diff']) expect(await mapState(page, m)).toEqual(await mapState(live, m));
    await live.close();
    await page.close();
  }, 120_000);

  it('two Go binaries: headline, sections and the lever from the JSON; size treemaps add up to each file; the change map to B - A', async () => {
    const watch: PageWatch = { errors: [], requests: [] };
    const page = await openReport(browser, binHtml, watch, '[data-map="diff"] svg g.tile');
    expect(watch.errors).toEqual([]);
    expect(watch.requests).toEqual([pathToFileURL(binHtml).href]);
    await page.screenshot({ path: join(ARTIFACTS, 'compare-binaries.png'), fullPage: true });
    expect(await page.locator('[data-field="headline"]').innerText()).toBe(bin.headline);
    const f = await reportFields(page);
    expect(f.get('size.a')).toBe(bin.size.a);
    expect(f.get('size.b')).toBe(bin.size.b);
    expect(f.get('size.delta')).toBe(bin.size.delta);
    for (const s of bin.sections.filter((x) => x.status !== 'same').slice(0, 60)) expect(f.get(`section.${s.key}.delta`), s.key).toBe(s.delta);
    expect(bin.levers.map((l) => l.id)).toContain('strip-symbols');
    for (const l of bin.levers) expect(f.get(`lever.${l.id}.delta`), l.id).toBe(l.delta);
    const a = await mapState(page, 'a');
    const b = await mapState(page, 'b');
    const d = await mapState(page, 'diff');
    expect(a.bytes).toBe(binA.size);
    expect(b.bytes).toBe(binB.size);
    for (const s of [a, b, d]) expectProportional(s);
    const { grew, shrank } = grewShrank(d);
    expect(grew - shrank).toBe(bin.size.delta);
    // What shrank is, first of all, what -s -w removes.
    await page.locator('[data-map="diff"] g.tile[aria-label^="shrank: "]').click();
    const inShrank = await mapState(page, 'diff');
    expect(inShrank.drawn[0]?.label).toMatch(/^symbols and DWARF \(-s -w removes\): /);
    // Its bytes are the sections the JSON comparison puts on strip-symbols.
    const stripped = bin.sections.filter((x) => x.lever === 'strip-symbols').reduce((t, x) => t - x.delta, 0);
    expect(stripped).toBeGreaterThan(0);
    expect(inShrank.drawn[0]?.bytes).toBe(stripped);
    await page.close();
  }, 120_000);

  it('two saved binary reports: the same three maps as the executables read now', async () => {
    // A saved `binary --json` report carries sections, packages and layout: everything the size tree needs.
    expect(pageData(binSavedHtml).sides).toEqual(pageData(binHtml).sides);
    const watch: PageWatch = { errors: [], requests: [] };
    const page = await openReport(browser, binSavedHtml, watch, '[data-map="diff"] svg g.tile');
    expect(watch.errors).toEqual([]);
    const live = await openReport(browser, binHtml, { errors: [], requests: [] }, '[data-map="diff"] svg g.tile');
    for (const m of ['a', 'b', 'diff']) expect(await mapState(page, m)).toEqual(await mapState(live, m));
    await live.close();
    await page.close();
  }, 120_000);

  it('both start verdicts with their failed checks; a Go binary\'s change at the same path in the change map is the JSON\'s, down to its sections', async () => {
    const watch: PageWatch = { errors: [], requests: [] };
    const page = await openReport(browser, cgoHtml, watch, '[data-map="diff"] svg g.tile');
    expect(watch.errors).toEqual([]);
    expect(cgo.startup.a.verdict).toBe('fail');
    expect(await page.locator('[data-field="startup.a"]').getAttribute('data-verdict')).toBe('fail');
    expect(await page.locator('[data-field="startup.b"]').getAttribute('data-verdict')).toBe(cgo.startup.b.verdict);
    expect(await page.locator('td[data-startup="a"] li').allInnerTexts()).toEqual(cgo.startup.a.failures);
    const gb = cgo.goBinaries.find((g) => g.key === '/greeter' || g.key === 'greeter');
    expect(gb?.levers).toContain('strip-symbols');
    const top = await mapState(page, 'diff');
    expect(grewShrank(top).grew - grewShrank(top).shrank).toBe((await mapState(page, 'b')).bytes - (await mapState(page, 'a')).bytes);
    // /greeter's change in the map (what shrank there minus what grew, whether it is drawn as one file
    // or, when both images carry its size tree, down to its sections) is the JSON's Go binary change.
    const greeterIn = async (group: 'grew' | 'shrank'): Promise<number> => {
      const tile = page.locator(`[data-map="diff"] g.tile[aria-label^="${group}: "]`);
      if ((await tile.count()) === 0) return 0;
      await tile.click();
      const bytes = (await mapState(page, 'diff')).drawn.find((t) => t.label.startsWith('greeter: '))?.bytes ?? 0;
      if (group === 'shrank') await page.screenshot({ path: join(ARTIFACTS, 'compare-cgo-shrank.png') });
      await page.keyboard.press('Escape');
      return bytes;
    };
    const shrank = await greeterIn('shrank');
    const grew = await greeterIn('grew');
    expect(shrank).toBeGreaterThan(0);
    expect(grew - shrank).toBe(gb?.delta);
    expect(await mapState(page, 'diff')).toEqual(top);
    // Both images carry /greeter's size tree, so what shrank in it is named down to its sections.
    await page.locator('[data-map="diff"] g.tile[aria-label^="shrank: "]').click();
    await page.locator('[data-map="diff"] g.tile[aria-label^="greeter: "]').click();
    const inGreeter = await mapState(page, 'diff');
    expect(inGreeter.path).toBe('/greeter');
    expectProportional(inGreeter);
    expect(inGreeter.drawn.map((t) => t.label).some((l) => l.startsWith('symbols and DWARF (-s -w removes): '))).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'compare-cgo-greeter.png') });
    await page.close();
  }, 120_000);

  it('a crossed budget is on the page, line for line as the JSON says', async () => {
    const page = await openReport(browser, grownHtml, { errors: [], requests: [] }, '[data-map="diff"] svg g.tile');
    expect(grown.budgets.length).toBeGreaterThan(0);
    expect(await page.locator('ul.budgets li').allInnerTexts()).toEqual(grown.budgets);
    expect(await page.locator('[data-field="headline"]').innerText()).toBe(grown.headline);
    expect(grown.headline).toMatch(/^\+/);
    await page.close();
  }, 120_000);

  it('follows prefers-color-scheme and prints without its controls', async () => {
    const page = await openReport(browser, imgHtml, { errors: [], requests: [] }, '[data-map="diff"] svg g.tile');
    const bg = (): Promise<string> => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await bg()).toBe('rgb(21, 23, 27)');
    await page.screenshot({ path: join(ARTIFACTS, 'compare-images-dark.png'), fullPage: true });
    await page.emulateMedia({ media: 'print', colorScheme: 'light' });
    expect(await bg()).toBe('rgb(255, 255, 255)');
    expect(await page.locator('.toolbar').first().isVisible()).toBe(false);
    for (const m of ['a', 'b', 'diff']) expect(await page.locator(`[data-map="${m}"] .treemap svg`).isVisible()).toBe(true);
    await page.pdf({ path: join(ARTIFACTS, 'compare-images-print.pdf') });
    await page.close();
  }, 120_000);

  it('writes the same page to stdout as to --output; --json with --format html is a usage error', () => {
    const r = goslim('compare', join(work, 'fat.json'), join(work, 'slim.json'), '--format', 'html');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(readFileSync(savedHtml, 'utf8'));
    const both = goslim('compare', join(work, 'fat.json'), join(work, 'slim.json'), '--format', 'html', '--json');
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('E_USAGE');
  });
});
