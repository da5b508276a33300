#!/usr/bin/env node
// The HTML report (issue 13) in a real browser, run by `npm run bench` after `npm run build`.
//
// 1. A generated image of 100,000 small files (one layer, OCI layout written by goslim's own
//    test image writer into a mkdtemp dir, 1,000 directories of 100 files of 64 B .. 4 KiB):
//    inspect --format html's page size (target < 10 MB), then Debian's chromium (playwright-core,
//    no browser download) opens it from file:// and we read the time from navigation start to
//    the page's first treemap render (its `goslim-first-render` performance mark) and the page's
//    JS heap after it (CDP Runtime.getHeapUsage). Targets: < 2 s and < 200 MB.
// 2. The fat fixture image (26k files) the same way, when the fixture images are built.
// 3. compare --format html (issue 13's compare page): the fat fixture against the four-lever one,
//    and the generated image against the fat one (two trees, 126k files, and the change map the
//    page computes from them before its first render). Same targets: < 2 MB for the fixtures'
//    page, < 10 MB with the 100k-file image, first render < 2 s, heap < 200 MB.
//
// Floor, measured in the same run: a page of the same bytes whose script only JSON.parses the
// same data and writes one element (what loading and parsing that much data costs at least);
// the ratio is first render / floor. Each page is opened RUNS times in a fresh tab; the best
// time and the highest heap are kept (the machine is shared). Not a timed test: figures only.
//
//   node bench/html.bench.js [--runs N] [--files N]
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const here = new URL('.', import.meta.url).pathname;
const root = join(here, '..');
const dist = (p) => join(root, 'dist', p);
const arg = (name, dflt) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : dflt);
const RUNS = arg('--runs', 3);
const FILES = arg('--files', 100_000);
const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;

if (!existsSync(dist('report/html/page.js'))) {
  console.error('bench/html: dist/ is missing; run `npm run build` first (npm run bench does)');
  process.exit(1);
}
if (!existsSync(CHROMIUM)) {
  console.error('bench/html: /usr/bin/chromium is missing (Debian package chromium; scripts/install-deps.sh installs it)');
  process.exit(1);
}
const { chromium } = await import('playwright-core');
const { inspectImageRef } = await import(dist('analysis/inspect.js'));
const { renderInspectHtml, renderCompareHtml } = await import(dist('report/html/index.js'));
const { compareImages } = await import(dist('compare/images.js'));
const { DEFAULT_COST_MODEL } = await import(dist('analysis/cost.js'));
const { buildTestImage, file } = await import(dist('image/testing/index.js'));

/** The compare page of two inspect reports (with their trees), as `goslim compare --format html` writes it. */
function comparePage(a, b, names) {
  const side = (input) => ({ input, source: 'image' });
  const report = compareImages(a, b, { a: side(names[0]), b: side(names[1]) }, { cost: { ...DEFAULT_COST_MODEL }, costDefaults: { bandwidth: true, nodes: true, keptTags: true } });
  const html = renderCompareHtml({ report, budgets: [], a, b });
  if (!html.includes('data-map="a"') || !html.includes('data-map="b"')) throw new Error('bench/html: the compare page has no A and B maps');
  return html;
}

