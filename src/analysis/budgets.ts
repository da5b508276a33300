/**
 * CI budgets for `goslim inspect`: each exceeded budget is one line of reason. Pure.
 */
import { UsageError } from '../errors.js';
import { formatBytes, formatPercent, parseBytes } from '../util/units.js';
import type { InspectReport } from './inspect.js';
import { isLeverId, LEVER_IDS, type LeverId } from '../vocabulary/levers.js';
import type { BudgetCrossing } from '../vocabulary/budgets.js';

/** The ids `--fail-on-lever` accepts: every lever (src/vocabulary). */
export { LEVER_IDS };

export interface Budgets {
  maxSize?: number;
  maxCompressedSize?: number;
  /** 0..1 */
  minEfficiency?: number;
  failOnLevers?: LeverId[];
}

export interface BudgetText {
  maxSize?: string;
  maxCompressedSize?: string;
  minEfficiency?: string;
  failOnLever?: string[];
}

/** Parse the CLI's budget options; E_USAGE on anything unparseable. */
export function parseBudgets(t: BudgetText): Budgets {
  const b: Budgets = {};
  const bytes = (flag: string, v: string): number => {
    const n = parseBytes(v);
    if (n === undefined) throw new UsageError(`${flag} must be a size such as 250MB, 1.5GiB or 300000, got "${v}"`);
    return n;
  };
  if (t.maxSize !== undefined) b.maxSize = bytes('--max-size', t.maxSize);
  if (t.maxCompressedSize !== undefined) b.maxCompressedSize = bytes('--max-compressed-size', t.maxCompressedSize);
  if (t.minEfficiency !== undefined) {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(t.minEfficiency);
    const v = m ? Number(m[1]) / (m[2] ? 100 : 1) : NaN;
    if (!(v >= 0 && v <= 1)) throw new UsageError(`--min-efficiency must be a fraction (0.95) or a percentage (95%), got "${t.minEfficiency}"`);
    b.minEfficiency = v;
  }
  if (t.failOnLever !== undefined) {
    const ids = t.failOnLever.flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s !== '');
    for (const id of ids) {
      if (!isLeverId(id)) {
        throw new UsageError(`--fail-on-lever: unknown lever "${id}" (one of ${LEVER_IDS.join(', ')})`, { details: { lever: id, accepted: [...LEVER_IDS] } });
      }
    }
    b.failOnLevers = ids as LeverId[];
  }
  return b;
}

/** Each exceeded budget with its id and one line saying what crossed it; empty when everything is within budget. */
export function budgetCrossings(r: InspectReport, b: Budgets): BudgetCrossing[] {
  const out: BudgetCrossing[] = [];
  if (b.maxSize !== undefined && r.image.size > b.maxSize) {
    out.push({ budget: 'max-size', message: `size ${formatBytes(r.image.size)} (${r.image.size} B) exceeds --max-size ${formatBytes(b.maxSize)}` });
  }
  if (b.maxCompressedSize !== undefined && r.image.compressedSize > b.maxCompressedSize) {
    out.push({ budget: 'max-compressed-size', message: `compressed size ${formatBytes(r.image.compressedSize)} (${r.image.compressedSize} B) exceeds --max-compressed-size ${formatBytes(b.maxCompressedSize)}` });
  }
  if (b.minEfficiency !== undefined && r.wasted.efficiency < b.minEfficiency) {
    out.push({ budget: 'min-efficiency', message: `efficiency ${formatPercent(r.wasted.efficiency)} (${formatBytes(r.wasted.bytes)} hidden in lower layers) is below --min-efficiency ${formatPercent(b.minEfficiency)}` });
  }
  for (const id of b.failOnLevers ?? []) {
    const l = r.levers.find((x) => x.id === id);
    if (l && (l.bytes > 0 || l.verdict !== undefined)) out.push({ budget: 'fail-on-lever', message: `lever ${id} applies: ${l.title}`, lever: id });
  }
  return out;
}

/** One-line reasons, one per exceeded budget; empty when everything is within budget. */
export function checkBudgets(r: InspectReport, b: Budgets): string[] {
  return budgetCrossings(r, b).map((c) => c.message);
}
