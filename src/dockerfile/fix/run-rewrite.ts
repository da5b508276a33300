/**
 * Rewrites one RUN instruction's `go build` / `go install` commands to the recipe
 * (CGO_ENABLED, -trimpath, -ldflags "-s -w" merged with the user's -X flags,
 * GOOS/GOARCH from the in-stage TARGET args) and adds the Go cache mounts,
 * editing only the words that change so continuations and comments survive.
 * The commands, their facts and their words' offsets are lint's Go-build analysis
 * (go-build.ts `GoBuild`, `located`): a finding and its fix come from the same facts.
 */
import { parseLdflags, type GoBuild, type LdFlags, type Quoting } from '../go-build.js';
import type { Instruction } from '../parse/model.js';
import { applyEdits, type TextEdit } from './text-edits.js';
import type { FixEditKind } from './types.js';

export const MOD_CACHE = '/go/pkg/mod';
export const BUILD_CACHE = '/root/.cache/go-build';

export interface RunRewriteOptions {
  /** Offset of the instruction's first argument inside `instr.text`. */
  argsOffset: number;
  /** Turn cgo off (false: cgo is really needed, leave it on). */
  cgoOff: boolean;
  /** Build for $TARGETOS/$TARGETARCH (cross-compilation from $BUILDPLATFORM); `go build` only (see `crossCompiles`). */
  crossCompile: boolean;
  cacheMounts: boolean;
  /** Whether GOOS/GOARCH are set by the stage ENV (then the command is left alone). */
  stageSetsGoos: boolean;
  /** The stage is already on `--platform=$BUILDPLATFORM` (a `go install` there without GOARCH builds for the wrong machine). */
  onBuildPlatform?: boolean;
  /** Give the (single) go build without -o this output path: what a later stage copies and runs. */
  addOutput?: string;
}

export interface RunChange {
  kind: FixEditKind;
  message: string;
}

/** A build of the RUN the fixer could not edit, and where it sits (for the TODO it leaves). */
export interface SkippedBuild {
  build: GoBuild;
  /** `in an exec-form RUN`, `inside a heredoc`, `inside sh -c (...)`. */
  where: string;
}

export interface RunRewrite {
  text: string;
  changes: RunChange[];
  /** The builds whose words were edited (or already followed the recipe). */
  edited: GoBuild[];
  skipped: SkippedBuild[];
  /** What the fixer leaves to the user on this RUN (the TODO comments' text). */
  todos: string[];
}

/**
 * Does the fixer cross-compile this build (GOOS=$TARGETOS GOARCH=$TARGETARCH in a $BUILDPLATFORM
 * stage)? Not `go install`: Go puts a cross-compiled binary in $GOPATH/bin/<goos>_<goarch>/ and a
 * native one in $GOPATH/bin, so where the final stage must copy it from would depend on the machine
 * that builds (docs/fix.md, "go install and cross-compilation").
 */
export function crossCompiles(b: GoBuild): boolean {
  return b.kind === 'build';
}

/** The note `fix` gives when a `go install` keeps its build stage on the target platform. */
export const INSTALL_NOT_CROSS =
  'go install is not cross-compiled: Go would put the binary in /go/bin/<goos>_<goarch>/ on a cross build and in /go/bin on a native one, so the build stage runs on the target platform (emulated on another machine); use go build -o to cross-compile';

/** The TODO for a `go install` without GOARCH in a stage already on $BUILDPLATFORM (lint G013). */
export const INSTALL_ON_BUILD_PLATFORM =
  'go install on --platform=$BUILDPLATFORM builds for the build machine, and with GOOS=$TARGETOS GOARCH=$TARGETARCH it writes /go/bin/<goos>_<goarch>/ on a cross build: use go build -o <path> with GOOS=$TARGETOS GOARCH=$TARGETARCH and copy that path';

