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

/** A file, image, blob, tag, package or tool input that is not there. */
export class NotFoundError extends GoslimError {
  constructor(message: string, options?: GoslimErrorOptions) {
    super('E_NOT_FOUND', message, options);
  }
}

/** Reading or writing failed (disk, permissions, a stream that broke). */
export class IoError extends GoslimError {
  constructor(message: string, options?: GoslimErrorOptions) {
    super('E_IO', message, options);
  }
}

/** A configuration file or setting goslim cannot use. */
export class ConfigError extends GoslimError {
  constructor(message: string, options?: GoslimErrorOptions) {
    super('E_CONFIG', message, options);
  }
}

/** An image reference or tag that does not parse or names nothing usable. */
export class InvalidReferenceError extends GoslimError {
  constructor(message: string, options?: GoslimErrorOptions) {
    super('E_REFERENCE', message, options);
  }
}

/** No image for the platform asked for, or a platform that does not match. */
export class PlatformError extends GoslimError {
  constructor(message: string, options?: GoslimErrorOptions) {
    super('E_PLATFORM', message, options);
  }
}

/** A registry refused the credentials (or their absence). */
export class AuthError extends GoslimError {
  constructor(message: string, options?: GoslimErrorOptions) {
    super('E_AUTH', message, options);
  }
}

/** A registry answered with an error or a response goslim cannot use. */
export class RegistryError extends GoslimError {
  constructor(message: string, options?: GoslimErrorOptions) {
    super('E_REGISTRY', message, options);
  }
}

/** A connection failed, timed out or was too slow. */
export class NetworkError extends GoslimError {
  constructor(message: string, options?: GoslimErrorOptions) {
    super('E_NETWORK', message, options);
  }
}

/** An external tool goslim needs (go, a sandbox, a decompressor) is not installed. */
export class ToolMissingError extends GoslimError {
  constructor(message: string, options?: GoslimErrorOptions) {
    super('E_TOOL_MISSING', message, options);
  }
}

/** Compiling or assembling the image failed. */
export class BuildError extends GoslimError {
  constructor(message: string, options?: GoslimErrorOptions) {
    super('E_BUILD', message, options);
  }
}

/** The destination exists and goslim will not overwrite it. */
export class ExistsError extends GoslimError {
  constructor(message: string, options?: GoslimErrorOptions) {
    super('E_EXISTS', message, options);
  }
}

/** The target is read-only: goslim will not replace it. */
export class ReadOnlyError extends GoslimError {
  constructor(message: string, options?: GoslimErrorOptions) {
    super('E_READ_ONLY', message, options);
  }
}

/** Running the image in a sandbox failed. */
export class SandboxError extends GoslimError {
  constructor(message: string, options?: GoslimErrorOptions) {
    super('E_SANDBOX', message, options);
  }
}

/** A goslim bug or a broken invariant (exit 3). */
export class InternalError extends GoslimError {
  constructor(message: string, options?: GoslimErrorOptions) {
    super('E_INTERNAL', message, options);
  }
}

const BY_CODE: { [C in ErrorCode]?: new (message: string, options?: GoslimErrorOptions) => GoslimError } = {
  E_USAGE: UsageError,
  E_NOT_FOUND: NotFoundError,
  E_IO: IoError,
  E_TRUNCATED: TruncatedInputError,
  E_MALFORMED: MalformedInputError,
  E_NOT_GO_BINARY: NotGoBinaryError,
  E_UNSUPPORTED_FORMAT: UnsupportedFormatError,
  E_CONFIG: ConfigError,
  E_REFERENCE: InvalidReferenceError,
  E_DIGEST_MISMATCH: DigestMismatchError,
  E_UNSAFE_PATH: UnsafePathError,
  E_PLATFORM: PlatformError,
  E_AUTH: AuthError,
  E_REGISTRY: RegistryError,
  E_NETWORK: NetworkError,
  E_TOOL_MISSING: ToolMissingError,
  E_BUILD: BuildError,
  E_EXISTS: ExistsError,
  E_NOT_REGULAR: NotRegularFileError,
  E_READ_ONLY: ReadOnlyError,
  E_SANDBOX: SandboxError,
  E_INTERNAL: InternalError,
};

/** The GoslimError subclass for a code chosen at run time (E_LIMIT needs LimitExceededError). */
export function errorForCode(code: ErrorCode, message: string, options?: GoslimErrorOptions): GoslimError {
  const Class = BY_CODE[code];
  return Class !== undefined ? new Class(message, options) : new GoslimError(code, message, options);
}

/** A thrown value as an Error (a non-Error value becomes an Error with its text). */
export function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/** An Error carrying a Node-style `code` (ETIMEDOUT, ...), for code that classifies errno errors. */
export function errnoError(message: string, code?: string): Error & { code?: string } {
  return Object.assign(new Error(message), code !== undefined ? { code } : {});
}

/** Exit status for an error: input/usage problems are 2, anything unexpected 3. */
export function exitCodeFor(err: unknown): 2 | 3 {
  if (err instanceof GoslimError) return err.code === 'E_INTERNAL' ? 3 : 2;
  return 3;
}

export function isGoslimError(err: unknown, code?: ErrorCode): err is GoslimError {
  return err instanceof GoslimError && (code === undefined || err.code === code);
}
