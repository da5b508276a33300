/** The files that cost most, for inspect's largest-files list. Pure. */
import type { MergedFile } from '../image/filesystem/types.js';

/** Largest first; equal sizes by path. */
export function byChargedThenPath(a: Pick<MergedFile, 'charged' | 'path'>, b: Pick<MergedFile, 'charged' | 'path'>): number {
  return b.charged - a.charged || a.path.localeCompare(b.path);
}

/**
 * The first `n` of `files` in byChargedThenPath order, as a stable sort would put them, kept in
 * a list of at most `n` instead of sorting every file: sorting the fat fixture's 26k files cost
 * ~40 ms of localeCompare between the many files of equal size. A negative `n` gives none.
 */
export function largestFirst<F extends Pick<MergedFile, 'charged' | 'path'>>(files: readonly F[], n: number): F[] {
  if (n >= files.length) return [...files].sort(byChargedThenPath);
  const top: F[] = [];
  if (!(n > 0)) return top;
  for (const f of files) {
    if (top.length === n && (f.charged < top[n - 1]!.charged || byChargedThenPath(f, top[n - 1]!) >= 0)) continue;
    // After every kept file it does not come before: files that compare equal keep their order.
    let i = top.length;
    while (i > 0 && byChargedThenPath(f, top[i - 1]!) < 0) i--;
    top.splice(i, 0, f);
    if (top.length > n) top.pop();
  }
  return top;
}
