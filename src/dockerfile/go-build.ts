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
import { expandOrKeep } from './parse/expand.js';
import { splitSimpleCommands, splitWords, type ShellWord } from './parse/shell-words.js';

export type SettingSource = 'command' | 'export' | 'env' | 'arg' | 'goflags' | 'unset';

export interface GoSetting {
  /** Effective value after expansion; null when unset. */
  value: string | null;
  /** As written (`$TARGETARCH`, `amd64`), null when unset. */
  raw: string | null;
  source: SettingSource;
  /** 1-based line where it was set (the RUN line for command/export). */
  line: number | null;
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

/** `go build` flags that take a value (go help build); the fixer's word finder uses the same table. */
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

/** Parse the arguments after `go build` / `go install`. */
export function parseGoBuildArgs(args: readonly string[]): { flags: GoBuildFlags; packages: string[] } {
  const flags: GoBuildFlags = { output: null, trimpath: false, ldflags: null, tags: [], buildmode: null, mod: null, other: [] };
  const packages: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('-') || a === '-' || packages.length > 0) {
      packages.push(a);
      continue;
    }
    if (a === '--') continue;
    const [n, inline] = splitFlag(a.replace(/^--/, '-'));
    const name = n.slice(1);
    let value: string | undefined = inline;
    if (GO_BUILD_VALUE_FLAGS.has(name) && value === undefined) value = args[++i] ?? '';
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
        flags.other.push(value === undefined ? a : `${n}=${value}`);
    }
  }
  return { flags, packages };
}

const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s;

interface WalkState {
  exported: Map<string, string>;
  cwd: string;
  nested: boolean;
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
    else wd = /(^|\/)golang(:|@|$)/.test(st.base.expanded.toLowerCase()) ? '/go' : '/';
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

function walkCommands(
  script: string,
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
  for (const cmd of splitSimpleCommands(script)) {
    let words: ShellWord[] = cmd;
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
      state.cwd = joinPath(state.cwd, expand(values[1]));
      continue;
    }
    if ((base === 'sh' || base === 'bash' || base === 'ash' || base === 'dash') && depth < 3) {
      const c = values.indexOf('-c');
      const inner = c >= 0 ? values[c + 1] : undefined;
      if (inner !== undefined) {
        walkCommands(inner, instr, stage, { ...state, exported: new Map(state.exported), nested: true }, out, depth + 1);
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
      out.modDownloads.push({ instruction: instr, stageIndex: stage.index, line: instr.line });
      continue;
    }
    if (sub !== 'build' && sub !== 'install') continue;
    const expanded = values.map(expand);
    const { flags, packages } = parseGoBuildArgs(expanded.slice(2));
    const goflags = setting('GOFLAGS', prefix, state, instr, expand);
    if (goflags.value && /(^|\s)-trimpath(=true)?(\s|$)/.test(goflags.value)) flags.trimpath = true;
    const goos = setting('GOOS', prefix, state, instr, expand);
    const goarch = setting('GOARCH', prefix, state, instr, expand);
    const cgo = setting('CGO_ENABLED', prefix, state, instr, expand);
    const kind = sub;
    let outputPath: string | null = null;
    const pkgs = packages.length > 0 ? packages : ['.'];
    const name = pkgs.length === 1 ? defaultBinaryName(pkgs[0]!, state.cwd) : null;
    if (kind === 'build') {
      if (flags.output !== null) {
        const o = flags.output;
        outputPath = o.endsWith('/') && name ? joinPath(state.cwd, o + name) : joinPath(state.cwd, o);
      } else if (name) {
        outputPath = joinPath(state.cwd, name);
      }
    } else if (name) {
      const gobin = setting('GOBIN', prefix, state, instr, expand).value;
      const gopath = setting('GOPATH', prefix, state, instr, expand).value ?? '/go';
      const cross = goos.value !== null || goarch.value !== null;
      outputPath = gobin ? joinPath(gobin, name) : joinPath(gopath, cross ? `bin/${goos.value ?? 'linux'}_${goarch.value ?? 'amd64'}/${name}` : `bin/${name}`);
    }
    const fromModuleRoot = pkgs.length === 1 && /^\.?\/?$/.test(pkgs[0]!);
    const outputNameKnown = outputPath !== null && (kind === 'build' && flags.output !== null ? true : !fromModuleRoot);
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
      outputNameKnown,
      workdir: state.cwd,
      cgo,
      goos,
      goarch,
      nested: state.nested,
    });
    out.buildingStages.add(stage.index);
  }
}

/** The shell script a RUN executes (shell form, exec form, or heredoc bodies). */
export function runScript(instr: Instruction): string {
  if (instr.exec) {
    const [a, b, c] = instr.exec;
    if (a && /(^|\/)(ba|a|da)?sh$/.test(a) && b === '-c' && c !== undefined) return c;
    return instr.exec.map((w) => (/\s/.test(w) ? `'${w}'` : w)).join(' ');
  }
  const parts = [instr.body.replace(/<<-?\s*["']?[A-Za-z0-9_]+["']?/g, '')];
  for (const h of instr.heredocs) parts.push(h.body);
  return parts.join('\n');
}

/** Analyse every RUN of every stage. */
export function analyzeGoBuilds(model: DockerfileModel): GoBuildAnalysis {
  const out: GoBuildAnalysis = { builds: [], opaque: [], modDownloads: [], buildingStages: new Set() };
  for (const stage of model.stages) {
    for (const instr of stage.instructions) {
      if (instr.keyword !== 'RUN') continue;
      const state: WalkState = { exported: new Map(), cwd: workdirAt(model, stage, instr), nested: instr.heredocs.length > 0 };
      walkCommands(runScript(instr), instr, stage, state, out, 0);
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
