import type { CommandModule } from './types.js';
import { fixYoungGeneration } from '../young-generation.js';

export type { ActionRunner, CommandModule } from './types.js';

/**
 * Each command lives in its own file; add new ones here. The CLI loads only the module of
 * the command being run (start-up cost is paid per command), and all of them for help.
 */
export interface CommandEntry {
  name: string;
  load: () => Promise<CommandModule>;
  /**
   * Run before the command's modules load when it is the command being run (not for help): a
   * process-wide setting for the run; the function it returns undoes it when the run ends.
   */
  beforeLoad?: () => () => void;
}

export const commands: CommandEntry[] = [
  { name: 'inspect', load: () => import('./inspect.js').then((m) => m.command) },
  { name: 'compare', load: () => import('./compare.js').then((m) => m.command) },
  // Memory-bound (issue 15: peak RSS <= 1.5x the file): V8's young generation stays at its starting size.
  { name: 'binary', beforeLoad: fixYoungGeneration, load: () => import('./binary.js').then((m) => m.command) },
  { name: 'lint', load: () => import('./lint.js').then((m) => m.command) },
  { name: 'fix', load: () => import('./fix.js').then((m) => m.command) },
  { name: 'init', load: () => import('./init.js').then((m) => m.command) },
  { name: 'build', load: () => import('./build.js').then((m) => m.command) },
  { name: 'push', load: () => import('./push.js').then((m) => m.command) },
  { name: 'pull', load: () => import('./pull.js').then((m) => m.command) },
  { name: 'scan', load: () => import('./scan.js').then((m) => m.command) },
  { name: 'merge', load: () => import('./merge.js').then((m) => m.command) },
  { name: 'verify', load: () => import('./verify.js').then((m) => m.command) },
  { name: 'explain', load: () => import('./explain.js').then((m) => m.command) },
];
