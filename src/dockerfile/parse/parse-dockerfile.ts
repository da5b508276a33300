/**
 * dockerfile-ast -> goslim's Dockerfile model (./model.ts). Adds what the
 * library lacks (see docs in /docs or anchors §2.1): BuildKit-style variable
 * expansion with modifiers, global vs in-stage ARG scope with the automatic
 * platform args, exec-form detection by JSON parsing (BuildKit parseMaybeJSON),
 * heredoc bodies, stage and `COPY --from` resolution. Pure: text in, model out.
 */
import { DockerfileParser } from 'dockerfile-ast';
import type {
  Instruction as AstInstruction,
  From as AstFrom,
  Flag as AstFlag,
  Heredoc as AstHeredoc,
  Env as AstEnv,
} from 'dockerfile-ast';
import { LimitExceededError } from '../../errors.js';
import { limit } from '../../limits.js';
import { expandVariables, type ExpansionBudget, type VariableLookup } from './expand.js';
import { installAstSpeedups } from './ast-speedups.js';
import { splitWords } from './shell-words.js';
import type {
  Argument,
  BaseImage,
  Comment,
  Directive,
  DockerfileModel,
  ExpansionLimitNote,
  Flag,
  Heredoc,
  ImageRef,
  Instruction,
  ParseOptions,
  SourceRange,
  Stage,
  VariableBinding,
  VariableScope,
} from './model.js';

/** BuildKit's automatic platform args (docs: "Automatic platform ARGs in the global scope"). */
export const AUTOMATIC_PLATFORM_ARGS = [
  'BUILDPLATFORM',
  'BUILDOS',
  'BUILDARCH',
  'BUILDVARIANT',
  'TARGETPLATFORM',
  'TARGETOS',
  'TARGETARCH',
  'TARGETVARIANT',
] as const;

/** Keywords whose arguments may be a JSON array (exec form). */
const JSON_CAPABLE = new Set(['RUN', 'CMD', 'ENTRYPOINT', 'SHELL', 'COPY', 'ADD', 'VOLUME']);

/**
 * The variables of one stage as they change instruction by instruction. Each ARG/ENV adds
 * bindings under a new version; a scope is a (table, version) pair, so taking a snapshot per
 * instruction costs nothing and the whole stage is linear in its declarations (copying a Map
 * per ARG/ENV was quadratic).
 */
class VarTable {
  private readonly history = new Map<string, Array<{ version: number; binding: VariableBinding | null }>>();
  version = 0;
  set(name: string, binding: VariableBinding): void {
    let h = this.history.get(name);
    if (!h) this.history.set(name, (h = []));
    h.push({ version: this.version, binding });
  }
  /** Binding of `name` at `version` (the last set with a version <= it). */
  at(name: string, version: number): VariableBinding | undefined {
    const h = this.history.get(name);
    if (!h) return undefined;
    let lo = 0;
    let hi = h.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (h[mid]!.version <= version) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found < 0 ? undefined : (h[found]!.binding ?? undefined);
  }
  namesAt(version: number): string[] {
    return [...this.history.keys()].filter((n) => this.at(n, version) !== undefined);
  }
}

class MapScope implements VariableScope {
  constructor(
    private readonly table: VarTable,
    private readonly version: number,
  ) {}
  static of(vars: Iterable<[string, VariableBinding]>): MapScope {
    const t = new VarTable();
    for (const [n, b] of vars) t.set(n, b);
    return new MapScope(t, t.version);
  }
  get(name: string): VariableBinding | undefined {
    return this.table.at(name, this.version);
  }
  has(name: string): boolean {
    return this.get(name) !== undefined;
  }
  names(): string[] {
    return this.table.namesAt(this.version);
  }
  entries(): Array<[string, VariableBinding]> {
    return this.names().map((n): [string, VariableBinding] => [n, this.get(n)!]);
  }
  lookup = (name: string): string | undefined => this.get(name)?.value;
}

function toRange(r: { start: { line: number; character: number }; end: { line: number; character: number } }): SourceRange {
  return { start: { line: r.start.line, character: r.start.character }, end: { line: r.end.line, character: r.end.character } };
}

