import type { Command } from 'commander';
import type { CliIO, ExitCode } from '../context.js';

/**
 * A subcommand module. `register` adds the command to the program; its action
 * calls `run(...)` which resolves to the exit code. Only src/cli prints.
 * (Here rather than in index.ts, which loads every command: a command importing
 * index.ts would be an import cycle.)
 */
export interface CommandModule {
  register(program: Command, run: ActionRunner): void;
}

/** Wraps a command body: handles errors, --debug, and the exit code. */
export type ActionRunner = (body: (io: CliIO) => Promise<ExitCode>) => Promise<void>;
