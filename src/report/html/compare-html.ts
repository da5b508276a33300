/**
 * `goslim compare --format html`: a comparison as one self-contained page (issues 13 and 14).
 * Input: the comparison (the JSON contract of `compare --format json`), the lines of the budgets
 * it crossed, and, when a side was read now rather than from a saved report, that side's own
 * report, whose file tree (an image) or size tree (a Go binary) the page draws: A and B side by
 * side and the change between them (grew / shrank, area = the bytes each file or package changed
 * by), computed by the page script from the two trees. Without both trees (a saved `--json`
 * report carries one only when saved with `inspect --json --tree`) the change map is drawn from
 * what the comparison holds (per cause for images, per module and package for binaries), and the
 * page says so.
 */
import { formatBandwidth, formatDuration, describeCostModel } from '../../analysis/cost.js';
import { sizeTree, sizeTreeBytes, type SizeNode } from '../../binary/size-tree.js';
import type { BinaryReport } from '../../binary/types.js';
import { moduleOf } from '../../compare/binaries.js';
import { formatDelta } from '../../compare/headline.js';
import type { BinaryInput } from '../../compare/binaries.js';
import type { InspectInput } from '../../compare/images.js';
import type { BinaryComparison, Change, CompareReport, ImageComparison, SizePair, StartVerdict } from '../../compare/types.js';
import { formatBytes, formatPercent } from '../../util/units.js';
import { CAUSE_IDS, causeDoc, type CauseId } from '../../vocabulary/causes.js';
import { leverDoc, type LeverId } from '../../vocabulary/levers.js';
import { BINARY_KEYS } from './binary-html.js';
import { causeColor, imagePageData, type ImagePageData } from './inspect-html.js';
import { escapeHtml, renderPage } from './page-shell.js';
import { bytesCell, fact, leverBlock, swatch, treemapSection } from './parts.js';

/** The colours of the change map. */
export const DIFF_KEYS = {
  grew: { title: 'Grew (B has more bytes here)', color: '#e4572e' },
  shrank: { title: 'Shrank (B has fewer bytes here)', color: '#2e86ab' },
} as const;

type ImageSidePage = { kind: 'image' } & Pick<ImagePageData, 'tree' | 'layers' | 'wasted' | 'binaries'>;
type BinarySidePage = { kind: 'binary'; root: SizeNode };

/** What the page script reads for a comparison. */
export interface ComparePageData {
  kind: 'compare';
  subject: 'image' | 'binary';
  causes: ImagePageData['causes'];
  binaryKeys: typeof BINARY_KEYS;
  diffKeys: typeof DIFF_KEYS;
  /** Each side's tree, when the side was read now (null for a saved report or a tree that does not add up). */
  sides: { a: ImageSidePage | BinarySidePage | null; b: ImageSidePage | BinarySidePage | null };
  /** The change map drawn from the comparison alone, when a side has no tree. */
  changes: SizeNode<string> | null;
}

/**
 * The comparison (compareInputsWithSides's answer, or the parts of it) and the budgets it crossed.
 * `a` and `b` are the sides' own reports; an image's carries the tree the page draws when it was
 * read now or saved with `inspect --json --tree`.
 */
export type CompareHtmlInput = { budgets: string[] } & (
  | { report: ImageComparison; a?: InspectInput; b?: InspectInput }
  | { report: BinaryComparison; a?: BinaryInput; b?: BinaryInput }
);

function imageSide(r: InspectInput | undefined): ImageSidePage | null {
  // An image read now has its file tree; a saved report only when saved with `inspect --json --tree`.
  if (r === undefined || r.tree === undefined || r.wasted === undefined) return null;
  const d = imagePageData(r);
  return { kind: 'image', tree: d.tree, layers: d.layers, wasted: d.wasted, binaries: d.binaries };
}

function binarySide(side: BinaryInput | undefined): BinarySidePage | null {
  if (side === undefined) return null;
  const r = side as Partial<BinaryReport> & BinaryInput;
  // An executable read now has everything the size tree needs; a saved report when it has its layout.
  if (r.layout === undefined || (r as BinaryReport).trimpath.estimatedBytes === undefined) return null;
  const root = sizeTree(r as BinaryReport);
  return sizeTreeBytes(root) === r.size ? { kind: 'binary', root } : null;
}

