import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { processesReferencing, waitForProcessesReferencing } from './processes.js';

/** A process that names `marker` on its command line and runs until its stdin closes (no timing involved). */
function holder(marker: string) {
  // sh -c 'read x; exit 0' MARKER: the marker is $0; `read` blocks until stdin is closed.
  const child = spawn('sh', ['-c', 'read x; exit 0', marker], { stdio: ['pipe', 'ignore', 'ignore'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const spawned = new Promise<void>((r, j) => {
    child.once('spawn', () => r());
    child.once('error', j);
  });
  return { child, exited, spawned };
}

describe.runIf(process.platform === 'linux')('waiting for processes that name a path', () => {
  it('finds a process by a word of its command line and waits until it exits', async () => {
    const marker = `goslim-processes-test-${process.pid}-${Date.now()}`;
    const h = holder(marker);
    try {
      await h.spawned;
      // After 'spawn' the exec has happened, so /proc shows sh's command line with the marker.
      expect(await processesReferencing(marker)).toEqual([h.child.pid]);
      const waiting = waitForProcessesReferencing(marker, 60_000, 20);
      h.child.stdin!.end(); // now it may exit
      expect(await waiting).toEqual([]);
      await h.exited;
    } finally {
      h.child.kill('SIGKILL');
    }
  });

  it('gives up after its bound and names the processes still running', async () => {
    const marker = `goslim-processes-bound-${process.pid}-${Date.now()}`;
    const h = holder(marker);
    try {
      await h.spawned;
      expect(await waitForProcessesReferencing(marker, 200, 20)).toEqual([h.child.pid]);
    } finally {
      h.child.kill('SIGKILL');
      await h.exited;
    }
  });

  it('ignores an empty needle (it would match every process)', async () => {
    expect(await processesReferencing('')).toEqual([]);
  });
});
