/**
 * `--format html` and `--output FILE` for inspect and binary (issue 13). The shared --format /
 * --output plumbing for every command may replace this; it is kept small on purpose.
 */
import { Option, type Command } from 'commander';
import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import type { CliIO } from './context.js';

export type ReportFormat = 'text' | 'json' | 'html';

export function addReportOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--format <format>', 'output format (html: one self-contained page with treemaps)').choices(['text', 'json', 'html']))
    .option('--output <file>', 'write the report to FILE (written atomically) instead of stdout');
}

/** The format asked for: --format, or --json (kept as the short form of --format json). */
export function reportFormat(opts: { format?: string; json?: boolean }): ReportFormat {
  if (opts.json === true && opts.format !== undefined && opts.format !== 'json') {
    throw new UsageError(`--json and --format ${opts.format} ask for two formats; give one`);
  }
  if (opts.json === true) return 'json';
  return (opts.format as ReportFormat | undefined) ?? 'text';
}

/** Prints the report, or writes it to --output (atomically) and says where on stderr. */
export async function emitReport(io: CliIO, text: string, output: string | undefined): Promise<void> {
  if (output === undefined) {
    io.stdout(text);
    return;
  }
  const path = resolve(io.cwd, output);
  await writeFileAtomic(path, text);
  io.stderr(`goslim: wrote ${output} (${Buffer.byteLength(text)} bytes)\n`);
}