/** Rows with a change, as a grew / shrank tree: `group(row)` names the level under each (null: none). */
function changeTree(rows: Change[], leaf: (c: Change) => string, group: (c: Change) => string | null): SizeNode<string> {
  const out: SizeNode<string> = { n: 'changes', d: [] };
  for (const g of ['grew', 'shrank'] as const) {
    const groups = new Map<string, SizeNode<string>>();
    const top: SizeNode<string> = { n: g, k: g, d: [] };
    for (const c of rows) {
      if (c.delta === 0 || (c.delta > 0) !== (g === 'grew')) continue;
      const node: SizeNode<string> = { n: leaf(c), b: Math.abs(c.delta), k: g, t: `A ${c.a === null ? 'absent' : formatBytes(c.a)} -> B ${c.b === null ? 'absent' : formatBytes(c.b)}` };
      const name = group(c);
      if (name === null) {
        top.d!.push(node);
        continue;
      }
      let parent = groups.get(name);
      if (parent === undefined) {
        parent = { n: name, k: g, d: [] };
        groups.set(name, parent);
        top.d!.push(parent);
      }
      parent.d!.push(node);
    }
    out.d!.push(top);
  }
  return out;
}

function comparePageData(input: CompareHtmlInput): ComparePageData {
  const r = input.report;
  const causes: ComparePageData['causes'] = {};
  for (const id of CAUSE_IDS) causes[id] = { title: causeDoc(id).title, color: causeColor(id) };
  const sides =
    input.report.subject === 'image'
      ? { a: imageSide(input.a as InspectInput | undefined), b: imageSide(input.b as InspectInput | undefined) }
      : { a: binarySide(input.a as BinaryInput | undefined), b: binarySide(input.b as BinaryInput | undefined) };
  let changes: SizeNode<string> | null = null;
  if (sides.a === null || sides.b === null) {
    if (r.subject === 'image') changes = changeTree(r.causes, (c) => causeDoc(c.key as CauseId).title, () => null);
    else {
      const mods = r.modules.map((m) => m.key);
      changes = changeTree(r.packages, (c) => c.key, (c) => moduleOf(c.key, mods, null));
    }
  }
  return { kind: 'compare', subject: r.subject, causes, binaryKeys: BINARY_KEYS, diffKeys: DIFF_KEYS, sides, changes };
}

// ---- pieces --------------------------------------------------------------------------------

function signedBytes(n: number, field?: string): string {
  const f = field !== undefined ? ` data-field="${escapeHtml(field)}"` : '';
  const text = n > 0 ? `+${formatBytes(n)}` : n === 0 ? 'same' : formatBytes(n);
  return `<span class="bytes ${n > 0 ? 'grew' : n < 0 ? 'shrank' : ''}"${f} data-bytes="${n}" title="${n.toLocaleString('en-US')} bytes">${escapeHtml(text)}</span>`;
}

function optBytes(n: number | null, field?: string): string {
  const f = field !== undefined ? ` data-field="${escapeHtml(field)}"` : '';
  return n === null ? `<span class="muted"${f} data-absent="true">absent</span>` : bytesCell(n, field);
}

function sideLabel(r: CompareReport, which: 'a' | 'b'): string {
  const s = r[which];
  const saved = s.source === 'inspect-report' || s.source === 'binary-report' ? ' <span class="muted">(saved report)</span>' : '';
  if (r.subject === 'image') {
    const i = (r as ImageComparison)[which];
    return `<span class="mono" data-field="${which}.input">${escapeHtml(s.input)}</span>${saved}<br><span class="muted mono">${escapeHtml(`${i.ref} ${i.digest} ${i.platform}`)}</span>`;
  }
  return `<span class="mono" data-field="${which}.input">${escapeHtml(s.input)}</span>${saved}`;
}

