/**
 * `--platform all` on `inspect` and `verify`: a summary table (one row per platform), then one
 * section per platform with that command's usual text. Pure: reports in, text out.
 */
import type { InspectReport } from '../analysis/inspect.js';
import type { VerifyReport } from '../verify/types.js';
import { formatBytes } from '../util/units.js';
import { renderInspectText } from './inspect-text.js';
import { renderVerifyText } from './verify-text.js';

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => `  ${cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')}`.trimEnd();
  return [line(header), ...rows.map(line)];
}

function section(platform: string): string {
  return `── ${platform} ${'─'.repeat(Math.max(4, 60 - platform.length))}`;
}

/** The verdict word of a verify report, with the run's outcome when there was one. */
export function verdictCell(r: VerifyReport): string {
  const run = r.run;
  const v = r.verdict === 'fail' ? 'WILL NOT START' : r.verdict === 'warn' ? 'starts, warnings' : 'will start';
  if (!run) return v;
  if (run.skipped) return `${v}; run skipped`;
  if (run.sandbox === 'none') return `${v}; not run`;
  const how = run.started ? 'started' : 'DID NOT START';
  return `${v}; ${how}${run.emulator ? ` (${run.emulator.kind === 'binfmt' ? 'binfmt_misc' : run.emulator.path.split('/').pop()})` : ''}`;
}

export function renderInspectPlatforms(ref: string, reports: InspectReport[], opts: { top?: number } = {}): string {
  const out: string[] = [`${ref}: ${reports.length} platform${reports.length === 1 ? '' : 's'}`];
  out.push(
    ...table(
      ['platform', 'size', 'stored', 'will it start', 'levers'],
      reports.map((r) => [
        r.image.platform,
        formatBytes(r.image.size),
        formatBytes(r.image.compressedSize),
        verdictCell(r.startup),
        r.levers.length === 0 ? '-' : r.levers.map((l) => `${l.id} ${formatBytes(l.bytes)}`).join(', '),
      ]),
    ),
  );
  for (const r of reports) {
    out.push('', section(r.image.platform), renderInspectText(r, opts).trimEnd());
  }
  return `${out.join('\n')}\n`;
}

export function renderVerifyPlatforms(ref: string, reports: VerifyReport[]): string {
  const out: string[] = [`${ref}: ${reports.length} platform${reports.length === 1 ? '' : 's'}`];
  out.push(
    ...table(
      ['platform', 'verdict', 'failed or warned'],
      reports.map((r) => {
        const bad = r.checks.filter((c) => c.status === 'fail' || c.status === 'warn').map((c) => `${c.id}${c.status === 'fail' ? '' : ' (warn)'}`);
        return [r.image.platform, verdictCell(r), bad.length === 0 ? '-' : bad.join(', ')];
      }),
    ),
  );
  for (const r of reports) {
    out.push('', section(r.image.platform), renderVerifyText(r).trimEnd());
  }
  return `${out.join('\n')}\n`;
}
