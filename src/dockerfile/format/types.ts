import type { Finding } from '../rules/types.js';

/** Findings of one linted file, as given to every formatter. */
export interface LintFileReport {
  /** Path as the user gave it (`-` for stdin). */
  path: string;
  findings: Finding[];
}
