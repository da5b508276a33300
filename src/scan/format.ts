/**
 * The fleet summary as text and Markdown (`goslim scan` / `goslim merge` `--format`). Pure:
 * summary in, text out; every number is one the JSON document has. Lever names come from the
 * vocabulary (`goslim explain <id>` says what each removes).
 */
import { cell, code, table } from '../report/md.js';
import { formatBytes } from '../util/units.js';
import { leverDoc } from '../vocabulary/levers.js';
import type { FleetSummary } from './summary.js';

function more(count: number, shown: number): string[] {
  return count > shown ? [`  … and ${count - shown} more`] : [];
}

function shortDigest(d: string): string {
  return d.replace(/^sha256:/, '').slice(0, 12);
}

export function renderFleetText(s: FleetSummary): string {
  const r = s.references;
  const out: string[] = [];
  out.push(`Fleet: ${r.total} references, ${s.images} distinct images inspected, ${r.errors} could not be read${r.duplicates > 0 ? ` (${r.duplicates} duplicate records ignored)` : ''}`);
  out.push(`Size: ${formatBytes(s.bytes.size)} (${formatBytes(s.bytes.compressedSize)} compressed); after every lever: ${formatBytes(s.bytes.estimateSize)} (${formatBytes(s.bytes.estimateCompressedSize)} compressed)`);
  out.push('');
  out.push(`Will not start: ${s.notStarting.count}`);
  for (const i of s.notStarting.images) out.push(`  ${i.ref}  [${i.check}] ${i.message}`);
  out.push(...more(s.notStarting.count, s.notStarting.images.length), '');
  out.push(`Ship a Go toolchain: ${s.goToolchain.count} (${formatBytes(s.goToolchain.bytes)})`);
  for (const i of s.goToolchain.images) out.push(`  ${formatBytes(i.bytes).padStart(10)}  ${i.ref}`);
  out.push(...more(s.goToolchain.count, s.goToolchain.images.length), '');
  out.push('Levers across the fleet (bytes removed, images):');
  for (const l of s.levers) if (l.images > 0) out.push(`  ${formatBytes(l.bytes).padStart(10)}  ${String(l.images).padStart(5)}  ${l.id}: ${leverDoc(l.id).title}`);
  if (s.levers.every((l) => l.images === 0)) out.push('  (none applies)');
  out.push('');
  out.push('Largest images:');
  for (const i of s.largest) out.push(`  ${formatBytes(i.size).padStart(10)}  ${formatBytes(i.compressedSize).padStart(10)} compressed  ${i.ref}${i.references > 1 ? ` (+${i.references - 1} more references)` : ''}`);
  out.push('');
  out.push('Most shared layers (images, size, diff_id):');
  for (const l of s.sharedLayers) out.push(`  ${String(l.images).padStart(5)}  ${formatBytes(l.size).padStart(10)}  ${shortDigest(l.diffId)}`);
  if (s.sharedLayers.length === 0) out.push('  (no layer is in two images)');
  if (r.errors > 0) {
    out.push('', `Could not read: ${r.errors} (${s.errors.byCode.map((c) => `${c.code} ${c.count}`).join(', ')})`);
    for (const e of s.errors.records) out.push(`  ${e.ref}  ${e.code}: ${e.message}`);
    out.push(...more(r.errors, s.errors.records.length));
  }
  if (s.budgets !== undefined) {
    out.push('', `Over budget: ${s.budgets.failed}`);
    for (const b of s.budgets.images) out.push(`  ${b.ref}: ${b.reasons.join('; ')}`);
    out.push(...more(s.budgets.failed, s.budgets.images.length));
  }
  return `${out.join('\n')}\n`;
}

export function renderFleetMarkdown(s: FleetSummary): string {
  const r = s.references;
  const out: string[] = ['## goslim fleet summary', ''];
  out.push(
    ...table(
      ['References', 'Images', 'Could not read', 'Will not start', 'Ship a Go toolchain', 'Size (compressed)', 'After every lever (compressed)'],
      [[String(r.total), String(s.images), String(r.errors), String(s.notStarting.count), String(s.goToolchain.count), `${formatBytes(s.bytes.size)} (${formatBytes(s.bytes.compressedSize)})`, `${formatBytes(s.bytes.estimateSize)} (${formatBytes(s.bytes.estimateCompressedSize)})`]],
      ['r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
    '',
  );
  if (s.notStarting.images.length > 0) {
    out.push(`### 🛑 Will not start (${s.notStarting.count})`, '');
    out.push(...table(['Image', 'Check', 'Finding'], s.notStarting.images.map((i) => [code(i.ref), code(i.check), cell(i.message)])), '');
  }
  if (s.goToolchain.images.length > 0) {
    out.push(`### Ship a Go toolchain (${s.goToolchain.count}, ${formatBytes(s.goToolchain.bytes)})`, '');
    out.push(...table(['Image', 'Toolchain bytes'], s.goToolchain.images.map((i) => [code(i.ref), formatBytes(i.bytes)]), ['l', 'r']), '');
  }
  out.push('### Levers across the fleet', '');
  out.push(...table(['Lever', 'Images', 'Bytes removed', 'What'], s.levers.filter((l) => l.images > 0).map((l) => [code(l.id), String(l.images), formatBytes(l.bytes), cell(leverDoc(l.id).title)]), ['l', 'r', 'r', 'l']), '');
  out.push('### Largest images', '');
  out.push(...table(['Image', 'Size', 'Compressed', 'References'], s.largest.map((i) => [code(i.ref), formatBytes(i.size), formatBytes(i.compressedSize), String(i.references)]), ['l', 'r', 'r', 'r']), '');
  out.push('### Most shared layers', '');
  out.push(...table(['diff_id', 'Images', 'Size', 'Compressed'], s.sharedLayers.map((l) => [code(shortDigest(l.diffId)), String(l.images), formatBytes(l.size), formatBytes(l.compressedSize)]), ['l', 'r', 'r', 'r']), '');
  if (s.errors.records.length > 0) {
    out.push(`### Could not read (${r.errors})`, '');
    out.push(...table(['Image', 'Code', 'Message'], s.errors.records.map((e) => [code(e.ref), code(e.code), cell(e.message)])), '');
  }
  if (s.budgets !== undefined && s.budgets.failed > 0) {
    out.push(`### Over budget (${s.budgets.failed})`, '');
    out.push(...table(['Image', 'Budget', 'Why'], s.budgets.images.map((b) => [code(b.ref), b.budgets.map((id) => code(id)).join(' '), cell(b.reasons.join('; '))])), '');
  }
  return `${out.join('\n')}\n`;
}
