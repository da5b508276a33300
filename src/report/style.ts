/**
 * Text styling for the text renderers. The renderers are pure and take a `Style`; whether it
 * colours is decided in one place, src/cli/output.ts (`styleFor`: a TTY only, NO_COLOR and
 * FORCE_COLOR honoured). `PLAIN` is the default, so a renderer called without a style, a file
 * written with --output and every pipe get plain text.
 */
export interface Style {
  readonly colour: boolean;
  /** Headings. */
  bold(s: string): string;
  /** Will not start, failed checks. */
  bad(s: string): string;
  /** Warnings and levers. */
  warn(s: string): string;
  /** Passing verdicts. */
  good(s: string): string;
  /** Secondary detail (fix/lose/keep lines). */
  dim(s: string): string;
}

const id = (s: string): string => s;

export const PLAIN: Style = { colour: false, bold: id, bad: id, warn: id, good: id, dim: id };

/** SGR sequences (ECMA-48): bold 1, red 31, yellow 33, green 32, dim 2; each closed right after. */
const sgr = (open: number, close: number) => (s: string): string => (s.length === 0 ? s : `\u001b[${open}m${s}\u001b[${close}m`);

export const ANSI: Style = { colour: true, bold: sgr(1, 22), bad: sgr(31, 39), warn: sgr(33, 39), good: sgr(32, 39), dim: sgr(2, 22) };

/** Removes the SGR sequences `ANSI` adds (tests compare coloured and plain text with it). */
export function stripStyle(s: string): string {
  return s.replace(/\u001b\[\d+m/g, '');
}
