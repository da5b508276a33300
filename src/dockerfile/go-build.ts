/**
 * Understanding the Go build inside RUN instructions: finds `go build` /
 * `go install` / `go mod download` through `&&`, `;`, `||`, pipes, line
 * continuations, env prefixes (`CGO_ENABLED=0 GOOS=linux go build`), `env`,
 * `export`, `sh -c "..."` and heredoc scripts; parses their flags (cmd/go
 * "go help build") and the `-ldflags` content (cmd/link flags); works out the
 * output path and the effective CGO_ENABLED/GOOS/GOARCH with their source.
 * `make`, build scripts and goreleaser are recognised as opaque builds.
 * Pure: model in, facts out.
 */
import type { DockerfileModel, Instruction, Stage } from './parse/model.js';
import { expandOrKeep, referencedVariables } from './parse/expand.js';
import { argDeclarations, AUTOMATIC_PLATFORM_ARGS, envDeclarations } from './parse/parse-dockerfile.js';
import { classifyImage } from './base-image.js';
import { isShellProgram, shellCScript, splitSimpleCommands, splitWords, tokenizeShell, type ShellWord } from './parse/shell-words.js';

export type SettingSource = 'command' | 'export' | 'env' | 'arg' | 'goflags' | 'unset';

export interface GoSetting {
  /** Effective value after expansion; null when unset. */
  value: string | null;
  /** As written (`$TARGETARCH`, `amd64`), null when unset. */
  raw: string | null;
  source: SettingSource;
  /** 1-based line where it was set (the RUN line for command/export). */
  line: number | null;
  /**
   * GOOS/GOARCH only: the platform the value follows, through the variables it names as written
   * (`$TARGETARCH`, `ENV GOARCH=$TARGETARCH`: target; `$BUILDARCH`: build; `arm64`: fixed; unset or
   * empty: Go's default); null when it cannot be told. Lint G013 and `installDir` read it.
   */
  side?: PlatformSide | null;
}

export interface LdFlags {
  raw: string;
  /** `-s`: omit the symbol table. */
  stripSymbols: boolean;
  /** `-w`: omit DWARF. */
  stripDwarf: boolean;
  /** `-X importpath.name=value` assignments. */
  defines: string[];
  /** Content of `-extldflags`, if any. */
  extldflags: string | null;
  /** `-linkmode` value, if any. */
  linkmode: string | null;
}

export interface GoBuildFlags {
  output: string | null;
  trimpath: boolean;
  ldflags: LdFlags | null;
  tags: string[];
  buildmode: string | null;
  mod: string | null;
  /** Every other flag, as written. */
  other: string[];
}

/** Where a command sits in the RUN: the shell form's text, an exec-form array, a `sh -c` string, a heredoc body. */
export type CommandSite = 'shell' | 'exec' | 'sh-c' | 'heredoc';

/** A quoting level a located word sits inside, outermost first: an edit's text is encoded for each (`encodeForQuoting`). */
export type Quoting = '"' | "'" | 'json';

/** A word of a RUN with its offsets in `instruction.text`: [start, end), the word as written (quotes included). */
export interface LocatedWord {
  /** The word with quotes removed and escapes resolved (as written: not expanded). */
  value: string;
  start: number;
  end: number;
  /** The first quote character the word used, if any (for an exec-form element, `"`). */
  quote: '"' | "'" | null;
}

export interface LocatedFlag {
  /** Without dashes (`ldflags`, `o`, `trimpath`). */
  name: string;
  /** The flag word (`-ldflags` or `-ldflags=...`). */
  word: LocatedWord;
  /** The value word when separate; for `-name=value` the same as `word`. */
  valueWord?: LocatedWord;
  /** The value as written (unexpanded). */
  value?: string;
}

/**
 * The words of one `go build` / `go install` with their offsets in the instruction's text: what the
 * fixer edits, so the edit comes from the same facts as the finding.
 */
export interface GoBuildWords {
  /** Quoting levels around the command (none for shell form and heredocs; `"` inside `sh -c "..."`). */
  quoting: Quoting[];
  /** The first word of the simple command (an assignment, `env`, `time`, ... or `go`). */
  first: LocatedWord;
  /** Assignments before `go` (`CGO_ENABLED=0`), also after `env`. */
  env: LocatedWord[];
  goWord: LocatedWord;
  subWord: LocatedWord;
  flags: LocatedFlag[];
  packages: LocatedWord[];
}

export interface GoBuild {
  kind: 'build' | 'install';
  instruction: Instruction;
  stageIndex: number;
  /** 1-based line of the RUN instruction. */
  line: number;
  /** The simple command words (after env prefixes), expanded with the stage's variables. */
  words: string[];
  /** Assignments prefixed to this command (`CGO_ENABLED=0 go build`), raw values. */
  prefixEnv: Record<string, string>;
  flags: GoBuildFlags;
  packages: string[];
  /** Absolute path of the produced binary, or null when none / not derivable. */
  outputPath: string | null;
  /**
   * Why `outputPath` is null for a command that names one binary (`go install`: Go refuses a cross
   * build with GOBIN set, or whether it is a cross build depends on the machine that builds; see
   * `installDir`); null otherwise.
   */
  outputUnknown: string | null;
  /**
   * False when the file name had to be guessed: without -o, `go build .` names the binary after the
   * module path's last element (from go.mod, not visible here); the directory name stands in for it.
   */
  outputNameKnown: boolean;
  /** Directory the command ran in (WORKDIR plus any `cd`). */
  workdir: string;
  cgo: GoSetting;
  goos: GoSetting;
  goarch: GoSetting;
  /** True when run through `sh -c` or a heredoc script (ranges still point at the RUN). */
  nested: boolean;
  site: CommandSite;
  /** The command's words with offsets in `instruction.text`; null when offsets are not meaningful (see `unlocated`). */
  located: GoBuildWords | null;
  /** Why `located` is null (a `sh -c` string with escapes, a `<<-` heredoc, ...); null when located. */
  unlocated: string | null;
}

