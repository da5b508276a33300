/**
 * Text rendering of an inspect report: summary, layers with their instructions, causes, largest
 * files, Go binaries, levers ranked, estimate. Pure: report in, text out (the CLI prints it).
 */
import { renderChecks, verdictText, willNotStart as startFails } from './verify-text.js';
import type { InspectReport } from '../analysis/inspect.js';
import { CAUSE_DOCS } from '../vocabulary/causes.js';
import { formatBytes, formatPercent } from '../util/units.js';
import { PLAIN, type Style } from './style.js';

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
function pct(part: number, whole: number): string {
  return whole > 0 ? `${((part / whole) * 100).toFixed(1)}%` : '-';
}

/** The image will not start: the most urgent finding whatever its bytes (issue 14; see verify-text's willNotStart). */
export function willNotStart(r: InspectReport): boolean {
  return startFails(r.startup);
}

function startSection(r: InspectReport, st: Style): string[] {
  const verdict = verdictText(r.startup);
  const coloured = r.startup.verdict === 'fail' ? st.bad(verdict) : r.startup.verdict === 'warn' ? st.warn(verdict) : st.good(verdict);
  return [
    `${st.bold('Will it start?')} ${coloured}  (command ${r.startup.command.length ? JSON.stringify(r.startup.command) : '(none)'}; goslim verify --run to start it)`,
    ...renderChecks(r.startup).filter((l) => !l.includes('[ok  ]')),
    '',
  ];
}

