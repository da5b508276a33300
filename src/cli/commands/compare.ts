import { Option, type Command } from 'commander';
import { resolve } from 'node:path';
import { compareBudgetCrossings, parseMaxGrowth, type CompareBudgets } from '../../compare/budgets.js';
import type { CompareJson } from '../../compare/types.js';
import { UsageError } from '../../errors.js';
import { renderCompareMarkdown } from '../../report/compare-markdown.js';
import { packageVersion } from '../../util/package-version.js';
import { readDockerfileOption } from '../read-bounded.js';
import { renderCompareText } from '../../report/compare-text.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import type { CliIO, ExitCode } from '../context.js';
import { addCostOptions, resolveCostModel, type CostCliOptions } from '../cost-options.js';
import { addNetworkOptions, networkEnv, type NetworkCliOptions } from '../network-options.js';
import { CONFIG_OPTION_HELP, commandConfig, insecureFor, networkOptions, type ConfigCliOptions } from '../config.js';
import { createProgress } from '../progress.js';
import { addCacheOptions, resolveLayerCache, type CacheCliOptions } from '../cache-options.js';
import type { ActionRunner, CommandModule } from './types.js';

interface CompareOptions extends NetworkCliOptions, CostCliOptions, ConfigCliOptions, CacheCliOptions {
  format: 'text' | 'json' | 'markdown' | 'sarif';
  dockerfile?: string;
  json?: boolean;
  output?: string;
  config?: string;
  maxGrowth?: string;
  failOnNewLever?: boolean;
  platform?: string;
  insecure?: boolean;
  top?: string;
}

export const command: CommandModule = {
  register(program: Command, run: ActionRunner): void {
    addCacheOptions(addCostOptions(addNetworkOptions(program.command('compare'))))
      .description('Compare two images, two Go binaries or two saved --json reports: sizes, causes, layers, packages, binaries, levers, start-up verdict, cost; budgets exit 1')
      .argument('<a>', 'before: an image reference or path, a Go executable, or a saved `inspect --json` / `binary --json` report')
      .argument('<b>', 'after: the same kind as <a> (an image and an inspect report may be mixed)')
      .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json', 'markdown', 'sarif']).default('text'))
      .option('--json', 'alias of --format json')
      .option('-o, --output <file>', 'write the report to a file (atomically) instead of stdout')
      .option('-c, --config <file>', `${CONFIG_OPTION_HELP}; compare:, cost: and registries: sections`)
      .option('--max-growth <limit>', 'budget: exit 1 when B is larger than A by more than this: a percentage (5%) or a size (2MB); images: uncompressed and compressed size')
      .option('--fail-on-new-lever', 'budget: exit 1 when a lever applies to B that did not apply to A')
      .option('--dockerfile <path>', 'the Dockerfile that built B: SARIF results point at the line that causes each finding')
      .option('--platform <os/arch[/variant]>', 'platform to pick from a multi-platform image (both sides)')
      .option('--insecure', 'allow plain HTTP to registries other than localhost')
      .option('--top <n>', 'rows per table in the text output', '10')
      .action(async (a: string, b: string, opts: CompareOptions) => {
        await run(async (io: CliIO): Promise<ExitCode> => {
          const top = Number(opts.top);
          if (!Number.isInteger(top) || top < 0) throw new UsageError(`--top must be a non-negative integer, got "${opts.top}"`);
          const format = opts.json ? 'json' : opts.format;
          if (opts.json && opts.format !== 'text' && opts.format !== 'json') throw new UsageError(`--json and --format ${opts.format} disagree`);
          const config = await commandConfig(io.cwd, opts.config);
          const cost = resolveCostModel(opts, config.cost);
          const budgets: CompareBudgets = {};
          const growth = opts.maxGrowth ?? config.compare.maxGrowth;
          if (growth !== undefined) budgets.maxGrowth = parseMaxGrowth(growth);
          if (opts.failOnNewLever ?? config.compare.failOnNewLever) budgets.failOnNewLever = true;
          const dockerfile = await readDockerfileOption(io, opts.dockerfile);
          const cache = resolveLayerCache(opts, config.cache, io.env, io.cwd);
          const progress = { a: createProgress(io, 'inspect A'), b: createProgress(io, 'inspect B') };
          let sides;
          try {
            // Loaded here: reading images and binaries needs the image stack only when a side is one.
            const { compareInputsWithSides } = await import('../../compare/inputs.js');
            sides = await compareInputsWithSides(a, b, {
              cwd: io.cwd,
              cost: cost.model,
              costDefaults: cost.defaults,
              inspect: (side) => ({
                ...(opts.platform !== undefined ? { platform: opts.platform } : {}),
                ...(insecureFor(opts.insecure, [a, b], config) ? { insecure: true } : {}),
                env: networkEnv(io.env, networkOptions(opts, config)),
                cache,
                onProgress: (p) => progress[side].update(p),
              }),
            });
          } finally {
            progress.a.done();
            progress.b.done();
          }
          const report = sides.report;
          const crossed = compareBudgetCrossings(report, budgets);
          const reasons = crossed.map((c) => c.message);
          // The SARIF writer (Dockerfile parser, vocabulary help) is loaded only when asked for.
          const sarif = format === 'sarif' ? (await import('../../report/compare-sarif.js')).formatCompareSarif : undefined;
          const out = format === 'json'
            ? `${JSON.stringify({ ...report, budgets: reasons } satisfies CompareJson, null, 2)}\n`
            : format === 'markdown'
              ? renderCompareMarkdown(report, { top: Math.max(top, 20) })
              : sarif !== undefined
                ? sarif(sides, crossed, { toolVersion: packageVersion(), ...(dockerfile !== undefined ? { dockerfile } : {}) })
                : renderCompareText(report, { top });
          if (opts.output !== undefined) await writeFileAtomic(resolve(io.cwd, opts.output), out);
          else io.stdout(out);
          for (const r of reasons) io.stderr(`goslim: budget: ${r}\n`);
          return reasons.length > 0 ? 1 : 0;
        });
      });
  },
};