export type OpaqueKind = 'make' | 'script' | 'goreleaser' | 'mage' | 'task' | 'bazel';

export interface OpaqueBuild {
  kind: OpaqueKind;
  instruction: Instruction;
  stageIndex: number;
  line: number;
  command: string;
}

export interface ModDownload {
  instruction: Instruction;
  site: CommandSite;
  stageIndex: number;
  line: number;
}

export interface GoBuildAnalysis {
  builds: GoBuild[];
  opaque: OpaqueBuild[];
  modDownloads: ModDownload[];
  /** Per stage index: does it run a Go build (transparent or opaque)? */
  buildingStages: Set<number>;
}

/** `go build` flags that take a value (go help build). */
export const GO_BUILD_VALUE_FLAGS: ReadonlySet<string> = new Set([
  'o', 'ldflags', 'gcflags', 'asmflags', 'tags', 'buildmode', 'mod', 'p', 'pkgdir', 'installsuffix',
  'modfile', 'overlay', 'pgo', 'compiler', 'gccgoflags', 'toolexec', 'coverpkg', 'covermode', 'C', 'exec',
]);

/** Parse `-ldflags` content (cmd/link flags), honouring Go's quoting as the shell would. */
export function parseLdflags(raw: string): LdFlags {
  const words = splitWords(raw);
  const out: LdFlags = { raw, stripSymbols: false, stripDwarf: false, defines: [], extldflags: null, linkmode: null };
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!.replace(/^--/, '-');
    const [name, inline] = splitFlag(w);
    const take = (): string => inline ?? words[++i] ?? '';
    if (name === '-s') out.stripSymbols = inline === undefined || inline === 'true';
    else if (name === '-w') out.stripDwarf = inline === undefined || inline === 'true';
    else if (name === '-X') out.defines.push(take());
    else if (name === '-extldflags') out.extldflags = take();
    else if (name === '-linkmode') out.linkmode = take();
  }
  return out;
}

function splitFlag(w: string): [string, string | undefined] {
  const eq = w.indexOf('=');
  return eq < 0 ? [w, undefined] : [w.slice(0, eq), w.slice(eq + 1)];
}

/** One argument after `go build` / `go install` as cmd/go reads it: a flag (with where its value is) or a package. */
export type GoArg =
  | { kind: 'flag'; /** Index of the flag word. */ at: number; /** Without dashes. */ name: string; /** Index of a separate value word. */ valueAt: number | null; /** The value after `=`. */ inline: string | undefined }
  | { kind: 'package'; at: number };

/**
 * Split the arguments after `go build` / `go install` (cmd/go's flag package: `-name`, `--name`,
 * `-name=value`, `-name value` for the flags that take one, `--` ends the flags, the first non-flag
 * starts the packages). The one reading: the flags' facts (`parseGoBuildArgs`) and the located words
 * the fixer edits (`GoBuild.located`) both come from it.
 */
export function splitGoArgs(args: readonly string[]): GoArg[] {
  const out: GoArg[] = [];
  let packages = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (packages || !a.startsWith('-') || a === '-') {
      packages = true;
      out.push({ kind: 'package', at: i });
      continue;
    }
    if (a === '--') {
      packages = true;
      continue;
    }
    const [n, inline] = splitFlag(a.replace(/^--/, '-'));
    const name = n.slice(1);
    const valueAt = inline === undefined && GO_BUILD_VALUE_FLAGS.has(name) && i + 1 < args.length ? ++i : null;
    out.push({ kind: 'flag', at: valueAt === null ? i : i - 1, name, valueAt, inline });
  }
  return out;
}

/** Parse the arguments after `go build` / `go install` (`split`: their `splitGoArgs`, when already made). */
export function parseGoBuildArgs(args: readonly string[], split: readonly GoArg[] = splitGoArgs(args)): { flags: GoBuildFlags; packages: string[] } {
  const flags: GoBuildFlags = { output: null, trimpath: false, ldflags: null, tags: [], buildmode: null, mod: null, other: [] };
  const packages: string[] = [];
  for (const g of split) {
    if (g.kind === 'package') {
      packages.push(args[g.at]!);
      continue;
    }
    const { name } = g;
    // A value flag at the end of the command has an empty value (cmd/go fails on it; the analysis reads on).
    const value: string | undefined = g.inline ?? (g.valueAt !== null ? args[g.valueAt]! : GO_BUILD_VALUE_FLAGS.has(name) ? '' : undefined);
    switch (name) {
      case 'o':
        flags.output = value ?? null;
        break;
      case 'trimpath':
        flags.trimpath = value === undefined || value === 'true';
        break;
      case 'ldflags':
        flags.ldflags = parseLdflags(value ?? '');
        break;
      case 'tags':
        flags.tags.push(...(value ?? '').split(/[,\s]+/).filter(Boolean));
        break;
      case 'buildmode':
        flags.buildmode = value ?? null;
        break;
      case 'mod':
        flags.mod = value ?? null;
        break;
      default:
        flags.other.push(value === undefined ? args[g.at]! : `-${name}=${value}`);
    }
  }
  return { flags, packages };
}

