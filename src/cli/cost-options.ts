/**
 * `--bandwidth`, `--nodes`, `--kept-tags`: the cost model of `inspect` and `compare`, from the
 * options, else the config file's `cost:`, else the stated defaults (src/analysis/cost.ts).
 */
import type { Command } from 'commander';
import { DEFAULT_COST_MODEL, formatBandwidth, parseBandwidth, parseCount, type CostModel } from '../analysis/cost.js';
import type { CostConfig } from '../config/index.js';

export interface CostCliOptions {
  bandwidth?: string;
  nodes?: string;
  keptTags?: string;
}

export interface ResolvedCostModel {
  model: CostModel;
  /** Which figures are the defaults (said in the output). */
  defaults: { bandwidth: boolean; nodes: boolean; keptTags: boolean };
}

export function addCostOptions(cmd: Command): Command {
  return cmd
    .option('--bandwidth <rate>', `cost: one node's pull bandwidth, e.g. 100Mbit, 1Gbit/s, 12.5MB/s (default ${formatBandwidth(DEFAULT_COST_MODEL.bandwidthBitsPerSecond)})`)
    .option('--nodes <n>', `cost: nodes that pull and store the image (default ${DEFAULT_COST_MODEL.nodes})`)
    .option('--kept-tags <n>', `cost: tags of the image kept in the registry (default ${DEFAULT_COST_MODEL.keptTags})`);
}

export function resolveCostModel(o: CostCliOptions, config: CostConfig | undefined): ResolvedCostModel {
  const bandwidth = o.bandwidth !== undefined ? parseBandwidth(o.bandwidth) : config?.bandwidth;
  const nodes = o.nodes !== undefined ? parseCount(o.nodes, '--nodes') : config?.nodes;
  const keptTags = o.keptTags !== undefined ? parseCount(o.keptTags, '--kept-tags') : config?.keptTags;
  return {
    model: {
      bandwidthBitsPerSecond: bandwidth ?? DEFAULT_COST_MODEL.bandwidthBitsPerSecond,
      nodes: nodes ?? DEFAULT_COST_MODEL.nodes,
      keptTags: keptTags ?? DEFAULT_COST_MODEL.keptTags,
    },
    defaults: { bandwidth: bandwidth === undefined, nodes: nodes === undefined, keptTags: keptTags === undefined },
  };
}
