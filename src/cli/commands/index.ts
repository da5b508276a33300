import type { Command } from 'commander';
import type { CliIO, ExitCode } from '../context.js';

/**
 * A subcommand module. `register` adds the command to the program; its action
 * calls `run(...)` which resolves to the exit code. Only src/cli prints.
 */
export interface CommandModule {
  register(program: Command, run: ActionRunner): void;
}

/** Wraps a command body: handles errors, --debug, and the exit code. */
export type ActionRunner = (body: (io: CliIO) => Promise<ExitCode>) => Promise<void>;

// Each command lives in its own file; add new ones here.
export const commands: Array<() => Promise<CommandModule>> = [
  () => import('./inspect.js').then((m) => m.command),
  () => import('./fix.js').then((m) => m.command),
  () => import('./init.js').then((m) => m.command),
  () => import('./binary.js').then((m) => m.command),
  () => import('./explain.js').then((m) => m.command),
  () => import('./build.js').then((m) => m.command),
  () => import('./push.js').then((m) => m.command),
  () => import('./verify.js').then((m) => m.command),
  () => import('./lint.js').then((m) => m.command),
];
