/**
 * A small unified diff (the `diff -u` / `git diff` text format) over lines; hunks carry 3 lines
 * of context like `diff -u`. Dependency-free and bounded in memory:
 *  - the common prefix and suffix are trimmed first (fixes touch a few lines);
 *  - a small middle (at most DP_CELLS line pairs) uses a longest-common-subsequence table, as it
 *    always did (so small diffs come out exactly as before);
 *  - a larger middle uses Myers' O((N+M)·D) algorithm with line ids, keeping only the diagonals
 *    of each step (memory O(N+M+D²)), up to MAX_D differing lines; past that the middle is
 *    printed as one deletion block and one insertion block: still an exact diff, not a minimal one.
 * A 20,000-line Dockerfile took 1.65 GB with the table alone; it now takes a few MB.
 */

import { posix } from 'node:path';

/** Largest LCS table (cells, 4 bytes each): 16 MB. */
const DP_CELLS = 4_000_000;
/** Most differing lines Myers looks for (its trace holds about MAX_D² integers: 16 MB). */
const MAX_D = 2000;

type Op = { kind: ' ' | '-' | '+'; line: string; a: number; b: number };

/** Line operations from `a` to `b` (exported for tests; `dpCells` chooses between the table and Myers). */
export function lcsOps(a: string[], b: string[], dpCells = DP_CELLS): Op[] {
  // Trim the common prefix and suffix first: typical fixes touch a few lines.
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const am = a.slice(pre, a.length - suf);
  const bm = b.slice(pre, b.length - suf);
  const n = am.length;
  const m = bm.length;
  if (n * m > dpCells) return normaliseBlocks(largeOps(a, b, pre, suf, am, bm));
  const table = new Uint32Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      table[i * (m + 1) + j] =
        am[i] === bm[j] ? table[(i + 1) * (m + 1) + j + 1]! + 1 : Math.max(table[(i + 1) * (m + 1) + j]!, table[i * (m + 1) + j + 1]!);
    }
  }
  const ops: Op[] = [];
  for (let k = 0; k < pre; k++) ops.push({ kind: ' ', line: a[k]!, a: k, b: k });
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && am[i] === bm[j]) {
      ops.push({ kind: ' ', line: am[i]!, a: pre + i, b: pre + j });
      i++;
      j++;
    } else if (j < m && (i >= n || table[i * (m + 1) + j + 1]! >= table[(i + 1) * (m + 1) + j]!)) {
      ops.push({ kind: '+', line: bm[j]!, a: pre + i, b: pre + j });
      j++;
    } else {
      ops.push({ kind: '-', line: am[i]!, a: pre + i, b: pre + j });
      i++;
    }
  }
  // Keep deletions before insertions inside a change block, as diff -u prints them.
  for (let k = 0; k < suf; k++) ops.push({ kind: ' ', line: a[a.length - suf + k]!, a: a.length - suf + k, b: b.length - suf + k });
  return normaliseBlocks(ops);
}

/** Myers' shortest edit script between the trimmed middles, or one -/+ block when it is too long. */
function largeOps(a: string[], b: string[], pre: number, suf: number, am: string[], bm: string[]): Op[] {
  const ops: Op[] = [];
  for (let k = 0; k < pre; k++) ops.push({ kind: ' ', line: a[k]!, a: k, b: k });
  const middle = myers(am, bm, MAX_D);
  if (middle === null) {
    for (let i = 0; i < am.length; i++) ops.push({ kind: '-', line: am[i]!, a: pre + i, b: pre });
    for (let j = 0; j < bm.length; j++) ops.push({ kind: '+', line: bm[j]!, a: pre + am.length, b: pre + j });
  } else {
    for (const o of middle) ops.push({ kind: o.kind, line: o.line, a: pre + o.a, b: pre + o.b });
  }
  for (let k = 0; k < suf; k++) ops.push({ kind: ' ', line: a[a.length - suf + k]!, a: a.length - suf + k, b: b.length - suf + k });
  return ops;
}

/**
 * Myers (1986), "An O(ND) Difference Algorithm", greedy forward search. Lines are compared as
 * integer ids. For each step d the diagonals d-1..d+1 reached so far are kept (the trace), which
 * is what the backtrack needs; null when more than maxD edits are needed.
 */
function myers(a: string[], b: string[], maxD: number): Op[] | null {
  const n = a.length;
  const m = b.length;
  const ids = new Map<string, number>();
  const idOf = (l: string): number => {
    let id = ids.get(l);
    if (id === undefined) ids.set(l, (id = ids.size));
    return id;
  };
  const A = Int32Array.from(a, idOf);
  const B = Int32Array.from(b, idOf);
  const max = n + m;
  const off = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= Math.min(max, maxD); d++) {
    // v[k] for k in [-d-1, d+1] as it was before step d.
    trace.push(v.slice(off - d - 1, off + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[off + k - 1]! < v[off + k + 1]!) ? v[off + k + 1]! : v[off + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && A[x] === B[y]) {
        x++;
        y++;
      }
      v[off + k] = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
    if (found >= 0) break;
  }
  if (found < 0) return null;
  const rev: Array<{ kind: ' ' | '-' | '+'; line: string; a: number; b: number }> = [];
  let x = n;
  let y = m;
  for (let d = found; d >= 0; d--) {
    const t = trace[d]!;
    const at = (k: number): number => t[k + d + 1]!;
    const k = x - y;
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : at(prevK);
    const prevY = d === 0 ? 0 : prevX - prevK;
    while (x > prevX && y > prevY) {
      rev.push({ kind: ' ', line: a[x - 1]!, a: x - 1, b: y - 1 });
      x--;
      y--;
    }
    if (d > 0) {
      if (x === prevX) rev.push({ kind: '+', line: b[prevY]!, a: prevX, b: prevY });
      else rev.push({ kind: '-', line: a[prevX]!, a: prevX, b: prevY });
    }
    x = prevX;
    y = prevY;
  }
  return rev.reverse();
}

