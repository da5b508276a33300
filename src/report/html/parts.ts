/** Pieces shared by the HTML reports: numbers, levers, colours. All text is escaped here. */
import { formatBytes, formatPercent } from '../../util/units.js';
import { leverDoc, type LeverId } from '../../vocabulary/levers.js';
import { escapeHtml } from './page-shell.js';

/** A byte figure: the human text, with the exact count in data-bytes and the title. */
export function bytesCell(n: number, field?: string): string {
  const f = field !== undefined ? ` data-field="${escapeHtml(field)}"` : '';
  return `<span class="bytes"${f} data-bytes="${n}" title="${n.toLocaleString('en-US')} bytes">${escapeHtml(formatBytes(n))}</span>`;
}

export function fact(label: string, valueHtml: string): string {
  return `<div class="fact"><span class="muted">${escapeHtml(label)}</span><span class="v">${valueHtml}</span></div>`;
}

export function percent(fraction: number): string {
  return escapeHtml(formatPercent(fraction));
}

export interface LeverView {
  id: LeverId;
  bytes: number;
  estimated?: boolean;
  /** This image's or binary's title (numbers included). */
  title: string;
  verdict?: string;
}

/** A lever with the explanation text from src/vocabulary/levers.ts. */
export function leverBlock(l: LeverView, rank: number): string {
  const doc = leverDoc(l.id);
  const row = (k: string, v: string): string => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`;
  return [
    `<article class="lever" data-lever="${escapeHtml(l.id)}">`,
    `<h3>${rank}. ${escapeHtml(doc.title)} <span class="muted">(${escapeHtml(l.id)})</span>: ${l.estimated === true ? '~' : ''}${bytesCell(l.bytes, `lever.${l.id}`)}</h3>`,
    `<p>${escapeHtml(l.title)}</p>`,
    l.verdict !== undefined ? `<p class="status-fail">${escapeHtml(l.verdict)}</p>` : '',
    '<dl>',
    row('Removes', doc.removes),
    row('You lose', doc.lose),
    row('Still works', doc.keep),
    row('Fix', doc.fix),
    row('Check', doc.check),
    `<dt>More</dt><dd><code>goslim explain ${escapeHtml(l.id)}</code></dd>`,
    '</dl>',
    '</article>',
  ].join('\n');
}

/** Colours for the cause legend and tiles (CAUSE_IDS order), readable on light and dark. */
export const CAUSE_COLORS: readonly string[] = [
  '#e4572e', '#f3a712', '#c9a227', '#a8c256', '#2e86ab', '#7d5ba6', '#d1495b',
  '#66a182', '#edae49', '#00798c', '#9aa5b1', '#b07aa1', '#c7c7c7',
];

/** A distinct colour per layer (golden-angle hues). */
export function layerColor(index: number): string {
  const hue = Math.round((index * 137.508) % 360);
  return `hsl(${hue} 62% 58%)`;
}

export function swatch(color: string): string {
  return `<span class="swatch" style="background:${escapeHtml(color)}"></span>`;
}

export const NOSCRIPT = '<noscript><p class="noscript">The treemap needs JavaScript; every figure below is plain HTML.</p></noscript>';

/**
 * A treemap's controls and drawing area, in a `[data-map]` element the page script fills (it
 * builds the map named `map`: "main" on the inspect and binary pages, "a", "b" and "diff" on the
 * compare page). The main map's elements keep the ids `treemap`, `crumbs` and `details`; the
 * others get the map's name as a suffix (`treemap-a`).
 */
export function treemapSection(opts: { legends: string; note: string; colourBy: Array<{ id: string; label: string }>; map?: string; heading?: string }): string {
  const map = opts.map ?? 'main';
  const id = (base: string): string => (map === 'main' ? base : `${base}-${map}`);
  const toggles = opts.colourBy
    .map((c, i) => `<button type="button" data-colour="${escapeHtml(c.id)}" aria-pressed="${i === 0 ? 'true' : 'false'}">${escapeHtml(c.label)}</button>`)
    .join(' ');
  return [
    `<div class="map" data-map="${escapeHtml(map)}">`,
    opts.heading ?? '',
    NOSCRIPT,
    `<div class="toolbar" role="toolbar" aria-label="treemap">${opts.colourBy.length > 1 ? `<span>Colour by</span> ${toggles}` : ''}` +
      `<button type="button" class="zoom-out" id="${id('zoom-out')}" title="Escape">Zoom out</button></div>`,
    `<nav class="crumbs" id="${id('crumbs')}" aria-label="Where you are in the treemap"></nav>`,
    `<div class="treemap" id="${id('treemap')}"></div>`,
    `<div class="details" id="${id('details')}" aria-live="polite"><span class="muted">Hover or focus a tile (Tab) for its path, size and cause; Enter or click zooms into a directory, Escape zooms out.</span></div>`,
    opts.legends,
    opts.note !== '' ? `<p class="note">${opts.note}</p>` : '',
    '</div>',
  ].join('\n');
}
