import type { Command } from 'commander';
import { budgetCrossings, checkBudgets, LEVER_IDS, parseBudgets, type Budgets } from '../../analysis/budgets.js';
import type { InspectOptions as InspectRunOptions, InspectReport } from '../../analysis/inspect.js';
import { cachedInspectReport, inspectCacheKeys } from '../../analysis/inspect-cache.js';
import { listImagePlatforms, openImage } from '../../image/open.js';
import { platformString } from '../../image/model.js';
import { renderInspectPlatforms } from '../../report/platforms-text.js';
import { InternalError, UsageError } from '../../errors.js';
import { renderInspectText, willNotStart } from '../../report/inspect-text.js';
import type { renderInspectMarkdown } from '../../report/report-markdown.js';
import type { formatImageSarif } from '../../report/image-sarif.js';
import { jsonDocument, prettyJsonCompact } from '../../report/document.js';
import type { renderInspectHtml } from '../../report/html/index.js';
import { EXIT_FINDINGS, EXIT_OK, type CliIO, type ExitCode } from '../context.js';
import { addOutputOptions, wantedFormats, writeReport, type OutputCliOptions, type OutputFormat, type Renderers } from '../output.js';
import { readDockerfileOption } from '../read-bounded.js';
import { costOf } from '../../analysis/cost.js';
import { costBlock } from '../../report/cost-text.js';
import { addCostOptions, resolveCostModel, type CostCliOptions, type ResolvedCostModel } from '../cost-options.js';
import { createProgress } from '../progress.js';
import type { ActionRunner, CommandModule } from './types.js';
import { addNetworkOptions, networkEnv, type NetworkCliOptions } from '../network-options.js';
import { addConfigOption, commandConfig, insecureFor, networkOptions, type ConfigCliOptions } from '../config.js';
import { addCacheOptions, resolveLayerCache, type CacheCliOptions } from '../cache-options.js';

