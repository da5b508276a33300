/**
 * `--format html` in a real browser (issue 13): Debian's chromium driven by playwright-core opens
 * the fat fixture image's report and a Go binary's report from file://, and checks that the page
 * makes no request, logs no error, zooms (click, Enter, Escape, breadcrumb), switches colours,
 * themes and print layout, and shows the JSON report's numbers. Screenshots go to
 * test/.work/artifacts/html/.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { InspectReport } from '../../src/analysis/inspect.js';
import type { BinaryReport } from '../../src/binary/types.js';
import { buildFixtures, HELLO } from '../fixtures/go/build-fixtures.js';
import { launchChromium, openReport, reportFields, type BrowserHandle, type PageWatch } from '../helpers/browser.js';
import { ensureFixtureImages, REPO_ROOT } from '../helpers/images.js';
import { FIXTURE_TOOLS, describeWithTools } from '../helpers/tools.js';

const ARTIFACTS = join(REPO_ROOT, 'test', '.work', 'artifacts', 'html');

function goslim(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/goslim.js'), ...args], { encoding: 'utf8', timeout: 300_000, maxBuffer: 256 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

type Watch = PageWatch;

/** Opens a report page (every request but the file aborted) once its treemap is drawn. */
function open(browser: BrowserHandle, file: string, watch: Watch): Promise<Page> {
  return openReport(browser, file, watch);
}

async function svgState(page: Page): Promise<{ path: string; tiles: number; drawn: number; bytes: number; crumbs: string }> {
  const svg = page.locator('#treemap svg');
  return {
    path: (await svg.getAttribute('data-path')) ?? '',
    tiles: Number(await svg.getAttribute('data-tiles')),
    drawn: await page.locator('#treemap svg g.tile').count(),
    bytes: Number(await svg.getAttribute('data-bytes')),
    crumbs: await page.locator('#crumbs').innerText(),
  };
}

const fields = reportFields;

