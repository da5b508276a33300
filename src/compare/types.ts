/**
 * The JSON shape of `goslim compare` (issue 14): `kind: "compare"`, `schemaVersion: 1`, and either
 * an image comparison (two images or saved `inspect --json` reports) or a binary comparison (two
 * Go executables or saved `binary --json` reports). Sides are `a` (before) and `b` (after);
 * every delta is `b - a`. Plain data.
 */
import type { Cost, CostModel } from '../analysis/cost.js';
import type { CauseId } from '../vocabulary/causes.js';
import type { LeverId } from '../vocabulary/levers.js';

export const COMPARE_SCHEMA_VERSION = 1;

/** Where a side came from: an image read now, an executable read now, or a saved report. */
export type SideSource = 'image' | 'binary' | 'inspect-report' | 'binary-report';

export interface Side {
  /** What was named on the command line. */
  input: string;
  source: SideSource;
}

export interface SizePair {
  a: number;
  b: number;
  /** b - a */
  delta: number;
  /** (b - a) / a; null when a is 0. */
  fraction: number | null;
}

/** A row of a per-item table: present in a, b or both. */
export interface Change<K extends string = string> {
  key: K;
  a: number | null;
  b: number | null;
  /** (b ?? 0) - (a ?? 0) */
  delta: number;
  status: 'added' | 'removed' | 'changed' | 'same';
}

export interface LayerChange {
  /** 1-based layer numbers, as inspect's text prints them; null when the side has no such layer. */
  a: { index: number; size: number; compressedSize: number } | null;
  b: { index: number; size: number; compressedSize: number } | null;
  createdBy: string | null;
  /** How the two were paired: the same diff_id, the same instruction, or not paired. */
  matchedBy: 'diff-id' | 'instruction' | null;
  delta: number;
}

export type PackageChange = Change;

export interface GoBinaryChange extends Change {
  /** Levers whose figures changed on this binary (e.g. it became stripped: strip-symbols). */
  levers: LeverId[];
  notes: string[];
}

/** An executable packed with UPX on one side or both (its program hidden from goslim there), by path. */
export interface PackedChange extends Change {
  /** What packed it on each side (`UPX 4.23`), null where the path is not a packed executable. */
  packer: { a: string | null; b: string | null };
}

export interface StartVerdict {
  /** pass / warn / fail, or null when the side's report has no start-up checks. */
  verdict: 'pass' | 'warn' | 'fail' | null;
  /** The failed checks' one-line messages. */
  failures: string[];
  note?: string;
}

export interface CostComparison {
  model: CostModel;
  /** True for each model figure that is goslim's default (not set by option or config). */
  defaults: { bandwidth: boolean; nodes: boolean; keptTags: boolean };
  a: Cost;
  b: Cost;
}

export interface ImageComparison {
  schemaVersion: typeof COMPARE_SCHEMA_VERSION;
  kind: 'compare';
  subject: 'image';
  a: Side & { ref: string; digest: string; platform: string };
  b: Side & { ref: string; digest: string; platform: string };
  headline: string;
  /** a.size / b.size (uncompressed); > 1 means b is smaller. */
  ratio: number | null;
  size: SizePair;
  compressedSize: SizePair;
  files: SizePair;
  causes: Array<Change<CauseId>>;
  layers: LayerChange[];
  packages: PackageChange[];
  goBinaries: GoBinaryChange[];
  /** Packed executables (UPX) of either side; a Go binary packed on one side is also a row of goBinaries, added or removed, with a note. */
  packedBinaries: PackedChange[];
  levers: {
    /** Applied: applied in a, gone in b (with the bytes a reported). */
    applied: Array<{ id: LeverId; bytes: number }>;
    /** Remaining: still apply in b (with b's bytes, and a's when it applied there too). */
    remaining: Array<{ id: LeverId; bytes: number; bytesA: number | null }>;
    /** New: apply in b and did not in a. */
    new: LeverId[];
  };
  startup: { a: StartVerdict; b: StartVerdict };
  cost: CostComparison;
}

export interface SectionChange extends Change {
  /** The lever whose change explains this row, when one does. */
  lever?: LeverId;
}

export interface SettingChange {
  key: string;
  a: string | null;
  b: string | null;
  lever?: LeverId;
}

export interface BinaryComparison {
  schemaVersion: typeof COMPARE_SCHEMA_VERSION;
  kind: 'compare';
  subject: 'binary';
  a: Side & { path: string | null };
  b: Side & { path: string | null };
  headline: string;
  ratio: number | null;
  size: SizePair;
  stripped: { a: boolean; b: boolean };
  goVersion: { a: string | null; b: string | null };
  settings: SettingChange[];
  sections: SectionChange[];
  modules: Change[];
  packages: Change[];
  /** The levers that explain the difference, each with the bytes attributed to it (b - a). */
  levers: Array<{ id: LeverId; delta: number; why: string }>;
  findings: { applied: LeverId[]; remaining: LeverId[]; new: LeverId[] };
}

export type CompareReport = ImageComparison | BinaryComparison;

/** What `goslim compare --format json` prints: the comparison and the lines of the budgets it crossed. */
export type CompareJson = CompareReport & { budgets: string[] };