function platformArgs(target: string, build: string): Map<string, string> {
  const [tos = 'linux', tarch = 'amd64', tvar = ''] = target.split('/');
  const [bos = 'linux', barch = 'amd64', bvar = ''] = build.split('/');
  return new Map([
    ['BUILDPLATFORM', build],
    ['BUILDOS', bos],
    ['BUILDARCH', barch],
    ['BUILDVARIANT', bvar],
    ['TARGETPLATFORM', target],
    ['TARGETOS', tos],
    ['TARGETARCH', tarch],
    ['TARGETVARIANT', tvar],
  ]);
}

/** Text of `range` in `lines`. */
export function sliceRange(lines: readonly string[], range: SourceRange): string {
  const { start, end } = range;
  if (start.line === end.line) return (lines[start.line] ?? '').slice(start.character, end.character);
  const parts = [(lines[start.line] ?? '').slice(start.character)];
  for (let l = start.line + 1; l < end.line; l++) parts.push(lines[l] ?? '');
  parts.push((lines[end.line] ?? '').slice(0, end.character));
  return parts.join('\n');
}

/**
 * Join continuation lines the way BuildKit does: a line ending in the escape
 * character (plus optional blanks) continues; comment lines and empty lines
 * inside a continuation are dropped.
 */
export function joinContinuations(text: string, escapeChar: string): string {
  const lines = text.split('\n');
  let out = '';
  let continuing = false;
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.replace(/\r$/, '');
    if (continuing && (/^\s*#/.test(line) || /^\s*$/.test(line))) continue;
    const trimmed = line.replace(/[ \t]+$/, '');
    if (trimmed.endsWith(escapeChar) && i < lines.length - 1) {
      line = trimmed.slice(0, -escapeChar.length);
      out += line;
      continuing = true;
    } else {
      out += line;
      if (i < lines.length - 1) out += '\n';
      continuing = false;
    }
  }
  return out;
}

function parseExecForm(body: string): string[] | null {
  const t = body.trim();
  if (!t.startsWith('[')) return null;
  try {
    const v: unknown = JSON.parse(t);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  } catch {
    // Not JSON: BuildKit falls back to shell form.
  }
  return null;
}

function convertFlag(f: AstFlag): Flag {
  return {
    name: f.getName(),
    value: f.getValue(),
    range: toRange(f.getRange()),
    nameRange: toRange(f.getNameRange()),
    valueRange: f.getValueRange() ? toRange(f.getValueRange()!) : null,
    options: f.getOptions().map((o) => ({
      name: o.getName(),
      value: o.getValue(),
      range: toRange(o.getRange()),
      valueRange: o.getValueRange() ? toRange(o.getValueRange()!) : null,
    })),
  };
}

function convertHeredoc(h: AstHeredoc, lines: readonly string[]): Heredoc {
  const markerRange = toRange(h.getStartRange());
  const marker = sliceRange(lines, markerRange);
  const contentRange = h.getContentRange() ? toRange(h.getContentRange()!) : null;
  const stripTabs = marker.includes('<<-');
  let body = contentRange ? sliceRange(lines, contentRange) : '';
  if (stripTabs) body = body.replace(/^\t+/gm, '');
  return {
    name: h.getName().replace(/^["']|["']$/g, ''),
    stripTabs,
    quoted: /<<-?\s*["']/.test(marker),
    markerRange,
    contentRange,
    delimiterRange: h.getDelimiterRange() ? toRange(h.getDelimiterRange()!) : null,
    body,
  };
}

interface Ctx {
  lines: string[];
  escapeChar: string;
  options: ParseOptions;
  auto: Map<string, string>;
  /** Global ARG values (after build-args). */
  global: Map<string, VariableBinding>;
  /** What every expansion of this file may still produce (dockerfile.expansionTotal). */
  budget: ExpansionBudget;
  /** Expansions that crossed a limit (their values are unknown). */
  overLimit: ExpansionLimitNote[];
}

function buildInstruction(ast: AstInstruction, ctx: Ctx, stageIndex: number, scope: MapScope): Instruction {
  const range = toRange(ast.getRange());
  const text = sliceRange(ctx.lines, range);
  const keyword = ast.getKeyword().toUpperCase();
  const withFlags = ast as AstInstruction & { getFlags?: () => AstFlag[] };
  const flags = typeof withFlags.getFlags === 'function' ? withFlags.getFlags().map(convertFlag) : [];
  const withHeredocs = ast as AstInstruction & { getHeredocs?: () => AstHeredoc[] };
  // getHeredocs() re-tokenizes the arguments; only pay for it when a `<<` marker can exist.
  const heredocs =
    typeof withHeredocs.getHeredocs === 'function' && ['RUN', 'COPY', 'ADD'].includes(keyword) && text.includes('<<')
      ? withHeredocs.getHeredocs().map((h) => convertHeredoc(h, ctx.lines))
      : [];
  let args: Argument[] = ast.getArguments().map((a) => ({ value: a.getValue(), range: toRange(a.getRange()) }));
  // Heredoc bodies show up as arguments in dockerfile-ast; keep only the command line's words.
  const firstBody = heredocs.find((h) => h.contentRange !== null || h.delimiterRange !== null);
  const bodyStartLine = firstBody ? (firstBody.contentRange ?? firstBody.delimiterRange)!.start.line : Infinity;
  args = args.filter((a) => a.range.start.line < bodyStartLine);
  const first = args[0];
  const last = args[args.length - 1];
  const argsRange = first && last ? { start: first.range.start, end: last.range.end } : null;
  let body = '';
  if (first) {
    const end =
      heredocs.length > 0
        ? { line: first.range.start.line, character: (ctx.lines[first.range.start.line] ?? '').length }
        : range.end;
    const endPos = heredocs.length > 0 && last ? last.range.end : end;
    body = joinContinuations(sliceRange(ctx.lines, { start: first.range.start, end: endPos }), ctx.escapeChar);
  }
  const exec = JSON_CAPABLE.has(keyword) && heredocs.length === 0 ? parseExecForm(body) : null;
  return {
    keyword,
    keywordText: ast.getInstruction(),
    range,
    keywordRange: toRange(ast.getInstructionRange()),
    line: range.start.line + 1,
    endLine: range.end.line + 1,
    stageIndex,
    flags,
    args,
    argsRange,
    form: exec ? 'exec' : 'shell',
    exec,
    body,
    heredocs,
    text,
    scope,
  };
}

/** `NAME[=value]` declarations of an ARG instruction (several per line allowed). */
/** The variables an ENV instruction sets, with their values as written (`ENV A=1 B="x y"`, legacy `ENV A 1 2`). */
export function envDeclarations(instr: Instruction): Array<{ name: string; value: string }> {
  const words = splitWords(instr.body);
  const first = words[0];
  if (first === undefined) return [];
  if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(first)) return [{ name: first, value: words.slice(1).join(' ') }];
  return words.filter((w) => w.includes('=')).map((w) => ({ name: w.slice(0, w.indexOf('=')), value: w.slice(w.indexOf('=') + 1) }));
}

/**
 * What a HEALTHCHECK runs: null for `NONE` (or no `CMD`); `exec` for the JSON form, else `shell`, the
 * shell-form command line (`["CMD-SHELL", "..."]` too), which runs through /bin/sh -c.
 */
export function healthcheckCommand(instr: Instruction): { exec: string[]; shell: null } | { exec: null; shell: string } | null {
  if (instr.keyword !== 'HEALTHCHECK' || instr.args[0]?.value.toUpperCase() !== 'CMD') return null;
  const rest = instr.body.replace(/^\s*CMD\s*/i, '').trim();
  if (rest.startsWith('[')) {
    try {
      const v: unknown = JSON.parse(rest);
      if (Array.isArray(v) && v.every((x): x is string => typeof x === 'string')) {
        return v[0] === 'CMD-SHELL' ? { exec: null, shell: v.slice(1).join(' ') } : { exec: v, shell: null };
      }
    } catch {
      // Not JSON: the shell form, as BuildKit reads it.
    }
  }
  return { exec: null, shell: rest };
}

export function argDeclarations(instr: Instruction): Array<{ name: string; default: string | undefined }> {
  return splitWords(instr.body).map((w) => {
    const eq = w.indexOf('=');
    return eq < 0 ? { name: w, default: undefined } : { name: w.slice(0, eq), default: w.slice(eq + 1) };
  });
}

/**
 * Expand `text` for the model. An expansion past a limit does not fail the file: the value is
 * unknown, kept as written (unexpanded), and noted in `model.expansionLimits` with its line.
 */
function expandIn(ctx: Ctx, text: string, lookup: VariableLookup, line: number): { value: string; unknown: boolean } {
  try {
    return { value: expandVariables(text, lookup, { escapeChar: ctx.escapeChar, budget: ctx.budget }), unknown: false };
  } catch (err) {
    if (!(err instanceof LimitExceededError)) throw err;
    const d = err.details ?? {};
    ctx.overLimit.push({ line, limit: String(d.limit), max: Number(d.max) });
    return { value: text, unknown: true };
  }
}

/** Parse Dockerfile text into goslim's model. Never throws on odd input: dockerfile-ast is lenient. */
export function parseDockerfile(text: string, options: ParseOptions = {}): DockerfileModel {
  const maxSize = limit('dockerfile.size');
  // Cheap upper bound first (a UTF-16 unit is at most 3 UTF-8 bytes), exact count only near the cap.
  if (text.length * 3 > maxSize && Buffer.byteLength(text, 'utf8') > maxSize) {
    throw new LimitExceededError('dockerfile.size', maxSize, `Dockerfile larger than ${maxSize} bytes`, { actual: Buffer.byteLength(text, 'utf8') });
  }
  installAstSpeedups();
  const ast = DockerfileParser.parse(text);
  const lines = text.split(/\r?\n/);
  const escapeChar = ast.getEscapeCharacter();
  const target = options.targetPlatform ?? 'linux/amd64';
  const ctx: Ctx = {
    lines,
    escapeChar,
    options,
    auto: platformArgs(target, options.buildPlatform ?? target),
    global: new Map(),
    budget: { remaining: limit('dockerfile.expansionTotal') },
    overLimit: [],
  };
  const buildArgs = options.buildArgs ?? {};

  const directives: Directive[] = ast.getDirectives().map((d) => ({
    name: d.getName().toLowerCase(),
    value: d.getValue(),
    range: toRange(d.getRange()),
    valueRange: toRange(d.getValueRange()),
  }));
  const comments: Comment[] = ast.getComments().map((c) => ({ content: c.getContent(), range: toRange(c.getRange()) }));

  const globalArgs: Instruction[] = [];
  const stages: Stage[] = [];
  const instructions: Instruction[] = [];
  /** Final scope of each stage (its ENV is inherited by `FROM <stage>`). */
  const stageScope: MapScope[] = [];
  /** Stage by lower-cased name: the first stage of that name wins (as `stages.find` did). */
  const stageByName = new Map<string, Stage>();
  let vars = new VarTable();
  let scope = new MapScope(vars, vars.version);
  let current: Stage | null = null;
  const maxStages = limit('dockerfile.stages');

  const fromLookup = (name: string): string | undefined => {
    const g = ctx.global.get(name);
    if (g) return g.value;
    return ctx.auto.get(name);
  };

  for (const a of ast.getInstructions()) {
    const keyword = a.getKeyword().toUpperCase();
    if (keyword === 'FROM') {
      const stageIndex = stages.length;
      if (stageIndex >= maxStages) {
        throw new LimitExceededError('dockerfile.stages', maxStages, `more than ${maxStages} FROM instructions`, {
          details: { line: a.getRange().start.line + 1 },
        });
      }
      const fromScope = MapScope.of([
        ...[...ctx.auto].map(([name, value]): [string, VariableBinding] => [name, { name, value, kind: 'automatic' }]),
        ...ctx.global,
      ]);
      const instr = buildInstruction(a, ctx, stageIndex, fromScope);
      const from = a as AstFrom;
      const imageRange = from.getImageRange();
      const raw = from.getImage() ?? '';
      const expanded = expandIn(ctx, raw, fromLookup, instr.line).value;
      const lower = expanded.toLowerCase();
      const ref = stageByName.get(lower);
      const base: BaseImage = {
        raw,
        expanded,
        range: imageRange ? toRange(imageRange) : instr.range,
        stageIndex: ref ? ref.index : null,
        scratch: lower === 'scratch',
      };
      const pf = from.getPlatformFlag();
      const platform =
        pf && pf.getValue() !== null
          ? { raw: pf.getValue()!, expanded: expandIn(ctx, pf.getValue()!, fromLookup, instr.line).value, range: toRange(pf.getRange()) }
          : null;
      const nameRange = from.getBuildStageRange();
      current = {
        index: stageIndex,
        name: from.getBuildStage(),
        nameRange: nameRange ? toRange(nameRange) : null,
        from: instr,
        base,
        platform,
        instructions: [],
        range: instr.range,
      };
      stages.push(current);
      if (current.name !== null && !stageByName.has(current.name.toLowerCase())) stageByName.set(current.name.toLowerCase(), current);
      instructions.push(instr);
      vars = new VarTable();
      if (ref) for (const [n, b] of stageScope[ref.index]!.entries()) if (b.kind === 'env') vars.set(n, b);
      scope = new MapScope(vars, vars.version);
      stageScope[stageIndex] = scope;
      continue;
    }
    const stageIndex = current ? current.index : -1;
    const instr = buildInstruction(a, ctx, stageIndex, scope);
    instructions.push(instr);
    if (!current) {
      if (keyword === 'ARG') {
        globalArgs.push(instr);
        for (const d of argDeclarations(instr)) {
          let value = buildArgs[d.name];
          let unknown = false;
          if (value === undefined && d.default !== undefined) ({ value, unknown } = expandIn(ctx, d.default, fromLookup, instr.line));
          ctx.global.set(d.name, { name: d.name, value, kind: 'arg', declaredAtLine: instr.line, ...(unknown ? { unknown } : {}) });
        }
      }
      continue;
    }
    current.instructions.push(instr);
    current.range = { start: current.range.start, end: instr.range.end };
    if (keyword === 'ARG' || keyword === 'ENV') {
      vars.version++;
      if (keyword === 'ARG') {
        for (const d of argDeclarations(instr)) {
          let value: string | undefined;
          let unknown = false;
          if (buildArgs[d.name] !== undefined) value = buildArgs[d.name];
          else if (d.default !== undefined) ({ value, unknown } = expandIn(ctx, d.default, scope.lookup, instr.line));
          else if (ctx.global.has(d.name)) {
            const g = ctx.global.get(d.name)!;
            value = g.value;
            unknown = g.unknown === true;
          } else if (ctx.auto.has(d.name)) value = ctx.auto.get(d.name);
          // An ENV of the same name wins over an ARG (Dockerfile reference, "Using ARG variables").
          if (scope.get(d.name)?.kind === 'env') continue;
          vars.set(d.name, { name: d.name, value, kind: 'arg', declaredAtLine: instr.line, ...(unknown ? { unknown } : {}) });
        }
      } else {
        for (const p of (a as AstEnv).getProperties()) {
          const rawValue = p.getValue() ?? '';
          const { value, unknown } = expandIn(ctx, rawValue, scope.lookup, instr.line);
          vars.set(p.getName(), { name: p.getName(), value, kind: 'env', declaredAtLine: instr.line, ...(unknown ? { unknown } : {}) });
        }
      }
      scope = new MapScope(vars, vars.version);
      stageScope[current.index] = scope;
    }
    if ((keyword === 'COPY' || keyword === 'ADD') && instr.flags.some((f) => f.name === 'from')) {
      const f = instr.flags.find((fl) => fl.name === 'from')!;
      instr.copyFrom = resolveImageRef(f.value ?? '', f.valueRange ?? f.range, stages, current.index, (t) =>
        expandIn(ctx, t, scope.lookup, instr.line).value,
      );
    }
  }

  const givenPlatforms = { target: options.targetPlatform ?? null, build: options.buildPlatform ?? null };
  return { text, escapeChar, directives, comments, globalArgs, stages, instructions, lines, expansionLimits: ctx.overLimit, givenPlatforms };
}

/** Resolve a `--from` value: an earlier stage by name or index, else an image reference. */
export function resolveImageRef(
  raw: string,
  range: SourceRange,
  stages: readonly Stage[],
  currentStage: number,
  expand: (t: string) => string,
): ImageRef {
  const expanded = expand(raw);
  if (/^\d+$/.test(expanded)) {
    const idx = Number(expanded);
    if (idx < currentStage) return { kind: 'stage', stageIndex: idx, raw, expanded, range };
  }
  const lower = expanded.toLowerCase();
  const s = stages.find((st) => st.index < currentStage && st.name !== null && st.name.toLowerCase() === lower);
  if (s) return { kind: 'stage', stageIndex: s.index, raw, expanded, range };
  return { kind: 'image', raw, expanded, range };
}

/** Expand `text` with the variables visible to `instr` (for COPY/WORKDIR/USER-style arguments). */
export function expandInScope(model: DockerfileModel, instr: Instruction, text: string): string {
  try {
    return expandVariables(text, (n) => instr.scope.get(n)?.value, { escapeChar: model.escapeChar });
  } catch (err) {
    // Past an expansion limit the value is unknown: keep it as written (docs/lint.md).
    if (err instanceof LimitExceededError) return text;
    throw err;
  }
}
