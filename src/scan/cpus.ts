/**
 * How many images a scan inspects at once by default: the cores this process may use. Node's
 * availableParallelism() counts the CPUs the process may be scheduled on, not a container's CPU
 * quota, so a pod limited to 2 CPUs on a 64-core node would start 64 inspects (and hold 64 reports'
 * worth of memory). The cgroup quota (v2 `cpu.max`, v1 `cpu.cfs_quota_us` / `cpu.cfs_period_us`)
 * bounds it when there is one; MAX_DEFAULT_CONCURRENCY bounds it always.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

export const MAX_DEFAULT_CONCURRENCY = 16;

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** CPUs a cgroup quota allows (rounded up), or undefined when there is no quota (pure over `read`). */
export function cgroupCpuQuota(readText: (path: string) => string | undefined = read): number | undefined {
  const v2 = readText('/sys/fs/cgroup/cpu.max');
  if (v2 !== undefined) {
    const [quota, period] = v2.split(/\s+/);
    if (quota === undefined || quota === 'max') return undefined;
    const q = Number(quota);
    const p = Number(period ?? '100000');
    return q > 0 && p > 0 ? Math.ceil(q / p) : undefined;
  }
  const q = Number(readText('/sys/fs/cgroup/cpu/cpu.cfs_quota_us') ?? NaN);
  const p = Number(readText('/sys/fs/cgroup/cpu/cpu.cfs_period_us') ?? NaN);
  return q > 0 && p > 0 ? Math.ceil(q / p) : undefined;
}

export function defaultConcurrency(cores: number = availableParallelism(), quota: number | undefined = cgroupCpuQuota()): number {
  return Math.max(1, Math.min(cores, quota ?? cores, MAX_DEFAULT_CONCURRENCY));
}
