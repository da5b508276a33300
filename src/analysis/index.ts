/** Image analysis: cause attribution, levers, estimate, and `inspect` (see docs/inspect.md). */
export { inspectImage, inspectImageRef, factsFromReport, type InspectReport, type InspectOptions, type InspectLayer, type InspectProgress } from './inspect.js';
export { attributeCauses, classifyFile, goLocationsFromEnv, canonicalOwners, isGoToolchainPackage, type Attribution, type CauseContext, type FileCause, type GoLocations } from './causes.js';
export { rankLevers, headlineFor, type LeverInput, type LeverResult } from './levers.js';
export { estimateAfterLevers, STATIC_BASE_BYTES, type AppFile, type EstimateInput } from './estimate.js';
export { buildPackageDb, isPackageDbPath, parseDeb822 } from './package-db.js';
export { buildOnlyPackages, isBuildRoot } from './build-packages.js';
export { GoBinaryCollector, startVerdict, finalGoBinaries } from './go-binaries.js';
export { checkBudgets, parseBudgets, LEVER_IDS, type Budgets } from './budgets.js';
export { FsIndex } from './fs-index.js';
export { RatioProbe } from './ratio-probe.js';
export { CAUSE_IDS, type CauseId, type CauseTotal, type GoBinary, type GoBinaryFacts, type PackedBinary, type Lever as ImageLever, type LeverId, type Estimate, type PackageDb, type PackageInfo, type PackageTotal } from './types.js';
export { LayerCache, ANALYSIS_VERSION, DEFAULT_CACHE_MAX_SIZE, type LayerCacheOptions, type LayerCacheStats } from './layer-cache.js';
