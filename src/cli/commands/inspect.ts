import type { Command } from 'commander';
import { checkBudgets, LEVER_IDS, parseBudgets } from '../../analysis/budgets.js';
import { inspectImageRef } from '../../analysis/inspect.js';
import { UsageError } from '../../errors.js';
import { renderInspectText, willNotStart } from '../../report/inspect-text.js';
import { renderInspectMarkdown } from '../../report/report-markdown.js';
import { formatImageSarif } from '../../report/image-sarif.js';
import { formatJsonDocument } from '../../report/document.js';
import type { InspectReport } from '../../analysis/inspect.js';
import { EXIT_FINDINGS, EXIT_OK, type CliIO, type ExitCode } from '../context.js';
import { addOutputOptions, writeReport, type OutputCliOptions, type Renderers } from '../output.js';
import { readDockerfileOption } from '../read-bounded.js';
import { createProgress } from '../progress.js';
import type { ActionRunner, CommandModule } from './types.js';
import { addNetworkOptions, networkEnv, type NetworkCliOptions } from '../network-options.js';

interface InspectOptions extends NetworkCliOptions, OutputCliOptions {
  dockerfile?: string;
  allowNotStarting?: boolean;
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

/** inspect's renderer table: one entry per format (src/cli/output.ts). */
export function inspectRenderers(top: number, dockerfile?: { path: string; text: string }): Renderers<InspectReport> {
  return {
    text: (r, ctx) => renderInspectText(r, { top, style: ctx.style }),
    json: (r) => formatJsonDocument('inspect', r),
    markdown: (r) => renderInspectMarkdown(r, { top }),
    sarif: (r, ctx) =>
      formatImageSarif(
        { image: r.startup.image, checks: r.startup.checks, levers: r.levers },
        { toolVersion: ctx.toolVersion, ...(dockerfile !== undefined ? { dockerfile } : {}) },
      ),
  };
}

export const command: CommandModule = {
  register(program: Command, run: ActionRunner): void {
    addOutputOptions(addNetworkOptions(program
      .command('inspect'))
      .description('Read an image, attribute every byte to a cause, and rank the levers that shrink it')
      .argument('<ref>', 'image: docker-archive:PATH, oci:DIR[:REF], oci-archive:PATH[:REF], docker://REF, a path, or a registry reference'), inspectRenderers(10))
      .option('--dockerfile <path>', 'the Dockerfile that built the image: SARIF results point at the line that causes each finding')
      .option('--allow-not-starting', 'exit 0 for an image that will not start (by default inspect exits 1 for it)')
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
          const dockerfile = await readDockerfileOption(io, opts.dockerfile);
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
          await writeReport(io, opts, inspectRenderers(top, dockerfile), report);
          const reasons = checkBudgets(report, budgets);
          for (const r of reasons) io.stderr(`goslim: budget: ${r}\n`);
          // An image that will not start is the most urgent finding whatever its bytes.
          const broken = willNotStart(report) && !opts.allowNotStarting;
          if (broken) io.stderr('goslim: the image will not start (see "Will it start?"); exit 1 (--allow-not-starting to exit 0)\n');
          return reasons.length > 0 || broken ? EXIT_FINDINGS : EXIT_OK;
        });
      });
  },
};
