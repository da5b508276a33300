export {
  validateConfig,
  defaultConfig,
  type GoslimConfig,
  type LintConfig,
  type CostConfig,
  type CompareConfig,
  type ConfigIssue,
  type ConfigSeverity,
  type ConfigThreshold,
  type ValidateOptions,
} from './schema.js';
export { findConfigFile, loadConfigFile, parseConfigText, CONFIG_FILE_NAMES } from './load.js';
