import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { defaultConcurrency, parseRegistryTarget, parseShard, parseTagSelection, referencesFromFile, referencesFromRegistry, runScan, summarizeFiles } from '../../scan/index.js';
import { addConfigOption, commandConfig, insecureFor, networkOptions, type ConfigCliOptions } from '../config.js';
import type { CliIO, ExitCode } from '../context.js';
import { addFleetOptions, fleetBudgets, fleetExit, fleetRenderers, fleetTop, type FleetCliOptions } from '../fleet-options.js';
import { addNetworkOptions, networkEnv, type NetworkCliOptions } from '../network-options.js';
import { outputTargets, writeReport } from '../output.js';
import type { ActionRunner, CommandModule } from './types.js';
import { addCacheOptions, resolveLayerCache, type CacheCliOptions } from '../cache-options.js';

interface ScanCliOptions extends FleetCliOptions, NetworkCliOptions, ConfigCliOptions, CacheCliOptions {
  from?: string;
  tags: string;
  concurrency?: string;
  output?: string;
  summary?: string[];
  resume?: boolean;
  shard?: string;
  insecure?: boolean;
  platform?: string;
  quiet?: boolean;
}

export const command: CommandModule = {
  register(program: Command, run: ActionRunner): void {
    const cmd = program
      .command('scan')
      .description('Inspect a fleet: every repository of a registry (or a list of references), one JSON Lines record per image, and a fleet summary')
      .argument('[registry]', 'REGISTRY[/PREFIX]: every repository of the registry\'s catalog (under PREFIX)')
      .option('--from <file>', 'read references from this file instead, one a line (any source goslim reads; # comments and blank lines allowed)')
      .option('--tags <which>', 'tags of each repository: latest, all, or N-newest (by the image config\'s created time, read with the manifest and config only)', 'latest')
      .option('--concurrency <n>', `images inspected at once (default: the cores this process may use, a container's CPU quota included, at most 16: ${defaultConcurrency()} here)`)
      .option('-o, --output <file.jsonl>', 'the JSON Lines file: one inspect document (with scan.ref) or error record per reference (required)')
      .option('--summary <file>', 'write the fleet summary to this file (atomically) instead of stdout; repeat as FORMAT=FILE for more formats (--summary fleet.json --summary markdown=fleet.md)', (v: string, prev?: string[]) => [...(prev ?? []), v])
      .option('--resume', 'keep the image records already in the output and scan only the other references (error records are tried again)')
      .option('--shard <I/N|auto/N>', 'scan only shard I (0-based) of N, a stable slice by hash of the reference; auto reads JOB_COMPLETION_INDEX (Kubernetes Indexed Job)')
      .option('--platform <os/arch[/variant]>', 'platform to pick from multi-platform images (default: linux/amd64 or the only one)')
      .option('--insecure', 'allow plain HTTP to registries other than localhost')
      .option('-q, --quiet', 'no line per image on stderr');
    // The scan's own options first in --help, then the summary's, the network's, the config's and the cache's.
    addCacheOptions(addConfigOption(addNetworkOptions(addFleetOptions(cmd))))
      .action(async (target: string | undefined, opts: ScanCliOptions) => {
        await run(async (io: CliIO): Promise<ExitCode> => {
          if ((target === undefined) === (opts.from === undefined)) throw new UsageError('scan needs either REGISTRY[/PREFIX] or --from FILE (one of them)');
          if (opts.output === undefined) throw new UsageError('scan needs -o FILE.jsonl: the records are written there as each image finishes');
          const top = fleetTop(opts);
          const concurrency = opts.concurrency === undefined ? defaultConcurrency() : Number(opts.concurrency);
          if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) throw new UsageError(`--concurrency must be an integer from 1 to 256, got "${opts.concurrency}"`);
          const shard = opts.shard !== undefined ? parseShard(opts.shard, io.env) : undefined;
          const tags = parseTagSelection(opts.tags);
          const config = await commandConfig(io.cwd, opts.config);
          const budgets = fleetBudgets(opts, config);
          const env = networkEnv(io.env, networkOptions(opts, config));
          // One per-layer analysis cache for every image of the scan (docs/cache.md): a base shared by
          // many images is read once (with --concurrency 1; two images in flight may both read it).
          const cache = resolveLayerCache(opts, config.cache, io.env, io.cwd);
          const output = resolve(io.cwd, opts.output);
          const registryTarget = target !== undefined ? parseRegistryTarget(target) : undefined;
          const insecure = insecureFor(opts.insecure, registryTarget !== undefined ? [`${registryTarget.registry}/x`] : [], config);
          const transport = { env, ...(insecure ? { insecure: true } : {}) };
          const references =
            registryTarget !== undefined
              ? referencesFromRegistry(registryTarget, {
                  ...transport,
                  ...(opts.platform !== undefined ? { platform: opts.platform } : {}),
                  tags,
                  onSkip: (what, err) => io.stderr(`goslim: scan: skipped ${what}: ${(err as Error).message}\n`),
                })
              : referencesFromFile(resolve(io.cwd, opts.from!));
          const started = Date.now();
          const result = await runScan(references, {
            output,
            ...(opts.resume ? { resume: true } : {}),
            ...(shard !== undefined ? { shard } : {}),
            concurrency,
            inspect: { ...transport, cache, ...(opts.platform !== undefined ? { platform: opts.platform } : {}) },
            onRecord: (e) => {
              if (opts.quiet !== true) io.stderr(`goslim: scan [${e.done}] ${e.ref}: ${e.ok ? 'ok' : e.code}\n`);
            },
          });
          const seconds = (Date.now() - started) / 1000;
          const rate = seconds > 0 ? Math.round((result.scanned / seconds) * 3600) : 0;
          io.stderr(
            `goslim: scan: ${result.scanned} references in ${seconds.toFixed(1)} s (${rate} per hour, concurrency ${concurrency}), ${result.errors} could not be read` +
              `${shard !== undefined ? `, ${result.otherShards} left to other shards (shard ${shard.index}/${shard.count})` : ''}` +
              `${result.resumed > 0 ? `, ${result.resumed} already in ${opts.output}` : ''}${result.duplicates > 0 ? `, ${result.duplicates} listed twice` : ''}` +
              `${result.copied > 0 ? `, ${result.copied} naming an image already inspected (record copied)` : ''}\n`,
          );
          if (cache && cache.stats.writeErrors > 0) io.stderr(`goslim: note: ${cache.stats.writeErrors} analysis cache entries could not be written to ${cache.dir} (the records are complete; --no-cache to skip the cache)\n`);
          const { summary, partialLines } = await summarizeFiles([output], { top, ...(budgets !== undefined ? { budgets } : {}) });
          if (partialLines > 0) io.stderr(`goslim: scan: ${partialLines} cut-off line(s) in ${opts.output} skipped\n`);
          const summaryOptions = { ...(opts.format !== undefined ? { format: opts.format } : {}), ...(opts.json ? { json: true } : {}), ...(opts.summary !== undefined ? { output: opts.summary } : {}) };
          for (const t of outputTargets(summaryOptions)) if (t.file !== undefined) await mkdir(dirname(resolve(io.cwd, t.file)), { recursive: true });
          await writeReport(io, summaryOptions, fleetRenderers, summary);
          return fleetExit(io, summary, opts);
        });
      });
  },
};