const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s;

interface WalkState {
  model: DockerfileModel;
  exported: Map<string, string>;
  cwd: string;
  nested: boolean;
}

/**
 * Text the walk reads commands from, and how its offsets map back to `instruction.text`: `base` is
 * the offset there of the frame's offset 0 (null when they do not map: escapes in a `sh -c` string).
 */
interface Frame {
  site: CommandSite;
  base: number | null;
  quoting: Quoting[];
  /** Why the frame's words cannot be located (when base is null). */
  unlocated: string | null;
}

/** Default binary name for a package (cmd/go: last path element, skipping a major-version suffix). */
export function defaultBinaryName(pkg: string, workdir: string): string | null {
  if (pkg.endsWith('...')) return null;
  let p = pkg.replace(/@.*$/, '').replace(/\/+$/, '');
  if (p === '.' || p === '' || p === './') p = workdir;
  if (p.endsWith('.go')) {
    // `go build main.go` names the binary after the first file.
    return p.split('/').pop()!.replace(/\.go$/, '');
  }
  const parts = p.split('/').filter((x) => x !== '' && x !== '.');
  let name = parts.pop() ?? null;
  if (name !== null && /^v\d+$/.test(name) && parts.length > 0) name = parts.pop()!;
  return name;
}

/**
 * The path of the binary a build writes, when it can be told: `outputPath` when its name is known;
 * for `go build .` / `go install .` in the module root, the name comes from go.mod's module path
 * (`moduleRoot`: the directory the build context's go.mod is in, in the image). Undefined for
 * several packages, an unexpanded variable, or an unknown module name.
 */
export function binaryPath(b: GoBuild, modulePath?: string, moduleRoot?: string): string | undefined {
  if (b.packages.length > 1 || b.outputPath === null || b.outputPath.includes('$')) return undefined;
  if (b.outputNameKnown) return b.outputPath;
  if (modulePath === undefined || moduleRoot === undefined || b.workdir !== moduleRoot || !/^\.?\/?$/.test(b.packages[0] ?? '.')) return undefined;
  const name = defaultBinaryName(modulePath, '/');
  return name === null ? undefined : `${b.outputPath.slice(0, b.outputPath.lastIndexOf('/'))}/${name}`;
}

function joinPath(base: string, rel: string): string {
  // Windows containers: `C:\src` is absolute and keeps its own separators.
  if (/^[A-Za-z]:[\\/]/.test(rel)) return rel;
  if (rel.startsWith('/')) return normalizeImagePath(rel);
  return normalizeImagePath(`${base.replace(/\/+$/, '')}/${rel}`);
}

/** An absolute, lexically clean image path ("/a/./b/../c" -> "/a/c"; ".." stops at "/"). */
export function normalizeImagePath(p: string): string {
  // Already clean (the common case): returned as is.
  if (p.length > 1 && p[0] === '/' && !p.endsWith('/') && !p.includes('//') && !p.includes('/./') && !p.includes('/../') && !p.endsWith('/.') && !p.endsWith('/..')) return p;
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return `/${out.join('/')}`;
}

interface WorkdirTable {
  /** WORKDIR in effect when each instruction runs. */
  at: Map<Instruction, string>;
  /** WORKDIR at the end of each stage (what `FROM <stage>` starts with). */
  end: string[];
}

/**
 * Computed once per model, in one pass over the stages (a stage's base stage always comes earlier),
 * and kept on the model under a non-enumerable symbol (a WeakMap keyed by every short-lived model
 * made garbage collection measurably slower in the lint benchmark).
 */
const WORKDIRS = Symbol('goslim.workdirs');

function workdirTable(model: DockerfileModel): WorkdirTable {
  const holder = model as DockerfileModel & { [WORKDIRS]?: WorkdirTable };
  let t = holder[WORKDIRS];
  if (t) return t;
  t = { at: new Map(), end: [] };
  for (const st of model.stages) {
    const parent = st.base.stageIndex;
    let wd: string;
    if (parent !== null && parent < st.index) wd = t.end[parent]!;
    // The base's own WORKDIR (base-image.ts facts: /go for the golang images), else BuildKit's `/`.
    // (Only Go images have a WORKDIR the facts know: the others skip the classification, which lint's bench feels.)
    else wd = (st.base.expanded.toLowerCase().includes('go') ? classifyImage(st.base.expanded).workdir : null) ?? '/';
    for (const i of st.instructions) {
      t.at.set(i, wd);
      if (i.keyword === 'WORKDIR') wd = joinPath(wd, expandOrKeep(i.body.trim(), (n) => i.scope.get(n)?.value, { escapeChar: model.escapeChar }));
    }
    t.end[st.index] = wd;
  }
  Object.defineProperty(holder, WORKDIRS, { value: t, enumerable: false });
  return t;
}

/** WORKDIR in effect for each instruction of a stage (BuildKit default `/`; golang images set /go). */
export function workdirAt(model: DockerfileModel, stage: Stage, instr: Instruction): string {
  const t = workdirTable(model);
  return t.at.get(instr) ?? t.end[stage.index] ?? '/';
}

/** WORKDIR at the end of a stage: what the image built from it runs in. */
export function stageEndWorkdir(model: DockerfileModel, stage: Stage): string {
  return workdirTable(model).end[stage.index] ?? '/';
}

