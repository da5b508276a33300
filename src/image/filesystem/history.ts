/**
 * Layer -> Dockerfile instruction, from config `history` (image-spec `config.md`): entries
 * with `empty_layer: true` made no layer (ENV, CMD, ...); the others pair with the layers
 * in order (dive `ToImage`, go-containerregistry PR #733). History is optional and may be
 * null or shorter than the layer list (aws/aws-lambda-base-images#2); missing entries
 * leave the layer's instruction unknown instead of failing.
 */
import type { HistoryEntry } from '../model.js';

export interface LayerHistory {
  createdBy?: string;
  created?: string;
  comment?: string;
}

export interface HistoryMapping {
  layers: Array<LayerHistory | undefined>;
  /** True when the non-empty history entries do not number exactly one per layer. */
  mismatch: boolean;
}

export function mapHistory(history: HistoryEntry[] | null | undefined, layerCount: number): HistoryMapping {
  const layers: Array<LayerHistory | undefined> = new Array<LayerHistory | undefined>(layerCount).fill(undefined);
  let i = 0;
  let nonEmpty = 0;
  for (const h of history ?? []) {
    if (h === null || typeof h !== 'object' || h.empty_layer === true) continue;
    nonEmpty++;
    if (i < layerCount) {
      const l: LayerHistory = {};
      if (typeof h.created_by === 'string') l.createdBy = h.created_by;
      if (typeof h.created === 'string') l.created = h.created;
      if (typeof h.comment === 'string') l.comment = h.comment;
      layers[i] = l;
    }
    i++;
  }
  return { layers, mismatch: nonEmpty !== layerCount };
}