function pairFacts(label: string, p: SizePair, field: string): string {
  return [
    fact(`${label}, A`, bytesCell(p.a, `${field}.a`)),
    fact(`${label}, B`, bytesCell(p.b, `${field}.b`)),
    fact(`${label}, change`, `${signedBytes(p.delta, `${field}.delta`)}${p.fraction !== null && p.delta !== 0 ? ` <span class="muted">(${escapeHtml(`${p.delta > 0 ? '+' : ''}${formatPercent(p.fraction)}`)})</span>` : ''}`),
  ].join('\n');
}

/**
 * A table of changes with a bar per side (A grey, B in the accent colour), scaled to the largest
 * figure of the table; `field` names each row's cells (`cause.go-binary.a`, `.b`, `.delta`).
 */
function barsTable(rows: Change[], opts: { what: string; top: number; label: (c: Change) => string; field?: (c: Change) => string; all?: boolean }): string {
  const shown = (opts.all === true ? rows : rows.filter((c) => c.status !== 'same')).slice(0, opts.top);
  if (shown.length === 0) return '<p>No change.</p>';
  const max = Math.max(1, ...shown.map((c) => Math.max(c.a ?? 0, c.b ?? 0)));
  const pct = (n: number | null): string => `${(((n ?? 0) / max) * 100).toFixed(2)}%`;
  const body = shown.map((c) => {
    const f = opts.field?.(c);
    const tag = c.status === 'added' ? ' <span class="muted">(new in B)</span>' : c.status === 'removed' ? ' <span class="muted">(gone in B)</span>' : '';
    return (
      `<tr data-row="${escapeHtml(c.key)}"><td>${opts.label(c)}${tag}</td>` +
      `<td class="barcell"><div class="bar bar-a" style="width:${pct(c.a)}" title="A"></div><div class="bar bar-b" style="width:${pct(c.b)}" title="B"></div></td>` +
      `<td class="num">${optBytes(c.a, f !== undefined ? `${f}.a` : undefined)}</td><td class="num">${optBytes(c.b, f !== undefined ? `${f}.b` : undefined)}</td>` +
      `<td class="num">${signedBytes(c.delta, f !== undefined ? `${f}.delta` : undefined)}</td></tr>`
    );
  });
  const changed = rows.filter((c) => c.status !== 'same').length;
  return [
    `<table class="bars"><thead><tr><th>${escapeHtml(opts.what)}</th><th><span class="bar-key bar-a"></span> A <span class="bar-key bar-b"></span> B</th><th class="num">A</th><th class="num">B</th><th class="num">Change</th></tr></thead>`,
    `<tbody>${body.join('')}</tbody></table>`,
    changed > shown.length && opts.all !== true ? `<p class="note">${changed - shown.length} more changed rows in <code>--format json</code>.</p>` : '',
  ].join('\n');
}

function budgetsSection(budgets: string[]): string {
  if (budgets.length === 0) {
    return '<h2 id="budgets">Budgets</h2><p data-field="budgets" data-count="0">No budget crossed (budgets: <code>--max-growth</code>, <code>--fail-on-new-lever</code> or the config\'s <code>compare:</code> section).</p>';
  }
  return [
    '<h2 id="budgets">Budgets crossed</h2>',
    `<ul class="budgets" data-field="budgets" data-count="${budgets.length}">${budgets.map((b) => `<li class="status-fail">${escapeHtml(b)}</li>`).join('')}</ul>`,
    '<p class="note">goslim compare exits 1 when a budget is crossed.</p>',
  ].join('\n');
}

function verdictCell(v: StartVerdict, which: 'a' | 'b'): string {
  if (v.verdict === null) return `<td data-startup="${which}"><strong class="status-skip" data-field="startup.${which}">not known</strong><br><span class="muted">${escapeHtml(v.note ?? '')}</span></td>`;
  const word = v.verdict === 'pass' ? 'will start' : v.verdict === 'warn' ? 'will start, with warnings' : 'will NOT start';
  const fails = v.failures.length > 0 ? `<ul>${v.failures.map((f) => `<li>${escapeHtml(f)}</li>`).join('')}</ul>` : '';
  return `<td data-startup="${which}"><strong class="status-${v.verdict}" data-field="startup.${which}" data-verdict="${v.verdict}">${escapeHtml(word)}</strong>${fails}</td>`;
}