function setting(
  name: string,
  prefix: Record<string, string>,
  state: WalkState,
  instr: Instruction,
  expand: (t: string) => string,
): GoSetting {
  if (prefix[name] !== undefined) {
    return { value: expand(prefix[name]!), raw: prefix[name]!, source: 'command', line: instr.line };
  }
  if (state.exported.has(name)) {
    const raw = state.exported.get(name)!;
    return { value: expand(raw), raw, source: 'export', line: instr.line };
  }
  const b = instr.scope.get(name);
  if (b) {
    return {
      value: b.value ?? '',
      raw: b.value ?? '',
      source: b.kind === 'env' ? 'env' : 'arg',
      line: b.declaredAtLine ?? null,
    };
  }
  return { value: null, raw: null, source: 'unset', line: null };
}

const OPAQUE: Array<[RegExp, OpaqueKind]> = [
  [/^(g?make)$/, 'make'],
  [/^goreleaser$/, 'goreleaser'],
  [/^mage$/, 'mage'],
  [/^task$/, 'task'],
  [/^(bazel|bazelisk)$/, 'bazel'],
];

/** The platform a stage's commands run on: its `FROM --platform`, else the target platform (BuildKit). */
export function stagePlatform(stage: Stage): { os: string; arch: string } {
  const p = stage.platform?.expanded ?? stage.from.scope.get('TARGETPLATFORM')?.value ?? 'linux/amd64';
  const [os = 'linux', arch = 'amd64'] = p.split('/');
  return { os, arch };
}

/**
 * Which platform a value follows: the target's (`$TARGETARCH`, `$TARGETPLATFORM`), the build
 * machine's (`$BUILDARCH`, `$BUILDPLATFORM`), none (`fixed`: a value written out, or one from an ARG
 * default or ENV that names no platform arg), or `unset` (empty: for GOOS/GOARCH, Go's default, the
 * platform the command runs on).
 */
export type PlatformSide = 'target' | 'build' | 'fixed' | 'unset';

/** Bounds the walk through variables defined from variables (`ENV GOARCH=$ARCH`, `ARG ARCH=$TARGETARCH`). */
const SIDE_DEPTH = 8;

function autoSide(name: string): PlatformSide | undefined {
  if ((AUTOMATIC_PLATFORM_ARGS as readonly string[]).includes(name)) return name.startsWith('TARGET') ? 'target' : 'build';
  return undefined;
}

/**
 * The side of `text` (as written) where `resolve` gives each variable's side. A text that names a
 * platform arg follows that platform (both: null, mixed); otherwise it is fixed, or unset when empty.
 */
function sideOfText(text: string, resolve: (name: string) => PlatformSide | null): PlatformSide | null {
  if (!text.includes('$')) return text === '' ? 'unset' : 'fixed';
  const sides = new Set<PlatformSide | null>(referencedVariables(text).map(resolve));
  if (sides.has(null) || (sides.has('target') && sides.has('build'))) return null;
  if (sides.has('target')) return 'target';
  if (sides.has('build')) return 'build';
  // Only fixed and unset variables: empty when they all are and nothing else is written.
  return sides.has('fixed') || text.replace(/\$\{?[A-Za-z_][A-Za-z0-9_]*\}?/g, '') !== '' ? 'fixed' : 'unset';
}

/** The side of a variable as a stage instruction sees it (through ENV/ARG declarations as written, global ARGs, automatic args). */
function sideOfVariable(model: DockerfileModel, scope: Instruction['scope'] | null, name: string, depth: number): PlatformSide | null {
  if (depth > SIDE_DEPTH) return null;
  const b = scope === null ? undefined : scope.get(name);
  if (scope === null || b === undefined || b.kind === 'automatic') {
    // The FROM line and global ARG defaults see the global ARGs and the automatic args.
    const g = scope === null || b?.kind === 'automatic' ? model.globalArgs.flatMap((i) => argDeclarations(i).filter((d) => d.name === name).map((d) => ({ i, d }))).pop() : undefined;
    if (g?.d.default !== undefined) return sideOfText(g.d.default, (n) => sideOfVariable(model, null, n, depth + 1));
    if (b === undefined && scope !== null) return 'unset';
    return autoSide(name) ?? (g ? 'fixed' : 'unset');
  }
  if (b.unknown) return null;
  const decl = b.declaredAtLine === undefined ? undefined : model.instructions.find((i) => i.line === b.declaredAtLine && (i.keyword === 'ARG' || i.keyword === 'ENV'));
  if (decl === undefined) return null;
  const inner = (n: string): PlatformSide | null => sideOfVariable(model, decl.stageIndex < 0 ? null : decl.scope, n, depth + 1);
  if (decl.keyword === 'ENV') {
    const e = envDeclarations(decl).filter((d) => d.name === name).pop();
    return e === undefined ? null : sideOfText(e.value, inner);
  }
  const d = argDeclarations(decl).filter((x) => x.name === name).pop();
  if (d === undefined) return null;
  if (d.default !== undefined) return sideOfText(d.default, inner);
  // `ARG TARGETARCH` in a stage: the automatic arg, or a global ARG of that name.
  return sideOfVariable(model, null, name, depth + 1);
}

