/**
 * `goslim inspect --format html`: the inspect report as one self-contained page (issue 13).
 * Takes the JSON report (InspectReport, with its `tree` for the treemap) and nothing else.
 */
import type { InspectReport } from '../../analysis/inspect.js';
import { sizeTreeBytes, type SizeNode } from '../../binary/size-tree.js';
import { BINARY_KEYS } from './binary-html.js';
import { CAUSE_IDS, causeDoc } from '../../vocabulary/causes.js';
import { checkDoc } from '../../vocabulary/checks.js';
import { formatBytes } from '../../util/units.js';
import { escapeHtml, renderPage } from './page-shell.js';
import { bytesCell, CAUSE_COLORS, fact, layerColor, leverBlock, percent, swatch, treemapSection } from './parts.js';

/** What the page script reads for an image. */
export interface ImagePageData {
  kind: 'image';
  tree: NonNullable<InspectReport['tree']>;
  /** Per cause id: title and colour. */
  causes: Record<string, { title: string; color: string }>;
  layers: Array<{ index: number; createdBy: string | null; color: string }>;
  wasted: number;
  /** Go binaries' own treemaps (module -> package), by path ("/usr/local/bin/app"), when they add up to the file. */
  binaries: Record<string, SizeNode>;
  binaryKeys: typeof BINARY_KEYS;
}

/** A cause's colour in the treemaps and legends. */
export function causeColor(id: string): string {
  const i = (CAUSE_IDS as readonly string[]).indexOf(id);
  return CAUSE_COLORS[i >= 0 ? i % CAUSE_COLORS.length : CAUSE_COLORS.length - 1] ?? '#999';
}

/** The page data of an image: what the page script needs of an inspect report with its `tree`. */
export function imagePageData(report: Pick<InspectReport, 'tree' | 'layers' | 'wasted' | 'goBinaries'>): ImagePageData {
  if (report.tree === undefined) {
    // The CLI asks inspect for the tree when it renders HTML; a report without one still renders (an empty map).
    return imagePageData({ ...report, tree: { causes: [], packages: [], smallFileBytes: 0, smallFiles: { files: 0, bytes: 0 }, hidden: [], root: { n: '' } } });
  }
  const causes: ImagePageData['causes'] = {};
  for (const id of CAUSE_IDS) causes[id] = { title: causeDoc(id).title, color: causeColor(id) };
  return {
    kind: 'image',
    tree: report.tree,
    causes,
    layers: report.layers.map((l) => ({ index: l.number, createdBy: l.createdBy, color: layerColor(l.number) })),
    wasted: report.wasted.bytes,
    binaries: Object.fromEntries(
      report.goBinaries.filter((b) => b.sizeTree !== undefined && sizeTreeBytes(b.sizeTree) === b.size).map((b) => [b.path.startsWith("/") ? b.path : `/${b.path}`, b.sizeTree as SizeNode]),
    ),
    binaryKeys: BINARY_KEYS,
  };
}

function legends(report: InspectReport): string {
  const causes = report.causes
    .filter((c) => c.bytes > 0)
    .map((c) => `<li data-cause="${escapeHtml(c.id)}">${swatch(causeColor(c.id))}<span>${escapeHtml(causeDoc(c.id).title)}</span> ${bytesCell(c.bytes, `cause.${c.id}`)} <span class="muted">${c.files} files</span></li>`);
  if (report.wasted.bytes > 0) {
    causes.push(`<li data-cause="hidden"><span class="swatch hatch" style="background:repeating-linear-gradient(45deg,#888 0 3px,transparent 3px 6px)"></span><span>Hidden in lower layers (wasted)</span> ${bytesCell(report.wasted.bytes, 'wasted')}</li>`);
  }
  const layers = report.layers.map(
    (l) => `<li data-layer="${l.number}">${swatch(layerColor(l.number))}<span>layer ${l.number}</span> ${bytesCell(l.added + l.modified, `layer.${l.number}.written`)}</li>`,
  );
  return `<ul class="legend" id="legend-cause" data-colour-by="cause" aria-label="Causes">${causes.join('')}</ul><ul class="legend" id="legend-layer" data-colour-by="layer" aria-label="Layers" hidden>${layers.join('')}</ul>`;
}