/** Two (or three) treemaps: A and B side by side, each with its own breadcrumb, then the change. */
function mapsSection(data: ComparePageData, subject: 'image' | 'binary', legendHtml: string): string {
  const side = (which: 'a' | 'b'): string => {
    const name = which.toUpperCase();
    if (data.sides[which] === null) {
      const how = subject === 'image' ? 'compare the image itself, or save its report with <code>goslim inspect --json --tree</code>' : 'compare the executable itself, or a report saved by this goslim';
      return `<div class="map-absent" data-absent-map="${which}"><h3>${name}</h3><p class="note">No ${subject === 'image' ? 'file tree' : 'size tree'} for ${name}: it is a saved report, which holds figures but not the ${subject === 'image' ? 'files' : 'sections, modules and packages as a tree'}. This page shows only what the saved report contains; for its treemap, ${how}.</p></div>`;
    }
    return treemapSection({ map: which, heading: `<h3>${name}</h3>`, legends: '', note: '', colourBy: [] });
  };
  const both = data.sides.a !== null && data.sides.b !== null;
  const unit = subject === 'image' ? 'file' : 'section, module and package';
  const diffNote = both
    ? `Area is the bytes each ${unit} changed by from A to B (new and gone ones count whole); orange grew, blue shrank. ${subject === 'image' ? 'Each directory\'s small files are compared together, as are the bytes hidden in lower layers.' : ''}`
    : subject === 'image'
      ? 'Drawn from the comparison\'s per-cause figures, because a side has no file tree (see above): area is the bytes each cause changed by.'
      : 'Drawn from the comparison\'s per-package figures (grouped by module), because a side has no size tree: area is the bytes each package\'s attributed size changed by; section changes are in the table below.';
  const diffLegend = `<ul class="legend" aria-label="Change colours">${Object.values(DIFF_KEYS).map((k) => `<li>${swatch(k.color)}<span>${escapeHtml(k.title)}</span></li>`).join('')}</ul>`;
  return [
    '<h2 id="maps">Where the bytes are, A and B</h2>',
    `<div class="pair">${side('a')}${side('b')}</div>`,
    // The legend and how to read the maps, when there is a map to read.
    data.sides.a !== null || data.sides.b !== null ? legendHtml : '',
    data.sides.a !== null || data.sides.b !== null
      ? `<p class="note">Each map is drawn to its own scale: compare their sizes with the figures above. ${subject === 'image' ? 'Colour is the cause; the hatched tile is bytes hidden in lower layers.' : 'Colour is the kind of bytes.'} Click or Enter zooms in, Escape or the breadcrumb zooms out (in the map that has the focus).</p>`
      : '',
    '<h2 id="changes">What changed</h2>',
    treemapSection({ map: 'diff', legends: diffLegend, note: diffNote, colourBy: [] }),
  ].join('\n');
}

function leverList(ids: ReadonlyArray<{ id: LeverId; bytes?: number; extra?: string }>, field: string): string {
  if (ids.length === 0) return '<p>None.</p>';
  return `<ul>${ids.map((l) => `<li data-lever="${escapeHtml(l.id)}"><strong>${escapeHtml(leverDoc(l.id).title)}</strong> <span class="muted">(${escapeHtml(l.id)})</span>${l.bytes !== undefined ? `: ${bytesCell(l.bytes, `${field}.${l.id}`)}` : ''}${l.extra ?? ''}</li>`).join('')}</ul>`;
}

function absPath(key: string): string {
  return key.split(' -> ').map((p) => (p.startsWith('/') ? p : `/${p}`)).join(' -> ');
}

// ---- the pages -----------------------------------------------------------------------------

