/**
 * Rewrites one RUN instruction's `go build` / `go install` commands to the recipe
 * (CGO_ENABLED, -trimpath, -ldflags "-s -w" merged with the user's -X flags,
 * GOOS/GOARCH from the in-stage TARGET args) and adds the Go cache mounts,
 * editing only the words that change so continuations and comments survive.
 */
import { posix } from 'node:path';
import { defaultBinaryName } from '../go-build.js';
import type { Instruction } from '../parse/model.js';
import { applyEdits, type TextEdit } from './text-edits.js';
import { unwrapShC } from './exec-form.js';
import { envOf, findGoBuilds, flagOf, scanShell, type GoBuildCommand } from './shell-scan.js';
import type { FixEditKind } from './types.js';

export const MOD_CACHE = '/go/pkg/mod';
export const BUILD_CACHE = '/root/.cache/go-build';

export interface RunRewriteOptions {
  /** Offset of the instruction's first argument inside `instr.text`. */
  argsOffset: number;
  escapeChar: string;
  /** Turn cgo off (false: cgo is really needed, leave it on). */
  cgoOff: boolean;
  /** Build for $TARGETOS/$TARGETARCH (cross-compilation from $BUILDPLATFORM). */
  crossCompile: boolean;
  cacheMounts: boolean;
  /** CGO_ENABLED as the stage's ENV/ARG set it before this RUN ('0', '1' or undefined). */
  stageCgo: string | undefined;
  /** Whether GOOS/GOARCH are set by the stage ENV (then the command is left alone). */
  stageSetsGoos: boolean;
  /** Give the (single) go build without -o this output path: what a later stage copies and runs. */
  addOutput?: string;
}

export interface RunChange {
  kind: FixEditKind;
  message: string;
}

export interface RunRewrite {
  text: string;
  changes: RunChange[];
  builds: GoBuildCommand[];
  /** The instruction runs `go mod download` (or only module commands). */
  modDownload: boolean;
  /** Per build: a `cd` ran earlier in the same RUN, so relative paths are not relative to WORKDIR. */
  changedDir: boolean[];
}

function hasMount(instr: Instruction, target: string): boolean {
  return instr.flags.some(
    (f) => f.name === 'mount' && f.options.some((o) => (o.name === 'target' || o.name === 'dst' || o.name === 'destination') && o.value === target),
  );
}

/** Merge "-s -w" into an -ldflags value, keeping the user's flags (e.g. -X main.version=...). */
export function mergeLdflags(value: string): string | undefined {
  const words = value.trim().split(/\s+/).filter((w) => w !== '');
  const missing = ['-s', '-w'].filter((f) => !words.includes(f) && !words.includes(`${f}=true`));
  if (missing.length === 0) return undefined;
  return [...missing, ...words].join(' ');
}

function quoteFor(value: string, preferred: '"' | "'" | null): string {
  if (preferred === "'" && !value.includes("'")) return `'${value}'`;
  return `"${value.replace(/(["\\`])/g, '\\$1')}"`;
}

/**
 * The RUN as shell-form text the rewriter can edit: `RUN ["/bin/sh", "-c", "X"]` is exactly
 * the shell form `RUN X` (BuildKit runs shell form as /bin/sh -c). Null for any other exec-form
 * RUN that builds Go code (the caller leaves a TODO).
 */
export function shellFormView(instr: Instruction, argsOffset: number): { instr: Instruction; argsOffset: number } | null {
  if (!instr.exec) return { instr, argsOffset };
  if (!/\bgo\s+(build|install)\b/.test(instr.body)) return { instr, argsOffset };
  const inner = unwrapShC(instr.exec);
  if (inner === null || inner.includes('\n')) return null;
  const head = instr.text.slice(0, argsOffset);
  return { instr: { ...instr, text: `${head}${inner}`, exec: null, form: 'shell', body: inner }, argsOffset: head.length };
}