/** The side of a GOOS/GOARCH setting (where its value came from, followed through the variables it names). */
function sideOfSetting(model: DockerfileModel, s: GoSetting, name: string, instr: Instruction, exported: ReadonlyMap<string, string>): PlatformSide | null {
  if (s.source === 'unset' || s.value === '' || s.value === null) return 'unset';
  // A value that does not expand names a variable the RUN cannot see: empty in the shell, Go's default.
  if (s.value.includes('$') && (s.source === 'command' || s.source === 'export')) return 'unset';
  const resolve = (n: string): PlatformSide | null =>
    exported.has(n) && n !== name ? sideOfText(exported.get(n)!, (m) => sideOfVariable(model, instr.scope, m, 1)) : sideOfVariable(model, instr.scope, n, 1);
  if (s.source === 'command' || s.source === 'export') return sideOfText(s.raw ?? '', resolve);
  return sideOfVariable(model, instr.scope, name, 0);
}

/** The side of the platform a stage runs on: `FROM --platform=$BUILDPLATFORM` the build machine's, no `--platform` the target's. */
function stageSide(model: DockerfileModel, stage: Stage): PlatformSide | null {
  if (stage.platform === null) return 'target';
  const side = sideOfText(stage.platform.raw, (n) => sideOfVariable(model, null, n, 1));
  return side === 'unset' ? 'target' : side;
}

/** Does the stage run on the build machine (`FROM --platform=$BUILDPLATFORM`, through global ARGs too)? Lint G013 and fix read it. */
export function onBuildPlatform(model: DockerfileModel, stage: Stage): boolean {
  return stage.platform !== null && stageSide(model, stage) === 'build';
}

/** Where `go install` writes, or why that cannot be told from the Dockerfile. */
export interface InstallDir {
  dir: string | null;
  /** Why `dir` is null: Go refuses (GOBIN with a cross build), or whether the build is a cross build depends on the machine. */
  why: string | null;
}

/**
 * Where `go install` puts binaries (cmd/go, measured with Go 1.19: `go help install`, `go help gopath`):
 * $GOBIN when set, else $GOPATH/bin; a cross-compiled binary (GOOS/GOARCH not GOHOSTOS/GOHOSTARCH, the
 * platform the command runs on) goes to $GOPATH/bin/<goos>_<goarch>/, and with GOBIN set Go refuses it
 * ("cannot install cross-compiled binaries when GOBIN is set").
 *
 * What a Dockerfile tells about the platform the command runs on (docs/lint.md, "go install's directory"):
 * a stage without `--platform` runs on the target platform, so GOARCH=$TARGETARCH there is native
 * whatever the target; `FROM --platform=$BUILDPLATFORM` runs on the build machine, which may differ
 * from the target, so GOARCH=$TARGETARCH there is a cross build only when they differ. Each side is
 * compared as a platform arg when both follow the same one (always equal), else by value; a value
 * is a fact only when it is written out or the platform was given to the parse (`givenPlatforms`:
 * lint's `--platform`), except the OS, which is linux on both sides unless given (BuildKit builds
 * Linux containers on a Linux build platform; goslim's recipe is for Linux images). Otherwise the
 * directory depends on the machine that builds, and `dir` is null with `why` saying so rather
 * than a guess. GOOS/GOARCH unset or empty (an undeclared arg) is Go's default: native.
 */
export function installDir(model: DockerfileModel, stage: Stage, instr: Instruction, settings: { goos: GoSetting; goarch: GoSetting; gobin: string | null; gopath: string | null }, exported: ReadonlyMap<string, string> = new Map()): InstallDir {
  const host = stagePlatform(stage);
  const hostSide = stageSide(model, stage);
  const given = (side: PlatformSide | null, os: boolean): boolean =>
    side === 'fixed' || side === 'unset' || (side === 'target' && (os || model.givenPlatforms.target !== null)) || (side === 'build' && (os || model.givenPlatforms.build !== null));
  let os = host.os;
  let arch = host.arch;
  let cross = false;
  /** The `<goos>_<goarch>` of a cross build is named from facts, not defaults. */
  let namedFromFacts = true;
  const unknown: string[] = [];
  for (const [name, s, hostValue, isOs] of [['GOOS', settings.goos, host.os, true], ['GOARCH', settings.goarch, host.arch, false]] as const) {
    const side = s.side !== undefined ? s.side : sideOfSetting(model, s, name, instr, exported);
    if (side === 'unset') {
      if (!given(hostSide, isOs)) namedFromFacts = false;
      continue;
    }
    const value = s.value!;
    if (isOs) os = value;
    else arch = value;
    if (!given(side, isOs)) namedFromFacts = false;
    if (side !== null && side === hostSide && side !== 'fixed') continue;
    if (given(side, isOs) && given(hostSide, isOs)) {
      if (value !== hostValue) cross = true;
      continue;
    }
    unknown.push(`${name}=${s.raw ?? value}`);
  }
  const gopath = `${(settings.gopath || '/go').split(':')[0]!.replace(/\/+$/, '')}/bin`;
  const on = stage.platform === null ? 'the target platform' : `--platform=${stage.platform.raw}`;
  // lint --platform gives the target platform; the build platform is the machine's.
  const hint = hostSide === 'target' || hostSide === 'fixed' ? 'give lint --platform, or use go build -o <path>' : 'use go build -o <path>';
  if (unknown.length > 0 && !cross) {
    const where = settings.gobin ? `${settings.gobin} on a native build, and Go refuses a cross build with GOBIN set` : `${gopath} on a native build, ${gopath}/<goos>_<goarch>/ on a cross build`;
    return { dir: null, why: `${unknown.join(' ')} on ${on}: whether go install cross-compiles depends on the platforms of the build (${where}); ${hint}` };
  }
  if (cross && !settings.gobin && !namedFromFacts) {
    return { dir: null, why: `a cross build on ${on}: go install writes ${gopath}/<goos>_<goarch>/, named after platforms the Dockerfile does not fix; ${hint}` };
  }
  if (settings.gobin) return cross ? { dir: null, why: 'Go refuses to install a cross-compiled binary when GOBIN is set' } : { dir: settings.gobin, why: null };
  return { dir: `${gopath}${cross ? `/${os}_${arch}` : ''}`, why: null };
}

