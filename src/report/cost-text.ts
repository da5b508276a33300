/**
 * The "what the bytes cost" block of `inspect` and `compare` text (one copy): pull time, disk across
 * the nodes, registry storage, with the model and which figures are defaults. Pure.
 */
import { describeCostModel, formatDuration, type Cost, type CostModel } from '../analysis/cost.js';
import { formatBytes } from '../util/units.js';

export interface CostBlockInput {
  model: CostModel;
  defaults: { bandwidth: boolean; nodes: boolean; keptTags: boolean };
  a: Cost;
  /** The after side, for compare. */
  b?: Cost;
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}
function lpad(s: string, n: number): string {
  return s.length >= n ? s : ' '.repeat(n - s.length) + s;
}

export function costBlock(c: CostBlockInput): string[] {
  const given = (isDefault: boolean): string => (isDefault ? 'default' : 'set');
  const row = (label: string, f: (x: Cost) => string): string => `  ${pad(label, 18)}${lpad(f(c.a), 12)}${c.b ? ` -> ${f(c.b)}` : ''}`;
  return [
    'What the bytes cost:',
    row('pull time', (x) => formatDuration(x.pullSeconds)),
    row(`disk, ${c.model.nodes} nodes`, (x) => formatBytes(x.nodesDisk)),
    row(`registry, ${c.model.keptTags} tags`, (x) => formatBytes(x.registryStorage)),
    `  model: ${describeCostModel(c.model)}`,
    `  (bandwidth ${given(c.defaults.bandwidth)}, nodes ${given(c.defaults.nodes)}, kept tags ${given(c.defaults.keptTags)}; change with --bandwidth, --nodes, --kept-tags or cost: in .goslim.yaml)`,
  ];
}
