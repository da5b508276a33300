import type { Command } from 'commander';
import { resolve } from 'node:path';
import { initProject } from '../../init/init-project.js';
import { writeJson, type CliIO, type ExitCode } from '../context.js';
import type { ActionRunner, CommandModule } from './types.js';

export const command: CommandModule = {
  register(program: Command, run: ActionRunner): void {
    program
      .command('init')
      .description('Write a recipe Dockerfile and .dockerignore for the Go module in DIR')
      .argument('[dir]', 'module directory (with go.mod)', '.')
      .option('--pkg <path>', 'main package to build when there are several (e.g. ./cmd/api)')
      .option('--base <ref>', 'final base image (default gcr.io/distroless/static-debian12:nonroot)')
      .option('--force', 'overwrite an existing Dockerfile / .dockerignore')
      .option('--json', 'print what was written as JSON')
      .action(async (dir: string, opts: { pkg?: string; base?: string; force?: boolean; json?: boolean }) => {
        await run(async (io: CliIO): Promise<ExitCode> => {
          const root = resolve(io.cwd, dir);
          const initOpts: Parameters<typeof initProject>[1] = { force: opts.force === true };
          if (opts.pkg !== undefined) initOpts.pkg = opts.pkg;
          if (opts.base !== undefined) initOpts.base = opts.base;
          const plan = await initProject(root, initOpts);
          if (opts.json) {
            writeJson(io, { written: plan.written, recipe: plan.recipe, mains: plan.mains.map((m) => m.importPath) });
            return 0;
          }
          io.stdout(`wrote ${plan.written.join(' and ')}\n`);
          io.stdout(`  module ${plan.recipe.modulePath}, builder golang:${plan.recipe.goVersion}, package ${plan.recipe.pkg}\n`);
          io.stdout(plan.recipe.cgo !== undefined ? `  cgo kept: ${plan.recipe.cgo}\n` : '  CGO_ENABLED=0: no package needs cgo\n');
          if (plan.recipe.embeds.length > 0) io.stdout(`  embedded (ships inside the binary): ${plan.recipe.embeds.join(', ')}\n`);
          if (plan.recipe.healthcheck !== undefined) io.stdout(`  HEALTHCHECK uses the binary's own ${plan.recipe.healthcheck}\n`);
          return 0;
        });
      });
  },
};