/** A word of `frame` as located in `instruction.text`. */
function locate(frame: Frame, w: ShellWord): LocatedWord {
  const base = frame.base ?? 0;
  return { value: w.value, start: base + w.start, end: base + w.end, quote: w.quote };
}

/** Heredoc markers on a RUN's command line (`<<EOF`, `<<-"EOF"`): the body is read separately. */
const HEREDOC_MARKER = /^<<-?[A-Za-z0-9_]+$/;

/** The words of a `go build`/`go install` command (starting at `go`), located: the flags and packages `split` read. */
function locateGoCommand(frame: Frame, all: ShellWord[], words: ShellWord[], split: readonly GoArg[]): GoBuildWords {
  const goAt = all.indexOf(words[0]!);
  const env = all.slice(0, goAt).filter((w) => ASSIGNMENT.test(w.value)).map((w) => locate(frame, w));
  const flags: LocatedFlag[] = [];
  const packages: LocatedWord[] = [];
  // `split` indexes the arguments after `go build`, words[2] on.
  const arg = (i: number): ShellWord => words[2 + i]!;
  for (const g of split) {
    if (g.kind === 'package') {
      packages.push(locate(frame, arg(g.at)));
      continue;
    }
    const lw = locate(frame, arg(g.at));
    if (g.valueAt !== null) {
      const vw = locate(frame, arg(g.valueAt));
      flags.push({ name: g.name, word: lw, valueWord: vw, value: vw.value });
    } else if (g.inline !== undefined) {
      // The value as written: the flag word's text after its first `=`.
      flags.push({ name: g.name, word: lw, valueWord: lw, value: lw.value.slice(lw.value.indexOf('=') + 1) });
    } else flags.push({ name: g.name, word: lw });
  }
  return {
    quoting: frame.quoting,
    first: locate(frame, all[0]!),
    env,
    goWord: locate(frame, words[0]!),
    subWord: locate(frame, words[1]!),
    flags,
    packages,
  };
}

/**
 * The frame of a `sh -c` script word: its offsets map linearly when the word is written as one
 * quoted (or bare) piece without escapes, `"go build -o /app ."`; otherwise it is read but not located.
 */
function innerFrame(frame: Frame, w: ShellWord, instr: Instruction): Frame {
  const q = frame.site === 'exec' ? '"' : (w.quote ?? '');
  const quoting: Quoting[] = q === '' ? frame.quoting : [...frame.quoting, frame.site === 'exec' ? 'json' : (q as '"' | "'")];
  const at = frame.base === null ? -1 : frame.base + w.start;
  const linear = at >= 0 && instr.text.slice(at, frame.base! + w.end) === `${q}${w.value}${q}`;
  return {
    site: 'sh-c',
    base: linear ? at + q.length : null,
    quoting,
    unlocated: linear ? null : (frame.unlocated ?? 'the sh -c string has escapes or line continuations: its words have no single place in the Dockerfile text'),
  };
}

