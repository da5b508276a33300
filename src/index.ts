/**
 * goslim library entry. The analyzers are pure functions over bytes or
 * read-only image models; the CLI in src/cli is a thin shell around them.
 */
export * from './errors.js';
export { formatBytes, parseBytes } from './util/units.js';
export {
  analyzeBinary,
  readElf,
  detectExecutableFormat,
  isGoBinary,
  readBuildInfo,
  parseModInfo,
  parsePclntab,
  packageOf,
  packageSizes,
  type AnalyzeOptions,
  type BinaryReport,
  type BinaryFinding,
  type GoInfo,
  type ElfFile,
  type ElfSection,
  type ElfSegment,
  type Linking,
  type ExecutableFormat,
} from './binary/index.js';
export { listTopics, getTopic, LEVER_TOPICS, RULE_TOPICS, CAUSE_TOPICS, CHECK_TOPICS, type Topic, type LeverTopic, type Reference } from './explain/index.js';
export {
  LEVER_IDS,
  LEVER_DOCS,
  leverDoc,
  isLeverId,
  CAUSE_DOCS,
  causeDoc,
  CHECK_IDS,
  CHECK_DOCS,
  checkDoc,
  type LeverDoc,
  type CauseDoc,
  type CheckDoc,
} from './vocabulary/index.js';
export { openRegistry, openRegistryImage, openRegistryIndex, RegistryImage, RegistryIndex, type RegistrySourceOptions, type RegistryOrigin } from './image/sources/registry.js';
export { pushImage, pushIndex, pushToRegistry, type PushOptions, type PushResult, type BlobEvent } from './image/sinks/registry.js';
export { RegistryClient, type UploadOptions } from './image/registry/client.js';
export { resolveCredentials, type Credential, type CredentialOptions } from './image/registry/credentials.js';
export type { TransportOptions } from './image/registry/transport.js';
export type { RetryPolicy } from './image/registry/retry.js';
export { openImage, listImagePlatforms, parseImageReference, parseRegistryReference, formatRegistryReference, mergeLayers, walkLayer, mapHistory, resolveInTree, type OpenImageOptions, type ImageReference, type MergeResult, type MergeOptions, type MergedLayerSummary, type LayerVisitor, type Anomaly } from './image/index.js';
export { scanBuildContext } from './context/build-context.js';
export { fixDockerfile, unifiedDiff, STATIC_BASE, GLIBC_BASE, type FixOptions, type FixResult, type FixEdit, type FixNote, type BuildContextFacts, type ContextEntry } from './dockerfile/fix/index.js';
export { writeFileAtomic, type AtomicWriteOptions } from './util/atomic-write.js';
export { initProject, planInit, renderDockerfile as renderInitDockerfile, renderDockerignore, type InitOptions, type InitPlan, type InitRecipe } from './init/index.js';
export { parseGoMod, builderGoVersion, goFileFacts, scanGoModule, cgoReasons, KNOWN_CGO_MODULES, type GoMod, type GoModuleInfo, type GoPackage, type CgoReason } from './gomod/index.js';
export { verifyImage, verifyStatic, collectImageView, runImage, chooseSandbox, chooseEmulation, unpackImage, type Emulation, type EmulationOptions, type VerifyOptions, type VerifyReport, type VerifyCheck, type CheckId, type CheckStatus, type Verdict, type RunResult, type RunOptions } from './verify/index.js';
export { buildImage, BlobCache, defaultCacheDir, writeLayer, writeLayerMemo, parseAdd, imageSize, compareSizes, DEFAULT_BASE, KO_DATA_PATH, type BuildOptions, type BuildResult, type PlatformBuild, type LayerFile, type ImageSize, type Comparison, type BuildPackage } from './build/index.js';
export { buildAndPublish, buildSummary, type BuildPipelineOptions, type BuildPipelineResult, type PlatformVerify } from './build/index.js';
export { mutateImage, BuiltImage, BuiltIndex, scratchImage, applyConfigChanges, type Mutation, type ConfigChanges } from './image/mutate/index.js';
export { writeOciLayout, writeDockerArchive, writeOciArchive, writeToSink, copyImage, openForCopy, type SinkResult, type WrittenImage } from './image/sinks/exports.js';
export { generateSbom, spdxDocument, cyclonedxDocument, SbomArtifact, pushSbomArtifact, type SbomSubject, type SbomFormat } from './sbom/exports.js';
export {
  parseDockerfile,
  lintDockerfile,
  lintModel,
  exceedsThreshold,
  analyzeGoBuilds,
  classifyImage as classifyBaseImage,
  classifyStageBase,
  rules as lintRules,
  findRule,
  ruleTopics,
  ruleMarkdown,
  formatLintText,
  formatLintJson,
  toLintJson,
  type DockerfileModel,
  type Stage as DockerfileStage,
  type Instruction as DockerfileInstruction,
  type SourceRange,
  type Finding as LintFinding,
  type Rule as LintRule,
  type Severity as LintSeverity,
  type LintOptions,
  type LintResult,
  type LintPolicy,
  type LintFileReport,
  type GoBuild,
  type GoBuildAnalysis,
  type BaseFacts,
} from './dockerfile/index.js';
export { toSarif, formatSarif, type SarifOptions } from './report/sarif.js';
export { formatLintMarkdown } from './report/markdown.js';
// The output contract (docs/json.md): versioned JSON documents, image SARIF, Markdown and text renderers.
export { SCHEMA_VERSION, DOCUMENT_KINDS, jsonDocument, formatJsonDocument, type DocumentKind, type JsonDocument } from './report/document.js';
export { toImageSarif, formatImageSarif, locateInDockerfile, type ImageSarifInput, type ImageSarifOptions } from './report/image-sarif.js';
export { renderInspectMarkdown, renderVerifyMarkdown, renderBinaryMarkdown } from './report/report-markdown.js';
export { renderInspectText } from './report/inspect-text.js';
export { renderVerifyText } from './report/verify-text.js';
export { PLAIN, ANSI, stripStyle, type Style } from './report/style.js';
export { validateConfig, loadConfigFile, findConfigFile, type GoslimConfig, type ConfigIssue } from './config/index.js';
export { LayerCache, ANALYSIS_VERSION, type LayerCacheOptions, type LayerCacheStats } from './analysis/index.js';
export { inspectImage, inspectImageRef, attributeCauses, classifyFile, goLocationsFromEnv, rankLevers, estimateAfterLevers, STATIC_BASE_BYTES, buildPackageDb, buildOnlyPackages, checkBudgets, parseBudgets, FsIndex, CAUSE_IDS, type InspectReport, type InspectOptions, type InspectLayer, type InspectProgress, type CauseId, type CauseTotal, type GoBinary, type PackedBinary, type ImageLever, type LeverId, type Estimate, type PackageDb, type PackageInfo, type PackageTotal, type Budgets } from './analysis/index.js';
export {
  compareImages,
  compareBinaries,
  compareInputs,
  classifyInput,
  checkCompareBudgets,
  parseMaxGrowth,
  parseSavedReport,
  type CompareReport,
  type ImageComparison,
  type BinaryComparison,
  type CompareBudgets,
  type InspectInput,
  type BinaryInput,
} from './compare/index.js';
export { costOf, parseBandwidth, DEFAULT_COST_MODEL, type Cost, type CostModel } from './analysis/cost.js';
// A fleet (docs/scale.md): scan references into JSON Lines records, and the fleet summary of record files.
export { runScan, summarizeFiles, FleetSummarizer, readRecords, referencesFromFile, referencesFromRegistry, parseShard, shardOf, renderFleetText, renderFleetMarkdown, type ScanOptions, type ScanResult, type FleetSummary, type ScanRecord, type Shard } from './scan/index.js';
