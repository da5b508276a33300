import type { Command } from 'commander';
import { checkBudgets, LEVER_IDS, parseBudgets } from '../../analysis/budgets.js';
import { inspectImageRef } from '../../analysis/inspect.js';
import { UsageError } from '../../errors.js';
import { renderInspectText } from '../../report/inspect-text.js';
import { writeJson, type CliIO, type ExitCode } from '../context.js';
import { createProgress } from '../progress.js';
import type { ActionRunner, CommandModule } from './types.js';
import { addNetworkOptions, networkEnv, type NetworkCliOptions } from '../network-options.js';
import { addConfigOption, commandConfig, insecureFor, networkOptions, type ConfigCliOptions } from '../config.js';

interface InspectOptions extends NetworkCliOptions, ConfigCliOptions {
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
    addConfigOption(addNetworkOptions(program
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
          const config = await commandConfig(io.cwd, opts.config);
          // Flags override the config's budgets one by one.
          const budgets = {
            ...(config.inspect.maxSize !== undefined ? { maxSize: config.inspect.maxSize } : {}),
            ...(config.inspect.maxCompressedSize !== undefined ? { maxCompressedSize: config.inspect.maxCompressedSize } : {}),
            ...(config.inspect.minEfficiency !== undefined ? { minEfficiency: config.inspect.minEfficiency } : {}),
            ...(config.inspect.failOnLever !== undefined ? { failOnLevers: config.inspect.failOnLever } : {}),
            ...parseBudgets({
              ...(opts.maxSize !== undefined ? { maxSize: opts.maxSize } : {}),
              ...(opts.maxCompressedSize !== undefined ? { maxCompressedSize: opts.maxCompressedSize } : {}),
              ...(opts.minEfficiency !== undefined ? { minEfficiency: opts.minEfficiency } : {}),
              ...(opts.failOnLever !== undefined ? { failOnLever: opts.failOnLever } : {}),
            }),
          };
          const progress = createProgress(io, 'inspect');
          let report;
          try {
            report = await inspectImageRef(ref, {
              ...(opts.platform !== undefined ? { platform: opts.platform } : {}),
              ...(insecureFor(opts.insecure, [ref], config) ? { insecure: true } : {}),
              ...(opts.verifyDiffIds ? { verifyDiffIds: true } : {}),
              env: networkEnv(io.env, networkOptions(opts, config)),
              onProgress: (p) => progress.update(p),
              largest: Math.max(top, 15),
            });
          } finally {
            progress.done();
          }
          if (opts.json) writeJson(io, report);
          else io.stdout(renderInspectText(report, { top }));
          const reasons = checkBudgets(report, budgets);
          for (const r of reasons) io.stderr(`goslim: budget: ${r}\n`);
          return reasons.length > 0 ? 1 : 0;
        });
      });
  },
};