function walkCommands(
  commands: ShellWord[][],
  frame: Frame,
  instr: Instruction,
  stage: Stage,
  state: WalkState,
  out: GoBuildAnalysis,
  depth: number,
): void {
  const expand = (t: string): string => {
    const local = (n: string): string | undefined => state.exported.get(n) ?? instr.scope.get(n)?.value;
    return expandOrKeep(t, local);
  };
  for (const all of commands) {
    let words: ShellWord[] = all;
    const prefix: Record<string, string> = {};
    // `env A=1 B=2 cmd` and `A=1 cmd` prefixes.
    for (;;) {
      const m = words[0] ? ASSIGNMENT.exec(words[0].value) : null;
      if (m && words.length > 1) {
        prefix[m[1]!] = m[2]!;
        words = words.slice(1);
        continue;
      }
      if (words[0]?.value === 'env' && words.length > 1) {
        words = words.slice(1);
        while (words[0]?.value.startsWith('-')) words = words.slice(1);
        continue;
      }
      if (words[0] && ['time', 'exec', 'nice', 'xargs'].includes(words[0].value) && words.length > 1) {
        words = words.slice(1);
        continue;
      }
      break;
    }
    const values = words.map((w) => w.value);
    const head = values[0];
    if (head === undefined) continue;
    const base = head.split('/').pop()!;
    if (head === 'export' || (values.length === 1 && ASSIGNMENT.test(head))) {
      for (const v of head === 'export' ? values.slice(1) : values) {
        const m = ASSIGNMENT.exec(v);
        if (m) state.exported.set(m[1]!, m[2]!);
      }
      continue;
    }
    if (head === 'cd' && values[1] !== undefined) {
      // A variable the RUN cannot see is empty in the shell (`cd` alone goes to $HOME): the directory is
      // unknown, kept as written so paths under it carry the `$` and no one guesses from them.
      const unknown = referencedVariables(values[1]).some((n) => !state.exported.has(n) && !instr.scope.has(n));
      state.cwd = joinPath(state.cwd, unknown ? values[1] : expand(values[1]));
      continue;
    }
    if (isShellProgram(base) && depth < 3) {
      const c = values.indexOf('-c');
      const inner = c >= 0 ? words[c + 1] : undefined;
      if (inner !== undefined) {
        const f = innerFrame(frame, inner, instr);
        walkCommands(splitSimpleCommands(inner.value), f, instr, stage, { ...state, exported: new Map(state.exported), nested: true }, out, depth + 1);
        continue;
      }
      const scriptFile = values.slice(1).find((v) => !v.startsWith('-'));
      if (scriptFile) {
        out.opaque.push({ kind: 'script', instruction: instr, stageIndex: stage.index, line: instr.line, command: values.join(' ') });
        out.buildingStages.add(stage.index);
      }
      continue;
    }
    const opaque = OPAQUE.find(([re]) => re.test(base));
    if (opaque) {
      out.opaque.push({ kind: opaque[1], instruction: instr, stageIndex: stage.index, line: instr.line, command: values.join(' ') });
      out.buildingStages.add(stage.index);
      continue;
    }
    if (/^\.{0,2}\/.*\.sh$|^\.\/(scripts?|hack|build)\//.test(head) || /^(build|compile)\.sh$/.test(base)) {
      out.opaque.push({ kind: 'script', instruction: instr, stageIndex: stage.index, line: instr.line, command: values.join(' ') });
      out.buildingStages.add(stage.index);
      continue;
    }
    if (base !== 'go' || values.length < 2) continue;
    const sub = values[1];
    if (sub === 'mod' && values[2] === 'download') {
      out.modDownloads.push({ instruction: instr, stageIndex: stage.index, line: instr.line, site: frame.site });
      continue;
    }
    if (sub !== 'build' && sub !== 'install') continue;
    const expanded = values.map(expand);
    // One split of the arguments (expanded, as cmd/go sees them): the facts and the located words.
    const split = splitGoArgs(expanded.slice(2));
    const { flags, packages } = parseGoBuildArgs(expanded.slice(2), split);
    const goflags = setting('GOFLAGS', prefix, state, instr, expand);
    if (goflags.value && /(^|\s)-trimpath(=true)?(\s|$)/.test(goflags.value)) flags.trimpath = true;
    const goos = setting('GOOS', prefix, state, instr, expand);
    const goarch = setting('GOARCH', prefix, state, instr, expand);
    goos.side = sideOfSetting(state.model, goos, 'GOOS', instr, state.exported);
    goarch.side = sideOfSetting(state.model, goarch, 'GOARCH', instr, state.exported);
    const cgo = setting('CGO_ENABLED', prefix, state, instr, expand);
    const kind = sub;
    let outputPath: string | null = null;
    let outputUnknown: string | null = null;
    const pkgs = packages.length > 0 ? packages : ['.'];
    const name = pkgs.length === 1 ? defaultBinaryName(pkgs[0]!, state.cwd) : null;
    // `.`, `..`, `./`: Go names the binary after the package's import path, which go.mod holds; the directory name stands in.
    const fromModuleRoot = pkgs.length === 1 && /^\.{1,2}(\/\.{1,2})*\/?$/.test(pkgs[0]!);
    let guessed = fromModuleRoot;
    if (kind === 'build') {
      if (flags.output !== null) {
        const o = flags.output;
        if (!o.endsWith('/')) guessed = false;
        outputPath = o.endsWith('/') ? (name ? joinPath(state.cwd, o + name) : null) : joinPath(state.cwd, o);
      } else if (name) {
        outputPath = joinPath(state.cwd, name);
      }
    } else if (name) {
      const dir = installDir(state.model, stage, instr, {
        goos,
        goarch,
        gobin: setting('GOBIN', prefix, state, instr, expand).value,
        gopath: setting('GOPATH', prefix, state, instr, expand).value,
      }, state.exported);
      outputPath = dir.dir === null ? null : joinPath(dir.dir, name);
      outputUnknown = dir.why;
    }
    const outputNameKnown = outputPath !== null && !guessed;
    const located = frame.base === null ? null : locateGoCommand(frame, all, words, split);
    out.builds.push({
      kind,
      instruction: instr,
      stageIndex: stage.index,
      line: instr.line,
      words: expanded,
      prefixEnv: prefix,
      flags,
      packages,
      outputPath,
      outputUnknown,
      outputNameKnown,
      workdir: state.cwd,
      cgo,
      goos,
      goarch,
      nested: state.nested,
      site: frame.site,
      located,
      unlocated: located === null ? (frame.unlocated ?? 'not located') : null,
    });
    out.buildingStages.add(stage.index);
  }
}