function imageBody(r: ImageComparison, data: ComparePageData): string[] {
  const causeLegend = `<ul class="legend" id="legend-cause" aria-label="Causes">${CAUSE_IDS.filter((id) => r.causes.some((c) => c.key === id && ((c.a ?? 0) > 0 || (c.b ?? 0) > 0)))
    .map((id) => `<li data-cause="${escapeHtml(id)}">${swatch(causeColor(id))}<span>${escapeHtml(causeDoc(id).title)}</span></li>`)
    .join('')}<li data-cause="hidden"><span class="swatch" style="background:repeating-linear-gradient(45deg,#888 0 3px,transparent 3px 6px)"></span><span>Hidden in lower layers (wasted)</span></li></ul>`;
  const c = r.cost;
  const costRow = (label: string, a: string, b: string): string => `<tr><th>${escapeHtml(label)}</th><td class="num">${a}</td><td class="num">${b}</td></tr>`;
  const layers = r.layers.map(
    (l, i) =>
      `<tr data-layer-row="${i}"><td class="num">${l.a?.index ?? '–'}</td><td class="num">${l.b?.index ?? '–'}</td><td>${escapeHtml(l.matchedBy ?? (l.a ? 'gone in B' : 'new in B'))}</td>` +
      `<td><pre>${escapeHtml(l.createdBy ?? '(no history entry)')}</pre></td><td class="num">${l.a ? bytesCell(l.a.size) : '–'}</td><td class="num">${l.b ? bytesCell(l.b.size) : '–'}</td><td class="num">${signedBytes(l.delta, `layer.${i}.delta`)}</td></tr>`,
  );
  const bins = r.goBinaries.map(
    (g) =>
      `<tr data-binary="${escapeHtml(g.key)}"><td class="mono">${escapeHtml(absPath(g.key))}</td><td class="num">${optBytes(g.a, `binary.${g.key}.a`)}</td><td class="num">${optBytes(g.b, `binary.${g.key}.b`)}</td>` +
      `<td class="num">${signedBytes(g.delta)}</td><td>${g.levers.map((id) => `<code>${escapeHtml(id)}</code>`).join(' ')}</td><td>${escapeHtml(g.notes.join('; '))}</td></tr>`,
  );
  const packedRows = r.packedBinaries.map(
    (p) =>
      `<tr data-packed="${escapeHtml(p.key)}"><td class="mono">${escapeHtml(absPath(p.key))}</td><td class="num">${optBytes(p.a)}</td><td class="num">${optBytes(p.b)}</td>` +
      `<td class="num">${signedBytes(p.delta)}</td><td>${escapeHtml(p.packer.a ?? '–')}</td><td>${escapeHtml(p.packer.b ?? '–')}</td></tr>`,
  );
  const remaining = r.levers.remaining.map((l, i) =>
    leverBlock({ id: l.id, bytes: l.bytes, title: `${r.levers.new.includes(l.id) ? 'New in B. ' : ''}In A: ${l.bytesA === null ? 'did not apply' : formatBytes(l.bytesA)}; in B: ${formatBytes(l.bytes)}.` }, i + 1),
  );
  return [
    mapsSection(data, 'image', causeLegend),
    '<h2 id="causes">By cause</h2>',
    barsTable(r.causes, { what: 'Cause', top: 50, all: true, label: (x) => `${swatch(causeColor(x.key))} ${escapeHtml(causeDoc(x.key as CauseId).title)}`, field: (x) => `cause.${x.key}` }),
    '<h2 id="levers">Levers</h2>',
    '<h3>Applied (applied in A, gone in B)</h3>',
    leverList(r.levers.applied, 'applied'),
    `<h3>Remaining in B${r.levers.new.length > 0 ? ` (${r.levers.new.length} new)` : ''}</h3>`,
    remaining.length === 0 ? '<p>None: nothing left to remove.</p>' : remaining.join('\n'),
    '<h2 id="layers">Layers</h2>',
    '<p class="note">Paired by diff_id, then by instruction; numbered from 1, bottom first, as inspect numbers them.</p>',
    `<table><thead><tr><th class="num">A</th><th class="num">B</th><th>Paired by</th><th>Instruction</th><th class="num">A size</th><th class="num">B size</th><th class="num">Change</th></tr></thead><tbody>${layers.join('')}</tbody></table>`,
    '<h2 id="go-binaries">Go binaries</h2>',
    bins.length === 0
      ? '<p>No Go binary in either image.</p>'
      : `<table><thead><tr><th>Path</th><th class="num">A</th><th class="num">B</th><th class="num">Change</th><th>Levers</th><th>What changed</th></tr></thead><tbody>${bins.join('')}</tbody></table>`,
    packedRows.length === 0
      ? ''
      : `<h3 id="packed-executables">Packed executables (contents hidden: not attributed to packages or levers)</h3><table><thead><tr><th>Path</th><th class="num">A</th><th class="num">B</th><th class="num">Change</th><th>Packed in A</th><th>Packed in B</th></tr></thead><tbody>${packedRows.join('')}</tbody></table>`,
    '<h2 id="packages">OS packages</h2>',
    barsTable(r.packages, { what: 'Package', top: 20, label: (x) => `<span class="mono">${escapeHtml(x.key)}</span>` }),
    '<h2 id="cost">What the bytes cost</h2>',
    '<table><thead><tr><th></th><th class="num">A</th><th class="num">B</th></tr></thead><tbody>',
    costRow(`Pull time at ${formatBandwidth(c.model.bandwidthBitsPerSecond)}`, escapeHtml(formatDuration(c.a.pullSeconds)), escapeHtml(formatDuration(c.b.pullSeconds))),
    costRow(`Disk on ${c.model.nodes} nodes`, bytesCell(c.a.nodesDisk, 'cost.a.nodesDisk'), bytesCell(c.b.nodesDisk, 'cost.b.nodesDisk')),
    costRow(`Registry storage, ${c.model.keptTags} tags kept`, bytesCell(c.a.registryStorage, 'cost.a.registryStorage'), bytesCell(c.b.registryStorage, 'cost.b.registryStorage')),
    '</tbody></table>',
    `<p class="note">Cost model: ${escapeHtml(describeCostModel(c.model))}; computed from the measured compressed and uncompressed sizes.</p>`,
  ];
}