export function renderInspectText(r: InspectReport, opts: { top?: number; style?: Style } = {}): string {
  const top = opts.top ?? 10;
  const st = opts.style ?? PLAIN;
  const out: string[] = [];
  const img = r.image;
  out.push(`source: ${img.source.transport}${img.source.detail !== undefined ? ` (${img.source.detail})` : ''}`);
  out.push(st.bold(img.ref));
  out.push(`  digest    ${img.digest}`);
  out.push(`  platform  ${img.platform}`);
  const how = img.compressed.method === 'measured' ? 'compressed (measured: gzip as docker push)' : img.compressed.method === 'estimated' ? `compressed (estimated: gzip as docker push, ${((img.compressed.sampleFraction ?? 0) * 100).toFixed(1)} % sampled)` : img.compressed.method === 'stored-uncompressed' ? 'stored uncompressed (not measured)' : 'compressed';
  out.push(`  size      ${formatBytes(img.size)} uncompressed, ${formatBytes(img.compressedSize)} ${how}; ${img.files} files, ${formatBytes(img.fileBytes)} of file data`);
  out.push(`  waste     ${formatBytes(r.wasted.bytes)} hidden in lower layers; efficiency ${formatPercent(r.wasted.efficiency)}`);
  out.push('');
  out.push(`=> ${willNotStart(r) ? st.bad(r.headline) : r.headline}`);
  out.push('');
  // An image that will not start heads the report, above every lever and byte count.
  if (willNotStart(r)) out.push(...startSection(r, st));

  out.push(st.bold('Layers (numbered from 1, the base)'));
  for (const l of r.layers) {
    out.push(`  ${lpad(String(l.number), 2)}  ${lpad(formatBytes(l.size), 9)} ${lpad(formatBytes(l.compressedSize), 9)} ${l.compressedMethod === 'blob' ? 'stored' : 'gz~   '}  ${short(l.createdBy ?? '(no history)', 90)}`);
    const extra = [`${l.files} entries`];
    if (l.modified > 0) extra.push(`${formatBytes(l.modified)} overwrites lower files`);
    if (l.deleted > 0) extra.push(`deletes ${l.deleted} paths (${formatBytes(l.deletedBytes)})`);
    out.push(`                                    ${extra.join(', ')}`);
  }
  out.push('');

  out.push(st.bold('Causes (every byte of the final filesystem, once)'));
  for (const c of r.causes) {
    if (c.bytes === 0 && c.files === 0) continue;
    out.push(`  ${pad(c.id, 19)} ${lpad(formatBytes(c.bytes), 9)} ${lpad(pct(c.bytes, img.fileBytes), 6)} ${lpad(String(c.files), 7)} files  ${CAUSE_DOCS[c.id].title}`);
  }
  const pkgs = r.packages.filter((p) => p.bytes > 0).slice(0, top);
  if (pkgs.length > 0) {
    out.push(`  largest packages: ${pkgs.map((p) => `${p.name} ${formatBytes(p.bytes)}`).join(', ')}`);
  }
  out.push('');

  out.push(st.bold('Largest files'));
  for (const f of r.largestFiles.slice(0, top)) {
    out.push(`  ${lpad(formatBytes(f.bytes), 9)}  ${short(f.path, 70)}  [${f.cause}${f.package ? `: ${f.package}` : ''}, layer ${f.layer}]`);
  }
  out.push('');

  out.push(st.bold('Go binaries'));
  if (r.goBinaries.length === 0) out.push(r.packedBinaries.length > 0 ? '  none readable (see the packed executables below)' : '  none found');
  for (const b of r.goBinaries) {
    const settings = b.go?.settings ?? {};
    const bits = [
      b.go?.version ?? 'go version unknown',
      b.linking === 'dynamic' ? `dynamic (${b.interpreter ?? 'no interpreter'}; ${(b.needed ?? []).join(', ') || 'no libraries'})` : b.linking,
      settings.CGO_ENABLED !== undefined ? `CGO_ENABLED=${settings.CGO_ENABLED}` : undefined,
      b.strip.total > 0 ? `-s -w saves ${formatBytes(b.strip.total)}` : 'stripped',
      b.trimpath.leakedPaths > 0 ? `${b.trimpath.leakedPaths} absolute paths` : 'trimpath',
    ].filter((x): x is string => x !== undefined);
    out.push(`  ${b.path}  ${formatBytes(b.size)}  ${bits.join(', ')}${b.package ? `  (installed by ${b.package})` : ''}`);
    if (!b.willStart) out.push(`      ${st.bad('WILL NOT START')}: ${b.problem ?? 'its loader is missing'}`);
  }
  if (r.packedBinaries.length > 0) out.push(st.bold('Packed executables (contents hidden: not attributed to packages or levers)'));
  for (const b of r.packedBinaries) {
    out.push(`  ${b.path}  ${formatBytes(b.size)}  [${st.warn(b.hint)}]${b.package ? `  (installed by ${b.package})` : ''}`);
    out.push(`      ${b.title}`);
    out.push(st.dim(`      lose: ${b.lose}`));
    out.push(st.dim(`      more: ${b.explain}`));
  }
  out.push('');

  if (!willNotStart(r)) out.push(...startSection(r, st));

  out.push(st.bold('Levers, biggest first'));
  if (r.levers.length === 0) out.push('  none: nothing left to remove');
  r.levers.forEach((l, i) => {
    out.push(`  ${i + 1}. [${st.warn(l.id)}] ${formatBytes(l.bytes)}${l.verdict ? `  ${st.bad(`** ${l.verdict} **`)}` : ''}  ${l.title}`);
    for (const n of l.needs ?? []) out.push(`       ${st.warn('first:')} ${n.lever}: ${n.why}`);
    out.push(st.dim(`       fix:  ${l.fix}`));
    out.push(st.dim(`       lose: ${l.lose}`));
    out.push(st.dim(`       keep: ${l.keep}`));
    out.push(st.dim(`       more: goslim explain ${l.id}`));
  });
  out.push('');

  const e = r.estimate;
  out.push(`${st.bold('Estimate after all levers:')} ${formatBytes(e.size)} uncompressed, ${formatBytes(e.compressedSize)} compressed (now ${formatBytes(img.size)} / ${formatBytes(img.compressedSize)})`);
  for (const p of e.parts) out.push(`  ${lpad(formatBytes(p.size), 9)} ${lpad(formatBytes(p.compressedSize), 9)} gz  ${p.what}`);
  out.push(`  compressed figures: ${e.method}`);
  if (r.anomalies > 0) out.push(`\nnote: ${r.anomalies} tar anomalies were neutralised (unsafe paths, dangling links); --json has details`);
  return `${out.join('\n')}\n`;
}