export function rewriteRun(instr: Instruction, opts: RunRewriteOptions): RunRewrite {
  const text = instr.text;
  // Heredoc bodies start on the next line; only the command line is shell text we edit.
  const end = instr.heredocs.length > 0 && text.includes('\n') ? text.indexOf('\n') : text.length;
  const commands = scanShell(text, opts.argsOffset, end, opts.escapeChar);
  const builds = findGoBuilds(commands);
  const modDownload = commands.some((c) => c.words[0]?.value === 'go' && c.words[1]?.value === 'mod' && c.words[2]?.value === 'download');
  const edits: TextEdit[] = [];
  const changes: RunChange[] = [];
  const note = (kind: FixEditKind, message: string): void => {
    if (!changes.some((c) => c.kind === kind)) changes.push({ kind, message });
  };
  for (const b of builds) {
    const envPrefix: string[] = [];
    const cgo = envOf(b, 'CGO_ENABLED');
    const cgoValue = cgo ? cgo.value.slice('CGO_ENABLED='.length) : opts.stageCgo;
    if (opts.cgoOff && cgoValue !== '0') {
      if (cgo) edits.push({ start: cgo.start, end: cgo.end, text: 'CGO_ENABLED=0' });
      else envPrefix.push('CGO_ENABLED=0');
      note('cgo-off', 'CGO_ENABLED=0: a static binary that starts on a base without libc');
    }
    if (opts.crossCompile && !opts.stageSetsGoos) {
      for (const [name, arg] of [['GOOS', 'TARGETOS'], ['GOARCH', 'TARGETARCH']] as const) {
        const w = envOf(b, name);
        if (w === undefined) envPrefix.push(`${name}=$${arg}`);
        else if (!w.value.includes(arg)) edits.push({ start: w.start, end: w.end, text: `${name}=$${arg}` });
        else continue;
        note('target-args', 'GOOS/GOARCH from $TARGETOS/$TARGETARCH: the build runs natively and cross-compiles for the target platform');
      }
    }
    if (envPrefix.length > 0) {
      // `env X=1 go build`: put the assignments after `env`; otherwise before the command.
      const at = b.first.value === 'env' ? b.first.end : b.first.start;
      edits.push({ start: at, end: at, text: b.first.value === 'env' ? ` ${envPrefix.join(' ')}` : `${envPrefix.join(' ')} ` });
    }
    const inserts: string[] = [];
    if (!flagOf(b, 'trimpath') || flagOf(b, 'trimpath')?.value === 'false') {
      const tf = flagOf(b, 'trimpath');
      if (tf) edits.push({ start: tf.word.start, end: tf.word.end, text: '-trimpath' });
      else inserts.push('-trimpath');
      note('trimpath', '-trimpath: no build paths in the binary, reproducible builds');
    }
    const ld = flagOf(b, 'ldflags');
    if (!ld) {
      inserts.push('-ldflags="-s -w"');
      note('strip-symbols', '-ldflags="-s -w": no symbol table and DWARF (typically 25-30 % of the binary)');
    } else if (ld.value !== undefined && ld.valueWord) {
      const merged = mergeLdflags(ld.value);
      if (merged !== undefined) {
        const vw = ld.valueWord;
        const replacement = vw === ld.word ? `${ld.word.value.slice(0, ld.word.value.indexOf('='))}=${quoteFor(merged, vw.quote)}` : quoteFor(merged, vw.quote);
        edits.push({ start: vw.start, end: vw.end, text: replacement });
        note('strip-symbols', '-ldflags "-s -w" merged with the existing link flags: no symbol table and DWARF');
      }
    }
    if (opts.addOutput !== undefined && b.subcommand === 'build' && !flagOf(b, 'o') && b.packages.length <= 1) {
      inserts.push(`-o ${opts.addOutput}`);
      note('output-path', `-o ${opts.addOutput}: the path the final stage copies and runs (without -o, go build names the binary after the package)`);
    }
    if (inserts.length > 0) edits.push({ start: b.subWord.end, end: b.subWord.end, text: ` ${inserts.join(' ')}` });
  }
  if (opts.cacheMounts && (builds.length > 0 || modDownload) && instr.heredocs.length === 0) {
    const wanted = builds.length > 0 ? [MOD_CACHE, BUILD_CACHE] : [MOD_CACHE];
    const mounts = wanted.filter((t) => !hasMount(instr, t)).map((t) => `--mount=type=cache,target=${t}`);
    if (mounts.length > 0) {
      // First in the list: at the same offset as an env prefix, the flags must come first.
      edits.unshift({ start: opts.argsOffset, end: opts.argsOffset, text: `${mounts.join(' ')} ` });
      note('cache-mounts', 'cache mounts: the module and build caches persist between builds and stay out of the image');
    }
  }
  const cds = commands.filter((c) => c.words[0]?.value === 'cd' || c.words[0]?.value === 'pushd').map((c) => c.words[0]!.start);
  const changedDir = builds.map((b) => cds.some((at) => at < b.goWord.start));
  return { text: applyEdits(text, edits), changes, builds, modDownload, changedDir };
}

/**
 * Name `go build` gives the output of a package argument ("./cmd/greeter" -> "greeter",
 * "main.go" -> "main"): lint's answer (go-build.ts `defaultBinaryName`), except for the module
 * root (`.`), which Go names after the module path; without go.mod that is not known here.
 */
export function outputNameFor(pkg: string | undefined, modulePath: string | undefined, workdirIsModuleRoot: boolean): string | undefined {
  if (pkg === undefined || pkg === '.' || pkg === './') {
    if (!workdirIsModuleRoot || modulePath === undefined) return undefined;
    return defaultBinaryName(modulePath, '/') ?? undefined;
  }
  if (pkg.includes('$')) return undefined;
  const name = defaultBinaryName(pkg, '/');
  return name === null || name === '..' || name === '.' ? undefined : name;
}

export interface BuildOutput {
  /** Absolute path of the binary in the build stage (undefined when it cannot be told). */
  path?: string;
  /** The package argument as written. */
  pkg?: string;
  line: number;
}

/** Where each go build/install of this RUN writes its binary. */
export function buildOutputs(
  builds: GoBuildCommand[],
  line: number,
  workdir: string,
  expand: (t: string) => string,
  modulePath: string | undefined,
  moduleRoot: string | undefined,
  gobin: string | undefined,
  changedDir: boolean[] = [],
): BuildOutput[] {
  const out: BuildOutput[] = [];
  for (const [k, b] of builds.entries()) {
    const pkg = b.packages[0]?.value;
    const name = outputNameFor(pkg === undefined ? undefined : expand(pkg), modulePath, moduleRoot === workdir);
    const o: BuildOutput = { line };
    if (pkg !== undefined) o.pkg = pkg;
    if (b.packages.length > 1) {
      out.push(o);
      continue;
    }
    if (b.subcommand === 'install') {
      if (name !== undefined) o.path = posix.join(gobin ?? '/go/bin', name);
    } else {
      const of = flagOf(b, 'o');
      if (of?.value !== undefined) {
        const target = expand(of.value);
        if (!target.includes('$') && (target.startsWith('/') || !changedDir[k])) {
          const abs = posix.resolve(workdir, target);
          o.path = target.endsWith('/') ? (name !== undefined ? posix.join(abs, name) : undefined) : abs;
          if (o.path === undefined) delete o.path;
        }
      } else if (name !== undefined && !changedDir[k]) o.path = posix.join(workdir, name);
    }
    out.push(o);
  }
  return out;
}
