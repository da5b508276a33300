/**
 * Markdown for `inspect`, `verify` and `binary` (`--format markdown`): a heading, a summary
 * table, what will not start first, then levers and the rest in tables, long lists collapsed.
 * Pure: report in, Markdown out; every number is one the command's JSON has.
 */
import type { InspectReport } from '../analysis/inspect.js';
import type { BinaryReport } from '../binary/types.js';
import type { VerifyReport } from '../verify/types.js';
import { CAUSE_DOCS } from '../vocabulary/causes.js';
import { formatBytes, formatPercent } from '../util/units.js';
import { cell, code, details, LONG, table } from './md.js';
import { verdictText, willNotStart } from './verify-text.js';

const STATUS: Record<string, string> = { pass: '✅ pass', warn: '⚠️ warn', fail: '🛑 fail', skip: '⏭️ skip' };
const VERDICT: Record<string, string> = { pass: '✅', warn: '⚠️', fail: '🛑' };

function checksTable(r: VerifyReport, onlyProblems: boolean): string[] {
  const rows = r.checks
    .filter((c) => !onlyProblems || c.status === 'fail' || c.status === 'warn')
    .sort((a, b) => rank(a.status) - rank(b.status))
    .map((c) => [code(c.id), STATUS[c.status] ?? c.status, cell(c.message), cell(c.fix ?? '')]);
  return rows.length === 0 ? [] : [...table(['Check', 'Status', 'Finding', 'Fix'], rows), ''];
}
function rank(s: string): number {
  return s === 'fail' ? 0 : s === 'warn' ? 1 : s === 'pass' ? 2 : 3;
}

function startSection(r: VerifyReport, heading: string): string[] {
  return [
    `${heading} ${VERDICT[r.verdict]} Will it start? ${verdictText(r)}`,
    '',
    `Command: ${r.command.length ? code(JSON.stringify(r.command)) : '(none)'}`,
    '',
    ...checksTable(r, true),
  ];
}

export function renderInspectMarkdown(r: InspectReport, opts: { top?: number } = {}): string {
  const top = opts.top ?? 10;
  const img = r.image;
  const broken = willNotStart(r.startup);
  const out: string[] = [`## goslim inspect ${code(img.ref)}`, ''];
  if (broken) out.push(`> **🛑 This image will not start.** ${cell(r.headline)}`, '');
  else out.push(`> ${cell(r.headline)}`, '');
  out.push(
    ...table(
      ['', ''],
      [
        ['Size', `${formatBytes(img.size)} uncompressed, ${formatBytes(img.compressedSize)} stored (pulled)`],
        ['Files', `${img.files} files, ${formatBytes(img.fileBytes)} of file data`],
        ['Hidden in lower layers', `${formatBytes(r.wasted.bytes)} (efficiency ${formatPercent(r.wasted.efficiency)})`],
        ['After all levers', `${formatBytes(r.estimate.size)} uncompressed, ${formatBytes(r.estimate.compressedSize)} compressed (estimate)`],
        ['Platform', code(img.platform)],
        ['Digest', code(img.digest)],
      ],
    ),
    '',
  );
  if (broken) out.push(...startSection(r.startup, '###'));

  out.push('### Levers, biggest first', '');
  if (r.levers.length === 0) out.push('None: nothing left to remove.', '');
  else {
    out.push(
      ...table(
        ['#', 'Lever', 'Removes', 'Finding', 'Apply first'],
        r.levers.map((l, i) => [
          String(i + 1),
          code(l.id),
          formatBytes(l.bytes),
          `${l.verdict ? `**🛑 ${cell(l.verdict)}** ` : ''}${cell(l.title)}`,
          (l.needs ?? []).map((n) => `${code(n.lever)}: ${cell(n.why)}`).join('<br>'),
        ]),
        ['r', 'l', 'r'],
      ),
      '',
      ...details(
        'What each lever changes',
        r.levers.flatMap((l) => [`- ${code(l.id)}: **fix:** ${cell(l.fix)} **You lose:** ${cell(l.lose)} **Still works:** ${cell(l.keep)} (\`goslim explain ${l.id}\`)`]),
      ),
    );
  }
  if (!broken) out.push(...startSection(r.startup, '###'));

  const causes = r.causes.filter((c) => c.bytes > 0 || c.files > 0);
  out.push('### Causes', '', ...table(['Cause', 'Bytes', 'Share', 'Files', 'What'], causes.map((c) => [code(c.id), formatBytes(c.bytes), img.fileBytes > 0 ? formatPercent(c.bytes / img.fileBytes) : '-', String(c.files), cell(CAUSE_DOCS[c.id].title)]), ['l', 'r', 'r', 'r']), '');

  const goRows = r.goBinaries.map((b) => [
    code(b.path),
    formatBytes(b.size),
    cell(b.go?.version ?? 'unknown'),
    cell(b.linking),
    b.strip.total > 0 ? `-s -w saves ${formatBytes(b.strip.total)}` : 'stripped',
    b.willStart ? 'yes' : `**🛑 no**: ${cell(b.problem ?? 'its loader is missing')}`,
  ]);
  out.push('### Go binaries', '', ...(goRows.length > 0 ? table(['Path', 'Size', 'Go', 'Linking', 'Symbols', 'Starts'], goRows, ['l', 'r']) : ['None found.']), '');
  if (r.packedBinaries.length > 0) {
    const rows = r.packedBinaries.map((b) => [code(b.path), formatBytes(b.size), cell(b.title), code(b.explain)]);
    out.push('#### Packed executables (contents hidden)', '', ...table(['Path', 'Size', 'What', 'Why not'], rows, ['l', 'r']), '');
  }

  const layerRows = r.layers.map((l) => [String(l.number), formatBytes(l.size), formatBytes(l.compressedSize), String(l.files), cell(l.createdBy ?? '(no history)')]);
  const layerTable = table(['Layer', 'Size', 'Stored', 'Entries', 'Created by'], layerRows, ['r', 'r', 'r', 'r']);
  out.push(...details(`Layers (${r.layers.length}, numbered from 1, the base)`, layerTable));

  const fileRows = r.largestFiles.slice(0, top).map((f) => [code(f.path), formatBytes(f.bytes), code(f.cause), cell(f.package ?? ''), String(f.layer)]);
  out.push(...details(`Largest files (${fileRows.length})`, table(['Path', 'Size', 'Cause', 'Package', 'Layer'], fileRows, ['l', 'r', 'l', 'l', 'r'])));

  const e = r.estimate;
  out.push(
    ...details(`Estimate after all levers: ${formatBytes(e.size)} (${formatBytes(e.compressedSize)} compressed)`, [
      ...table(['Part', 'Size', 'Compressed'], e.parts.map((p) => [cell(p.what), formatBytes(p.size), formatBytes(p.compressedSize)]), ['l', 'r', 'r']),
      '',
      `Compressed figures: ${cell(e.method)}`,
    ]),
  );
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}

