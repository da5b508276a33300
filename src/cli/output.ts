/**
 * One output contract for every command that prints a report (issue 14): `--format`,
 * `--json` (an alias of `--format json`), `--output FILE` (written atomically), and the choice of
 * colour, all here. A command declares a renderer table, one function per format it speaks:
 *
 *   const renderers: Renderers<InspectReport> = { text: ..., json: ..., markdown: ..., sarif: ... };
 *   addOutputOptions(cmd, renderers);            // options from the table's formats
 *   await writeReport(io, opts, renderers, report);
 *
 * A new format (html) is one entry in OUTPUT_FORMATS and one renderer per command that has it.
 *
 * One run, several reports: `--output` may be repeated, and a value `FORMAT=FILE` writes that format
 * to that file (`-o report.json -o markdown=summary.md -o sarif=goslim.sarif`), so CI reads an image
 * once for every format it wants. A plain `FILE` takes `--format`; when every `--output` names its
 * format, the `--format` report still goes to stdout (as syft's `-o FORMAT=FILE`).
 */
import { Option, type Command } from 'commander';
import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { ANSI, PLAIN, type Style } from '../report/style.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { packageVersion } from '../util/package-version.js';
import type { CliIO } from './context.js';

/** Every output format, in the order help lists them. */
export const OUTPUT_FORMATS = ['text', 'json', 'markdown', 'sarif', 'html'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface RenderContext {
  /** Colour for text on a terminal; PLAIN for files, pipes and every other format. */
  style: Style;
  /** goslim's version (SARIF's tool.driver). */
  toolVersion: string;
}

export type Renderer<R> = (report: R, ctx: RenderContext) => string;

/** A command's renderers: text and json always, the others when the command speaks them. */
export type Renderers<R> = { readonly [F in OutputFormat]?: Renderer<R> } & { readonly text: Renderer<R>; readonly json: Renderer<R> };

export interface OutputCliOptions {
  format?: string;
  json?: boolean;
  /** One or more (`-o` repeated): `FILE`, or `FORMAT=FILE`. */
  output?: string | string[];
}

/** Where one report goes: a file, or stdout when `file` is undefined. */
export interface OutputTarget {
  format: OutputFormat;
  file?: string;
}

export function formatsOf(renderers: Renderers<never>): OutputFormat[] {
  return OUTPUT_FORMATS.filter((f) => renderers[f] !== undefined);
}

/** Adds -f/--format (choices from the table), --json and -o/--output to a command. */
export function addOutputOptions<R>(cmd: Command, renderers: Renderers<R>): Command {
  const formats = formatsOf(renderers as Renderers<never>);
  return cmd
    .addOption(new Option('-f, --format <format>', 'output format').choices(formats).default('text'))
    .option('--json', 'the same as --format json')
    .option('-o, --output <file>', 'write the report to this file (atomically) instead of stdout; repeat as FORMAT=FILE for more formats from one run (-o r.json -o markdown=r.md)', (v: string, prev?: string[]) => [...(prev ?? []), v]);
}

/** The format asked for; `--json` with a different `--format` is a usage error. */
export function chosenFormat(opts: OutputCliOptions): OutputFormat {
  const format = (opts.format ?? 'text') as OutputFormat;
  if (opts.json) {
    if (format !== 'text' && format !== 'json') throw new UsageError(`--json asks for JSON but --format asks for ${format}: give one of them`);
    return 'json';
  }
  return format;
}

/**
 * Colour or not, decided once for every command: NO_COLOR (any non-empty value) wins, then
 * FORCE_COLOR (0/false off, anything else on), then whether stdout is a terminal (not with
 * TERM=dumb). Files written with --output never get colour. https://no-color.org,
 * https://force-color.org.
 */
export function styleFor(io: CliIO, toFile: boolean): Style {
  if (toFile) return PLAIN;
  const env = io.env;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return PLAIN;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force === '0' || force.toLowerCase() === 'false' ? PLAIN : ANSI;
  if (env.TERM === 'dumb') return PLAIN;
  return io.stdoutIsTTY === true ? ANSI : PLAIN;
}

/** Every report a run writes: each `--output` (`FILE` in --format, or `FORMAT=FILE`), and stdout unless a plain FILE took its place. */
export function outputTargets(opts: OutputCliOptions): OutputTarget[] {
  const format = chosenFormat(opts);
  const values = opts.output === undefined ? [] : Array.isArray(opts.output) ? opts.output : [opts.output];
  let plainFile = false;
  const targets: OutputTarget[] = values.map((v) => {
    const m = /^([a-z]+)=(.+)$/.exec(v);
    if (m && (OUTPUT_FORMATS as readonly string[]).includes(m[1]!)) return { format: m[1] as OutputFormat, file: m[2]! };
    if (v === '') throw new UsageError('--output needs a file name');
    plainFile = true;
    return { format, file: v };
  });
  return plainFile ? targets : [{ format }, ...targets];
}

/** The formats a run will render (a command may read more of the image for some, e.g. html's file tree). */
export function wantedFormats(opts: OutputCliOptions): OutputFormat[] {
  return [...new Set(outputTargets(opts).map((t) => t.format))];
}

/**
 * Renders the report in each wanted format: printed to stdout, or written atomically to its file.
 * Every format is checked before anything is written. Returns the stdout format (or the first).
 */
export async function writeReport<R>(io: CliIO, opts: OutputCliOptions, renderers: Renderers<R>, report: R): Promise<OutputFormat> {
  const targets = outputTargets(opts);
  for (const t of targets) {
    if (renderers[t.format] === undefined) throw new UsageError(`this command has no ${t.format} output (it has ${formatsOf(renderers as Renderers<never>).join(', ')})`);
  }
  for (const t of targets) {
    const render = renderers[t.format]!;
    const toFile = t.file !== undefined;
    const text = render(report, { style: t.format === 'text' ? styleFor(io, toFile) : PLAIN, toolVersion: packageVersion() });
    if (toFile) await writeFileAtomic(resolve(io.cwd, t.file!), text);
    else io.stdout(text);
  }
  return (targets.find((t) => t.file === undefined) ?? targets[0]!).format;
}
