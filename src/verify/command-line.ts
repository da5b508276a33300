/**
 * What the runtime execs: Entrypoint + Cmd (image-spec config.md; Docker's rule that a
 * given Entrypoint takes Cmd as its arguments). Shell form is recorded by Docker as
 * ["/bin/sh", "-c", "..."] (or the image's SHELL), so it needs that shell in the image.
 */
import type { ContainerConfig } from '../image/model.js';

export interface ResolvedCommand {
  argv: string[];
  /** The shell that a shell-form instruction runs through, e.g. "/bin/sh". */
  shell?: string;
  /** The program the shell-form command line names first, when it is simple to read. */
  shellProgram?: string;
}

const SHELLS = new Set(['/bin/sh', '/bin/bash', '/bin/ash', '/bin/dash', '/usr/bin/sh', '/usr/bin/bash', 'sh', 'bash', 'cmd', 'powershell', 'pwsh']);

export function resolveCommand(config: ContainerConfig | undefined): ResolvedCommand {
  const entrypoint = config?.Entrypoint ?? [];
  const cmd = config?.Cmd ?? [];
  const argv = [...entrypoint, ...cmd];
  const result: ResolvedCommand = { argv };
  const first = argv[0];
  if (first !== undefined && SHELLS.has(first) && (argv[1] === '-c' || argv[1] === '-lc' || argv[1] === '/S')) {
    result.shell = first;
    const line = argv[2];
    if (line !== undefined) {
      const program = firstProgramOfShellLine(line);
      if (program !== undefined) result.shellProgram = program;
    }
  }
  return result;
}

/** The first word of a simple shell command line, skipping `exec` and VAR=value prefixes. */
export function firstProgramOfShellLine(line: string): string | undefined {
  const words = line.trim().split(/\s+/);
  for (const w of words) {
    if (w === 'exec' || /^[A-Za-z_][A-Za-z0-9_]*=/.test(w)) continue;
    if (/[$`|&;<>()"']/.test(w)) return undefined;
    return w;
  }
  return undefined;
}

/** The value of VAR in a Docker-style Env list (last one wins). */
export function envValue(env: string[] | undefined, name: string): string | undefined {
  let value: string | undefined;
  for (const e of env ?? []) {
    const eq = e.indexOf('=');
    if (eq > 0 && e.slice(0, eq) === name) value = e.slice(eq + 1);
  }
  return value;
}

/** Docker's default PATH when the image sets none (moby oci/defaults.go). */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
