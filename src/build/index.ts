/** `goslim build` as a library: compile, layer, assemble; plus the blob cache and layer writer. */
export { buildImage, sourceDateEpoch, rfc3339, sourceFromModule, DEFAULT_BASE, DEFAULT_USER, APP_DIR, Annotation } from './build.js';
export type { BuildOptions, BuildResult, PlatformBuild, BuiltBinary } from './build.js';
export { BlobCache, defaultCacheDir } from './cache.js';
export { CachedLayer } from './cached-layer.js';
export { writeLayer, planLayer, normaliseImagePath, FileLayer, type LayerFile, type WriteLayerOptions } from './layer.js';
export { writeLayerMemo, layerKey } from './layer-memo.js';
export { goEnv, goBuildArgs, resolvePackage, goBuild, type BuildPackage } from './go-build.js';
export { parseAdd, collectAdd, collectKodata, KO_DATA_PATH, type AddSpec } from './inputs.js';
export { imageSize, compareSizes, type ImageSize, type Comparison } from './summary.js';
export { buildAndPublish, buildSummary, ociDestination, type BuildPipelineOptions, type BuildPipelineResult, type PlatformVerify } from './pipeline.js';
