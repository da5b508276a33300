/**
 * goslim's Dockerfile model: a typed, range-exact view built on top of
 * dockerfile-ast. Rules and the fixer read only this model.
 *
 * Positions are 0-based LSP positions (`line`, `character` in UTF-16 code units),
 * exactly as dockerfile-ast reports them, so a fixer can turn any range into a
 * text edit without re-deriving offsets. Findings convert to 1-based lines for users.
 */

export interface SourcePosition {
  /** 0-based line. */
  line: number;
  /** 0-based character offset within the line (UTF-16 code units). */
  character: number;
}

export interface SourceRange {
  start: SourcePosition;
  end: SourcePosition;
}

/** A `# name=value` parser directive from the top-of-file directive block. */
export interface Directive {
  name: string;
  value: string;
  range: SourceRange;
  valueRange: SourceRange;
}

/** A comment line (`# ...`), including comments inside continuation lines. */
export interface Comment {
  /** Text after `#`, trimmed. */
  content: string;
  range: SourceRange;
}

/** One comma-separated `key=value` option of a flag (`--mount=type=cache,target=/x`). */
export interface FlagOption {
  name: string;
  value: string | null;
  range: SourceRange;
  valueRange: SourceRange | null;
}

/** A leading `--name[=value]` word of an instruction. */
export interface Flag {
  /** Without the leading `--`, as written (e.g. `mount`, `from`, `platform`). */
  name: string;
  /** `null` for a valueless flag such as `--link`. */
  value: string | null;
  range: SourceRange;
  nameRange: SourceRange;
  valueRange: SourceRange | null;
  options: FlagOption[];
}

/** A whitespace-separated argument word with its exact source range. */
export interface Argument {
  value: string;
  range: SourceRange;
}

/** A here-document attached to RUN, COPY or ADD (`<<EOF ... EOF`). */
export interface Heredoc {
  /** Delimiter word without quotes. */
  name: string;
  /** `<<-` strips leading tabs from the body (BuildKit parser.go). */
  stripTabs: boolean;
  /** A quoted delimiter (`<<"EOF"`) disables variable expansion in the body. */
  quoted: boolean;
  /** The `<<EOF` marker on the instruction line. */
  markerRange: SourceRange;
  /** The body lines (null when the body is empty). */
  contentRange: SourceRange | null;
  /** The closing delimiter line (null when unterminated). */
  delimiterRange: SourceRange | null;
  /** Body text (tabs already stripped for `<<-`). */
  body: string;
}

export type VariableKind = 'arg' | 'env' | 'automatic';

/** A variable visible at some point of the build. `value` undefined = declared without value (expands to ''). */
export interface VariableBinding {
  name: string;
  value: string | undefined;
  kind: VariableKind;
  /** The instruction that declared it (undefined for automatic platform args). */
  declaredAtLine?: number;
  /**
   * True when expanding the value crossed a limit (`dockerfile.expansion*`, `dockerfile.patternWork`):
   * the value is unknown and `value` holds the text as written, unexpanded.
   */
  unknown?: boolean;
}

/** An expansion that crossed one of the limits in src/limits.ts; its value is unknown. */
export interface ExpansionLimitNote {
  /** 1-based line of the instruction. */
  line: number;
  /** The limit's key, e.g. `dockerfile.expansionSize`. */
  limit: string;
  max: number;
}

/** Variables visible to an instruction, in BuildKit's scoping. */
export interface VariableScope {
  /** Look up a visible variable (undefined when not in scope). */
  get(name: string): VariableBinding | undefined;
  has(name: string): boolean;
  names(): string[];
}

/** How `COPY --from` / `RUN --mount=from=` / `FROM x` refers to another image. */
export type ImageRef =
  | { kind: 'stage'; stageIndex: number; raw: string; expanded: string; range: SourceRange }
  | { kind: 'image'; raw: string; expanded: string; range: SourceRange };

export type InstructionForm = 'exec' | 'shell';

export interface Instruction {
  /** Upper-case keyword (`RUN`, `COPY`, ...). */
  keyword: string;
  /** Keyword as written (case preserved). */
  keywordText: string;
  /** Whole instruction, including continuation lines and heredoc bodies. */
  range: SourceRange;
  keywordRange: SourceRange;
  /** 1-based first line, for findings. */
  line: number;
  /** 1-based last line. */
  endLine: number;
  /** Index of the stage this instruction belongs to; -1 before the first FROM. */
  stageIndex: number;
  flags: Flag[];
  /** Argument words after the flags, with exact ranges. */
  args: Argument[];
  /** From the first argument's start to the last argument's end (null when there are none). */
  argsRange: SourceRange | null;
  /** Exec (JSON array of strings, BuildKit's parseMaybeJSON) or shell form. */
  form: InstructionForm;
  /** Decoded JSON array for exec form, else null. */
  exec: string[] | null;
  /**
   * Argument text after the flags with line continuations joined and comment lines removed.
   * For RUN with heredocs this is the command line only; see `heredocs` for the bodies.
   */
  body: string;
  heredocs: Heredoc[];
  /** Raw source text of the whole instruction. */
  text: string;
  /** Variables visible when this instruction runs (before its own declarations take effect). */
  scope: VariableScope;
  /** For COPY/ADD: the `--from` source, resolved to a stage when it names one. */
  copyFrom?: ImageRef;
}

export interface BaseImage {
  /** As written (`golang:${GO_VERSION}-bookworm`). */
  raw: string;
  /** After global ARG / build-arg / automatic-arg expansion. */
  expanded: string;
  range: SourceRange;
  /** When the base names an earlier stage (`FROM build`), that stage. */
  stageIndex: number | null;
  /** `FROM scratch`. */
  scratch: boolean;
}

export interface Stage {
  index: number;
  /** `AS name` as written, or null. */
  name: string | null;
  nameRange: SourceRange | null;
  from: Instruction;
  base: BaseImage;
  platform: { raw: string; expanded: string; range: SourceRange } | null;
  /** Instructions after FROM, up to the next FROM. */
  instructions: Instruction[];
  range: SourceRange;
}

export interface DockerfileModel {
  text: string;
  /** The escape character (`\` or `` ` `` via `# escape=`). */
  escapeChar: string;
  directives: Directive[];
  comments: Comment[];
  /** ARG instructions before the first FROM. */
  globalArgs: Instruction[];
  stages: Stage[];
  /** Every instruction in source order. */
  instructions: Instruction[];
  /** Source split into lines (without terminators). */
  lines: string[];
  /** Expansions that crossed a limit, in source order (their values are unknown, kept as written). */
  expansionLimits: ExpansionLimitNote[];
  /**
   * The platforms the parse was told (`ParseOptions`), null when not told: the automatic platform args
   * then hold a default (linux/amd64; the build platform defaults to the target), which is an assumption,
   * not a fact of the build. What depends on the machine that builds (`go install`'s directory) reads these.
   */
  givenPlatforms: { target: string | null; build: string | null };
}

export interface ParseOptions {
  /** `--build-arg` values: override ARG defaults (global and in-stage). */
  buildArgs?: Record<string, string>;
  /** Target platform for automatic args, `os/arch[/variant]`; default linux/amd64. */
  targetPlatform?: string;
  /** Build platform for automatic args; default = target platform. */
  buildPlatform?: string;
}
