/**
 * A small unified diff (the `diff -u` / `git diff` text format) over lines.
 * Dockerfiles are short, so a longest-common-subsequence table is fast enough
 * and keeps this dependency-free; hunks carry 3 lines of context like `diff -u`.
 */

type Op = { kind: ' ' | '-' | '+'; line: string; a: number; b: number };

function lcsOps(a: string[], b: string[]): Op[] {
  // Trim the common prefix and suffix first: typical fixes touch a few lines.
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const am = a.slice(pre, a.length - suf);
  const bm = b.slice(pre, b.length - suf);
  const n = am.length;
  const m = bm.length;
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
    const first = ops[startIdx]!;
    const aStart = aCount === 0 ? first.a : first.a + 1;
    const bStart = bCount === 0 ? first.b : first.b + 1;
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
