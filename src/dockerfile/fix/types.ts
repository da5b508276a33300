/** Public types of `goslim fix` (pure core; see fix-dockerfile.ts). */
import type { GoModuleInfo } from '../../gomod/scan.js';

/** The recipe's default final base (no shell, no libc; CA certs, tzdata, passwd with nonroot 65532). */
export const STATIC_BASE = 'gcr.io/distroless/static-debian12:nonroot';
/** For binaries that really need cgo: the same plus glibc. */
export const GLIBC_BASE = 'gcr.io/distroless/base-debian12:nonroot';
/**
 * What a cgo binary on GLIBC_BASE needs from its build stage (issue 15): a glibc no newer than
 * the base's (Debian 12: 2.36), else the loader stops it with "version `GLIBC_x.y' not found".
 */
export function glibcBaseNote(base: string): string {
  return base === GLIBC_BASE
    ? '; its glibc is 2.36 (Debian 12): build the binary on Debian 12 or older (goslim explain symbol-versions)'
    : '; its glibc must be at least as new as the build stage\'s (goslim explain symbol-versions)';
}
export const NONROOT_USER = '65532:65532';

/** What the fixer may know about the build context (the Dockerfile's directory). All optional. */
export interface BuildContextFacts {
  /** Top-level entries of the context after .dockerignore. */
  entries?: ContextEntry[];
  /** The Go module at the context root. */
  module?: GoModuleInfo;
}

export interface ContextEntry {
  name: string;
  kind: 'file' | 'dir';
  /** Go source (a .go file, or a directory whose files are Go packages / go.mod / go.sum only). */
  goSource: boolean;
}

export interface FixOptions {
  /** Final base image; default: STATIC_BASE, or GLIBC_BASE when cgo is really needed. */
  base?: string;
  /** Put a one-line `# goslim: ...` comment above each line the fixer writes. */
  explain?: boolean;
  /** Add BuildKit cache mounts to go build / go mod download (default true). */
  cacheMounts?: boolean;
  context?: BuildContextFacts;
}

export type FixEditKind =
  | 'cgo-off'
  | 'cgo-kept'
  | 'trimpath'
  | 'strip-symbols'
  | 'cache-mounts'
  | 'target-args'
  | 'build-platform'
  | 'exec-form'
  | 'nonroot-user'
  | 'static-base'
  | 'multi-stage'
  | 'mod-download-layer'
  | 'runtime-files'
  | 'healthcheck'
  | 'output-path'
  | 'todo';

export interface FixEdit {
  kind: FixEditKind;
  /** 1-based line in the original file this edit concerns (0 when it is file-wide). */
  line: number;
  message: string;
}

export interface FixNote {
  severity: 'info' | 'warning';
  line: number;
  message: string;
}

export interface FixResult {
  mode: 'multi-stage' | 'single-stage' | 'unchanged';
  original: string;
  fixed: string;
  changed: boolean;
  edits: FixEdit[];
  notes: FixNote[];
  /** Parts left with a `# goslim: TODO` comment because they cannot be carried safely. */
  todos: FixNote[];
  /** Set when the file was left unchanged on purpose, and why (a note says it in words). */
  skipped?: FixSkipReason;
}

export type FixSkipReason = 'no-from' | 'windows' | 'unclosed-heredoc' | 'no-go-build';

/** What one fix mode (multi-stage edits, single-stage restructuring) produces. */
export interface ModeOutput {
  text: string;
  edits: FixEdit[];
  notes: FixNote[];
  todos: FixNote[];
}

/** What one fix mode (multi-stage or single-stage restructure) returns to fix-dockerfile.ts. */
export interface ModeOutput {
  text: string;
  edits: FixEdit[];
  notes: FixNote[];
  todos: FixNote[];
}
