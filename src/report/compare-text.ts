/**
 * Text rendering of `goslim compare` (images or binaries). Pure: comparison in, text out. Every
 * lever is named by its id, with its title from the vocabulary; `goslim explain ID` says more.
 */
import { packerLabel } from '../compare/images.js';
import { formatDelta } from '../compare/headline.js';
import type { BinaryComparison, Change, CompareReport, ImageComparison, SizePair, StartVerdict } from '../compare/types.js';
import { formatBytes } from '../util/units.js';
import { leverDoc } from '../vocabulary/levers.js';
import { costBlock } from './cost-text.js';

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}
function lpad(s: string, n: number): string {
  return s.length >= n ? s : ' '.repeat(n - s.length) + s;
}
function short(s: string, n: number): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length <= n ? one : `${one.slice(0, n - 1)}…`;
}
function signed(n: number): string {
  return n > 0 ? `+${formatBytes(n)}` : formatBytes(n);
}
function opt(n: number | null): string {
  return n === null ? '-' : formatBytes(n);
}

/** Image paths as absolute (`/greeter`); a paired row's key is `A path -> B path`. */
function absPaths(key: string): string {
  return key.split(' -> ').map((p) => (p.startsWith('/') ? p : `/${p}`)).join(' -> ');
}

function pairLine(label: string, p: SizePair): string {
  return `  ${pad(label, 14)}${lpad(formatBytes(p.a), 10)} -> ${lpad(formatBytes(p.b), 10)}   ${p.delta === 0 ? 'same' : formatDelta(p)}`;
}

/** Changed rows, largest first, `top` of them, and a "more" line. */
function changeRows(out: string[], title: string, rows: Change[], top: number, label: (c: Change) => string = (c) => c.key): void {
  const changed = rows.filter((c) => c.status !== 'same');
  if (changed.length === 0) {
    out.push(`${title}: no change`);
    return;
  }
  out.push(`${title} (${changed.length} changed, largest first):`);
  for (const c of changed.slice(0, top)) {
    const tag = c.status === 'added' ? ' (new)' : c.status === 'removed' ? ' (gone)' : '';
    out.push(`  ${lpad(signed(c.delta), 10)}  ${lpad(opt(c.a), 9)} -> ${pad(opt(c.b), 9)} ${short(label(c), 70)}${tag}`);
  }
  if (changed.length > top) out.push(`  ... ${changed.length - top} more (--json for all)`);
}

function verdictLine(v: StartVerdict): string {
  if (v.verdict === null) return `not known: ${v.note ?? 'no start-up checks'}`;
  const word = v.verdict === 'pass' ? 'will start' : v.verdict === 'warn' ? 'will start, with warnings' : 'will NOT start';
  return v.failures.length > 0 ? `${word} (${v.failures.join('; ')})` : word;
}

