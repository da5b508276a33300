/**
 * The analysis cache's keys for one inspect, and its answer for the whole report (the entry of
 * this manifest with these options). Apart from inspect.ts so that a second inspect that this
 * answers loads none of the walk: inspect.ts brings the binary analyzer, the layer readers and
 * verify's checks. The CLI's `inspect` loads 52 modules (313 KB) before it knows whether it must
 * walk, where it loaded 159 (1.05 MB).
 */
import { imageSource, platformString, type Image } from '../image/model.js';
import type { CompressedMode } from '../image/gzip-size.js';
import { ANALYSIS_VERSION, cacheKey, type LayerCache } from './layer-cache.js';
import { checkReportEntry } from './layer-facts.js';
import type { InspectOptions, InspectReport } from './inspect-types.js';

export interface InspectCacheKeys {
  /** The cache, when this inspect uses one (not for a docker-daemon export). */
  cache: LayerCache | undefined;
  withTree: boolean;
  measureCompressed: boolean | CompressedMode;
  verifyDiffId: boolean;
  platformText: string;
  /** The layer entry's variant and key of layer i. */
  variantOf(i: number): string;
  keyOf(i: number): string;
  /** The whole report's key ('' without a cache). */
  reportKey: string;
}

export function inspectCacheKeys(image: Image, options: InspectOptions): InspectCacheKeys {
  const layers = image.layers();
  const withTree = options.fileTree !== undefined && options.fileTree !== false;
  const measureCompressed = options.measureCompressed ?? true;
  const verifyDiffId = options.verifyDiffIds ?? false;
  // The per-layer analysis cache: not for a source that streams its layers as one export
  // (docker-daemon: its config, and so its diff_ids, are known for sure only after the walk).
  const cache = options.cache !== undefined && options.cache !== false && imageSource(image).transport !== 'docker-daemon' ? options.cache : undefined;
  const measureMode = measureCompressed === true ? 'estimate' : measureCompressed === false ? 'off' : measureCompressed;
  const variantOf = (i: number): string => `tree=${withTree ? 1 : 0};gzip=${layers[i]!.compression() === 'none' ? measureMode : 'blob'}`;
  const keyOf = (i: number): string => cacheKey([`analysis-v${ANALYSIS_VERSION}`, 'layer', layers[i]!.diffId(), variantOf(i)]);
  const platformText = platformString(image.platform());
  // The whole report of this manifest with these options (not with --verify-diff-ids: that asks to read every layer).
  // Keys are made only with a cache: a streamed daemon image knows its digests only after the walk.
  const reportKey = cache
    ? cacheKey([
        `analysis-v${ANALYSIS_VERSION}`,
        'report',
        image.digest(),
        image.configDigest(),
        platformText,
        `tree=${String(options.fileTree ?? false)};largest=${options.largest ?? 15};gzip=${measureMode}`,
      ])
    : '';
  return { cache, withTree, measureCompressed, verifyDiffId, platformText, variantOf, keyOf, reportKey };
}

/** The cached report of this image with these options, or undefined (no cache, no entry, or --verify-diff-ids). */
export async function cachedInspectReport(image: Image, options: InspectOptions, keys: InspectCacheKeys = inspectCacheKeys(image, options)): Promise<InspectReport | undefined> {
  const { cache, reportKey, platformText, keyOf } = keys;
  if (!cache || keys.verifyDiffId) return undefined;
  const hit = (await cache.read('report', reportKey, (b) => checkReportEntry(b, image.digest(), platformText))) as InspectReport | undefined;
  if (hit === undefined) return undefined;
  await Promise.all(image.layers().map((_, i) => cache.touch('layer', keyOf(i))));
  const source = imageSource(image);
  // The entry was written without ref and source (they belong to this read): put them back first,
  // so the report's keys come in the order a fresh run prints them.
  const { ref: _ref, source: _source, ...stored } = hit.image;
  return { ...hit, image: { ref: image.reference(), source, ...stored }, startup: { ...hit.startup, image: { ...hit.startup.image, ref: image.reference() } } };
}