export function renderVerifyMarkdown(r: VerifyReport): string {
  const out: string[] = [`## goslim verify ${code(r.image.ref)}`, ''];
  out.push(`**${VERDICT[r.verdict]} ${verdictText(r)}** (${code(r.image.platform)}, ${code(r.image.digest)})`, '');
  out.push(`Command: ${r.command.length ? code(JSON.stringify(r.command)) : '(none)'}`, '');
  out.push(...checksTable(r, false));
  if (r.run) {
    const run = r.run;
    out.push(`### Run (${cell(run.sandbox)})`, '');
    const rows: string[][] = [
      ['Started', run.started ? 'yes' : '**🛑 no**'],
      ['Exit code', run.exitCode === null ? '(still running: stopped)' : String(run.exitCode)],
      ['Timed out', run.timedOut ? 'yes' : 'no'],
      ['Duration', `${run.durationMs} ms`],
    ];
    if (run.probe) rows.push(['Probe', `${code(run.probe.url)}: ${run.probe.status !== null ? `HTTP ${run.probe.status}` : cell(run.probe.error ?? 'no answer')}`]);
    if (run.reason) rows.push(['Reason', cell(run.reason)]);
    out.push(...table(['', ''], rows), '');
    if (run.output.length > 0) out.push(...details(`Output (${run.output.length} lines)`, ['```text', ...run.output.map((l) => l.replace(/```/g, "'''")), '```']));
  }
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}

export function renderBinaryMarkdown(r: BinaryReport, opts: { top?: number } = {}): string {
  const top = opts.top ?? 12;
  const out: string[] = [`## goslim binary ${code(r.path ?? '(bytes)')}`, ''];
  const rows: string[][] = [
    ['Size', `${formatBytes(r.size)} (${r.size} bytes)`],
    ['Format', cell(`${r.format.toUpperCase()} ${r.class}-bit ${r.endian}-endian ${r.machine} (${r.arch}), ${r.type}`)],
    ['Linking', cell(r.linking + (r.interpreter ? `, interpreter ${r.interpreter}` : '') + (r.needed.length ? `, needs ${r.needed.join(', ')}` : ''))],
    ['Go', r.go ? cell(`${r.go.version ?? 'version unknown'}${r.go.path ? ` ${r.go.path}` : ''}`) : 'not a Go executable'],
    ['cgo', r.cgo.used ? `yes${r.cgo.libraries.length ? `, C libraries: ${cell(r.cgo.libraries.join(', '))}` : ''}` : 'no'],
    ['Symbols and DWARF', r.strip.total > 0 ? `-s -w removes ${formatBytes(r.strip.total)} (symbol table ${formatBytes(r.strip.symtab)}, DWARF ${formatBytes(r.strip.dwarf)})` : 'stripped'],
    ['Build paths', r.trimpath.leakedPaths > 0 ? `${r.trimpath.leakedPaths} of ${r.trimpath.files} file names are absolute` : `none absolute (${r.trimpath.files} file names)`],
  ];
  out.push(...table(['', ''], rows), '');
  out.push('### Findings', '');
  if (r.findings.length === 0) out.push('None: nothing left to remove at the binary level.', '');
  else {
    out.push(
      ...table(
        ['Lever', 'Removes', 'Finding', 'Fix'],
        r.findings.map((f) => [code(f.lever), `${f.estimated ? '~' : ''}${formatBytes(f.bytes)}`, cell(f.title), cell(f.fix)]),
        ['l', 'r'],
      ),
      '',
    );
  }
  if (r.packages.length > 0) {
    const pk = r.packages.slice(0, top).map((p) => [code(p.name), formatBytes(p.size)]);
    out.push(...details(`Go code per package (${r.packages.length}; largest ${pk.length})`, table(['Package', 'Code'], pk, ['l', 'r'])));
  }
  const secs = [...r.sections].filter((s) => s.size > 0).sort((a, b) => b.size - a.size);
  out.push(...details(`Sections (${r.sections.length})`, table(['Section', 'Size'], secs.slice(0, Math.max(top, LONG)).map((s) => [code(s.name), formatBytes(s.size)]), ['l', 'r'])));
  if (r.go && r.go.deps.length > 0) {
    out.push(...details(`Module dependencies (${r.go.deps.length})`, table(['Module', 'Version'], r.go.deps.map((d) => [code(d.path), cell(d.version)]))));
  }
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}
