import type { Command } from 'commander';
import { stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { GoslimError, NotFoundError, UsageError } from '../../errors.js';
import { fixDockerfile } from '../../dockerfile/fix/fix-dockerfile.js';
import { scanBuildContext } from '../../context/build-context.js';
import { diffLabels, unifiedDiff } from '../../dockerfile/fix/unified-diff.js';
import { planDockerignore, type DockerignorePlan } from '../../dockerfile/fix/dockerignore-plan.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { spliceFixedBytes } from '../../dockerfile/fix/splice.js';
import { readFileBounded, readStdinBounded } from '../read-bounded.js';
import type { BuildContextFacts } from '../../dockerfile/fix/types.js';
import { writeJson, type CliIO, type ExitCode } from '../context.js';
import type { ActionRunner, CommandModule } from './types.js';
import { readDockerignore } from './lint.js';

interface FixCliOptions {
  write?: boolean;
  base?: string;
  explain?: boolean;
  json?: boolean;
  context?: string;
  cacheMounts?: boolean;
}

export const command: CommandModule = {
  register(program: Command, run: ActionRunner): void {
    program
      .command('fix')
      .description('Rewrite a Go service\'s Dockerfile to the four-lever recipe; prints a unified diff (or --write)')
      .argument('[dockerfile]', 'path to the Dockerfile (`-` reads stdin and prints the fixed file)', 'Dockerfile')
      .option('-w, --write', 'write the fixed file in place (atomically)')
      .option('--base <ref>', 'final base image (default gcr.io/distroless/static-debian12:nonroot, or base-debian12 when cgo is needed)')
      .option('--explain', 'put a one-line "# goslim: why" comment above each line goslim writes')
      .option('--json', 'print the edits, notes and TODOs as JSON (with the fixed text)')
      .option('--context <dir>', 'build context to inspect (go.mod, sources, runtime files); default: the Dockerfile\'s directory')
      .option('--no-cache-mounts', 'do not add BuildKit cache mounts (for builders without RUN --mount)')
      .action(async (file: string, opts: FixCliOptions) => {
        await run(async (io: CliIO): Promise<ExitCode> => {
          const stdin = file === '-';
          if (stdin && opts.write) throw new UsageError('--write needs a file, not stdin (-)');
          const path = resolve(io.cwd, stdin ? 'Dockerfile' : file);
          // The bytes as they are on disk: lines fix does not change are written back byte for byte.
          const bytes = stdin ? await readStdinBounded('dockerfile.size') : await readFileBounded(path, 'dockerfile.size', file);
          const text = bytes.toString('utf8');
          const ctxDir = resolve(io.cwd, opts.context ?? dirname(path));
          let context: BuildContextFacts | undefined;
          let scanned: BuildContextFacts | undefined;
          const isDir = await stat(ctxDir).then((s) => s.isDirectory(), () => false);
          if (opts.context !== undefined && !isDir) throw new NotFoundError(`build context ${opts.context} is not a directory`);
          // Only a context with a Go module at its root is understood; elsewhere the entries would be guesses.
          if (isDir) {
            scanned = await scanBuildContext(ctxDir);
            if (scanned.module !== undefined) context = scanned;
          }
          const fixOpts: Parameters<typeof fixDockerfile>[1] = { explain: opts.explain === true, cacheMounts: opts.cacheMounts !== false };
          if (opts.base !== undefined) fixOpts.base = opts.base;
          if (context !== undefined) fixOpts.context = context;
          const result = fixDockerfile(text, fixOpts);
          if (opts.write && result.changed) await writeFileAtomic(path, spliceFixedBytes(bytes, text, result.fixed));
          // The .dockerignore lint's G020 asks for: created when the context has none (never overwritten).
          let ignore: (DockerignorePlan & { path: string; written: boolean }) | undefined;
          if (!stdin && isDir && result.skipped === undefined) {
            const existing = await readDockerignore(path, ctxDir);
            const plan = planDockerignore(result.fixed, existing ?? null, scanned);
            if (plan.action !== 'none') {
              const ignorePath = join(ctxDir, '.dockerignore');
              const written = plan.action === 'create' && opts.write === true && (await writeFileAtomic(ignorePath, plan.text!, { exclusive: true }));
              ignore = { ...plan, path: ignorePath, written };
            }
          }
          if (opts.json) {
            writeJson(io, {
              path: file,
              mode: result.mode,
              changed: result.changed,
              written: Boolean(opts.write && result.changed),
              ...(result.skipped !== undefined ? { skipped: result.skipped } : {}),
              ...(ignore !== undefined ? { dockerignore: { path: ignore.path, action: ignore.action, written: ignore.written, keep: ignore.keep, ...(ignore.text !== undefined ? { text: ignore.text } : {}) } } : {}),
              edits: result.edits,
              notes: result.notes,
              todos: result.todos,
              fixed: result.fixed,
            });
          } else {
            // From stdin the output is the fixed file itself (a filter); otherwise a diff.
            if (stdin) io.stdout(result.fixed);
            else if (!opts.write) {
              const labels = diffLabels(io.cwd, path);
              io.stdout(unifiedDiff(result.original, result.fixed, labels.a, labels.b));
            }
            for (const n of result.notes) io.stderr(`goslim: ${n.severity}: ${file}${n.line > 0 ? `:${n.line}` : ''}: ${n.message}\n`);
            for (const t of result.todos) io.stderr(`goslim: TODO: ${file}${t.line > 0 ? `:${t.line}` : ''}: ${t.message}\n`);
            if (ignore?.action === 'create') {
              io.stderr(ignore.written ? `goslim: wrote ${ignore.path} (the build context had no .dockerignore; lint G020)\n` : `goslim: info: no .dockerignore in the build context: --write creates ${ignore.path} (lint G020)\n`);
            } else if (ignore?.action === 'exists-without-git') {
              io.stderr(`goslim: warning: the .dockerignore does not exclude .git (lint G020); goslim does not edit an existing .dockerignore: add .git to it\n`);
            }
            if (opts.write) io.stderr(result.changed ? `goslim: wrote ${file} (${result.edits.length} changes)\n` : `goslim: ${file} is already fixed\n`);
            else if (!result.changed && !stdin) io.stderr(`goslim: ${file}: nothing to fix\n`);
          }
          return 0;
        });
      });
  },
};
