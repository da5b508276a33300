/**
 * Rule contract (eslint-style: metadata + a check over an analysed file).
 * Rules never see ignores, config or severity overrides: lint.ts applies
 * those once, after every rule has run (hadolint Process.hs).
 */
import type { DockerfileModel, Instruction, SourceRange, Stage } from '../parse/model.js';
import type { GoBuild, GoBuildAnalysis } from '../go-build.js';
import type { BaseFacts } from '../base-image.js';
import type { LeverId } from '../../vocabulary/levers.js';

export type Severity = 'error' | 'warning' | 'info';

/** The size levers (src/vocabulary/levers.ts); a rule names the one its fix applies. */
export type { LeverId };

export interface RuleDoc {
  /** One line: what the rule detects. */
  summary: string;
  /** Why it matters, with the byte or behaviour consequence. */
  why: string;
  /** How to fix it. */
  fix: string;
  /** What you lose by applying the fix. */
  lose: string;
  /** What still works after the fix. */
  keep: string;
  /** How to verify it yourself, with real commands. */
  check: string;
  /** A minimal failing example and its fixed form. */
  example: { bad: string; good: string };
  /** URLs of the primary documentation. */
  references: string[];
}

export interface RuleMeta {
  /** Stable id used in config, ignores and output (`G001`). */
  id: string;
  /** Kebab-case name (`single-stage`), also accepted wherever an id is. */
  slug: string;
  /** Default severity. */
  severity: Severity;
  lever?: LeverId;
  doc: RuleDoc;
}

/** What a rule reports; lint.ts turns it into a Finding. */
export interface RuleReport {
  range: SourceRange;
  message: string;
  /** Overrides the rule's default severity for this finding (e.g. a certain failure vs a likely one). */
  severity?: Severity;
}

/** A binary built in some stage and copied into (or left in) the final stage. */
export interface ShippedBinary {
  build: GoBuild;
  /** The COPY that brings it into the final stage (null when the final stage is the build stage). */
  copy: Instruction | null;
  /** Absolute path of the binary in the final image. */
  pathInImage: string;
}

export interface RuleContext {
  model: DockerfileModel;
  go: GoBuildAnalysis;
  /** The stage that becomes the image (the last one). */
  finalStage: Stage | null;
  /** Facts about the final stage's base (after following FROM <stage>). */
  finalBase: BaseFacts | null;
  baseOf(stage: Stage): BaseFacts;
  /** Builds whose binaries end up in the final image (falls back to the final stage's own chain). */
  relevantBuilds: GoBuild[];
  shipped: ShippedBinary[];
  /** Stages the final stage is built FROM (transitively), including itself. */
  finalChain: Stage[];
  /** `.dockerignore` text; null = file absent; undefined = not checked (stdin, library use). */
  dockerignore: string | null | undefined;
}

export interface Rule {
  meta: RuleMeta;
  check(ctx: RuleContext): RuleReport[];
}

/** A finding as produced by lint: data, never an exception. */
export interface Finding {
  rule: string;
  slug: string;
  severity: Severity;
  /** 1-based first line. */
  line: number;
  /** 1-based last line. */
  endLine: number;
  /** 1-based column of the range start. */
  column: number;
  /** 0-based LSP range in the source (for fixes and editors). */
  range: SourceRange;
  message: string;
  lever?: LeverId;
}
