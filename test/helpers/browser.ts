/**
 * A real browser for the HTML report tests and benchmark: Debian's chromium (scripts/install-deps.sh)
 * driven by playwright-core, which downloads nothing. Fresh profile per launch (mkdtemp), no
 * background networking, no sync, no component updates: the only request a page may make is
 * the file it was opened from, which the tests check.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface BrowserHandle {
  context: BrowserContext;
  close: () => Promise<void>;
}

export async function launchChromium(): Promise<BrowserHandle> {
  const profile = mkdtempSync(join(tmpdir(), 'goslim-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
    timeout: 60_000,
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** What a page did that a self-contained report must not: console errors and warnings, page errors, requests. */
export interface PageWatch {
  errors: string[];
  requests: string[];
}

/**
 * Opens `file` from file:// in a new page of `browser`, recording console errors and warnings,
 * page errors and every request into `watch`; every request but the file itself is aborted.
 * Waits for `ready` (a drawn treemap tile by default).
 */
export async function openReport(browser: BrowserHandle, file: string, watch: PageWatch, ready = '#treemap svg g.tile'): Promise<Page> {
  const url = pathToFileURL(file).href;
  const page = await browser.context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') watch.errors.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => watch.errors.push(`pageerror: ${e.message}`));
  page.on('request', (r) => watch.requests.push(r.url()));
  await page.route('**/*', (route) => (route.request().url() === url ? route.continue() : route.abort()));
  await page.goto(url);
  await page.waitForSelector(ready);
  return page;
}

/** Every `[data-field][data-bytes]` of a report page, as field -> bytes. */
export async function reportFields(page: Page): Promise<Map<string, number>> {
  const pairs = await page.$$eval('[data-field][data-bytes]', (els) => els.map((e) => [e.getAttribute('data-field') ?? '', Number(e.getAttribute('data-bytes'))] as [string, number]));
  return new Map(pairs);
}
