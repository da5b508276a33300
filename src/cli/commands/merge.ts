import { resolve } from 'node:path';
import type { Command } from 'commander';
import { summarizeFiles } from '../../scan/index.js';
import type { CliIO, ExitCode } from '../context.js';
import { addFleetOptions, fleetBudgets, fleetExit, fleetRenderers, fleetTop, type FleetCliOptions } from '../fleet-options.js';
import { writeReport } from '../output.js';
import type { ActionRunner, CommandModule } from './types.js';
import { addConfigOption, commandConfig, type ConfigCliOptions } from '../config.js';

interface MergeCliOptions extends FleetCliOptions, ConfigCliOptions {
  output?: string[];
}

export const command: CommandModule = {
  register(program: Command, run: ActionRunner): void {
    addConfigOption(addFleetOptions(program
      .command('merge')
      .description('Combine the JSON Lines outputs of `goslim scan` shards into one fleet summary, the same as a single run\'s')
      .argument('<files...>', 'JSON Lines files written by goslim scan -o')))
      .option('-o, --output <file>', 'write the fleet summary to this file (atomically) instead of stdout; repeat as FORMAT=FILE for more formats (-o fleet.json -o markdown=fleet.md)', (v: string, prev?: string[]) => [...(prev ?? []), v])
      .action(async (files: string[], opts: MergeCliOptions) => {
        await run(async (io: CliIO): Promise<ExitCode> => {
          const top = fleetTop(opts);
          const budgets = fleetBudgets(opts, await commandConfig(io.cwd, opts.config));
          const { summary, partialLines } = await summarizeFiles(files.map((f) => resolve(io.cwd, f)), { top, ...(budgets !== undefined ? { budgets } : {}) });
          if (partialLines > 0) io.stderr(`goslim: merge: ${partialLines} cut-off line(s) skipped (a scan that did not finish; goslim scan --resume completes it)\n`);
          await writeReport(io, opts, fleetRenderers, summary);
          return fleetExit(io, summary, opts);
        });
      });
  },
};
