/**
 * Budgets of `goslim compare`: `--max-growth 5%` or `--max-growth 2MB`, `--fail-on-new-lever`.
 * Each crossed budget is one line saying what crossed it. Pure.
 */
import { UsageError } from '../errors.js';
import { formatBytes, formatPercent, parseBytes } from '../util/units.js';
import { leverDoc } from '../vocabulary/levers.js';
import type { BudgetCrossing } from '../vocabulary/budgets.js';
import { formatDelta, formatSize3 } from './headline.js';
import type { CompareReport, SizePair } from './types.js';

export type MaxGrowth = { kind: 'fraction'; value: number; text: string } | { kind: 'bytes'; value: number; text: string };

export interface CompareBudgets {
  maxGrowth?: MaxGrowth;
  failOnNewLever?: boolean;
}

/** `5%`, `0.5 %` (of the before size) or a size (`2MB`, `300k`, `1048576`); E_USAGE otherwise. */
export function parseMaxGrowth(text: string, flag = '--max-growth'): MaxGrowth {
  const pct = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(text);
  if (pct) return { kind: 'fraction', value: Number(pct[1]) / 100, text: text.trim() };
  const bytes = parseBytes(text);
  if (bytes !== undefined) return { kind: 'bytes', value: bytes, text: text.trim() };
  throw new UsageError(`${flag} must be a percentage (5%) or a size (2MB), got "${text}"`);
}

function growthLine(what: string, p: SizePair, g: MaxGrowth): string | undefined {
  if (p.delta <= 0) return undefined;
  const crossed = g.kind === 'bytes' ? p.delta > g.value : p.fraction === null ? p.delta > 0 : p.fraction > g.value;
  if (!crossed) return undefined;
  const limit = g.kind === 'bytes' ? formatBytes(g.value) : formatPercent(g.value);
  return `${what} grew ${formatDelta(p)}: ${formatSize3(p.a)} -> ${formatSize3(p.b)} (${p.delta} B more), over --max-growth ${limit}`;
}

/** Each crossed budget with its id and one line saying what crossed it; empty when all hold. */
export function compareBudgetCrossings(r: CompareReport, b: CompareBudgets): BudgetCrossing[] {
  const out: BudgetCrossing[] = [];
  if (b.maxGrowth) {
    const pairs: Array<[string, SizePair]> = r.subject === 'image'
      ? [['uncompressed size', r.size], ['compressed size', r.compressedSize]]
      : [['binary size', r.size]];
    for (const [what, p] of pairs) {
      const line = growthLine(what, p, b.maxGrowth);
      if (line) out.push({ budget: 'max-growth', message: line });
    }
  }
  if (b.failOnNewLever) {
    const fresh = r.subject === 'image' ? r.levers.new : r.findings.new;
    for (const id of fresh) {
      const bytes = r.subject === 'image' ? r.levers.remaining.find((l) => l.id === id)?.bytes : undefined;
      out.push({
        budget: 'fail-on-new-lever',
        message: `new lever ${id} applies to B and did not to A${bytes !== undefined ? ` (${formatBytes(bytes)})` : ''}: ${leverDoc(id).title} (--fail-on-new-lever)`,
        lever: id,
      });
    }
  }
  return out;
}

/** One line per crossed budget; empty when all hold. */
export function checkCompareBudgets(r: CompareReport, b: CompareBudgets): string[] {
  return compareBudgetCrossings(r, b).map((c) => c.message);
}
