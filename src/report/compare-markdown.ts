/**
 * Markdown rendering of `goslim compare`, for `GITHUB_STEP_SUMMARY` and pull-request comments:
 * tables, long lists in `<details>`, nothing GitHub strips. Pure.
 */
import { packerLabel } from '../compare/images.js';
import { describeCostModel, formatBandwidth, formatDuration } from '../analysis/cost.js';
import { formatDelta } from '../compare/headline.js';
import type { BinaryComparison, Change, CompareReport, ImageComparison, SizePair, StartVerdict } from '../compare/types.js';
import { formatBytes } from '../util/units.js';
import { absPaths } from './compare-text.js';
import { leverDoc } from '../vocabulary/levers.js';

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}
function code(text: string): string {
  return `\`${text.replace(/`/g, "'")}\``;
}
function opt(n: number | null): string {
  return n === null ? '–' : formatBytes(n);
}
function signed(n: number): string {
  return n > 0 ? `+${formatBytes(n)}` : n === 0 ? '0' : formatBytes(n);
}
function pairRow(label: string, p: SizePair): string {
  return `| ${label} | ${formatBytes(p.a)} | ${formatBytes(p.b)} | ${p.delta === 0 ? 'same' : formatDelta(p)} |`;
}

function changeTable(out: string[], title: string, rows: Change[], top: number): void {
  const changed = rows.filter((c) => c.status !== 'same');
  out.push(`<details><summary>${title}: ${changed.length === 0 ? 'no change' : `${changed.length} changed`}</summary>`, '');
  if (changed.length > 0) {
    out.push('| | A | B | change |', '|---|---:|---:|---:|');
    for (const c of changed.slice(0, top)) out.push(`| ${code(c.key)}${c.status === 'added' ? ' (new)' : c.status === 'removed' ? ' (gone)' : ''} | ${opt(c.a)} | ${opt(c.b)} | ${signed(c.delta)} |`);
    if (changed.length > top) out.push('', `… ${changed.length - top} more in the JSON report.`);
  }
  out.push('', '</details>', '');
}

function verdict(v: StartVerdict): string {
  if (v.verdict === null) return `not known: ${cell(v.note ?? '')}`;
  const word = v.verdict === 'pass' ? '✅ will start' : v.verdict === 'warn' ? '⚠️ will start, with warnings' : '🛑 will not start';
  return v.failures.length > 0 ? `${word}: ${cell(v.failures.join('; '))}` : word;
}

function images(r: ImageComparison, top: number): string[] {
  const out: string[] = [`## goslim compare: ${r.headline}`, ''];
  out.push(`A: ${code(r.a.input)}${r.a.source === 'inspect-report' ? ' (saved report)' : ''} · B: ${code(r.b.input)}${r.b.source === 'inspect-report' ? ' (saved report)' : ''}`, '');
  out.push('| | A | B | change |', '|---|---:|---:|---:|');
  out.push(pairRow('uncompressed', r.size), pairRow('compressed', r.compressedSize));
  out.push(`| will it start? | ${verdict(r.startup.a)} | ${verdict(r.startup.b)} | |`);
  const c = r.cost;
  out.push(`| pull time at ${formatBandwidth(c.model.bandwidthBitsPerSecond)} | ${formatDuration(c.a.pullSeconds)} | ${formatDuration(c.b.pullSeconds)} | |`);
  out.push(`| disk on ${c.model.nodes} nodes | ${formatBytes(c.a.nodesDisk)} | ${formatBytes(c.b.nodesDisk)} | ${signed(c.b.nodesDisk - c.a.nodesDisk)} |`);
  out.push(`| registry, ${c.model.keptTags} tags | ${formatBytes(c.a.registryStorage)} | ${formatBytes(c.b.registryStorage)} | ${signed(c.b.registryStorage - c.a.registryStorage)} |`, '');
  out.push(`Cost model: ${describeCostModel(c.model)}.`, '');
  if (r.levers.applied.length > 0) out.push(`**Levers applied:** ${r.levers.applied.map((l) => `${code(l.id)} (${formatBytes(l.bytes)})`).join(', ')}`, '');
  out.push(`**Levers remaining:** ${r.levers.remaining.length === 0 ? 'none' : r.levers.remaining.map((l) => `${code(l.id)} ${formatBytes(l.bytes)}${r.levers.new.includes(l.id) ? ' **new**' : ''} — ${cell(leverDoc(l.id).title)}`).join('; ')}`, '');
  changeTable(out, 'By cause', r.causes, top);
  out.push(`<details><summary>Layers: ${r.layers.length}</summary>`, '', '| A | B | paired by | A size | B size | change | instruction |', '|---:|---:|---|---:|---:|---:|---|');
  for (const l of r.layers.slice(0, Math.max(top, 30))) {
    out.push(`| ${l.a?.index ?? '–'} | ${l.b?.index ?? '–'} | ${l.matchedBy ?? (l.a ? 'gone' : 'new')} | ${opt(l.a?.size ?? null)} | ${opt(l.b?.size ?? null)} | ${signed(l.delta)} | ${code((l.createdBy ?? '(no history)').slice(0, 100))} |`);
  }
  out.push('', '</details>', '');
  changeTable(out, 'OS packages', r.packages, top);
  changeTable(out, 'Go binaries', r.goBinaries.map((g) => ({ ...g, key: `${absPaths(g.key)}${g.levers.length ? ` [${g.levers.join(', ')}]` : ''}` })), top);
  if (r.packedBinaries.length > 0) {
    changeTable(out, 'Packed executables (contents hidden)', r.packedBinaries.map((p) => ({ ...p, key: `${absPaths(p.key)} (${packerLabel(p)})` })), top);
  }
  return out;
}

function binaries(r: BinaryComparison, top: number): string[] {
  const out: string[] = [`## goslim compare: ${r.headline}`, ''];
  out.push(`A: ${code(r.a.input)} · B: ${code(r.b.input)}`, '');
  out.push('| | A | B | change |', '|---|---:|---:|---:|', pairRow('file size', r.size));
  out.push(`| stripped | ${r.stripped.a ? 'yes' : 'no'} | ${r.stripped.b ? 'yes' : 'no'} | |`, `| Go | ${r.goVersion.a ?? '?'} | ${r.goVersion.b ?? '?'} | |`);
  for (const s of r.settings) out.push(`| ${code(s.key)} | ${cell(s.a ?? '(unset)')} | ${cell(s.b ?? '(unset)')} | ${s.lever ? code(s.lever) : ''} |`);
  out.push('');
  out.push(`**Levers behind the change:** ${r.levers.length === 0 ? 'none' : r.levers.map((l) => `${code(l.id)} ${l.delta === 0 ? '' : `${signed(l.delta)} `}(${cell(l.why)})`).join('; ')}`, '');
  changeTable(out, 'Sections', r.sections, top);
  changeTable(out, 'Modules', r.modules, top);
  changeTable(out, 'Packages', r.packages, top);
  return out;
}

export function renderCompareMarkdown(r: CompareReport, opts: { top?: number } = {}): string {
  const top = opts.top ?? 20;
  return `${(r.subject === 'image' ? images(r, top) : binaries(r, top)).join('\n')}\n`;
}
