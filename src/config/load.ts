/**
 * Finding and reading the config file (I/O edge). Looks for `.goslim.yaml`,
 * `.goslim.yml` or `goslim.config.json` from a start directory (the
 * Dockerfile's) up to a stop directory (the cwd), nearest first.
 */
import { parseDocument } from 'yaml';
import { ConfigError } from '../errors.js';
import { limit } from '../limits.js';
import { readRegularFileSync } from '../util/regular-file.js';
import { validateConfig, type ConfigIssue, type GoslimConfig, type ValidateOptions } from './schema.js';

export { CONFIG_FILE_NAMES, findConfigFile } from './find.js';

/** Parse config text (YAML, or JSON for `.json`) into data; syntax errors become issues. */
export function parseConfigText(text: string, fileName: string): { data: unknown; issues: ConfigIssue[] } {
  if (fileName.endsWith('.json')) {
    try {
      return { data: JSON.parse(text) as unknown, issues: [] };
    } catch (err) {
      return { data: null, issues: [{ path: '(file)', message: `invalid JSON: ${(err as Error).message}` }] };
    }
  }
  let doc: ReturnType<typeof parseDocument>;
  try {
    doc = parseDocument(text, { prettyErrors: false });
  } catch (err) {
    // e.g. nesting deep enough to exhaust the parser's stack.
    return { data: null, issues: [{ path: '(file)', message: `invalid YAML: ${(err as Error).message}` }] };
  }
  if (doc.errors.length > 0) {
    return {
      data: null,
      issues: doc.errors.map((e) => ({ path: '(file)', message: `invalid YAML: ${e.message.split('\n')[0] ?? e.code}` })),
    };
  }
  try {
    // Aliases are expanded by toJS: an alias bomb (aliases of aliases) is a config error, not a crash.
    return { data: doc.toJS({ maxAliasCount: limit('config.aliases') }) as unknown, issues: [] };
  } catch (err) {
    return { data: null, issues: [{ path: '(file)', message: `invalid YAML: ${(err as Error).message} (config.aliases: ${limit('config.aliases')})` }] };
  }
}

/** The text of a config file: a regular file of at most `config.size` bytes (checked before reading). */
function readConfigText(path: string): string {
  return readRegularFileSync(path, { limitKey: 'config.size', what: 'config file' }).toString('utf8');
}

/** Read and validate a config file. Throws E_CONFIG listing every issue, or E_NOT_FOUND / E_IO. */
export function loadConfigFile(path: string, options: ValidateOptions): GoslimConfig {
  const text = readConfigText(path);
  const parsed = parseConfigText(text, path);
  const { config, issues } = parsed.issues.length > 0 ? { config: null, issues: parsed.issues } : validateConfig(parsed.data, options);
  if (issues.length > 0 || config === null) {
    const list = issues.map((i) => `  ${i.path}: ${i.message}`).join('\n');
    throw new ConfigError(`invalid config ${path} (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${list}`, {
      details: { path, issues },
    });
  }
  return config;
}
