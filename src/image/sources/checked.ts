/**
 * The one checked path for 64-bit values read from archives and JSON: anything that does
 * not fit a JavaScript safe integer (2^53 - 1) is malformed input, never silently rounded.
 */
import { MalformedInputError } from '../../errors.js';

export function checkedSafeInteger(value: bigint | number, what: string): number {
  const n = typeof value === 'bigint' ? Number(value) : value;
  if (typeof value === 'bigint' ? value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER) : !Number.isSafeInteger(n) || n < 0) {
    throw new MalformedInputError(`${what} out of range: ${String(value)}`);
  }
  return n;
}
