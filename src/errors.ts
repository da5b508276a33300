/**
 * goslim's error model: one base class with a stable machine-readable `code`
 * and an optional `cause`. Findings are data, never exceptions; errors are for
 * input goslim cannot process or operations that failed.
 *
 * Codes are part of the public contract (tests and scripts match on them);
 * message text is not.
 */
export type ErrorCode =
  // input errors (exit 2)
  | 'E_USAGE'
  | 'E_NOT_FOUND'
  | 'E_IO'
  | 'E_TRUNCATED'
  | 'E_MALFORMED'
  | 'E_NOT_GO_BINARY'
  | 'E_UNSUPPORTED_FORMAT'
  | 'E_CONFIG'
  | 'E_REFERENCE'
  | 'E_DIGEST_MISMATCH'
  | 'E_UNSAFE_PATH'
  | 'E_PLATFORM'
  | 'E_AUTH'
  | 'E_REGISTRY'
  | 'E_NETWORK'
  | 'E_TOOL_MISSING'
  | 'E_BUILD'
  | 'E_EXISTS'
  | 'E_NOT_REGULAR'
  | 'E_LIMIT'
  | 'E_READ_ONLY'
  | 'E_SANDBOX'
  // internal (exit 3)
  | 'E_INTERNAL';

export interface GoslimErrorOptions {
  cause?: unknown;
  /** Extra structured detail, safe to print (never credentials). */
  details?: Record<string, unknown>;
}

export class GoslimError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: GoslimErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options.details;
  }

  toJSON(): { code: ErrorCode; message: string; details?: Record<string, unknown> } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

/** Input ended before a structure it declares (a prefix of a valid file). */
export class TruncatedInputError extends GoslimError {
  constructor(message: string, options?: GoslimErrorOptions) {
    super('E_TRUNCATED', message, options);
  }
}

/** Input is long enough but its contents are inconsistent or invalid. */
export class MalformedInputError extends GoslimError {
  constructor(message: string, options?: GoslimErrorOptions) {
    super('E_MALFORMED', message, options);
  }
}

/** A valid executable that carries no Go runtime or build information. */
export class NotGoBinaryError extends GoslimError {
  constructor(message: string, options?: GoslimErrorOptions) {
    super('E_NOT_GO_BINARY', message, options);
  }
}

/** A recognised format goslim does not (yet) read, or an unknown format. */
export class UnsupportedFormatError extends GoslimError {
  constructor(message: string, options?: GoslimErrorOptions) {
    super('E_UNSUPPORTED_FORMAT', message, options);
  }
}

/** Content whose digest does not match the digest it was addressed by. */
export class DigestMismatchError extends GoslimError {
  constructor(message: string, options?: GoslimErrorOptions) {
    super('E_DIGEST_MISMATCH', message, options);
  }
}

/** A path in an archive or image that would escape its root. */
export class UnsafePathError extends GoslimError {
  constructor(message: string, options?: GoslimErrorOptions) {
    super('E_UNSAFE_PATH', message, options);
  }
}

/** A path that names something other than a regular file (FIFO, device, directory, socket). */
export class NotRegularFileError extends GoslimError {
  constructor(message: string, options?: GoslimErrorOptions) {
    super('E_NOT_REGULAR', message, options);
  }
}

/**
 * Input that exceeds one of goslim's resource limits (see src/limits.ts): a count, a depth,
 * a size or a rate. `details.limit` names the limit, `details.max` its value and
 * `details.actual` what the input reached (when known), so a user can see which one was hit
 * and raise it where a flag or config key exists.
 */
export class LimitExceededError extends GoslimError {
  constructor(limit: string, max: number, message: string, options: GoslimErrorOptions & { actual?: number } = {}) {
    super('E_LIMIT', message, {
      ...options,
      details: { limit, max, ...(options.actual === undefined ? {} : { actual: options.actual }), ...options.details },
    });
  }
}

export class UsageError extends GoslimError {
  constructor(message: string, options?: GoslimErrorOptions) {
    super('E_USAGE', message, options);
  }
}

/** Exit status for an error: input/usage problems are 2, anything unexpected 3. */
export function exitCodeFor(err: unknown): 2 | 3 {
  if (err instanceof GoslimError) return err.code === 'E_INTERNAL' ? 3 : 2;
  return 3;
}

export function isGoslimError(err: unknown, code?: ErrorCode): err is GoslimError {
  return err instanceof GoslimError && (code === undefined || err.code === code);
}