function startSection(report: InspectReport): string {
  const s = report.startup;
  const rows = s.checks.map(
    (c) =>
      `<tr data-check="${escapeHtml(c.id)}"><td class="status-${c.status}">${escapeHtml(c.status)}</td><td>${escapeHtml(checkDoc(c.id).title)} <span class="muted">(${escapeHtml(c.id)})</span></td>` +
      `<td>${escapeHtml(c.message)}${c.fix !== undefined ? `<br><span class="muted">Fix: ${escapeHtml(c.fix)}</span>` : ''}</td></tr>`,
  );
  const verdict = s.verdict === 'pass' ? 'will start' : s.verdict === 'warn' ? 'will start, with warnings' : 'will NOT start';
  return [
    '<h2 id="start">Will it start?</h2>',
    `<p>Verdict: <strong class="status-${s.verdict}" data-field="startup.verdict">${escapeHtml(verdict)}</strong>; command <code>${escapeHtml(JSON.stringify(s.command))}</code></p>`,
    `<table><thead><tr><th>Status</th><th>Check</th><th>What was found</th></tr></thead><tbody>${rows.join('')}</tbody></table>`,
  ].join('\n');
}

function layersSection(report: InspectReport): string {
  const rows = report.layers.map(
    (l) =>
      `<tr class="layer-row" data-layer="${l.number}"><td class="num">${l.number}</td>` +
      `<td><pre>${escapeHtml(l.createdBy ?? '(no history entry)')}</pre><span class="muted mono">${escapeHtml(l.digest)}</span></td>` +
      `<td class="num">${bytesCell(l.size, `layer.${l.number}.size`)}</td><td class="num">${bytesCell(l.compressedSize, `layer.${l.number}.compressedSize`)}</td>` +
      `<td class="num">${bytesCell(l.added, `layer.${l.number}.added`)}</td><td class="num">${bytesCell(l.modified, `layer.${l.number}.modified`)}</td>` +
      `<td class="num">${bytesCell(l.deletedBytes, `layer.${l.number}.deletedBytes`)} <span class="muted">(${l.deleted} paths)</span></td>` +
      `<td class="num">${l.files}</td>` +
      `<td><button type="button" class="highlight-layer" data-layer="${l.number}" aria-pressed="false">Show its files</button></td></tr>`,
  );
  return [
    '<h2 id="layers">Layers</h2>',
    '<p class="note">Bottom first. Added: bytes of new paths; changed: bytes written over paths from below; removed: bytes of the paths it deletes. "Show its files" highlights the layer\'s files in the treemap.</p>',
    '<table><thead><tr><th class="num">#</th><th>Instruction</th><th class="num">Size</th><th class="num">Stored</th><th class="num">Added</th><th class="num">Changed</th><th class="num">Removed</th><th class="num">Files</th><th></th></tr></thead>',
    `<tbody>${rows.join('')}</tbody></table>`,
  ].join('\n');
}

function binariesSection(report: InspectReport): string {
  if (report.goBinaries.length === 0) return packedSection(report, true);
  const rows = report.goBinaries.map(
    (b) =>
      `<tr data-binary="${escapeHtml(b.path)}"><td class="mono">${escapeHtml(b.path.startsWith("/") ? b.path : `/${b.path}`)}</td><td class="num">${bytesCell(b.size)}</td><td>${escapeHtml(b.go?.version ?? '?')}</td>` +
      `<td>${escapeHtml(b.linking)}${b.willStart ? '' : ` <span class="status-fail">${escapeHtml(b.problem ?? 'will not start')}</span>`}</td>` +
      `<td class="num">${bytesCell(b.strip.total)}</td><td class="num">${b.trimpath.leakedPaths}</td><td>${escapeHtml(b.package ?? '')}</td></tr>`,
  );
  return [
    '<h2 id="go-binaries">Go binaries</h2>',
    '<p class="note">Each Go binary\'s tile in the treemap zooms into its sections and its modules and packages (click it, or Enter); <code>goslim binary FILE --format html</code> adds its build info.</p>',
    '<table><thead><tr><th>Path</th><th class="num">Size</th><th>Go</th><th>Linking</th><th class="num">-s -w removes</th><th class="num">Absolute paths</th><th>OS package</th></tr></thead>',
    `<tbody>${rows.join('')}</tbody></table>`,
    packedSection(report, false),
  ].join('\n');
}

