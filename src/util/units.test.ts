import { describe, expect, it } from 'vitest';
import { formatBytes, parseBytes } from './units.js';

describe('formatBytes', () => {
  it('uses decimal units', () => {
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(9_100_000)).toBe('9.1 MB');
    expect(formatBytes(610_000_000)).toBe('610 MB');
    expect(formatBytes(-2_000)).toBe('-2.0 kB');
  });
});

describe('parseBytes', () => {
  it('reads decimal and binary units', () => {
    expect(parseBytes('250MB')).toBe(250_000_000);
    expect(parseBytes('1.5GiB')).toBe(1.5 * 1024 ** 3);
    expect(parseBytes('300k')).toBe(300_000);
    expect(parseBytes('12345')).toBe(12345);
    expect(parseBytes('ten')).toBeUndefined();
  });
});