/** The shell script a RUN executes (shell form, exec form, or heredoc bodies). */
export function runScript(instr: Instruction): string {
  if (instr.exec) {
    const script = shellCScript(instr.exec);
    if (script !== null) return script;
    return instr.exec.map((w) => (/\s/.test(w) ? `'${w}'` : w)).join(' ');
  }
  const parts = [instr.body.replace(/<<-?\s*["']?[A-Za-z0-9_]+["']?/g, '')];
  for (const h of instr.heredocs) parts.push(h.body);
  return parts.join('\n');
}

const PACKAGE_INSTALL = /\b(apt-get|apt|apk|yum|dnf|microdnf)\b[^\n]*\b(install|add)\b/;
const C_COMPILER = /\b(gcc|g\+\+|clang|build-base|build-essential)\b/;
const C_HEADERS = /\b(musl-dev|libc6?-dev|lib[a-z0-9-]+-dev|[a-z0-9-]+-devel)\b/;

/**
 * What a RUN installs for C through a package manager: a C compiler (`gcc`, `clang`, `build-base`,
 * `build-essential`: cmd/go's CGO_ENABLED default turns on where one exists) and C library headers
 * (`musl-dev`, `lib*-dev`, `*-devel`: C code to build). Lint G003 and fix's cgo decision read it.
 */
export function cPackagesInstalled(instr: Instruction): { compiler: boolean; headers: boolean } {
  if (instr.keyword !== 'RUN') return { compiler: false, headers: false };
  const script = runScript(instr);
  if (!PACKAGE_INSTALL.test(script)) return { compiler: false, headers: false };
  return { compiler: C_COMPILER.test(script), headers: C_HEADERS.test(script) };
}

/** Offset in `instr.text` of a position inside the instruction (no whole-file line table: lint stays cheap). */
function offsetInInstruction(instr: Instruction, line: number, character: number): number {
  const first = instr.range.start;
  if (line === first.line) return character - first.character;
  let at = -1;
  for (let l = first.line; l < line; l++) {
    at = instr.text.indexOf('\n', at + 1);
    if (at < 0) return -1;
  }
  return at + 1 + character;
}

/** JSON string literals of an exec-form array, located in `instr.text` (null when they do not match `exec`). */
function execLiterals(instr: Instruction, from: number): ShellWord[] | null {
  const exec = instr.exec!;
  const out: ShellWord[] = [];
  const re = /"(?:[^"\\]|\\.)*"/gs;
  re.lastIndex = from;
  for (let m = re.exec(instr.text); m !== null && out.length < exec.length; m = re.exec(instr.text)) {
    let value: unknown;
    try {
      value = JSON.parse(m[0]);
    } catch {
      return null;
    }
    if (value !== exec[out.length]) return null;
    out.push({ value: exec[out.length]!, quoted: true, start: m.index, end: m.index + m[0].length, quote: '"' });
  }
  return out.length === exec.length ? out : null;
}

/** The commands of one RUN, each with the frame its offsets belong to. */
function runFrames(instr: Instruction, escapeChar: string): Array<{ frame: Frame; commands: ShellWord[][] }> {
  const args = instr.argsRange;
  const from = args === null ? -1 : offsetInInstruction(instr, args.start.line, args.start.character);
  if (instr.exec) {
    const lits = from < 0 ? null : execLiterals(instr, from);
    const words = lits ?? instr.exec.map((value) => ({ value, quoted: true, start: 0, end: 0, quote: '"' as const }));
    const frame: Frame = { site: 'exec', base: lits ? 0 : null, quoting: [], unlocated: lits ? null : 'the exec-form array could not be matched to the text' };
    return [{ frame, commands: [words] }];
  }
  const out: Array<{ frame: Frame; commands: ShellWord[][] }> = [];
  if (from >= 0) {
    const to = instr.heredocs.length > 0 ? offsetInInstruction(instr, args!.end.line, args!.end.character) : instr.text.length;
    const words: ShellWord[][] = [];
    let cur: ShellWord[] = [];
    for (const t of tokenizeShell(instr.text, { from, to, dockerfileEscape: escapeChar })) {
      if (t.type === 'word') {
        if (!HEREDOC_MARKER.test(t.word.value)) cur.push(t.word);
      } else {
        if (cur.length > 0) words.push(cur);
        cur = [];
      }
    }
    if (cur.length > 0) words.push(cur);
    out.push({ frame: { site: 'shell', base: 0, quoting: [], unlocated: null }, commands: words });
  }
  for (const h of instr.heredocs) {
    const c = h.contentRange;
    const at = c === null ? -1 : offsetInInstruction(instr, c.start.line, c.start.character);
    const linear = at >= 0 && !h.stripTabs && instr.text.startsWith(h.body, at);
    const frame: Frame = {
      site: 'heredoc',
      base: linear ? at : null,
      quoting: [],
      unlocated: linear ? null : h.stripTabs ? 'a <<- heredoc strips tabs: its words have no single place in the Dockerfile text' : 'the heredoc body could not be matched to the text',
    };
    out.push({ frame, commands: splitSimpleCommands(h.body) });
  }
  return out;
}

/** Analyse every RUN of every stage. */
export function analyzeGoBuilds(model: DockerfileModel): GoBuildAnalysis {
  const out: GoBuildAnalysis = { builds: [], opaque: [], modDownloads: [], buildingStages: new Set() };
  for (const stage of model.stages) {
    for (const instr of stage.instructions) {
      if (instr.keyword !== 'RUN') continue;
      const state: WalkState = { model, exported: new Map(), cwd: workdirAt(model, stage, instr), nested: instr.heredocs.length > 0 };
      for (const { frame, commands } of runFrames(instr, model.escapeChar)) walkCommands(commands, frame, instr, stage, state, out, 0);
    }
  }
  return out;
}

const ANALYSIS = Symbol('goslim.goBuilds');

/** `analyzeGoBuilds`, computed once per model and kept on it (the fixer asks from several places). */
export function goBuildsOf(model: DockerfileModel): GoBuildAnalysis {
  const holder = model as DockerfileModel & { [ANALYSIS]?: GoBuildAnalysis };
  let a = holder[ANALYSIS];
  if (a) return a;
  a = analyzeGoBuilds(model);
  Object.defineProperty(holder, ANALYSIS, { value: a, enumerable: false });
  return a;
}