/** Executables packed with UPX: what goslim cannot see inside, each with the exe-compression hint's numbers. */
function packedSection(report: InspectReport, alone: boolean): string {
  if (report.packedBinaries.length === 0) return '';
  const rows = report.packedBinaries.map(
    (b) =>
      `<tr data-packed="${escapeHtml(b.path)}"><td class="mono">${escapeHtml(b.path)}</td><td class="num">${bytesCell(b.size)}</td><td>${escapeHtml(b.title)}</td>` +
      `<td>${escapeHtml(b.lose)}</td><td><code>${escapeHtml(b.explain)}</code></td><td>${escapeHtml(b.package ?? '')}</td></tr>`,
  );
  return [
    alone ? '<h2 id="go-binaries">Go binaries</h2>\n<p class="note">None readable: the executables below are packed.</p>' : '',
    '<h3 id="packed-executables">Packed executables (contents hidden: not attributed to packages or levers)</h3>',
    '<table><thead><tr><th>Path</th><th class="num">Size</th><th>What</th><th>What packing costs</th><th>Why not</th><th>OS package</th></tr></thead>',
    `<tbody>${rows.join('')}</tbody></table>`,
  ].join('\n');
}

function packagesSection(report: InspectReport, top: number): string {
  if (report.packages.length === 0) return '';
  const rows = report.packages
    .slice(0, top)
    .map((p) => `<tr><td>${escapeHtml(p.name)}</td><td class="num">${bytesCell(p.bytes)}</td><td>${escapeHtml(causeDoc(p.cause).title)}</td><td class="num">${p.files}</td></tr>`);
  return [
    '<h2 id="packages">Largest OS packages</h2>',
    `<table><thead><tr><th>Package</th><th class="num">Bytes</th><th>Cause</th><th class="num">Files</th></tr></thead><tbody>${rows.join('')}</tbody></table>`,
    report.packages.length > top ? `<p class="note">${report.packages.length - top} more in <code>--json</code>.</p>` : '',
  ].join('\n');
}

export function renderInspectHtml(report: InspectReport): string {
  const i = report.image;
  const tree = report.tree;
  const smallNote =
    tree !== undefined && tree.smallFileBytes > 0
      ? `Files under ${escapeHtml(formatBytes(tree.smallFileBytes))} (${tree.smallFiles.files.toLocaleString('en-US')} files, ${escapeHtml(formatBytes(tree.smallFiles.bytes))}) are drawn together as "N small files" tiles per directory, cause and layer, to keep this page small; <code>--json</code> has every figure.`
      : 'Every file that costs bytes is drawn.';
  const levers = report.levers.map((l, n) => leverBlock(l, n + 1)).join('\n');
  const body = [
    '<header>',
    `<h1>goslim inspect: <span class="mono" data-field="image.ref">${escapeHtml(i.ref)}</span></h1>`,
    `<div class="muted mono">${escapeHtml(i.digest)} · ${escapeHtml(i.platform)}</div>`,
    '<div class="facts">',
    fact('Size (uncompressed)', bytesCell(i.size, 'image.size')),
    fact('Stored (pull size)', bytesCell(i.compressedSize, 'image.compressedSize')),
    fact('File bytes', bytesCell(i.fileBytes, 'image.fileBytes')),
    fact('Files', `<span data-field="image.files" data-count="${i.files}">${i.files.toLocaleString('en-US')}</span>`),
    fact('Hidden in lower layers', bytesCell(report.wasted.bytes, 'wasted.bytes')),
    fact('Layer efficiency', `<span data-field="wasted.efficiency">${percent(report.wasted.efficiency)}</span>`),
    fact('After every lever', bytesCell(report.estimate.size, 'estimate.size')),
    fact('After every lever, stored', bytesCell(report.estimate.compressedSize, 'estimate.compressedSize')),
    '</div>',
    `<p class="headline">${escapeHtml(report.headline)}</p>`,
    '</header>',
    '<main>',
    '<h2 id="map">Where the bytes are</h2>',
    treemapSection({
      legends: legends(report),
      note: `Area is bytes of the merged filesystem; colour is the cause (or the layer that wrote the file). ${smallNote} The hatched tile holds the bytes lower layers wrote that later layers hid or deleted: they are pulled and stored, never seen.`,
      colourBy: [
        { id: 'cause', label: 'Cause' },
        { id: 'layer', label: 'Layer' },
      ],
    }),
    startSection(report),
    '<h2 id="levers">Levers, largest first</h2>',
    levers === '' ? '<p>No lever applies: nothing left to remove.</p>' : levers,
    layersSection(report),
    binariesSection(report),
    packagesSection(report, 15),
    '</main>',
    `<footer class="note">Written by goslim. No network: everything on this page is in this file.</footer>`,
  ].join('\n');
  return renderPage({ title: `goslim inspect ${i.ref}`, body, data: imagePageData(report) });
}
