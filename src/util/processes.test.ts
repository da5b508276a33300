import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { processesReferencing, waitForProcessesReferencing } from './processes.js';

describe.runIf(process.platform === 'linux')('waiting for processes that name a path', () => {
  it('finds a process by a word of its command line and waits until it exits', async () => {
    const marker = `goslim-processes-test-${process.pid}-${Date.now()}`;
    // sh -c 'sleep 0.4' MARKER: the marker is $0, so it is on the command line and nothing else.
    const child = spawn('sh', ['-c', 'sleep 0.4; exit 0', marker], { stdio: 'ignore' });
    const exited = new Promise((r) => child.once('exit', r));
    try {
      await new Promise((r) => setTimeout(r, 100));
      expect(await processesReferencing(marker)).toEqual([child.pid]);
      const started = Date.now();
      expect(await waitForProcessesReferencing(marker, 10_000, 20)).toEqual([]);
      expect(Date.now() - started).toBeGreaterThan(50); // it did wait for the sleep
      await exited;
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('gives up after its bound and names the processes still running', async () => {
    const marker = `goslim-processes-bound-${process.pid}-${Date.now()}`;
    const child = spawn('sh', ['-c', 'sleep 30; exit 0', marker], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 100));
      expect(await waitForProcessesReferencing(marker, 200, 20)).toEqual([child.pid]);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('ignores an empty needle (it would match every process)', async () => {
    expect(await processesReferencing('')).toEqual([]);
  });
});