const work = mkdtempSync(join(tmpdir(), 'goslim-html-bench-'));
const profile = mkdtempSync(join(tmpdir(), 'goslim-html-bench-chromium-'));
let context;
try {
  // ------------------------------------------------------------ the pages
  const pages = [];
  let smallFiles;
  {
    const entries = [];
    for (let i = 0; i < FILES; i++) entries.push(file(`srv/data/d${String(i % 1000).padStart(4, '0')}/f${i}.txt`, 64 + ((i * 7919) % 4033), { seed: i + 1 }));
    const t0 = performance.now();
    const built = await buildTestImage({ layers: [{ entries, compression: 'none', createdBy: `COPY data/ /srv/data/  # ${FILES} small files` }] }, { dir: work, format: 'oci' });
    const t1 = performance.now();
    const report = await inspectImageRef(built.reference, { fileTree: true });
    smallFiles = report;
    const html = renderInspectHtml(report);
    const t2 = performance.now();
    const path = join(work, 'small-files.html');
    writeFileSync(path, html);
    console.log(`generated image: ${report.image.files} files, ${mb(report.image.size)} (written in ${((t1 - t0) / 1000).toFixed(1)} s); inspect + render ${((t2 - t1) / 1000).toFixed(1)} s`);
    console.log(`  tree: ${report.tree.smallFiles.files} files under ${report.tree.smallFileBytes} B drawn as "small files" tiles`);
    pages.push({ name: `${FILES / 1000}k small files`, path, sizeTarget: 10e6 });
  }
  const fixtures = process.env.GOSLIM_FIXTURE_DIR ?? join(root, 'test', '.work', 'images');
  if (existsSync(join(fixtures, 'images.json'))) {
    const images = JSON.parse(readFileSync(join(fixtures, 'images.json'), 'utf8')).images;
    const fat = await inspectImageRef(`oci:${join(fixtures, images['fat-greeter'].paths.oci)}`, { fileTree: true });
    const path = join(work, 'fat.html');
    writeFileSync(path, renderInspectHtml(fat));
    pages.push({ name: 'fat fixture (26k files)', path, sizeTarget: 2e6 });
    const slim = await inspectImageRef(`oci:${join(fixtures, images['slim-four-levers'].paths.oci)}`, { fileTree: true });
    const cmp = join(work, 'compare-fat-slim.html');
    writeFileSync(cmp, comparePage(fat, slim, ['fat-greeter', 'slim-four-levers']));
    pages.push({ name: 'compare fat -> slim', path: cmp, sizeTarget: 2e6 });
    const big = join(work, 'compare-100k-fat.html');
    writeFileSync(big, comparePage(smallFiles, fat, ['100k small files', 'fat-greeter']));
    pages.push({ name: `compare ${FILES / 1000}k -> fat`, path: big, sizeTarget: 10e6 });
  } else {
    console.log('(fixture images not built: the fat image and compare rows are left out; bash test/fixtures/images/make-images.sh test/.work/images)');
  }
  // The floor for each page: same data, a script that only parses it.
  for (const p of pages) {
    const html = readFileSync(p.path, 'utf8');
    const data = /<script type="application\/json" id="goslim-data">[\s\S]*?<\/script>/.exec(html)[0];
    const floor = html.slice(0, html.indexOf('<script type="application/json"')) + data +
      `<script>JSON.parse(document.getElementById('goslim-data').textContent); document.body.append(document.createElement('div')); performance.mark('goslim-first-render');</script></body></html>`;
    p.floor = join(work, `${p.name.replace(/\W+/g, '-')}.floor.html`);
    writeFileSync(p.floor, floor);
  }

  // ------------------------------------------------------------ the browser
  context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 900 } });
  async function measure(path) {
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(pathToFileURL(path).href, { waitUntil: 'load', timeout: 120_000 });
    await page.waitForFunction(() => performance.getEntriesByName('goslim-first-render').length > 0, undefined, { timeout: 120_000 });
    const ms = await page.evaluate(() => performance.getEntriesByName('goslim-first-render')[0].startTime);
    const cdp = await context.newCDPSession(page);
    await cdp.send('HeapProfiler.collectGarbage');
    const heap = await cdp.send('Runtime.getHeapUsage');
    const tiles = await page.evaluate(() => document.querySelectorAll('[data-map] .treemap g.tile').length);
    await cdp.detach();
    await page.close();
    if (errors.length > 0) throw new Error(`page errors in ${path}: ${errors.join('; ')}`);
    return { ms, heap: heap.usedSize, tiles };
  }

  console.log('');
  console.log('page                       size        first render   floor      ratio   JS heap     tiles');
  for (const p of pages) {
    let best = Infinity;
    let floorBest = Infinity;
    let heap = 0;
    let tiles = 0;
    for (let i = 0; i < RUNS; i++) {
      const f = await measure(p.floor);
      floorBest = Math.min(floorBest, f.ms);
      const m = await measure(p.path);
      best = Math.min(best, m.ms);
      heap = Math.max(heap, m.heap);
      tiles = m.tiles;
    }
    const size = statSync(p.path).size;
    console.log(
      `${p.name.padEnd(26)} ${mb(size).padStart(9)}   ${`${best.toFixed(0)} ms`.padStart(10)}   ${`${floorBest.toFixed(0)} ms`.padStart(8)}   ${`${(best / floorBest).toFixed(2)}x`.padStart(6)}   ${mb(heap).padStart(9)}   ${String(tiles).padStart(5)}`,
    );
    console.log(
      `  targets: size < ${mb(p.sizeTarget)} ${size < p.sizeTarget ? 'ok' : 'MISSED'}; first render < 2000 ms ${best < 2000 ? 'ok' : 'MISSED'}; heap < 200 MB ${heap < 200e6 ? 'ok' : 'MISSED'}`,
    );
  }
} finally {
  await context?.close();
  rmSync(work, { recursive: true, force: true });
  rmSync(profile, { recursive: true, force: true });
}
