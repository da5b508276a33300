/**
 * Keep the bytes of lines `fix` does not change. The fixer works on the file decoded as UTF-8;
 * bytes that are not UTF-8 decode to U+FFFD and would be re-encoded differently. So the new
 * file is assembled line by line from the original bytes: an unchanged line is copied from the
 * original buffer, only inserted or rewritten lines are encoded from the fixed text. Pure.
 */
import { MalformedInputError } from '../../errors.js';
import { lcsOps } from './unified-diff.js';

/** Split bytes at `\n` (0x0A never occurs inside a UTF-8 sequence, nor inside a U+FFFD replacement). */
function splitBytes(buf: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let start = 0;
  for (let i = buf.indexOf(0x0a); i >= 0; i = buf.indexOf(0x0a, i + 1)) {
    out.push(buf.subarray(start, i));
    start = i + 1;
  }
  out.push(buf.subarray(start));
  return out;
}

/**
 * The bytes of `fixed`, with every line that `fixed` shares with `decoded` (the UTF-8 decoding of
 * `original`) taken from `original` as it was. E_MALFORMED when a line the fixer writes would carry
 * a byte sequence that is not UTF-8 (it cannot be written back without changing it).
 */
export function spliceFixedBytes(original: Uint8Array, decoded: string, fixed: string): Buffer {
  const rawLines = splitBytes(original);
  const a = decoded.split('\n');
  const b = fixed.split('\n');
  if (rawLines.length !== a.length) throw new MalformedInputError('line structure changed while decoding the Dockerfile');
  const validUtf8 = Buffer.from(decoded, 'utf8').equals(Buffer.from(original));
  // A line the fixer carries over verbatim (e.g. a LABEL moved to the final stage) gets its own
  // original bytes back, when its decoded text identifies them unambiguously.
  const rawOf = new Map<string, Uint8Array | null>();
  if (!validUtf8) {
    for (let i = 0; i < a.length; i++) {
      if (!a[i]!.includes('\uFFFD')) continue;
      const seen = rawOf.get(a[i]!);
      if (seen === undefined) rawOf.set(a[i]!, rawLines[i]!);
      else if (seen !== null && !Buffer.from(seen).equals(Buffer.from(rawLines[i]!))) rawOf.set(a[i]!, null);
    }
  }
  const parts: Uint8Array[] = [];
  const nl = Buffer.from('\n');
  let first = true;
  for (const op of lcsOps(a, b)) {
    if (op.kind === '-') continue;
    if (!first) parts.push(nl);
    first = false;
    if (op.kind === ' ') parts.push(rawLines[op.a]!);
    else {
      const raw = validUtf8 ? undefined : rawOf.get(op.line);
      if (raw) {
        parts.push(raw);
        continue;
      }
      if (!validUtf8 && op.line.includes('\uFFFD')) {
        throw new MalformedInputError(`line ${op.b + 1} of the fixed file would rewrite bytes that are not UTF-8; fix it by hand or re-encode the file`, {
          details: { line: op.b + 1 },
        });
      }
      parts.push(Buffer.from(op.line, 'utf8'));
    }
  }
  return Buffer.concat(parts);
}
