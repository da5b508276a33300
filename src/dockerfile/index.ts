/**
 * Dockerfile area: parse model (range-exact, for rules and the fixer), Go build
 * understanding, base-image classification, rules and the lint driver.
 */
export type * from './parse/model.js';
export {
  parseDockerfile,
  sliceRange,
  joinContinuations,
  argDeclarations,
  resolveImageRef,
  expandInScope,
  AUTOMATIC_PLATFORM_ARGS,
} from './parse/parse-dockerfile.js';
export { expandVariables, referencedVariables, type VariableLookup, type ExpandOptions } from './parse/expand.js';
export { tokenizeShell, splitSimpleCommands, splitWords, type ShellWord, type ShellToken } from './parse/shell-words.js';
export {
  analyzeGoBuilds,
  parseGoBuildArgs,
  splitGoArgs,
  parseLdflags,
  defaultBinaryName,
  binaryPath,
  installDir,
  stagePlatform,
  runScript,
  workdirAt,
  type GoBuild,
  type GoBuildAnalysis,
  type GoBuildFlags,
  type GoBuildWords,
  type GoArg,
  type InstallDir,
  type PlatformSide,
  type LocatedWord,
  type LocatedFlag,
  type CommandSite,
  type Quoting,
  type GoSetting,
  type LdFlags,
  type OpaqueBuild,
  type ModDownload,
} from './go-build.js';
export {
  classifyImage,
  classifyStageBase,
  parseBaseImageReference,
  type BaseFacts,
  type BaseKind,
  type BaseImageReference,
} from './base-image.js';
export {
  lintDockerfile,
  lintModel,
  exceedsThreshold,
  severityRank,
  readIgnorePragmas,
  type LintOptions,
  type LintPolicy,
  type LintResult,
  type FailureThreshold,
  type IgnorePragmas,
} from './lint.js';
export { rules, findRule, ruleKeys, ruleDocPath, ruleMarkdown, ruleTopics, type RuleTopic } from './rules/index.js';
export { buildRuleContext, copyPaths, copyDestination, entrypointPath } from './rules/context.js';
export { dockerignoreExcludes } from './rules/g020-dockerignore.js';
export type {
  Finding,
  Rule,
  RuleContext,
  RuleDoc,
  RuleMeta,
  RuleReport,
  Severity,
  LeverId,
  ShippedBinary,
} from './rules/types.js';
export type { LintFileReport } from './format/types.js';
export { formatLintText } from './format/text.js';
export { formatLintJson, toLintJson, type LintJson } from './format/json.js';