function binaryBody(r: BinaryComparison, data: ComparePageData): string[] {
  const present = new Set<string>();
  const walk = (n: SizeNode | null | undefined): void => {
    if (!n) return;
    if (n.d === undefined) present.add(n.k ?? 'section');
    else n.d.forEach(walk);
  };
  for (const s of [data.sides.a, data.sides.b]) if (s?.kind === 'binary') walk(s.root);
  const keyLegend = `<ul class="legend" id="legend-key" aria-label="Colours">${Object.entries(BINARY_KEYS)
    .filter(([k]) => present.has(k))
    .map(([k, v]) => `<li data-key="${escapeHtml(k)}">${swatch(v.color)}<span>${escapeHtml(v.title)}</span></li>`)
    .join('')}</ul>`;
  const levers = r.levers.map(
    (l) => `<tr data-lever="${escapeHtml(l.id)}"><td><strong>${escapeHtml(leverDoc(l.id).title)}</strong> <span class="muted">(${escapeHtml(l.id)})</span></td><td class="num">${signedBytes(l.delta, `lever.${l.id}.delta`)}</td><td>${escapeHtml(l.why)}</td></tr>`,
  );
  const settings = r.settings.map(
    (s) => `<tr><td class="mono">${escapeHtml(s.key)}</td><td class="mono">${escapeHtml(s.a ?? '(unset)')}</td><td class="mono">${escapeHtml(s.b ?? '(unset)')}</td><td>${s.lever ? `<code>${escapeHtml(s.lever)}</code>` : ''}</td></tr>`,
  );
  return [
    mapsSection(data, 'binary', keyLegend),
    '<h2 id="levers">Levers behind the change</h2>',
    levers.length === 0
      ? '<p>No lever changed between the two builds.</p>'
      : `<table><thead><tr><th>Lever</th><th class="num">Bytes</th><th>Why</th></tr></thead><tbody>${levers.join('')}</tbody></table>`,
    '<h3>Findings applied in B</h3>',
    leverList(r.findings.applied.map((id) => ({ id })), 'applied'),
    '<h3>Findings remaining in B</h3>',
    leverList(r.findings.remaining.map((id) => ({ id, extra: r.findings.new.includes(id) ? ' <strong>new</strong>' : '' })), 'remaining'),
    '<h2 id="settings">Build settings that changed</h2>',
    settings.length === 0
      ? '<p>None.</p>'
      : `<table><thead><tr><th>Setting</th><th>A</th><th>B</th><th>Lever</th></tr></thead><tbody>${settings.join('')}</tbody></table>`,
    '<h2 id="sections">Sections</h2>',
    barsTable(r.sections, { what: 'Section', top: 60, label: (x) => `<span class="mono">${escapeHtml(x.key)}</span>`, field: (x) => `section.${x.key}` }),
    '<h2 id="modules">Modules</h2>',
    barsTable(r.modules, { what: 'Module', top: 40, label: (x) => `<span class="mono">${escapeHtml(x.key)}</span>`, field: (x) => `module.${x.key}` }),
    '<h2 id="packages">Packages</h2>',
    barsTable(r.packages, { what: 'Package', top: 40, label: (x) => `<span class="mono">${escapeHtml(x.key)}</span>`, field: (x) => `package.${x.key}` }),
  ];
}

