/**
 * `--shard I/N`: which of N side-by-side processes scans a reference. Rendezvous (highest random
 * weight) hashing: the reference goes to the shard whose sha256(`I\0ref`) is highest. Each
 * reference's shard depends only on the reference and N, so adding or removing an image moves no
 * other image, and going from N to N+1 shards moves about 1/(N+1) of the references (plain
 * `hash mod N` would move nearly all of them). Pure.
 */
import { createHash } from 'node:crypto';
import { UsageError } from '../errors.js';

export interface Shard {
  /** 0-based, < count. */
  index: number;
  count: number;
}

/** Shards this many at most: N hashes per reference, and more processes than that is not a shard plan. */
export const MAX_SHARDS = 10_000;

function score(index: number, ref: string): bigint {
  return createHash('sha256').update(`${index}\0${ref}`).digest().readBigUInt64BE(0);
}

/** The shard (0-based) that owns `ref` among `count`. */
export function shardOf(ref: string, count: number): number {
  let best = 0;
  let bestScore = -1n;
  for (let i = 0; i < count; i++) {
    const s = score(i, ref);
    if (s > bestScore) {
      best = i;
      bestScore = s;
    }
  }
  return best;
}

/**
 * Parse `I/N` (0 <= I < N) or `auto/N`, where auto reads `JOB_COMPLETION_INDEX` (a Kubernetes
 * Indexed Job sets it in every pod, 0-based). E_USAGE for anything else.
 */
export function parseShard(text: string, env: NodeJS.ProcessEnv): Shard {
  const m = /^\s*(auto|\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (m === null) throw new UsageError(`--shard must be I/N (0-based, e.g. 0/4) or auto/N, got "${text}"`);
  const count = Number(m[2]);
  if (!Number.isSafeInteger(count) || count < 1 || count > MAX_SHARDS) throw new UsageError(`--shard: N must be between 1 and ${MAX_SHARDS}, got ${m[2]}`);
  let indexText = m[1]!;
  if (indexText === 'auto') {
    const fromEnv = env.JOB_COMPLETION_INDEX;
    if (fromEnv === undefined || !/^\d+$/.test(fromEnv.trim())) {
      throw new UsageError(`--shard auto/${count} reads JOB_COMPLETION_INDEX (set by a Kubernetes Indexed Job), which is ${fromEnv === undefined ? 'not set' : `"${fromEnv}"`}`);
    }
    indexText = fromEnv.trim();
  }
  const index = Number(indexText);
  if (!Number.isSafeInteger(index) || index >= count) throw new UsageError(`--shard: I must be between 0 and ${count - 1}, got ${indexText}`);
  return { index, count };
}