/** Text for an edit inside the given quoting levels (outermost first): each level's escaping, innermost first. */
export function encodeForQuoting(text: string, quoting: readonly Quoting[]): string {
  let t = text;
  for (let k = quoting.length - 1; k >= 0; k--) {
    const q = quoting[k]!;
    if (q === 'json') t = JSON.stringify(t).slice(1, -1);
    else if (q === '"') t = t.replace(/(["\\`])/g, '\\$1');
    else t = t.replace(/'/g, "'\\''");
  }
  return t;
}

/** The quote to write a new value with: `"` at the top level, the other kind inside a quoted `sh -c` string. */
function quoteInside(quoting: readonly Quoting[]): '"' | "'" {
  const inner = quoting[quoting.length - 1];
  return inner === '"' || inner === 'json' ? "'" : '"';
}

function hasMount(instr: Instruction, target: string): boolean {
  return instr.flags.some(
    (f) => f.name === 'mount' && f.options.some((o) => (o.name === 'target' || o.name === 'dst' || o.name === 'destination') && o.value === target),
  );
}

/**
 * Merge "-s -w" into an -ldflags value as written, keeping the user's flags (e.g. -X main.version=...).
 * What is missing comes from lint's reading of the same value (`parseLdflags`, after expansion: an
 * `-ldflags="${LDFLAGS}"` whose ARG has `-s` gets only `-w`).
 */
export function mergeLdflags(value: string, facts: LdFlags = parseLdflags(value)): string | undefined {
  const missing = [...(facts.stripSymbols ? [] : ['-s']), ...(facts.stripDwarf ? [] : ['-w'])];
  if (missing.length === 0) return undefined;
  return [...missing, value.trim()].filter((w) => w !== '').join(' ');
}

function quoteFor(value: string, preferred: '"' | "'" | null): string {
  if (preferred === "'" && !value.includes("'")) return `'${value}'`;
  return `"${value.replace(/(["\\`])/g, '\\$1')}"`;
}

/** Where a build sits that the fixer does not edit, or undefined when it edits it. */
function skipReason(b: GoBuild): string | undefined {
  if (b.site === 'exec') return 'in an exec-form RUN';
  if (b.site === 'heredoc') return 'inside a heredoc';
  if (b.located === null) return `inside sh -c (${b.unlocated ?? 'its words could not be located'})`;
  return undefined;
}

/**
 * Rewrite one RUN. `builds` are lint's analysis of this instruction (`goBuildsOf(model)`, filtered);
 * `modDownload`: the RUN runs `go mod download`.
 */
