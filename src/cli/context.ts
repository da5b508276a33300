import { GoslimError, exitCodeFor } from '../errors.js';

/**
 * Everything a command needs to talk to the outside world. Commands never touch
 * process.stdout / process.exit directly, so they can be driven in-process by tests.
 */
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** True when stderr is an interactive terminal (progress bars allowed). */
  isTTY: boolean;
  /** True when stdout is an interactive terminal (text reports may be coloured: src/cli/output.ts). */
  stdoutIsTTY?: boolean;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export const EXIT_OK = 0;
/** Findings over the threshold, a budget exceeded, or a failed check. */
export const EXIT_FINDINGS = 1;
/** Usage or input error. */
export const EXIT_INPUT = 2;
/** Internal error (a bug in goslim). */
export const EXIT_INTERNAL = 3;

export type ExitCode = 0 | 1 | 2 | 3;

export interface GlobalOptions {
  debug?: boolean;
}

/** Render an error for humans: code and message; the stack only with --debug. */
export function renderError(err: unknown, debug: boolean): string {
  if (err instanceof GoslimError) {
    let text = `goslim: error ${err.code}: ${err.message}`;
    if (debug) {
      text += `\n${err.stack ?? ''}`;
      let cause = err.cause;
      while (cause !== undefined) {
        text += `\ncaused by: ${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}`;
        cause = cause instanceof Error ? cause.cause : undefined;
      }
    }
    return text;
  }
  const message = err instanceof Error ? err.message : String(err);
  let text = `goslim: internal error E_INTERNAL: ${message}`;
  text += debug
    ? `\n${err instanceof Error ? (err.stack ?? '') : ''}`
    : '\n(run again with --debug for the stack trace, and please report it)';
  return text;
}

export function exitCodeForError(err: unknown): ExitCode {
  return exitCodeFor(err);
}

export function writeJson(io: CliIO, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`);
}
