import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY, isRetryableNetworkError, isRetryableStatus, nextDelay, parseRetryAfter } from './retry.js';

describe('retry policy', () => {
  it('retries throttling and transient 5xx only', () => {
    expect([429, 500, 502, 503, 504, 408].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 501, 505, 200].some(isRetryableStatus)).toBe(false);
  });

  it('grows exponentially with jitter and stops at the attempt limit', () => {
    const p = { ...DEFAULT_RETRY, baseDelayMs: 100, maxDelayMs: 1000, maxAttempts: 4 };
    expect(nextDelay(p, 1, 0, undefined, () => 0)).toBe(50);
    expect(nextDelay(p, 1, 0, undefined, () => 1)).toBe(100);
    expect(nextDelay(p, 3, 0, undefined, () => 1)).toBe(400);
    expect(nextDelay(p, 4, 0, undefined, () => 1)).toBeUndefined();
    // capped per wait
    expect(nextDelay({ ...p, maxAttempts: 20 }, 10, 0, undefined, () => 1)).toBe(1000);
  });

  it('honours Retry-After but never beyond the total budget', () => {
    const p = { ...DEFAULT_RETRY, maxTotalMs: 5000 };
    expect(nextDelay(p, 1, 0, 3000, () => 0)).toBe(3000);
    expect(nextDelay(p, 1, 2500, 3000, () => 0)).toBeUndefined();
  });

  it('parses Retry-After seconds and dates', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    const now = Date.parse('Sun, 06 Nov 1994 08:49:37 GMT');
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:49:40 GMT', now)).toBe(3000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });

  it('recognises connection resets hidden in fetch causes', () => {
    const reset = new TypeError('fetch failed', { cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) });
    expect(isRetryableNetworkError(reset)).toBe(true);
    const dns = new TypeError('fetch failed', { cause: Object.assign(new Error('x'), { code: 'ENOTFOUND' }) });
    expect(isRetryableNetworkError(dns)).toBe(false);
  });
});