describeWithTools([...FIXTURE_TOOLS, 'dist', 'chromium'], 'the HTML report in a real browser', () => {
  let work: string;
  let browser: BrowserHandle;
  let fatHtml: string;
  let fat: InspectReport;
  let binHtml: string;
  let bin: BinaryReport;

  beforeAll(async () => {
    const fx = await ensureFixtureImages();
    work = mkdtempSync(join(tmpdir(), 'goslim-html-e2e-'));
    mkdirSync(ARTIFACTS, { recursive: true });
    const ref = `oci:${fx.images['fat-greeter'].oci}`;
    fatHtml = join(work, 'fat.html');
    const h = goslim('inspect', ref, '--format', 'html', '--output', fatHtml);
    expect(h.code, h.stderr).toBe(0);
    expect(h.stdout).toBe('');
    const j = goslim('inspect', ref, '--json');
    expect(j.code, j.stderr).toBe(0);
    fat = JSON.parse(j.stdout) as InspectReport;
    const exe = (await buildFixtures([HELLO('default')])).get('hello.default') as string;
    binHtml = join(work, 'hello.html');
    expect(goslim('binary', exe, '--format', 'html', '--output', binHtml).code).toBe(0);
    bin = JSON.parse(goslim('binary', exe, '--json').stdout) as BinaryReport;
    browser = await launchChromium();
  }, 900_000);

  afterAll(async () => {
    await browser?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('the fat image report is one file under 2 MB that makes no request and logs no error', async () => {
    expect(statSync(fatHtml).size).toBeLessThan(2 * 1024 * 1024);
    const watch: Watch = { errors: [], requests: [] };
    const page = await open(browser, fatHtml, watch);
    await page.screenshot({ path: join(ARTIFACTS, 'fat-light.png'), fullPage: true });
    expect(watch.errors).toEqual([]);
    expect(watch.requests).toEqual([pathToFileURL(fatHtml).href]);
    await page.close();
  }, 120_000);

  it('shows the JSON report\'s numbers', async () => {
    const page = await open(browser, fatHtml, { errors: [], requests: [] });
    const f = await fields(page);
    expect(f.get('image.size')).toBe(fat.image.size);
    expect(f.get('image.compressedSize')).toBe(fat.image.compressedSize);
    expect(f.get('image.fileBytes')).toBe(fat.image.fileBytes);
    expect(f.get('wasted.bytes')).toBe(fat.wasted.bytes);
    expect(f.get('estimate.size')).toBe(fat.estimate.size);
    for (const c of fat.causes.filter((x) => x.bytes > 0)) expect(f.get(`cause.${c.id}`), c.id).toBe(c.bytes);
    for (const l of fat.layers) {
      expect(f.get(`layer.${l.number}.size`)).toBe(l.size);
      expect(f.get(`layer.${l.number}.added`)).toBe(l.added);
      expect(f.get(`layer.${l.number}.modified`)).toBe(l.modified);
      expect(f.get(`layer.${l.number}.deletedBytes`)).toBe(l.deletedBytes);
    }
    for (const l of fat.levers) expect(f.get(`lever.${l.id}`), l.id).toBe(l.bytes);
    expect(Number(await page.locator('[data-field="image.files"]').getAttribute('data-count'))).toBe(fat.image.files);
    // The treemap's root is every file byte plus the hidden ones, summed by the page from its tree.
    expect((await svgState(page)).bytes).toBe(fat.image.fileBytes + fat.wasted.bytes);
    // Full instruction text of every layer, not cut.
    const instructions = await page.$$eval('tr.layer-row pre', (els) => els.map((e) => e.textContent));
    expect(instructions).toEqual(fat.layers.map((l) => l.createdBy ?? '(no history entry)'));
    // The page says that small files are drawn together, and below which size.
    expect(await page.locator('p.note', { hasText: /Files under \S+ \S+ \([\d,]+ files, .*\) are drawn together as "N small files" tiles/ }).count()).toBe(1);
    // The start verdict and each check.
    expect(await page.locator('tr[data-check]').count()).toBe(fat.startup.checks.length);
    await page.close();
  }, 120_000);

  it('zooms into a directory on click and back out with Escape and the breadcrumb', async () => {
    const page = await open(browser, fatHtml, { errors: [], requests: [] });
    const top = await svgState(page);
    expect(top.path).toBe('/');
    expect(top.crumbs).toMatch(/^image \(/);
    expect(top.drawn).toBe(top.tiles);
    const usr = page.locator('#treemap g.tile[data-kind="dir"]').first();
    const label = (await usr.getAttribute('aria-label')) ?? '';
    expect(label).toMatch(/^usr: /);
    await usr.click();
    const inUsr = await svgState(page);
    expect(inUsr.path).toBe('/usr');
    expect(inUsr.crumbs).toMatch(/^image\s*\/\s*usr \(/);
    expect(inUsr.tiles).not.toBe(top.tiles);
    expect(inUsr.drawn).toBe(inUsr.tiles);
    await page.screenshot({ path: join(ARTIFACTS, 'fat-zoom-usr.png') });
    // Enter on a focused tile zooms further; Escape goes back one level at a time.
    const lib = page.locator('#treemap g.tile[data-kind="dir"]').first();
    await lib.focus();
    expect(await page.locator('#details').innerText()).toMatch(/^\/usr\/\S+/);
    await page.keyboard.press('Enter');
    const deeper = await svgState(page);
    expect(deeper.path.startsWith('/usr/')).toBe(true);
    await page.keyboard.press('Escape');
    expect((await svgState(page)).path).toBe('/usr');
    await page.keyboard.press('Escape');
    const back = await svgState(page);
    expect(back).toEqual(top);
    // The breadcrumb zooms out too.
    await usr.click();
    await page.locator('#crumbs button[data-depth="0"]').click();
    expect(await svgState(page)).toEqual(top);
    await page.close();
  }, 120_000);

  it('is reachable by keyboard: Tab lands on a tile, Enter zooms', async () => {
    const page = await open(browser, fatHtml, { errors: [], requests: [] });
    let onTile = false;
    for (let i = 0; i < 40 && !onTile; i++) {
      await page.keyboard.press('Tab');
      onTile = await page.evaluate(() => document.activeElement?.matches('#treemap g.tile') ?? false);
    }
    expect(onTile).toBe(true);
    await page.keyboard.press('Enter');
    expect((await svgState(page)).path).not.toBe('/');
    await page.close();
  }, 120_000);

  it('hover shows path, size, cause, OS package and layer; colours switch to layers; a layer highlights its files', async () => {
    const page = await open(browser, fatHtml, { errors: [], requests: [] });
    // A file owned by a Debian package: the largest file under /usr/lib, by hover on its tile.
    await page.locator('#treemap g.tile[data-kind="dir"]').first().click();
    await page.locator('#treemap g.tile[data-kind="dir"]').first().click();
    const details = page.locator('#details');
    const rects = page.locator('#treemap g.tile rect[data-j]');
    await rects.first().hover();
    expect(await details.innerText()).toMatch(/cause: /);
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');
    const fillsBefore = await page.$$eval('#treemap rect[fill]', (els) => els.map((e) => e.getAttribute('fill')).join());
    await page.locator('button[data-colour="layer"]').click();
    expect(await page.locator('#legend-layer').isVisible()).toBe(true);
    expect(await page.locator('#legend-cause').isVisible()).toBe(false);
    const fillsAfter = await page.$$eval('#treemap rect[fill]', (els) => els.map((e) => e.getAttribute('fill')).join());
    expect(fillsAfter).not.toBe(fillsBefore);
    await page.screenshot({ path: join(ARTIFACTS, 'fat-by-layer.png') });
    const last = fat.layers[fat.layers.length - 1]!;
    await page.locator(`button.highlight-layer[data-layer="${last.number}"]`).click();
    expect(await page.locator(`tr.layer-row.active[data-layer="${last.number}"]`).count()).toBe(1);
    expect(await page.locator('#treemap .dim').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(ARTIFACTS, 'fat-layer-highlight.png') });
    await page.close();
  }, 120_000);

  it('a Go binary in the image zooms into its sections, modules and packages', async () => {
    const page = await open(browser, fatHtml, { errors: [], requests: [] });
    const app = fat.goBinaries.find((b) => b.package === undefined)!;
    for (const name of app.path.split('/').filter((part) => part !== '')) {
      await page.locator(`#treemap g.tile[aria-label^=${JSON.stringify(`${name}: `)}]`).click();
    }
    const inApp = await svgState(page);
    expect(inApp.path).toBe(app.path);
    expect(inApp.bytes).toBe(app.size);
    await page.locator('#treemap g.tile[aria-label^="code (.text)"]').click();
    const labels = await page.$$eval('#treemap g.tile', (els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
    expect(labels.some((l) => l.startsWith('std (Go standard library)'))).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'fat-go-binary-code.png') });
    await page.close();
  }, 120_000);

  it('follows prefers-color-scheme and prints without its controls', async () => {
    const page = await open(browser, fatHtml, { errors: [], requests: [] });
    const bg = (): Promise<string> => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await page.emulateMedia({ colorScheme: 'light' });
    expect(await bg()).toBe('rgb(255, 255, 255)');
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await bg()).toBe('rgb(21, 23, 27)');
    await page.screenshot({ path: join(ARTIFACTS, 'fat-dark.png'), fullPage: true });
    await page.emulateMedia({ media: 'print', colorScheme: 'light' });
    expect(await page.locator('.toolbar').isVisible()).toBe(false);
    expect(await page.locator('#treemap svg').isVisible()).toBe(true);
    await page.pdf({ path: join(ARTIFACTS, 'fat-print.pdf') });
    await page.close();
  }, 120_000);

  it('a Go binary: module -> package treemap whose tiles add up to the file, build info, levers', async () => {
    const watch: Watch = { errors: [], requests: [] };
    const page = await open(browser, binHtml, watch);
    expect(watch.errors).toEqual([]);
    expect(watch.requests).toEqual([pathToFileURL(binHtml).href]);
    const f = await fields(page);
    expect(f.get('size')).toBe(bin.size);
    expect(f.get('strip.total')).toBe(bin.strip.total);
    expect(f.get('code.attributed')).toBe(bin.code.attributed);
    expect((await svgState(page)).bytes).toBe(bin.size);
    for (const l of bin.findings) expect(f.get(`lever.${l.lever}`), l.lever).toBe(l.bytes);
    expect(await page.locator('#build-info + table').innerText()).toContain(bin.go?.version ?? 'no go version');
    await page.locator('#treemap g.tile[aria-label^="code (.text)"]').click();
    const code = await svgState(page);
    expect(code.crumbs).toContain('code (.text)');
    const labels = await page.$$eval('#treemap g.tile', (els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
    expect(labels.some((l) => l.startsWith('std (Go standard library)'))).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'hello-code.png') });
    await page.close();
  }, 120_000);

  it('writes the same page to stdout as to --output', () => {
    const exe = bin.path as string;
    const r = goslim('binary', exe, '--format', 'html');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(readFileSync(binHtml, 'utf8'));
    const both = goslim('binary', exe, '--format', 'html', '--json');
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('E_USAGE');
  });
});
