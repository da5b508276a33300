import type { Command } from 'commander';
import { compareBudgetCrossings, parseMaxGrowth, type CompareBudgets } from '../../compare/budgets.js';
import type { CompareJson } from '../../compare/types.js';
import { InternalError, UsageError } from '../../errors.js';
import type { ComparedSides } from '../../compare/inputs.js';
import type { BudgetCrossing } from '../../vocabulary/budgets.js';
import { addOutputOptions, wantedFormats, writeReport, type OutputCliOptions, type Renderers } from '../output.js';
import { renderCompareMarkdown } from '../../report/compare-markdown.js';
import { readDockerfileOption } from '../read-bounded.js';
import { renderCompareText } from '../../report/compare-text.js';
import type { CliIO, ExitCode } from '../context.js';
import { addCostOptions, resolveCostModel, type CostCliOptions } from '../cost-options.js';
import { addNetworkOptions, networkEnv, type NetworkCliOptions } from '../network-options.js';
import { CONFIG_OPTION_HELP, commandConfig, insecureFor, networkOptions, type ConfigCliOptions } from '../config.js';
import { createProgress } from '../progress.js';
import { addCacheOptions, resolveLayerCache, type CacheCliOptions } from '../cache-options.js';
import type { ActionRunner, CommandModule } from './types.js';

interface CompareOptions extends NetworkCliOptions, CostCliOptions, ConfigCliOptions, CacheCliOptions, OutputCliOptions {
  dockerfile?: string;
  config?: string;
  maxGrowth?: string;
  failOnNewLever?: boolean;
  platform?: string;
  insecure?: boolean;
  top?: string;
}

/** What a compare run renders: both sides as read, and the budgets they crossed. */
interface CompareRun {
  sides: ComparedSides;
  crossed: BudgetCrossing[];
}

/** The writers of the heavy formats, loaded only when a run asks for them. */
interface LazyWriters {
  sarif?: typeof import('../../report/compare-sarif.js').formatCompareSarif;
  html?: typeof import('../../report/html/compare-html.js').renderCompareHtml;
}

/** compare's renderer table (src/cli/output.ts): every format from one run, `-o FORMAT=FILE` included. */
function compareRenderers(top: number, dockerfile: { path: string; text: string } | undefined, lazy: LazyWriters): Renderers<CompareRun> {
  const reasons = (r: CompareRun): string[] => r.crossed.map((c) => c.message);
  const missing = (f: string): never => {
    throw new InternalError(`compare: the ${f} writer was not loaded`);
  };
  return {
    text: (r) => renderCompareText(r.sides.report, { top }),
    json: (r) => `${JSON.stringify({ ...r.sides.report, budgets: reasons(r) } satisfies CompareJson, null, 2)}\n`,
    markdown: (r) => renderCompareMarkdown(r.sides.report, { top: Math.max(top, 20) }),
    sarif: (r, ctx) => (lazy.sarif ?? missing('sarif'))(r.sides, r.crossed, { toolVersion: ctx.toolVersion, ...(dockerfile !== undefined ? { dockerfile } : {}) }),
    html: (r) => (lazy.html ?? missing('html'))({ ...r.sides, budgets: reasons(r) }),
  };
}

export const command: CommandModule = {
  register(program: Command, run: ActionRunner): void {
    addOutputOptions(addCacheOptions(addCostOptions(addNetworkOptions(program.command('compare')))), compareRenderers(10, undefined, {}))
      .description('Compare two images, two Go binaries or two saved --json reports: sizes, causes, layers, packages, binaries, levers, start-up verdict, cost; budgets exit 1')
      .argument('<a>', 'before: an image reference or path, a Go executable, or a saved `inspect --json` / `binary --json` report')
      .argument('<b>', 'after: the same kind as <a> (an image and an inspect report may be mixed)')
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
          const formats = wantedFormats(opts);
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
                // The HTML page draws both images' files: inspect keeps its file tree only when asked.
                ...(formats.includes('html') ? { fileTree: true } : {}),
                env: networkEnv(io.env, networkOptions(opts, config)),
                cache,
                onProgress: (p) => progress[side].update(p),
              }),
            });
          } finally {
            progress.a.done();
            progress.b.done();
          }
          const crossed = compareBudgetCrossings(sides.report, budgets);
          const reasons = crossed.map((c) => c.message);
          // The SARIF writer (Dockerfile parser, vocabulary help) and the HTML page's (it reads the page
          // script from disk) are loaded only when asked for.
          const lazy: LazyWriters = {
            ...(formats.includes('sarif') ? { sarif: (await import('../../report/compare-sarif.js')).formatCompareSarif } : {}),
            ...(formats.includes('html') ? { html: (await import('../../report/html/compare-html.js')).renderCompareHtml } : {}),
          };
          await writeReport(io, opts, compareRenderers(top, dockerfile, lazy), { sides, crossed });
          for (const r of reasons) io.stderr(`goslim: budget: ${r}\n`);
          return reasons.length > 0 ? 1 : 0;
        });
      });
  },
};
