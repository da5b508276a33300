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

/** Unified diff of two texts; empty string when they are equal. */
export function unifiedDiff(before: string, after: string, oldName: string, newName: string, context = 3): string {
  if (before === after) return '';
  const A = splitLines(before);
  const B = splitLines(after);
  const ops = lcsOps(A.lines, B.lines);
  const changed = ops.map((o, idx) => (o.kind !== ' ' ? idx : -1)).filter((x) => x >= 0);
  let out = `--- ${oldName}\n+++ ${newName}\n`;
  let h = 0;
  while (h < changed.length) {
    let startIdx = Math.max(0, changed[h]! - context);
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
      out += `${o.kind}${o.line}\n`;
      const lastOfA = o.kind !== '+' && o.a === A.lines.length - 1 && !A.finalNewline;
      const lastOfB = o.kind !== '-' && o.b === B.lines.length - 1 && !B.finalNewline;
      if ((o.kind === '-' && lastOfA) || (o.kind === '+' && lastOfB) || (o.kind === ' ' && (lastOfA || lastOfB))) {
        out += '\\ No newline at end of file\n';
      }
    }
    startIdx = endIdx + 1;
  }
  return out;
}

/** Apply a unified diff produced by `unifiedDiff` (used by tests to check the diff round-trips). */
export function applyUnifiedDiff(before: string, diff: string): string {
  const A = splitLines(before).lines;
  const out: string[] = [];
  let ai = 0;
  let finalNewline = before.endsWith('\n') || before === '';
  const lines = diff.split('\n');
  let prevKind = '';
  for (const line of lines.slice(2)) {
    const m = /^@@ -(\d+),(\d+) \+\d+,\d+ @@$/.exec(line);
    if (m) {
      const start = Number(m[2]) === 0 ? Number(m[1]) : Number(m[1]) - 1;
      while (ai < start) out.push(A[ai++]!);
      continue;
    }
    if (line.startsWith('\\')) {
      if (prevKind !== '-') finalNewline = false;
      continue;
    }
    if (line === '') continue;
    prevKind = line[0]!;
    if (line[0] === ' ') {
      out.push(A[ai++]!);
      finalNewline = true;
    } else if (line[0] === '-') ai++;
    else if (line[0] === '+') {
      out.push(line.slice(1));
      finalNewline = true;
    }
  }
  while (ai < A.length) out.push(A[ai++]!);
  return out.join('\n') + (finalNewline && out.length > 0 ? '\n' : '');
}
