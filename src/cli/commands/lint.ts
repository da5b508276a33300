import { Option, type Command } from 'commander';
import { basename, dirname, join, resolve } from 'node:path';
import { GoslimError, IoError, UsageError } from '../../errors.js';
import { readRegularFile } from '../../util/regular-file.js';
import { exceedsThreshold, lintDockerfile, type FailureThreshold } from '../../dockerfile/lint.js';
import { ruleKeys } from '../../dockerfile/rules/index.js';
import type { LintFileReport } from '../../dockerfile/format/types.js';
import { formatLintText } from '../../dockerfile/format/text.js';
import { toLintJson } from '../../dockerfile/format/json.js';
import { formatJsonDocument } from '../../report/document.js';
import { formatSarif } from '../../report/sarif.js';
import { formatLintMarkdown } from '../../report/markdown.js';
import { findConfigFile, loadConfigFile, type GoslimConfig } from '../../config/index.js';
import { expandLintTargets } from '../../context/discover.js';
import { readFileBounded, readStdinBounded } from '../read-bounded.js';
import { EXIT_FINDINGS, EXIT_OK, type CliIO, type ExitCode } from '../context.js';
import type { ActionRunner, CommandModule } from './types.js';
import { addOutputOptions, writeReport, type OutputCliOptions, type Renderers } from '../output.js';

/** lint's renderer table (src/cli/output.ts): the reports of every file linted. */
export const lintRenderers: Renderers<readonly LintFileReport[]> = {
  text: (r, ctx) => formatLintText(r, ctx.style),
  json: (r) => formatJsonDocument('lint', toLintJson(r)),
  markdown: (r) => formatLintMarkdown(r),
  sarif: (r, ctx) => formatSarif(r, { toolVersion: ctx.toolVersion }),
};

interface LintCliOptions extends OutputCliOptions {
  failureThreshold?: FailureThreshold;
  config?: string;
  buildArg: string[];
  platform?: string;
  context?: string;
  target?: string;
}

/** Default threshold: warnings fail, info findings (advice such as cache mounts) do not. */
const DEFAULT_THRESHOLD: FailureThreshold = 'warning';


async function readOptional(path: string): Promise<string | null> {
  try {
    return (await readRegularFile(path, { limitKey: 'dockerfile.size', what: '.dockerignore' })).toString('utf8');
  } catch (err) {
    if (err instanceof GoslimError && err.code === 'E_NOT_FOUND') return null;
    if (err instanceof GoslimError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new IoError(`cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** BuildKit reads `<Dockerfile>.dockerignore` next to the Dockerfile first, then `<context>/.dockerignore`. */
export async function readDockerignore(dockerfile: string | null, contextDir: string | null): Promise<string | null | undefined> {
  if (dockerfile) {
    const specific = await readOptional(join(dirname(dockerfile), `${basename(dockerfile)}.dockerignore`));
    if (specific !== null) return specific;
  }
  if (contextDir === null) return undefined;
  return readOptional(join(contextDir, '.dockerignore'));
}

function parseBuildArgs(list: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`--build-arg expects KEY=VALUE, got "${item}"`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

export const command: CommandModule = {
  register(program: Command, run: ActionRunner): void {
    addOutputOptions(program
      .command('lint')
      .description("Check Dockerfiles for Go-image mistakes (size, startup, cross-builds); each finding explained")
      .argument(
        '[dockerfiles...]',
        "Dockerfiles to lint: files, directories (searched for Dockerfile, *.Dockerfile, Dockerfile.*, Containerfile; not .git, node_modules, vendor), quoted globs ('services/**/Dockerfile'), or - for stdin",
        ['Dockerfile'],
      ), lintRenderers)
      .addOption(
        new Option('--failure-threshold <severity>', `exit 1 when a finding is at or above this severity (default ${DEFAULT_THRESHOLD})`).choices([
          'error',
          'warning',
          'info',
          'none',
        ]),
      )
      .option('-c, --config <file>', 'config file (default: .goslim.yaml / goslim.config.json from the Dockerfile\'s directory up to the cwd)')
      .option('--build-arg <key=value>', 'set a build argument (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
      .option('--platform <os/arch>', 'target platform for $TARGETOS/$TARGETARCH (default linux/amd64)')
      .option('--context <dir>', 'build context holding .dockerignore (default: the Dockerfile\'s directory)')
      .option('--target <stage>', 'the stage that becomes the image, as with docker build --target (default: the last stage)')
      .action(async (files: string[], opts: LintCliOptions) => {
        await run(async (io: CliIO): Promise<ExitCode> => {
          const knownRules = ruleKeys();
          const buildArgs = parseBuildArgs(opts.buildArg);
          const explicitConfig = opts.config !== undefined ? loadConfigFile(resolve(io.cwd, opts.config), { knownRules }) : null;
          if (files.filter((f) => f === '-').length > 1) throw new UsageError('stdin (-) can be linted only once per call');
          const targets = await expandLintTargets(files, io.cwd);
          const reports: LintFileReport[] = [];
          let failed = false;
          for (const { path, shownAs: file } of targets) {
            const text = (path === null ? await readStdinBounded('dockerfile.size') : await readFileBounded(path, 'dockerfile.size', file)).toString('utf8');
            let config: GoslimConfig | null = explicitConfig;
            if (config === null) {
              const found = findConfigFile(path ? dirname(path) : io.cwd, io.cwd);
              if (found) config = loadConfigFile(found, { knownRules });
            }
            const contextDir = opts.context !== undefined ? resolve(io.cwd, opts.context) : path ? dirname(path) : null;
            const dockerignore = await readDockerignore(path, contextDir);
            const parse: { buildArgs: Record<string, string>; targetPlatform?: string } = { buildArgs };
            if (opts.platform !== undefined) parse.targetPlatform = opts.platform;
            const result = lintDockerfile(text, {
              policy: { disabled: config?.lint.disable ?? [], severity: config?.lint.severity ?? {} },
              dockerignore,
              parse,
              ...(opts.target !== undefined ? { target: opts.target } : {}),
            });
            // Over-limit expansions do not stop lint: the value is unknown (docs/lint.md, "Limits").
            const over = result.model.expansionLimits;
            for (const l of over.slice(0, 10)) {
              io.stderr(`goslim: warning: ${file}:${l.line}: variable expansion exceeds ${l.limit} (${l.max}): its value is treated as unknown\n`);
            }
            if (over.length > 10) io.stderr(`goslim: warning: ${file}: ${over.length - 10} more expansions exceed a limit\n`);
            const threshold = opts.failureThreshold ?? config?.lint.failureThreshold ?? DEFAULT_THRESHOLD;
            if (exceedsThreshold(result.findings, threshold)) failed = true;
            reports.push({ path: file, findings: result.findings });
          }
          await writeReport(io, opts, lintRenderers, reports);
          return failed ? EXIT_FINDINGS : EXIT_OK;
        });
      });
  },
};
