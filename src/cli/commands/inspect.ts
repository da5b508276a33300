import type { Command } from 'commander';
import { checkBudgets, LEVER_IDS, parseBudgets } from '../../analysis/budgets.js';
import { inspectImageRef } from '../../analysis/inspect.js';
import { UsageError } from '../../errors.js';
import { costOf } from '../../analysis/cost.js';
import { findConfigFile, loadConfigFile } from '../../config/index.js';
import { ruleKeys } from '../../dockerfile/rules/index.js';
import { costBlock } from '../../report/cost-text.js';
import { renderInspectText } from '../../report/inspect-text.js';
import { addCostOptions, resolveCostModel, type CostCliOptions } from '../cost-options.js';
import { writeJson, type CliIO, type ExitCode } from '../context.js';
import { createProgress } from '../progress.js';
import type { ActionRunner, CommandModule } from './types.js';
import { addNetworkOptions, networkEnv, type NetworkCliOptions } from '../network-options.js';

interface InspectOptions extends NetworkCliOptions, CostCliOptions {
  json?: boolean;
  platform?: string;
  insecure?: boolean;
  verifyDiffIds?: boolean;
  maxSize?: string;
  maxCompressedSize?: string;
  minEfficiency?: string;
  failOnLever?: string[];
  top?: string;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export const command: CommandModule = {
  register(program: Command, run: ActionRunner): void {
    addCostOptions(addNetworkOptions(program
      .command('inspect')))
      .description('Read an image, attribute every byte to a cause, and rank the levers that shrink it')
      .argument('<ref>', 'image: docker-archive:PATH, oci:DIR[:REF], oci-archive:PATH[:REF], docker://REF, a path, or a registry reference')
      .option('--json', 'print the report as JSON')
      .option('--platform <os/arch[/variant]>', 'platform to pick from a multi-platform image (default: linux/amd64 or the only one)')
      .option('--insecure', 'allow plain HTTP to registries other than localhost')
      .option('--verify-diff-ids', "also check each layer's tar against the config's diff_ids (as a runtime does when it unpacks)")
      .option('--max-size <bytes>', 'budget: exit 1 when the uncompressed size is larger (e.g. 50MB)')
      .option('--max-compressed-size <bytes>', 'budget: exit 1 when the stored (pull) size is larger')
      .option('--min-efficiency <fraction>', 'budget: exit 1 when layer efficiency is lower (0.95 or 95%)')
      .option('--fail-on-lever <id>', `exit 1 when this lever applies (repeatable or comma-separated; one of ${LEVER_IDS.join(', ')})`, collect)
      .option('--top <n>', 'rows of largest files and packages in the text output', '10')
      .action(async (ref: string, opts: InspectOptions) => {
        await run(async (io: CliIO): Promise<ExitCode> => {
          const top = Number(opts.top);
          if (!Number.isInteger(top) || top < 0) throw new UsageError(`--top must be a non-negative integer, got "${opts.top}"`);
          const budgets = parseBudgets({
            ...(opts.maxSize !== undefined ? { maxSize: opts.maxSize } : {}),
            ...(opts.maxCompressedSize !== undefined ? { maxCompressedSize: opts.maxCompressedSize } : {}),
            ...(opts.minEfficiency !== undefined ? { minEfficiency: opts.minEfficiency } : {}),
            ...(opts.failOnLever !== undefined ? { failOnLever: opts.failOnLever } : {}),
          });
          const found = findConfigFile(io.cwd, io.cwd);
          const cost = resolveCostModel(opts, found ? loadConfigFile(found, { knownRules: ruleKeys() }).cost : undefined);
          const progress = createProgress(io, 'inspect');
          let report;
          try {
            report = await inspectImageRef(ref, {
              ...(opts.platform !== undefined ? { platform: opts.platform } : {}),
              ...(opts.insecure ? { insecure: true } : {}),
              ...(opts.verifyDiffIds ? { verifyDiffIds: true } : {}),
              env: networkEnv(io.env, opts),
              onProgress: (p) => progress.update(p),
              largest: Math.max(top, 15),
            });
          } finally {
            progress.done();
          }
          // What the bytes cost, from the measured sizes (the model and its defaults stated).
          const costed = { ...cost, a: costOf(report.image, cost.model) };
          if (opts.json) writeJson(io, { ...report, cost: { model: costed.model, defaults: costed.defaults, ...costed.a } });
          else io.stdout(`${renderInspectText(report, { top })}\n${costBlock(costed).join('\n')}\n`);
          const reasons = checkBudgets(report, budgets);
          for (const r of reasons) io.stderr(`goslim: budget: ${r}\n`);
          return reasons.length > 0 ? 1 : 0;
        });
      });
  },
};
