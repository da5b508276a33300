/**
 * Waiting for processes we started indirectly. Some tools leave work running after they return:
 * podman's conmon runs `podman container cleanup` when a container exits, and that process opens
 * (and so re-creates files in) the storage root given on its command line, even after
 * `podman rm` has returned. Removing that root while it runs fails with ENOTEMPTY, or leaves
 * the re-created files behind. Before removing a private directory such a tool used, wait for
 * every process whose command line names it to exit.
 *
 * Linux only (reads /proc); elsewhere there is nothing to wait for and it returns at once.
 */
import { readdir, readFile } from 'node:fs/promises';

/** Pids (other than ours) whose command line contains `needle`. */
export async function processesReferencing(needle: string): Promise<number[]> {
  if (process.platform !== 'linux' || needle === '') return [];
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return [];
  }
  const found: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    try {
      const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes(needle)) found.push(pid);
    } catch {
      // The process exited while we looked, or is not ours to read.
    }
  }
  return found;
}

/**
 * Resolves once no process names `needle` on its command line, polling every `intervalMs`,
 * or after `timeoutMs` at most (bounded). Returns the pids still running at the end (empty
 * when they all exited).
 */
export async function waitForProcessesReferencing(needle: string, timeoutMs: number, intervalMs = 50): Promise<number[]> {
  const until = Date.now() + timeoutMs;
  const maxPolls = Math.ceil(timeoutMs / intervalMs) + 1;
  let left = await processesReferencing(needle);
  for (let i = 0; i < maxPolls && left.length > 0 && Date.now() < until; i++) {
    await new Promise((r) => setTimeout(r, intervalMs));
    left = await processesReferencing(needle);
  }
  return left;
}
