/**
 * What `goslim scan` and `goslim merge` share: the fleet summary's output (`--format`, `--json`,
 * the summary file), its budgets (as for inspect) and the exit code it gives.
 */
import { Option, type Command } from 'commander';
import { LEVER_IDS, parseBudgets, type Budgets } from '../analysis/budgets.js';
import { UsageError } from '../errors.js';
import { jsonDocument } from '../report/document.js';
import { renderFleetMarkdown, renderFleetText, type FleetSummary } from '../scan/index.js';
import { EXIT_FINDINGS, EXIT_OK, type CliIO, type ExitCode } from './context.js';
import type { Renderers } from './output.js';
import type { GoslimConfig } from '../config/schema.js';

export interface FleetCliOptions {
  format?: string;
  json?: boolean;
  top?: string;
  allowNotStarting?: boolean;
  allowErrors?: boolean;
  maxSize?: string;
  maxCompressedSize?: string;
  minEfficiency?: string;
  failOnLever?: string[];
}

export const fleetRenderers: Renderers<FleetSummary> = {
  text: (s) => renderFleetText(s),
  json: (s) => `${JSON.stringify(jsonDocument('fleet', s), null, 2)}\n`,
  markdown: (s) => renderFleetMarkdown(s),
};

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function addFleetOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('-f, --format <format>', 'format of the fleet summary').choices(['text', 'json', 'markdown']).default('text'))
    .option('--json', 'the same as --format json')
    .option('--top <n>', 'rows in each list of the summary (the counts are always complete)', '10')
    .option('--allow-not-starting', 'exit 0 even when images will not start (by default exit 1)')
    .option('--allow-errors', 'exit 0 even when references could not be read (by default exit 1; they are error records either way)')
    .option('--max-size <bytes>', 'budget: an image larger than this (uncompressed) makes the exit code 1')
    .option('--max-compressed-size <bytes>', 'budget: an image whose compressed (pull) size is larger makes the exit code 1')
    .option('--min-efficiency <fraction>', 'budget: an image whose layer efficiency is lower makes the exit code 1')
    .option('--fail-on-lever <id>', `an image this lever applies to makes the exit code 1 (repeatable; one of ${LEVER_IDS.join(', ')})`, collect);
}

export function fleetTop(opts: FleetCliOptions): number {
  const top = Number(opts.top ?? '10');
  if (!Number.isInteger(top) || top < 0 || top > 100_000) throw new UsageError(`--top must be an integer from 0 to 100000, got "${opts.top}"`);
  return top;
}

/** The budgets: the config file's `inspect:` budgets (as for inspect), each overridden by its flag. */
export function fleetBudgets(opts: FleetCliOptions, config?: GoslimConfig): Budgets | undefined {
  const c = config?.inspect ?? {};
  const b: Budgets = {
    ...(c.maxSize !== undefined ? { maxSize: c.maxSize } : {}),
    ...(c.maxCompressedSize !== undefined ? { maxCompressedSize: c.maxCompressedSize } : {}),
    ...(c.minEfficiency !== undefined ? { minEfficiency: c.minEfficiency } : {}),
    ...(c.failOnLever !== undefined ? { failOnLevers: c.failOnLever } : {}),
    ...parseBudgets({
    ...(opts.maxSize !== undefined ? { maxSize: opts.maxSize } : {}),
    ...(opts.maxCompressedSize !== undefined ? { maxCompressedSize: opts.maxCompressedSize } : {}),
    ...(opts.minEfficiency !== undefined ? { minEfficiency: opts.minEfficiency } : {}),
    ...(opts.failOnLever !== undefined ? { failOnLever: opts.failOnLever } : {}),
    }),
  };
  return Object.keys(b).length > 0 ? b : undefined;
}

/** 1 when an image is over a budget, will not start, or could not be read (unless allowed); else 0. Says why on stderr. */
export function fleetExit(io: CliIO, s: FleetSummary, opts: FleetCliOptions): ExitCode {
  const why: string[] = [];
  if (s.budgets !== undefined && s.budgets.failed > 0) why.push(`${s.budgets.failed} image(s) over budget`);
  if (s.notStarting.count > 0 && opts.allowNotStarting !== true) why.push(`${s.notStarting.count} image(s) will not start (--allow-not-starting to exit 0)`);
  if (s.references.errors > 0 && opts.allowErrors !== true) why.push(`${s.references.errors} reference(s) could not be read (--allow-errors to exit 0)`);
  for (const w of why) io.stderr(`goslim: ${w}\n`);
  return why.length > 0 ? EXIT_FINDINGS : EXIT_OK;
}