function normaliseBlocks(ops: Op[]): Op[] {
  const out: Op[] = [];
  let k = 0;
  while (k < ops.length) {
    if (ops[k]!.kind === ' ') {
      out.push(ops[k++]!);
      continue;
    }
    const block: Op[] = [];
    while (k < ops.length && ops[k]!.kind !== ' ') block.push(ops[k++]!);
    out.push(...block.filter((o) => o.kind === '-'), ...block.filter((o) => o.kind === '+'));
  }
  return out;
}

function splitLines(text: string): { lines: string[]; finalNewline: boolean } {
  if (text === '') return { lines: [], finalNewline: true };
  const finalNewline = text.endsWith('\n');
  const lines = (finalNewline ? text.slice(0, -1) : text).split('\n');
  return { lines, finalNewline };
}

/** A last line without a newline is a different line from the same text with one (as in diff -u). */
const NO_EOL = '\u0000';

function diffLines(text: string): string[] {
  const { lines, finalNewline } = splitLines(text);
  if (!finalNewline && lines.length > 0) lines[lines.length - 1] += NO_EOL;
  return lines;
}

/** Unified diff of two texts; empty string when they are equal. */
export function unifiedDiff(before: string, after: string, oldName: string, newName: string, context = 3): string {
  if (before === after) return '';
  const ops = lcsOps(diffLines(before), diffLines(after));
  const changed = ops.map((o, idx) => (o.kind !== ' ' ? idx : -1)).filter((x) => x >= 0);
  let out = `--- ${oldName}\n+++ ${newName}\n`;
  let h = 0;
  while (h < changed.length) {
    const startIdx = Math.max(0, changed[h]! - context);
    let endIdx = Math.min(ops.length - 1, changed[h]! + context);
    while (h + 1 < changed.length && changed[h + 1]! - context <= endIdx + 1) {
      h++;
      endIdx = Math.min(ops.length - 1, changed[h]! + context);
    }
    h++;
    const hunk = ops.slice(startIdx, endIdx + 1);
    const aCount = hunk.filter((o) => o.kind !== '+').length;
    const bCount = hunk.filter((o) => o.kind !== '-').length;
    // Where the hunk starts on each side: the smallest index among its ops. (The first op is not
    // enough: deletions are printed before insertions, and a deletion's `b` is where b stood after
    // the insertions that preceded it, which printed `@@ -1,6 +3,14 @@` for a hunk at line 1.)
    let firstA = Infinity;
    let firstB = Infinity;
    for (const o of hunk) {
      firstA = Math.min(firstA, o.a);
      firstB = Math.min(firstB, o.b);
    }
    const aStart = aCount === 0 ? firstA : firstA + 1;
    const bStart = bCount === 0 ? firstB : firstB + 1;
    out += `@@ -${aStart},${aCount} +${bStart},${bCount} @@\n`;
    for (const o of hunk) {
      if (o.line.endsWith(NO_EOL)) out += `${o.kind}${o.line.slice(0, -1)}\n\\ No newline at end of file\n`;
      else out += `${o.kind}${o.line}\n`;
    }
  }
  return out;
}

/** Apply a unified diff produced by `unifiedDiff` (used by tests to check the diff round-trips). */
export function applyUnifiedDiff(before: string, diff: string): string {
  const A = diffLines(before);
  const out: string[] = [];
  let ai = 0;
  let prev = '';
  for (const line of diff.split('\n').slice(2)) {
    const m = /^@@ -(\d+),(\d+) \+\d+,\d+ @@$/.exec(line);
    if (m) {
      const start = Number(m[2]) === 0 ? Number(m[1]) : Number(m[1]) - 1;
      while (ai < start) out.push(A[ai++]!);
      continue;
    }
    if (line.startsWith('\\')) {
      if ((prev === '+' || prev === ' ') && !out[out.length - 1]!.endsWith(NO_EOL)) out[out.length - 1] += NO_EOL;
      continue;
    }
    if (line === '') continue;
    prev = line[0]!;
    if (prev === ' ') {
      out.push(A[ai++]!);
    } else if (prev === '-') ai++;
    else if (prev === '+') out.push(line.slice(1));
  }
  while (ai < A.length) out.push(A[ai++]!);
  return out.map((l) => (l.endsWith(NO_EOL) ? l.slice(0, -1) : `${l}\n`)).join('');
}

/**
 * The `a/…` / `b/…` names of a diff header for a file, as git writes them: the path relative to
 * `cwd` when the file is inside it (so `patch -p1` applies the diff from the cwd), otherwise the
 * absolute path after the prefix with a single slash (`a/srv/x/Dockerfile`, as `git diff --no-index`
 * writes it: `patch -p1` applies it from `/`). Both paths are absolute, POSIX.
 */
export function diffLabels(cwd: string, file: string): { a: string; b: string } {
  const rel = posix.relative(cwd, file);
  const inside = rel !== '' && !rel.startsWith('../') && rel !== '..' && !posix.isAbsolute(rel);
  const name = inside ? rel : file.replace(/^\/+/, '');
  return { a: `a/${name}`, b: `b/${name}` };
}