function renderImages(r: ImageComparison, top: number): string[] {
  const out: string[] = [];
  out.push(`A  ${r.a.input}${r.a.source === 'inspect-report' ? ' (saved report)' : ''}  ${r.a.ref} ${r.a.digest.slice(0, 19)} ${r.a.platform}`);
  out.push(`B  ${r.b.input}${r.b.source === 'inspect-report' ? ' (saved report)' : ''}  ${r.b.ref} ${r.b.digest.slice(0, 19)} ${r.b.platform}`);
  out.push('');
  out.push(`=> ${r.headline}`);
  out.push('');
  out.push(pairLine('uncompressed', r.size));
  out.push(pairLine('compressed', r.compressedSize));
  out.push(`  ${pad('files', 14)}${lpad(String(r.files.a), 10)} -> ${lpad(String(r.files.b), 10)}   ${r.files.delta > 0 ? '+' : ''}${r.files.delta}`);
  out.push('');
  out.push(`Will it start?  A: ${verdictLine(r.startup.a)}`);
  out.push(`                B: ${verdictLine(r.startup.b)}`);
  out.push('');
  changeRows(out, 'By cause', r.causes, top);
  out.push('');
  out.push('Layers (numbered from 1, bottom first; paired by diff_id, then by instruction):');
  for (const l of r.layers.slice(0, Math.max(top, 20))) {
    const num = `${l.a ? lpad(String(l.a.index), 2) : ' -'} -> ${l.b ? pad(String(l.b.index), 2) : '- '}`;
    const how = l.matchedBy === 'diff-id' ? 'same' : l.matchedBy === 'instruction' ? 'rebuilt' : l.a ? 'gone' : 'new';
    out.push(`  ${num} ${pad(how, 8)}${lpad(l.delta === 0 ? '' : signed(l.delta), 10)}  ${lpad(opt(l.a?.size ?? null), 9)} -> ${pad(opt(l.b?.size ?? null), 9)} ${short(l.createdBy ?? '(no history)', 60)}`);
  }
  if (r.layers.length > Math.max(top, 20)) out.push(`  ... ${r.layers.length - Math.max(top, 20)} more (--json for all)`);
  out.push('');
  changeRows(out, 'OS packages', r.packages, top);
  out.push('');
  const bins = r.goBinaries;
  if (bins.length === 0) out.push('Go binaries: none on either side');
  else {
    out.push('Go binaries:');
    for (const g of bins.slice(0, top)) {
      const tag = g.status === 'added' ? ' (new)' : g.status === 'removed' ? ' (gone)' : '';
      const why = [...g.notes, ...g.levers.map((l) => `[${l}]`)].join(', ');
      out.push(`  ${lpad(g.delta === 0 ? 'same' : signed(g.delta), 10)}  ${lpad(opt(g.a), 9)} -> ${pad(opt(g.b), 9)} ${absPaths(g.key)}${tag}${why ? `  ${why}` : ''}`);
    }
  }
  if (r.packedBinaries.length > 0) {
    out.push('Packed executables (contents hidden: not attributed to packages or levers):');
    for (const p of r.packedBinaries.slice(0, top)) {
      const tag = p.status === 'added' ? ' (new)' : p.status === 'removed' ? ' (gone)' : '';
      out.push(`  ${lpad(p.delta === 0 ? 'same' : signed(p.delta), 10)}  ${lpad(opt(p.a), 9)} -> ${pad(opt(p.b), 9)} ${absPaths(p.key)}${tag}  ${packerLabel(p)}`);
    }
  }
  out.push('');
  if (r.levers.applied.length === 0) out.push('Levers applied: none');
  else {
    out.push('Levers applied (applied to A, gone in B):');
    for (const l of r.levers.applied) out.push(`  [${l.id}] ${formatBytes(l.bytes)} in A  ${leverDoc(l.id).title}`);
  }
  if (r.levers.remaining.length === 0) out.push('Levers remaining: none');
  else {
    out.push('Levers remaining (still apply to B):');
    for (const l of r.levers.remaining) {
      const fresh = r.levers.new.includes(l.id) ? '  NEW' : '';
      out.push(`  [${l.id}] ${formatBytes(l.bytes)} in B${l.bytesA !== null ? ` (${formatBytes(l.bytesA)} in A)` : ''}${fresh}  ${leverDoc(l.id).title}`);
    }
  }
  out.push('');
  out.push(...costBlock(r.cost));
  return out;
}

function renderBinaries(r: BinaryComparison, top: number): string[] {
  const out: string[] = [];
  out.push(`A  ${r.a.input}${r.a.source === 'binary-report' ? ' (saved report)' : ''}`);
  out.push(`B  ${r.b.input}${r.b.source === 'binary-report' ? ' (saved report)' : ''}`);
  out.push('');
  out.push(`=> ${r.headline}  (${r.size.delta > 0 ? '+' : ''}${r.size.delta} B)`);
  out.push('');
  out.push(pairLine('file size', r.size));
  out.push(`  ${pad('stripped', 14)}${lpad(r.stripped.a ? 'yes' : 'no', 10)} -> ${lpad(r.stripped.b ? 'yes' : 'no', 10)}`);
  out.push(`  ${pad('Go', 14)}${lpad(r.goVersion.a ?? '?', 10)} -> ${lpad(r.goVersion.b ?? '?', 10)}`);
  out.push('');
  if (r.levers.length === 0) out.push('Levers behind the change: none (same build settings, same stripping, same linking)');
  else {
    out.push('Levers behind the change:');
    for (const l of r.levers) out.push(`  [${l.id}] ${l.delta === 0 ? '' : `${signed(l.delta)} (${l.delta > 0 ? '+' : ''}${l.delta} B)  `}${leverDoc(l.id).title}: ${l.why}`);
  }
  out.push('');
  if (r.settings.length === 0) out.push('Build settings: no change');
  else {
    out.push('Build settings that changed:');
    for (const s of r.settings) out.push(`  ${pad(s.key, 14)} ${s.a ?? '(unset)'} -> ${s.b ?? '(unset)'}${s.lever ? `  [${s.lever}]` : ''}`);
  }
  out.push('');
  changeRows(out, 'Sections', r.sections, top, (c) => {
    const lever = r.sections.find((s) => s.key === c.key)?.lever;
    return lever ? `${c.key}  [${lever}]` : c.key;
  });
  out.push('');
  changeRows(out, 'Modules', r.modules, top);
  out.push('');
  changeRows(out, 'Packages', r.packages, top);
  out.push('');
  const f = r.findings;
  out.push(`Findings: applied ${f.applied.join(', ') || 'none'}; remaining ${f.remaining.join(', ') || 'none'}${f.new.length > 0 ? `; new ${f.new.join(', ')}` : ''}`);
  return out;
}

export { absPaths };

export function renderCompareText(r: CompareReport, opts: { top?: number } = {}): string {
  const top = opts.top ?? 10;
  const lines = r.subject === 'image' ? renderImages(r, top) : renderBinaries(r, top);
  return `${lines.join('\n')}\n`;
}
