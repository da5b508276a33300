/**
 * The frame of every HTML report (issue 13): one self-contained file. Styles, the page script
 * (src/report/html/page.js, read once from next to this module) and the data are inlined; the
 * page makes no request (Content-Security-Policy forbids any), so it opens from file://.
 */
import { readFileSync } from 'node:fs';
import { InternalError } from '../../errors.js';
import { PAGE_CSS } from './style.js';

let pageScript: string | undefined;

/** The page script, as shipped next to this module (dist/report/html/page.js in the package). */
export function pageScriptSource(): string {
  if (pageScript === undefined) {
    try {
      pageScript = readFileSync(new URL('./page.js', import.meta.url), 'utf8');
    } catch (err) {
      throw new InternalError(`the HTML report's page script is missing next to ${import.meta.url}: ${(err as Error).message}`);
    }
  }
  return pageScript;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/**
 * JSON that is safe inside a <script> element: no "<" (so no "</script>" or "<!--"), no ">",
 * no "&", and no U+2028/U+2029 (line terminators in older JS parsers). JSON.parse reads the
 * \uXXXX escapes back to the same characters.
 */
export function jsonForScript(data: unknown): string {
  return JSON.stringify(data).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The same for the page script itself: it must not close its own element. */
function scriptForInline(source: string): string {
  return source.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

export interface PageParts {
  title: string;
  /** Server-rendered HTML of the body (escaped by the caller). */
  body: string;
  /** The data the page script reads (the treemap). */
  data: unknown;
}

const CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

export function renderPage(parts: PageParts): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${CSP}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light dark">',
    `<title>${escapeHtml(parts.title)}</title>`,
    `<style>${PAGE_CSS}</style>`,
    '</head>',
    '<body>',
    parts.body,
    `<script type="application/json" id="goslim-data">${jsonForScript(parts.data)}</script>`,
    `<script>${scriptForInline(pageScriptSource())}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
