import { Command, CommanderError } from 'commander';
import { packageVersion } from '../util/package-version.js';
import { commands } from './commands/index.js';
import { UsageError } from '../errors.js';
import { exitCodeForError, renderError, type CliIO, type ExitCode } from './context.js';

/** Commander's codes for a run that asked for help or the version: exit 0, nothing to report. */
const COMMANDER_OK = new Set(['commander.helpDisplayed', 'commander.version', 'commander.help']);

/**
 * A usage error from the option parser, in goslim's words: commander's message without its
 * `error: ` prefix, its suggestion on the same line (`unknown option '--jsn' (did you mean --json?)`).
 */
export function usageErrorFromCommander(err: CommanderError): UsageError {
  const text = err.message
    .replace(/^error:\s*/i, '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => l.replace(/^\(Did you mean/, '(did you mean'))
    .join(' ');
  return new UsageError(text, { details: { parser: err.code } });
}


export function defaultIO(): CliIO {
  return {
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    isTTY: Boolean(process.stderr.isTTY),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    env: process.env,
    cwd: process.cwd(),
  };
}

/** Build and run the CLI; resolves to the exit code (never calls process.exit). */
export async function runCli(argv: string[], io: CliIO = defaultIO()): Promise<ExitCode> {
  let exitCode: ExitCode = 0;
  const program = new Command();
  program
    .name('goslim')
    .description(
      "Make Go services' container images minimal, prove they still run, and explain every byte.",
    )
    .version(packageVersion(), '-V, --version')
    .option('--debug', 'show stack traces and internal detail on errors')
    // Parser errors are thrown (exitOverride) and rendered like every other error below.
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr, outputError: () => undefined })
    .exitOverride();

  const run = async (body: (io: CliIO) => Promise<ExitCode>): Promise<void> => {
    try {
      exitCode = await body(io);
    } catch (err) {
      const debug = Boolean(program.opts<{ debug?: boolean }>().debug) || argv.includes('--debug');
      io.stderr(`${renderError(err, debug)}\n`);
      exitCode = exitCodeForError(err);
    }
  };

  // Load only the command being run; none for `--version` alone; every command for help or an unknown word.
  const first = argv.find((a) => !a.startsWith('-'));
  const versionOnly = first === undefined && argv.some((a) => a === '-V' || a === '--version');
  const chosen = commands.filter((c) => c.name === first);
  // A command's process-wide setting for its run (binary: V8's young generation), undone when it ends.
  const undo = !versionOnly && chosen.length === 1 ? chosen[0]!.beforeLoad?.() : undefined;
  try {
    for (const entry of versionOnly ? [] : chosen.length > 0 ? chosen : commands) {
      const mod = await entry.load();
      mod.register(program, run);
    }
    // Subcommands inherit output configuration and exit override.
    for (const sub of program.commands) {
      sub.configureOutput({ writeOut: io.stdout, writeErr: io.stderr, outputError: () => undefined }).exitOverride();
    }

    try {
      await program.parseAsync(argv, { from: 'user' });
    } catch (err) {
      if (err instanceof CommanderError) {
        if (COMMANDER_OK.has(err.code)) return 0;
        err = usageErrorFromCommander(err);
      }
      io.stderr(`${renderError(err, argv.includes('--debug'))}\n`);
      return exitCodeForError(err);
    }
    return exitCode;
  } finally {
    undo?.();
  }
}
