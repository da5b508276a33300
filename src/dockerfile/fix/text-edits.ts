/**
 * Range edits on Dockerfile text. Edits are expressed as [start, end) offsets into
 * the original text, must not overlap, and are applied back to front so earlier
 * offsets stay valid (the "range-based edit engine" of the lint/fix design).
 */
import { InternalError } from '../../errors.js';

export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

export function applyEdits(text: string, edits: TextEdit[]): string {
  const sorted = [...edits].sort((x, y) => x.start - y.start || x.end - y.end);
  for (let k = 1; k < sorted.length; k++) {
    const prev = sorted[k - 1]!;
    const cur = sorted[k]!;
    if (cur.start < prev.end) throw new InternalError(`overlapping fix edits at offset ${cur.start}`);
  }
  let out = text;
  for (let k = sorted.length - 1; k >= 0; k--) {
    const e = sorted[k]!;
    out = out.slice(0, e.start) + e.text + out.slice(e.end);
  }
  return out;
}