export function rewriteRun(instr: Instruction, builds: readonly GoBuild[], modDownload: boolean, opts: RunRewriteOptions): RunRewrite {
  const edits: TextEdit[] = [];
  const changes: RunChange[] = [];
  const edited: GoBuild[] = [];
  const skipped: SkippedBuild[] = [];
  const todos: string[] = [];
  const note = (kind: FixEditKind, message: string): void => {
    if (!changes.some((c) => c.kind === kind)) changes.push({ kind, message });
  };
  for (const b of builds) {
    const where = skipReason(b);
    if (where !== undefined || b.located === null) {
      skipped.push({ build: b, where: where ?? 'here' });
      continue;
    }
    edited.push(b);
    const w = b.located;
    const enc = (t: string): string => encodeForQuoting(t, w.quoting);
    const envWord = (name: string) => [...w.env].reverse().find((e) => e.value.startsWith(`${name}=`));
    const lastFlag = (name: string) => [...w.flags].reverse().find((f) => f.name === name);
    const envPrefix: string[] = [];
    if (opts.cgoOff && b.cgo.value !== '0') {
      const cgo = envWord('CGO_ENABLED');
      if (cgo) edits.push({ start: cgo.start, end: cgo.end, text: 'CGO_ENABLED=0' });
      else envPrefix.push('CGO_ENABLED=0');
      note('cgo-off', 'CGO_ENABLED=0: a static binary that starts on a base without libc');
    }
    if (opts.crossCompile && crossCompiles(b) && !opts.stageSetsGoos) {
      for (const [name, arg] of [['GOOS', 'TARGETOS'], ['GOARCH', 'TARGETARCH']] as const) {
        const e = envWord(name);
        if (e === undefined) envPrefix.push(`${name}=$${arg}`);
        else if (!e.value.includes(arg)) edits.push({ start: e.start, end: e.end, text: enc(`${name}=$${arg}`) });
        else continue;
        note('target-args', 'GOOS/GOARCH from $TARGETOS/$TARGETARCH: the build runs natively and cross-compiles for the target platform');
      }
    }
    if (b.kind === 'install' && opts.onBuildPlatform && b.goarch.source === 'unset' && !todos.includes(INSTALL_ON_BUILD_PLATFORM)) todos.push(INSTALL_ON_BUILD_PLATFORM);
    if (envPrefix.length > 0) {
      // Next to the command's own assignments; after `env`; otherwise before the command (`time`, `exec` included).
      const first = w.env[0];
      if (first !== undefined) edits.push({ start: first.start, end: first.start, text: `${enc(envPrefix.join(' '))} ` });
      else if (w.first.value === 'env') edits.push({ start: w.first.end, end: w.first.end, text: ` ${enc(envPrefix.join(' '))}` });
      else edits.push({ start: w.first.start, end: w.first.start, text: `${enc(envPrefix.join(' '))} ` });
    }
    const inserts: string[] = [];
    if (!b.flags.trimpath) {
      const tf = lastFlag('trimpath');
      if (tf) edits.push({ start: tf.word.start, end: tf.word.end, text: '-trimpath' });
      else inserts.push('-trimpath');
      note('trimpath', '-trimpath: no build paths in the binary, reproducible builds');
    }
    const ld = lastFlag('ldflags');
    if (b.flags.ldflags === null || !ld) {
      inserts.push(`-ldflags=${w.quoting.length === 0 ? '"-s -w"' : `${quoteInside(w.quoting)}-s -w${quoteInside(w.quoting)}`}`);
      note('strip-symbols', '-ldflags="-s -w": no symbol table and DWARF (typically 25-30 % of the binary)');
    } else if (!(b.flags.ldflags.stripSymbols && b.flags.ldflags.stripDwarf) && ld.value !== undefined && ld.valueWord) {
      const merged = mergeLdflags(ld.value, b.flags.ldflags);
      if (merged !== undefined) {
        const vw = ld.valueWord;
        const quote = vw.quote ?? (w.quoting.length > 0 ? quoteInside(w.quoting) : null);
        const value = quoteFor(merged, quote);
        const replacement = vw === ld.word ? `${ld.word.value.slice(0, ld.word.value.indexOf('='))}=${value}` : value;
        edits.push({ start: vw.start, end: vw.end, text: enc(replacement) });
        note('strip-symbols', '-ldflags "-s -w" merged with the existing link flags: no symbol table and DWARF');
      }
    }
    if (opts.addOutput !== undefined && b.kind === 'build' && b.flags.output === null && b.packages.length <= 1) {
      inserts.push(`-o ${opts.addOutput}`);
      note('output-path', `-o ${opts.addOutput}: the path the final stage copies and runs (without -o, go build names the binary after the package)`);
    }
    if (inserts.length > 0) edits.push({ start: w.subWord.end, end: w.subWord.end, text: ` ${enc(inserts.join(' '))}` });
  }
  if (opts.cacheMounts && (edited.length > 0 || modDownload) && instr.heredocs.length === 0) {
    const wanted = edited.length > 0 ? [MOD_CACHE, BUILD_CACHE] : [MOD_CACHE];
    const mounts = wanted.filter((t) => !hasMount(instr, t)).map((t) => `--mount=type=cache,target=${t}`);
    if (mounts.length > 0) {
      // First in the list: at the same offset as an env prefix, the flags must come first.
      edits.unshift({ start: opts.argsOffset, end: opts.argsOffset, text: `${mounts.join(' ')} ` });
      note('cache-mounts', 'cache mounts: the module and build caches persist between builds and stay out of the image');
    }
  }
  return { text: applyEdits(instr.text, edits), changes, edited, skipped, todos };
}