interface InspectOptions extends NetworkCliOptions, OutputCliOptions, CostCliOptions, ConfigCliOptions, CacheCliOptions {
  dockerfile?: string;
  allowNotStarting?: boolean;
  platform?: string;
  insecure?: boolean;
  verifyDiffIds?: boolean;
  /** --measure-compressed <estimate|full> sets the mode; --no-measure-compressed sets false. */
  measureCompressed?: string | boolean;
  maxSize?: string;
  maxCompressedSize?: string;
  minEfficiency?: string;
  failOnLever?: string[];
  top?: string;
  tree?: boolean;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** inspect's JSON document: the report, with what its bytes cost when a cost model is given. */
/** The keys `inspect --json --tree` writes on one line each. */
const TREE_KEYS = ['tree', 'sizeTree'] as const;

function inspectDocument(r: InspectReport, cost: ResolvedCostModel | undefined): object {
  if (!cost) return jsonDocument('inspect', r);
  const a = costOf(r.image, cost.model);
  return jsonDocument('inspect', { ...r, cost: { model: cost.model, defaults: cost.defaults, ...a } });
}

/**
 * The renderers of the larger formats, loaded only when a format asks for them: a second inspect
 * of an image answered by the analysis cache is mostly module loading (SARIF alone brings the
 * Dockerfile rules: 45 modules, 258 KB).
 */
export interface FormatModules {
  markdown?: typeof renderInspectMarkdown;
  html?: typeof renderInspectHtml;
  sarif?: typeof formatImageSarif;
}

export async function loadFormatModules(formats: readonly OutputFormat[]): Promise<FormatModules> {
  const [markdown, html, sarif] = await Promise.all([
    formats.includes('markdown') ? import('../../report/report-markdown.js').then((m) => m.renderInspectMarkdown) : undefined,
    formats.includes('html') ? import('../../report/html/index.js').then((m) => m.renderInspectHtml) : undefined,
    formats.includes('sarif') ? import('../../report/image-sarif.js').then((m) => m.formatImageSarif) : undefined,
  ]);
  return { ...(markdown ? { markdown } : {}), ...(html ? { html } : {}), ...(sarif ? { sarif } : {}) };
}

function loaded<T>(fn: T | undefined, format: OutputFormat): T {
  if (fn === undefined) throw new InternalError(`the ${format} renderer was not loaded (loadFormatModules)`);
  return fn;
}

/** inspect's renderer table: one entry per format (src/cli/output.ts); `mods`: loadFormatModules of the wanted formats. */
export function inspectRenderers(top: number, dockerfile?: { path: string; text: string }, cost?: ResolvedCostModel, budgets: Budgets = {}, mods: FormatModules = {}): Renderers<InspectReport> {
  // What the bytes cost, from the measured sizes (the model and its defaults stated).
  const costed = (r: InspectReport) => (cost ? { ...cost, a: costOf(r.image, cost.model) } : undefined);
  return {
    text: (r, ctx) => {
      const c = costed(r);
      return c ? `${renderInspectText(r, { top, style: ctx.style })}\n${costBlock(c).join('\n')}\n` : renderInspectText(r, { top, style: ctx.style });
    },
    // With --tree the file tree and size trees are one line each (the rest pretty-printed).
    json: (r) => prettyJsonCompact(inspectDocument(r, cost), TREE_KEYS),
    markdown: (r) => loaded(mods.markdown, 'markdown')(r, { top }),
    html: (r) => loaded(mods.html, 'html')(r),
    sarif: (r, ctx) =>
      loaded(mods.sarif, 'sarif')(
        { image: r.startup.image, checks: r.startup.checks, levers: r.levers, budgets: budgetCrossings(r, budgets) },
        { toolVersion: ctx.toolVersion, ...(dockerfile !== undefined ? { dockerfile } : {}) },
      ),
  };
}

/** `--platform all`: one report per platform (JSON: a list of inspect documents). */
function inspectPlatformsRenderers(ref: string, top: number, cost: ResolvedCostModel, mods: FormatModules): Renderers<InspectReport[]> {
  return {
    text: (rs) => renderInspectPlatforms(ref, rs, { top }),
    json: (rs) => prettyJsonCompact(rs.map((r) => inspectDocument(r, cost)), TREE_KEYS),
    markdown: (rs) => rs.map((r) => loaded(mods.markdown, 'markdown')(r, { top })).join('\n'),
  };
}

/**
 * inspectImageRef, with the walk's modules loaded only when the analysis cache does not answer
 * (docs/cache.md: a second inspect of the fat image, 0.178 s in all, 0.086 s over `node -e 0`).
 */
async function inspectRef(ref: string, options: InspectRunOptions): Promise<InspectReport> {
  const image = await openImage(ref, options);
  const keys = inspectCacheKeys(image, options);
  return (await cachedInspectReport(image, options, keys)) ?? (await import('../../analysis/inspect.js')).inspectByLayers(image, options, keys);
}

export const command: CommandModule = {
  register(program: Command, run: ActionRunner): void {
    addCacheOptions(addConfigOption(addOutputOptions(addCostOptions(addNetworkOptions(program
      .command('inspect')))
      .description('Read an image, attribute every byte to a cause, and rank the levers that shrink it')
      .argument('<ref>', 'image: docker-archive:PATH, oci:DIR[:REF], oci-archive:PATH[:REF], docker://REF, a path, or a registry reference'), inspectRenderers(10))))
      .option('--dockerfile <path>', 'the Dockerfile that built the image: SARIF results point at the line that causes each finding')
      .option('--allow-not-starting', 'exit 0 for an image that will not start (by default inspect exits 1 for it)')
      .option('--platform <os/arch[/variant]|all>', 'platform to pick from a multi-platform image (default: linux/amd64 or the only one); "all": every platform, one section each and a summary table (JSON: a list of inspect documents)')
      .option('--insecure', 'allow plain HTTP to registries other than localhost')
      .option('--verify-diff-ids', "also check each layer's tar against the config's diff_ids (as a runtime does when it unpacks)")
      .option('--measure-compressed <how>', 'for layers stored uncompressed (docker-archive, docker-daemon, containers-storage): "estimate" (default) gzips the first 8 MiB of each layer and a sample past it, "full" gzips every byte as a push would')
      .option('--no-measure-compressed', 'for layers stored uncompressed, report the stored size instead of gzipping them')
      .option('--max-size <bytes>', 'budget: exit 1 when the uncompressed size is larger (e.g. 50MB)')
      .option('--max-compressed-size <bytes>', 'budget: exit 1 when the compressed (pull) size is larger')
      .option('--min-efficiency <fraction>', 'budget: exit 1 when layer efficiency is lower (0.95 or 95%)')
      .option('--fail-on-lever <id>', `exit 1 when this lever applies (repeatable or comma-separated; one of ${LEVER_IDS.join(', ')})`, collect)
      .option('--top <n>', 'rows of largest files and packages in the text output', '10')
      .option('--tree', 'with --format json: add the file tree (every file by directory, small files aggregated) and each Go binary\'s size tree, so that `goslim compare --format html` draws this image from the saved report')
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
          const measure = opts.measureCompressed;
          if (measure !== undefined && measure !== false && measure !== 'estimate' && measure !== 'full') {
            throw new UsageError(`--measure-compressed must be "estimate" or "full", got "${String(measure)}"`);
          }
          const dockerfile = await readDockerfileOption(io, opts.dockerfile);
          const cost = resolveCostModel(opts, config.cost);
          const insecure = insecureFor(opts.insecure, [ref], config);
          const env = networkEnv(io.env, networkOptions(opts, config));
          const cache = resolveLayerCache(opts, config.cache, io.env, io.cwd);
          const inspectOne = async (platform: string | undefined): Promise<InspectReport> => {
            const progress = createProgress(io, platform === undefined ? 'inspect' : `inspect ${platform}`);
            try {
              return await inspectRef(ref, {
                ...(platform !== undefined ? { platform } : {}),
                ...(insecure ? { insecure: true } : {}),
                ...(opts.verifyDiffIds ? { verifyDiffIds: true } : {}),
                ...(measure !== undefined ? { measureCompressed: measure } : {}),
                env,
                cache,
                onProgress: (p) => progress.update(p),
                largest: Math.max(top, 15),
                // The page draws every file: the report carries the file tree only when it is asked for.
                ...(wantedFormats(opts).includes('html') || opts.tree === true ? { fileTree: true } : {}),
              });
            } finally {
              progress.done();
            }
          };
          let reports: InspectReport[];
          if (opts.platform === 'all') {
            const platforms = await listImagePlatforms(ref, { ...(insecure ? { insecure: true } : {}), env });
            reports = [];
            for (const p of platforms) reports.push(await inspectOne(platformString(p)));
            await writeReport(io, opts, inspectPlatformsRenderers(ref, top, cost, await loadFormatModules(wantedFormats(opts))), reports);
          } else {
            const report = await inspectOne(opts.platform);
            reports = [report];
            await writeReport(io, opts, inspectRenderers(top, dockerfile, cost, budgets, await loadFormatModules(wantedFormats(opts))), report);
          }
          if (cache && cache.stats.writeErrors > 0) io.stderr(`goslim: note: ${cache.stats.writeErrors} analysis cache entries could not be written to ${cache.dir} (the report is complete; --no-cache to skip the cache)\n`);
          // A budget holds for every platform: each one that misses it is named.
          const named = (r: InspectReport, why: string): string => (opts.platform === 'all' ? `${r.image.platform}: ${why}` : why);
          const reasons = reports.flatMap((r) => checkBudgets(r, budgets).map((why) => named(r, why)));
          for (const r of reasons) io.stderr(`goslim: budget: ${r}\n`);
          // An image that will not start is the most urgent finding whatever its bytes.
          const broken = opts.allowNotStarting ? [] : reports.filter((r) => willNotStart(r));
          for (const r of broken) io.stderr(`goslim: ${opts.platform === 'all' ? `${r.image.platform}: ` : ''}the image will not start (see "Will it start?"); exit 1 (--allow-not-starting to exit 0)\n`);
          return reasons.length > 0 || broken.length > 0 ? EXIT_FINDINGS : EXIT_OK;
        });
      });
  },
};
