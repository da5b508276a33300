/**
 * `goslim binary --format html`: one executable as a treemap (issue 13). The file's bytes are
 * split into sections; .text into module -> package (Go code from the pclntab, the rest as
 * C/crt/asm); the sections `-s -w` removes into their own group; the absolute paths trimpath
 * removes out of .gopclntab; headers and padding. Input: the JSON report (BinaryReport).
 */
import { sizeTree, type SizeKey, type SizeNode } from '../../binary/size-tree.js';
import type { BinaryReport } from '../../binary/types.js';
import { escapeHtml, renderPage } from './page-shell.js';
import { bytesCell, fact, leverBlock, swatch, treemapSection } from './parts.js';

export interface BinaryPageData {
  kind: 'binary';
  root: SizeNode;
  keys: Record<string, { title: string; color: string }>;
}

export const BINARY_KEYS: Readonly<Record<SizeKey, { title: string; color: string }>> = {
  main: { title: 'Main module', color: '#2e86ab' },
  dep: { title: 'Dependencies (modules)', color: '#a8c256' },
  std: { title: 'Go standard library and runtime', color: '#7d5ba6' },
  'other-go': { title: 'Go code of no listed module', color: '#66a182' },
  c: { title: 'C, crt and assembly outside the pclntab', color: '#d1495b' },
  strip: { title: 'Symbols and DWARF (-s -w removes)', color: '#e4572e' },
  trimpath: { title: 'Absolute build paths (-trimpath removes, estimate)', color: '#f3a712' },
  section: { title: 'Other sections (data, tables, pclntab)', color: '#9aa5b1' },
  headers: { title: 'Headers and padding', color: '#c7c7c7' },
};

function buildInfo(r: BinaryReport): string {
  if (r.go === null) return '<p>Not a Go executable (no build info, no pclntab).</p>';
  const g = r.go;
  const row = (k: string, v: string): string => `<tr><th>${escapeHtml(k)}</th><td class="mono">${v}</td></tr>`;
  const rows = [
    row('Go version', escapeHtml(g.version ?? 'unknown')),
    row('Main package', escapeHtml(g.path ?? '')),
    row('Main module', g.main ? escapeHtml(`${g.main.path} ${g.main.version} ${g.main.sum}`) : ''),
    row('Build info', escapeHtml(`${g.buildInfo}${g.recovered ? ' (recovered heuristically)' : ''}`)),
    row('pclntab', g.pclntab ? escapeHtml(`${g.pclntab.version}, ${g.pclntab.functions} functions, ${g.pclntab.files} files`) : 'none'),
    ...Object.entries(g.settings).map(([k, v]) => row(`build ${k}`, escapeHtml(v))),
  ];
  const deps = g.deps.map(
    (d) => `<tr><td class="mono">${escapeHtml(d.path)}</td><td class="mono">${escapeHtml(d.version)}</td><td class="mono">${d.replace ? escapeHtml(`${d.replace.path} ${d.replace.version}`) : ''}</td></tr>`,
  );
  return [
    `<table class="buildinfo"><tbody>${rows.join('')}</tbody></table>`,
    deps.length > 0
      ? `<h3>Dependencies (${deps.length})</h3><table><thead><tr><th>Module</th><th>Version</th><th>Replaced by</th></tr></thead><tbody>${deps.join('')}</tbody></table>`
      : '',
  ].join('\n');
}

export function renderBinaryHtml(r: BinaryReport): string {
  const root = sizeTree(r);
  const present = new Set<string>();
  const walk = (n: SizeNode): void => {
    if (n.d === undefined) {
      if (n.k !== undefined) present.add(n.k);
    } else n.d.forEach(walk);
  };
  walk(root);
  const keyTotals = new Map<string, number>();
  const sum = (n: SizeNode): void => {
    if (n.d === undefined) keyTotals.set(n.k ?? 'section', (keyTotals.get(n.k ?? 'section') ?? 0) + (n.b ?? 0));
    else n.d.forEach(sum);
  };
  sum(root);
  const legend = Object.entries(BINARY_KEYS)
    .filter(([k]) => present.has(k))
    .map(([k, v]) => `<li data-key="${escapeHtml(k)}">${swatch(v.color)}<span>${escapeHtml(v.title)}</span> ${bytesCell(keyTotals.get(k) ?? 0, `key.${k}`)}</li>`)
    .join('');
  const findings = r.findings.map((f, i) => leverBlock({ id: f.lever, bytes: f.bytes, estimated: f.estimated, title: f.title }, i + 1)).join('\n');
  const linking = r.linking === 'static' || r.linking === 'static-pie' ? r.linking : `dynamic (${r.interpreter ?? 'no interpreter'}${r.needed.length ? `; needs ${r.needed.join(', ')}` : ''})`;
  const body = [
    '<header>',
    `<h1>goslim binary: <span class="mono" data-field="path">${escapeHtml(r.path ?? '(bytes)')}</span></h1>`,
    `<div class="muted">${escapeHtml(`${r.format.toUpperCase()} ${r.class}-bit ${r.endian}-endian ${r.machine} (${r.arch}), ${r.type}`)}</div>`,
    '<div class="facts">',
    fact('Size', bytesCell(r.size, 'size')),
    fact('-s -w removes', bytesCell(r.strip.total, 'strip.total')),
    fact('Go code (.text)', bytesCell(r.code.attributed, 'code.attributed')),
    fact('Other code', bytesCell(r.code.unattributed, 'code.unattributed')),
    fact('Absolute paths', `<span data-field="trimpath.leakedPaths">${r.trimpath.leakedPaths}</span> of ${r.trimpath.files}`),
    fact('Linking', escapeHtml(linking)),
    fact('cgo', escapeHtml(r.cgo.used ? `yes${r.cgo.libraries.length ? ` (${r.cgo.libraries.join(', ')})` : ''}` : 'no')),
    '</div>',
    '</header>',
    '<main>',
    '<h2 id="map">Where the bytes are</h2>',
    treemapSection({
      legends: `<ul class="legend" id="legend-key" aria-label="Colours">${legend}</ul>`,
      note: 'Area is bytes of the file. .text is split into modules and packages by the Go function sizes in the pclntab; what the pclntab does not cover is C, crt and assembly. The sections <code>-ldflags="-s -w"</code> removes are grouped; the absolute build paths <code>-trimpath</code> removes are an estimate carved out of .gopclntab.',
      colourBy: [],
    }),
    '<h2 id="levers">Levers</h2>',
    findings === '' ? '<p>None: nothing left to remove at the binary level.</p>' : findings,
    '<h2 id="build-info">Build info</h2>',
    buildInfo(r),
    '<h2 id="sections">Sections</h2>',
    `<table><thead><tr><th>Section</th><th class="num">Bytes</th></tr></thead><tbody>${[...r.sections]
      .sort((a, b) => b.size - a.size)
      .map((s) => `<tr data-section="${escapeHtml(s.name)}"><td class="mono">${escapeHtml(s.name)}${s.compressed ? ' (compressed)' : ''}</td><td class="num">${bytesCell(s.size)}</td></tr>`)
      .join('')}</tbody></table>`,
    '</main>',
    '<footer class="note">Written by goslim. No network: everything on this page is in this file.</footer>',
  ].join('\n');
  const data: BinaryPageData = { kind: 'binary', root, keys: BINARY_KEYS };
  return renderPage({ title: `goslim binary ${r.path ?? ''}`, body, data });
}
