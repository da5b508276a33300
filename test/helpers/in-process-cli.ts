/** The CLI run in this process (src/cli/main.ts's runCli) with its output captured: faster than spawning dist/. */
import type { CliIO } from '../../src/cli/context.js';
import { runCli } from '../../src/cli/main.js';

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runInProcess(args: string[], env: NodeJS.ProcessEnv = {}, cwd = process.cwd()): Promise<Ran> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    isTTY: false,
    env: { ...process.env, ...env },
    cwd,
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}
