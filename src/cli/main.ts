import { Command, CommanderError } from 'commander';
import { packageVersion } from '../util/package-version.js';
import { commands } from './commands/index.js';
import { EXIT_INPUT, exitCodeForError, renderError, type CliIO, type ExitCode } from './context.js';


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
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
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

  // Load only the command being run; every command for help or an unknown word.
  const first = argv.find((a) => !a.startsWith('-'));
  const chosen = commands.filter((c) => c.name === first);
  for (const entry of chosen.length > 0 ? chosen : commands) {
    const mod = await entry.load();
    mod.register(program, run);
  }
  // Subcommands inherit output configuration and exit override.
  for (const sub of program.commands) {
    sub.configureOutput({ writeOut: io.stdout, writeErr: io.stderr }).exitOverride();
    sub.showHelpAfterError('(run with --help for usage)');
  }

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
        return 0;
      }
      return EXIT_INPUT;
    }
    io.stderr(`${renderError(err, argv.includes('--debug'))}\n`);
    return exitCodeForError(err);
  }
  return exitCode;
}
