/**
 * Retry policy for registry requests (pure). Which failures are retried, and how long to wait:
 * exponential backoff with full jitter ("Exponential Backoff And Jitter", AWS architecture blog),
 * bounded in attempts and in total time, and `Retry-After` (RFC 9110 section 10.2.3) honoured when
 * the registry sends it (429 SHOULD carry it, distribution-spec).
 */
export interface RetryPolicy {
  /** Total attempts including the first (default 5). */
  maxAttempts: number;
  /** First backoff step in ms (default 250). */
  baseDelayMs: number;
  /** Cap on a single wait in ms (default 8000). */
  maxDelayMs: number;
  /** Give up when the next wait would end after this much time since the first attempt (default 60 s). */
  maxTotalMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 250, maxDelayMs: 8000, maxTotalMs: 60_000 };

/** HTTP statuses worth retrying: throttling and transient server failures (not 501 Not Implemented). */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 408 || (status >= 500 && status !== 501 && status !== 505);
}

const RETRYABLE_NET_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/** The system or undici error code behind a fetch failure ("fetch failed" hides it in `cause`). */
export function networkErrorCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e !== null && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

export function isRetryableNetworkError(err: unknown): boolean {
  const code = networkErrorCode(err);
  if (code !== undefined) return RETRYABLE_NET_CODES.has(code);
  // undici reports a peer closing mid-response as "terminated" / "other side closed" with no code.
  // (A bare "fetch failed" is not enough: it also wraps permanent failures such as a refused redirect.)
  const msg = err instanceof Error ? `${err.message} ${String((err.cause as Error | undefined)?.message ?? '')}` : '';
  return /terminated|other side closed|socket hang up/i.test(msg);
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date; undefined when absent/unparseable. */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const when = Date.parse(v);
  if (Number.isNaN(when)) return undefined;
  return Math.max(0, when - now);
}

/**
 * The wait before attempt `attempt + 1` (attempt counts from 1), or undefined to give up.
 * `random` is injectable so the policy is testable.
 */
export function nextDelay(
  policy: RetryPolicy,
  attempt: number,
  elapsedMs: number,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number | undefined {
  if (attempt >= policy.maxAttempts) return undefined;
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  // Full jitter, but never less than half the step so retries do not hammer immediately.
  let delay = exp / 2 + random() * (exp / 2);
  if (retryAfterMs !== undefined) delay = Math.max(delay, Math.min(retryAfterMs, policy.maxTotalMs));
  if (elapsedMs + delay > policy.maxTotalMs) return undefined;
  return Math.round(delay);
}