export function renderCompareHtml(input: CompareHtmlInput): string {
  const r = input.report;
  const data = comparePageData(input);
  const facts =
    r.subject === 'image'
      ? [
          pairFacts('Size', r.size, 'size'),
          pairFacts('Stored (pull size)', r.compressedSize, 'compressedSize'),
          fact('Files, A', `<span data-field="files.a" data-count="${r.files.a}">${r.files.a.toLocaleString('en-US')}</span>`),
          fact('Files, B', `<span data-field="files.b" data-count="${r.files.b}">${r.files.b.toLocaleString('en-US')}</span>`),
        ]
      : [
          pairFacts('File size', r.size, 'size'),
          fact('Stripped', escapeHtml(`A ${r.stripped.a ? 'yes' : 'no'}, B ${r.stripped.b ? 'yes' : 'no'}`)),
          fact('Go', escapeHtml(`A ${r.goVersion.a ?? '?'}, B ${r.goVersion.b ?? '?'}`)),
        ];
  const startup =
    r.subject === 'image'
      ? [
          '<h2 id="start">Will it start?</h2>',
          `<table class="verdicts"><thead><tr><th>A</th><th>B</th></tr></thead><tbody><tr>${verdictCell(r.startup.a, 'a')}${verdictCell(r.startup.b, 'b')}</tr></tbody></table>`,
        ].join('\n')
      : '';
  const ratio = r.ratio !== null && r.size.delta < 0 ? ` <span class="muted" data-field="ratio" data-ratio="${r.ratio}">(A is ${escapeHtml(r.ratio.toFixed(2))} times the size of B)</span>` : '';
  const body = [
    '<header>',
    `<h1>goslim compare: ${r.subject === 'image' ? 'two images' : 'two Go binaries'}</h1>`,
    `<table class="sides"><tbody><tr><th>A (before)</th><td>${sideLabel(r, 'a')}</td></tr><tr><th>B (after)</th><td>${sideLabel(r, 'b')}</td></tr></tbody></table>`,
    `<p class="headline"><strong data-field="headline">${escapeHtml(r.headline)}</strong>${ratio}</p>`,
    `<div class="facts">${facts.join('\n')}</div>`,
    '</header>',
    '<main>',
    budgetsSection(input.budgets),
    startup,
    ...(r.subject === 'image' ? imageBody(r, data) : binaryBody(r, data)),
    '</main>',
    `<footer class="note">Written by goslim. No network: everything on this page is in this file. Change: ${escapeHtml(formatDelta(r.size))}.</footer>`,
  ].join('\n');
  return renderPage({ title: `goslim compare ${r.a.input} ${r.b.input}`, body, data });
}
