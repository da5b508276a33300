/**
 * Shared types of the image analysis: causes, packages, Go binaries, levers and the estimate.
 * Everything here is plain data (JSON-serialisable) so it can go straight into `inspect --json`.
 */

import { CAUSE_IDS, type CauseId } from '../vocabulary/causes.js';
import type { LeverId } from '../vocabulary/levers.js';
import type { SizeNode } from '../binary/size-tree.js';
import type { PackedInfo } from '../binary/types.js';
import type { HintId } from '../vocabulary/hints.js';

/** Causes and levers are vocabulary, with their text (src/vocabulary); analysis refers to them by id. */
export { CAUSE_IDS, type CauseId, type LeverId };

export interface CauseTotal {
  id: CauseId;
  bytes: number;
  files: number;
}

/** An installed OS package, from the dpkg status database or the apk installed db. */
export interface PackageInfo {
  name: string;
  version?: string;
  /** Installed size in bytes as the package database declares it (dpkg: KiB x 1024). */
  installedSize?: number;
  /** Names of packages this one depends on (Depends + Pre-Depends; alternatives all listed). */
  depends: string[];
  /** Priority required/important or Essential: yes (dpkg). */
  essential: boolean;
  db: 'dpkg' | 'apk';
}

/** What the package databases in the image say: packages, and which package owns which path. */
export interface PackageDb {
  packages: Map<string, PackageInfo>;
  /** Normalised path (no leading "/", as written by the db) -> owning package name. */
  owners: Map<string, string>;
}

/** Bytes of one package present in the final filesystem. */
export interface PackageTotal {
  name: string;
  cause: CauseId;
  bytes: number;
  files: number;
  installedSize?: number;
}

/**
 * The part of the binary analyzer's report (issue 2 JSON) the image analysis uses. Kept
 * structural so analysis does not depend on the analyzer's internal types.
 */
export interface GoBinaryFacts {
  path: string;
  size: number;
  linking: 'static' | 'dynamic' | 'static-pie' | string;
  interpreter?: string | null;
  needed?: string[];
  go: { version?: string; path?: string; settings?: Record<string, string> } | null;
  strip: { symtab: number; dwarf: number; alignment: number; total: number };
  trimpath: { leakedPaths: number; examples: string[]; estimatedBytes?: number };
  /** Bytes CGO_ENABLED=0 would remove from the binary (analyzer's estimate: cgo glue, dynamic tables). */
  cgoBytes?: number;
  /** Where its bytes are: sections, module -> package (only with inspect's fileTree option, for the HTML report). */
  sizeTree?: SizeNode;
}

/** One Go binary of the image as inspect reports it. */
export interface GoBinary extends GoBinaryFacts {
  /** Package that installed it (then it is that package's cause, not go-binary). */
  package?: string;
  /** False when it is dynamically linked and its loader is missing from the image. */
  willStart: boolean;
  /** Why it will not start, e.g. "interpreter /lib64/ld-linux-x86-64.so.2 is missing". */
  problem?: string;
  /** gzip (level 6) size of the binary's bytes without the strippable sections, measured. */
  strippedCompressed?: number;
}

/**
 * An executable whose tail holds a packer's header (UPX, src/binary/packer.ts): its sections,
 * Go build info and pclntab are compressed inside it, so it is no Go binary goslim can read.
 */
export interface PackedFacts {
  path: string;
  size: number;
  packed: PackedInfo;
}

/** One packed executable of the image as inspect reports it: the exe-compression hint, with its numbers. */
export interface PackedBinary extends PackedFacts {
  /** Package that installed it. */
  package?: string;
  hint: Extract<HintId, 'exe-compression'>;
  /** This file's numbers (computed); fix, lose and keep are the hint's text from src/vocabulary. */
  title: string;
  fix: string;
  lose: string;
  keep: string;
  explain: string;
}

/** A lever as inspect reports it: its id, the bytes it removes in this image, and its text. */
export interface Lever {
  id: LeverId;
  /** Bytes of the final filesystem this lever removes (levers never claim the same byte twice). */
  bytes: number;
  /** This image's numbers (computed); fix, lose and keep are the lever's text from src/vocabulary. */
  title: string;
  fix: string;
  lose: string;
  keep: string;
  /** Set when the image is broken in a way this lever fixes ("will not start"). */
  verdict?: string;
  /** Levers to apply before this one in this image, and why (from the vocabulary's `needs`). */
  needs?: Array<{ lever: LeverId; why: string }>;
}

export interface Estimate {
  /** Uncompressed bytes of the image after all levers. */
  size: number;
  /** Compressed (gzip) bytes after all levers. */
  compressedSize: number;
  parts: Array<{ what: string; size: number; compressedSize: number }>;
  /** How the compressed figure was obtained. */
  method: string;
}
