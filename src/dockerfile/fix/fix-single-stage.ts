/**
 * Single stage on a Go toolchain image: restructure into a builder on the same
 * image tag and a final stage on the distroless base, carrying over everything
 * the service needs at run time (see the issue's list: EXPOSE, ENV, WORKDIR,
 * LABEL, VOLUME, STOPSIGNAL, ENTRYPOINT/CMD with the binary path resolved,
 * runtime files, HEALTHCHECK as the binary's own probe). What cannot be carried
 * safely is left with a `# goslim: TODO` comment instead of a guess.
 */
import { posix } from 'node:path';
import { localClosure, type GoModuleInfo, type GoPackage } from '../../gomod/scan.js';
import { binaryPath, goBuildsOf, onBuildPlatform } from '../go-build.js';
import { copyPaths } from '../rules/context.js';
import { envDeclarations, expandInScope, healthcheckCommand } from '../parse/parse-dockerfile.js';
import { referencedVariables } from '../parse/expand.js';
import type { DockerfileModel, Instruction, Stage } from '../parse/model.js';
import { classifyImage } from '../base-image.js';
import { renderExec } from './exec-form.js';
import { execWordsOf, shellCScript } from '../parse/shell-words.js';
import { crossCompiles, INSTALL_NOT_CROSS, MOD_CACHE, rewriteRun } from './run-rewrite.js';
import { builtMains, decideCgo, dotCopyDest, finalWorkdir, isDotCopy, packageDir, workdirs } from './stage-facts.js';
import { lineStarts, offsetAt } from '../parse/offsets.js';
import { GLIBC_BASE, glibcBaseNote, NONROOT_USER, STATIC_BASE, type FixEdit, type FixEditKind, type FixNote, type FixOptions, type ModeOutput } from './types.js';

/** PATH of the golang image (docker-library golang Dockerfile), used to resolve `CMD name`. */
const GOLANG_PATH = ['/go/bin', '/usr/local/go/bin', '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** Context entries that are build inputs or repository metadata, never read by a running service. */
const BUILD_ONLY = /^(go\.(mod|sum|work|work\.sum)|(.*\.)?dockerfile(\..*)?|containerfile|\.dockerignore|\.git.*|\.github|\.gitlab-ci\.yml|readme.*|license.*|licence.*|copying|notice|changelog.*|contributing.*|.*\.md|makefile|gnumakefile|taskfile.*|magefile\.go|\.goreleaser.*|(docker-)?compose.*\.ya?ml|vendor|testdata|\.vscode|\.idea|\.editorconfig|\.golangci.*)$/i;

const RUNTIME_KEYWORDS = new Set(['EXPOSE', 'LABEL', 'VOLUME', 'STOPSIGNAL', 'CMD', 'ENTRYPOINT', 'HEALTHCHECK', 'USER', 'ONBUILD', 'MAINTAINER']);
const BUILD_ENV = /^(GO[A-Z0-9_]*|CGO_[A-Z_]+|PATH)$/;

/** Where a build of the file writes its binary (undefined when it cannot be told). */
interface BuildOutput {
  path?: string;
  /** The package argument, expanded. */
  pkg?: string;
  line: number;
}

interface Out {
  lines: string[];
  edits: FixEdit[];
  notes: FixNote[];
  todos: FixNote[];
  explain: boolean;
}

function emit(out: Out, line: string, why?: string): void {
  if (out.explain && why !== undefined) out.lines.push(`# goslim: ${why}`);
  out.lines.push(line);
}

function record(out: Out, kind: FixEditKind, line: number, message: string): void {
  out.edits.push({ kind, line, message });
}

function todo(out: Out, line: number, message: string): void {
  out.todos.push({ severity: 'warning', line, message });
  out.lines.push(`# goslim: TODO ${message}`);
}

function looksLikeGoSource(src: string, goEntries: Set<string>): boolean {
  const s = src.replace(/^\.\//, '').replace(/\/+$/, '');
  return /\.go$|^go\.(mod|sum|work|\*)$|^go\.(mod|sum)\*$/.test(s) || goEntries.has(s.split('/')[0] ?? '') || /^(cmd|internal|pkg)(\/|$)/.test(s);
}

export function fixSingleStage(model: DockerfileModel, options: FixOptions): ModeOutput {
  const stage: Stage = model.stages[0]!;
  const ctx = options.context;
  const out: Out = { lines: [], edits: [], notes: [], todos: [], explain: options.explain === true };
  const offs = lineStarts(model);
  const cgo = decideCgo(model, ctx);
  const wds = workdirs(model, stage);
  const runtimeWd = finalWorkdir(model, stage);
  const hasWorkdir = stage.instructions.some((i) => i.keyword === 'WORKDIR');
  const builder = stage.name ?? 'build';
  const modulePath = ctx?.module?.goMod.module;
  const goEntries = new Set((ctx?.entries ?? []).filter((e) => e.goSource).map((e) => e.name));
  const instrs = stage.instructions;
  const fromLine = stage.from.line;

  // Preamble (directives, comments, global ARGs) stays as written.
  out.lines.push(...model.text.slice(0, offs[stage.from.range.start.line]).replace(/\n$/, '').split('\n').filter((_, k, a) => !(a.length === 1 && a[0] === '')));

  // ---- builder stage ----
  // Lint's Go-build analysis: which RUN downloads modules, which builds, where binaries land.
  const go = goBuildsOf(model);
  // `go install` is not cross-compiled (run-rewrite.ts `crossCompiles`): the stage then runs on the target platform.
  const installs = go.builds.filter((b) => !crossCompiles(b));
  const cross = !cgo.needed && installs.length === 0;
  if (!cgo.needed && installs.length > 0) {
    out.notes.push({ severity: 'info', line: installs[0]!.line, message: INSTALL_NOT_CROSS });
  }
  const platform = cross ? '--platform=$BUILDPLATFORM ' : '';
  const existingPlatform = stage.platform ? `--platform=${stage.platform.raw} ` : platform;
  emit(out, `FROM ${existingPlatform}${stage.base.raw} AS ${builder}`, 'the build stage: same Go image as before; only the binary leaves it');
  record(out, 'multi-stage', fromLine, `restructured into a "${builder}" stage on ${stage.base.raw} and a final stage: the toolchain, sources and caches no longer ship`);
  const declared = new Set(instrs.filter((i) => i.keyword === 'ARG').flatMap((i) => i.body.split(/\s+/).map((w) => w.split('=')[0])));
  if (cross && !(declared.has('TARGETOS') && declared.has('TARGETARCH'))) {
    emit(out, 'ARG TARGETOS TARGETARCH', 'the platform to build for, declared in-stage so the build can cross-compile from $BUILDPLATFORM');
    record(out, 'target-args', fromLine, 'FROM --platform=$BUILDPLATFORM with GOOS=$TARGETOS GOARCH=$TARGETARCH: native compiler, any target');
  }
  if (cgo.needed) record(out, 'cgo-kept', fromLine, `cgo kept: ${cgo.why}`);

  const outputs: BuildOutput[] = [];
  const carriedCopies: Array<{ from: string; line: number }> = [];
  const finalTodos: Array<{ line: number; message: string }> = [];
  let modDownloadSeen = go.modDownloads.length > 0;
  const firstBuild = go.builds[0]?.instruction;
  const buildIndex = firstBuild === undefined ? -1 : instrs.indexOf(firstBuild);
  let opaqueBuild = false;
  let dotDest: string | undefined;

  for (const [idx, i] of instrs.entries()) {
    if (RUNTIME_KEYWORDS.has(i.keyword)) continue;
    const wd = wds.get(i) ?? '/';
    if (i.keyword === 'RUN' && i.argsRange !== null) {
      // Lint's Go-build analysis of this RUN: the facts, the words the edits change, the output paths.
      const builds = go.builds.filter((b) => b.instruction === i);
      const rw = rewriteRun(i, builds, go.modDownloads.some((m) => m.instruction === i && m.site !== 'exec'), {
        argsOffset: offsetAt(model, i.argsRange.start) - offsetAt(model, i.range.start),
        cgoOff: !cgo.needed,
        crossCompile: cross,
        cacheMounts: options.cacheMounts !== false,
        stageSetsGoos: i.scope.get('GOOS')?.kind === 'env',
        onBuildPlatform: onBuildPlatform(model, stage),
      });
      for (const t of rw.todos) todo(out, i.line, t);
      for (const c of rw.changes) record(out, c.kind, i.line, c.message);
      const skipped = rw.skipped[0];
      if (skipped !== undefined) {
        opaqueBuild = true;
        todo(out, i.line, `go ${skipped.build.kind} ${skipped.where}: add CGO_ENABLED=0, -trimpath and -ldflags="-s -w" by hand, and copy its binary into the final stage below`);
      }
      if (builds.length === 0 && go.opaque.some((o) => o.instruction === i)) {
        opaqueBuild = true;
        todo(out, i.line, 'this RUN builds through a tool whose output goslim cannot see: add CGO_ENABLED=0, -trimpath and -ldflags="-s -w" to its go build, and copy its binary into the final stage below');
      }
      for (const b of builds) {
        const path = binaryPath(b, modulePath, ctx?.module ? wd : undefined);
        outputs.push({ line: i.line, ...(b.packages[0] !== undefined ? { pkg: b.packages[0] } : {}), ...(path !== undefined ? { path } : {}) });
      }
      emit(out, rw.text, rw.changes.length > 0 ? rw.changes.map((c) => c.message.split(':')[0]).join('; ') : undefined);
      continue;
    }
    if (isDotCopy(model, i)) {
      dotDest = posix.resolve(wd, dotCopyDest(model, i)!);
      if (!modDownloadSeen && idx < buildIndex && (dotDest === wd || dotDest === posix.resolve(wd, '.'))) {
        const sum = ctx?.entries === undefined ? 'go.sum* ' : ctx.entries.some((e) => e.name === 'go.sum') ? 'go.sum ' : '';
        emit(out, `COPY go.mod ${sum}./`, 'go.mod/go.sum first: the module download layer is reused until they change');
        emit(out, `RUN ${options.cacheMounts !== false ? `--mount=type=cache,target=${MOD_CACHE} ` : ''}go mod download`, 'downloads modules once per go.mod change, into a cache mount');
        record(out, 'mod-download-layer', i.line, '`go mod download` before `COPY . .`: editing a source file no longer re-downloads every module');
        modDownloadSeen = true;
      }
      out.lines.push(i.text);
      continue;
    }
    out.lines.push(i.text);
    if (i.keyword === 'COPY' || i.keyword === 'ADD') {
      // COPY's sources and destination as lint reads them (rules/context.ts copyPaths, expanded).
      const s = i.heredocs.length > 0 ? null : copyPaths(model, i);
      if (s && !s.sources.every((src) => looksLikeGoSource(src, goEntries))) {
        const destAbs = posix.resolve(wd, s.dest);
        const many = s.sources.length > 1 || s.dest.endsWith('/');
        for (const src of s.sources) {
          if (looksLikeGoSource(src, goEntries)) continue;
          if (/[*?[]/.test(src) || /^https?:\/\//.test(src)) carriedCopies.push({ from: destAbs, line: i.line });
          else carriedCopies.push({ from: many ? posix.join(destAbs, posix.basename(src)) : destAbs, line: i.line });
        }
      }
    }
  }

  // ---- what the final stage runs ----
  const entry = [...instrs].reverse().find((i) => i.keyword === 'ENTRYPOINT');
  const cmd = [...instrs].reverse().find((i) => i.keyword === 'CMD');
  const known = outputs.filter((o) => o.path !== undefined).map((o) => o.path!);
  const wordsOf = (i: Instruction): string[] | null => {
    if (i.form === 'exec' && i.exec) {
      const inner = shellCScript(i.exec);
      return inner === null ? i.exec : execWordsOf(inner);
    }
    return execWordsOf(i.body);
  };
  const resolveProgram = (word: string, at: Instruction): string | undefined => {
    if (word.includes('/')) {
      const abs = posix.resolve(wds.get(at) ?? runtimeWd, word);
      return known.includes(abs) ? abs : undefined;
    }
    for (const dir of GOLANG_PATH) {
      const p = posix.join(dir, word);
      if (known.includes(p)) return p;
    }
    return undefined;
  };
  let entrypoint: string[] | undefined;
  let cmdArgs: string[] | undefined;
  let program: string | undefined;
  const progInstr = entry ?? cmd;
  if (progInstr === undefined) {
    finalTodos.push({ line: fromLine, message: 'the image has no ENTRYPOINT or CMD of its own (it ran the Go image\'s default shell): set ENTRYPOINT to the service binary' });
  } else {
    const words = wordsOf(progInstr);
    if (words === null || words.length === 0) {
      finalTodos.push({ line: progInstr.line, message: `${progInstr.keyword} needs a shell (${progInstr.body.trim()}), which the distroless base does not have: run the binary directly in exec form` });
    } else if (words[0] === 'go') {
      finalTodos.push({ line: progInstr.line, message: `${progInstr.keyword} runs the Go toolchain (${words.join(' ')}): build a binary in the build stage and run it instead` });
    } else {
      program = resolveProgram(words[0]!, progInstr);
      if (program === undefined) {
        finalTodos.push({ line: progInstr.line, message: `${progInstr.keyword} runs ${words[0]}, which is not a binary this Dockerfile builds (a script or a tool from the Go image?): copy what it needs and run the service binary in exec form` });
      } else {
        entrypoint = [program, ...words.slice(1)];
        if (entry && cmd) {
          const cw = wordsOf(cmd);
          if (cw === null) finalTodos.push({ line: cmd.line, message: `CMD needs a shell (${cmd.body.trim()}): list its arguments in exec form` });
          else cmdArgs = cw;
        } else if (!entry && words.length > 1) {
          entrypoint = [program];
          cmdArgs = words.slice(1);
        }
      }
    }
  }

  // ---- final stage ----
  const base = options.base ?? (cgo.needed ? GLIBC_BASE : STATIC_BASE);
  out.lines.push('');
  emit(out, `FROM ${base}`, cgo.needed ? `glibc without a shell or package manager: the binary needs libc (${cgo.why})` : 'no shell, package manager or libc; CA certificates, tzdata and a nonroot user (65532)');
  record(out, cgo.needed ? 'cgo-kept' : 'static-base', fromLine, `final stage on ${base}${cgo.needed ? glibcBaseNote(base) : ''}`);
  const carriedText = instrs.filter((i) => ['ENV', 'LABEL'].includes(i.keyword)).map((i) => i.body).join('\n');
  const usedArgs = new Set(referencedVariables(carriedText));
  for (const i of instrs) {
    if (i.keyword === 'ARG' && i.body.split(/\s+/).some((w) => usedArgs.has(w.split('=')[0]!))) out.lines.push(i.text);
  }
  for (const t of finalTodos) todo(out, t.line, t.message);
  if (hasWorkdir) emit(out, `WORKDIR ${runtimeWd}`, 'the service keeps the working directory it had');
  for (const i of instrs) {
    if (i.keyword === 'ENV' && !envDeclarations(i).every((d) => BUILD_ENV.test(d.name))) out.lines.push(i.text);
    if (i.keyword === 'LABEL') out.lines.push(i.text);
  }
  if (known.length === 0) {
    // Lint's analysis says why a go install's directory is not a fact (go-build.ts `installDir`).
    const why = go.builds.find((b) => b.outputUnknown !== null)?.outputUnknown;
    todo(
      out,
      buildIndex >= 0 ? instrs[buildIndex]!.line : fromLine,
      opaqueBuild
        ? 'copy the service binary from the build stage: COPY --from=' + builder + ' <path> <path>'
        : `copy the service binary from the build stage (${why ?? 'its output path could not be told from the build command'})`,
    );
  }
  for (const p of [...new Set(known)]) {
    emit(out, `COPY --from=${builder} ${p} ${p}`, 'only the binary leaves the build stage, at the path it had');
  }
  // Runtime files: what the original image had from the build context and the service may read.
  const copied = new Set<string>();
  const copyRuntime = (path: string, line: number, why: string): void => {
    if (copied.has(path) || known.includes(path)) return;
    copied.add(path);
    emit(out, `COPY --from=${builder} ${path} ${path}`, why);
    record(out, 'runtime-files', line, `runtime file ${path}: ${why}`);
  };
  if (dotDest !== undefined) {
    const dotInstr = instrs.find((i) => isDotCopy(model, i))!;
    if (ctx?.entries === undefined) {
      todo(out, dotInstr.line, `the image had the whole build context at ${dotDest}; goslim could not look at the context: copy the files the service reads at run time (config, templates, migrations) with COPY --from=${builder}`);
    } else {
      const embeds = ctx.module ? embeddedTopLevel(ctx.module.packages) : new Set<string>();
      for (const e of ctx.entries) {
        if (e.goSource || BUILD_ONLY.test(e.name) || e.name.startsWith('.')) continue;
        if (embeds.has(e.name)) {
          out.notes.push({ severity: 'info', line: dotInstr.line, message: `${e.name} is embedded in the binary (//go:embed): not copied` });
          continue;
        }
        copyRuntime(posix.join(dotDest, e.name), dotInstr.line, `${e.kind === 'dir' ? 'directory' : 'file'} the service may read at run time (it was in the image via COPY . ${dotCopyDest(model, dotInstr)})`);
      }
    }
  }
  for (const c of carriedCopies) copyRuntime(c.from, c.line, 'copied into the image by the original Dockerfile');
  // Paths named by ENTRYPOINT/CMD arguments that nothing carried covers.
  for (const w of [...(entrypoint?.slice(1) ?? []), ...(cmdArgs ?? [])]) {
    const m = /^(?:-[\w-]+=)?(\/[\w./-]+)$/.exec(w);
    if (!m) continue;
    const p = m[1]!;
    const covered = [...copied, ...known].some((c) => p === c || p.startsWith(`${c}/`)) || (dotDest !== undefined && p.startsWith(`${dotDest}/`));
    if (!covered && !/^\/(tmp|dev|proc|sys|run|var\/run|etc\/ssl|usr\/share\/zoneinfo|home\/nonroot)(\/|$)/.test(p)) {
      out.notes.push({ severity: 'warning', line: progInstr!.line, message: `${progInstr!.keyword} names ${p}, which goslim did not carry: if the build stage creates it, add COPY --from=${builder} ${p} ${p}` });
    }
  }
  for (const i of instrs) if (['EXPOSE', 'VOLUME', 'STOPSIGNAL'].includes(i.keyword)) out.lines.push(i.text);
  if (instrs.some((i) => i.keyword === 'VOLUME')) {
    out.notes.push({ severity: 'warning', line: fromLine, message: `the service now runs as ${NONROOT_USER}: volumes it writes to must be writable by that uid` });
  }
  for (const i of instrs) if (i.keyword === 'ONBUILD') todo(out, i.line, `ONBUILD is not carried: ${i.body.trim()}`);
  const oldUser = [...instrs].reverse().find((i) => i.keyword === 'USER');
  emit(out, `USER ${NONROOT_USER}`, 'numeric non-root user: no root in the container, and Kubernetes runAsNonRoot can verify it');
  record(out, 'nonroot-user', oldUser?.line ?? fromLine, `USER ${NONROOT_USER}${oldUser ? ` instead of ${oldUser.body.trim()}` : ' (the image ran as root)'}`);

  // HEALTHCHECK: the binary's own probe, or removed with a warning.
  const health = [...instrs].reverse().find((i) => i.keyword === 'HEALTHCHECK');
  if (health) {
    const sub = health.args[0]?.value.toUpperCase();
    // HEALTHCHECK options (--interval, --timeout, ...) are flags in the model; keep them as written.
    const hopts = health.flags.map((f) => `--${f.name}${f.value !== null ? `=${f.value}` : ''}`).join(' ');
    const probeArgs = ctx?.module ? probeFor(ctx.module, outputs, program) : undefined;
    if (sub === 'NONE') out.lines.push(health.text);
    else if (program !== undefined && probeArgs !== undefined) {
      const line = `${health.keywordText} ${hopts !== '' ? `${hopts} ` : ''}CMD ${renderExec([program, probeArgs])}`;
      emit(out, line, 'the binary probes itself: distroless has no curl, wget or shell');
      record(out, 'healthcheck', health.line, `HEALTHCHECK runs "${program} ${probeArgs}" (the service's own probe) instead of "${health.body.trim()}"`);
      if (cmdArgs !== undefined && cmdArgs.some((a) => a.startsWith('-'))) {
        out.notes.push({ severity: 'warning', line: health.line, message: `the probe runs without the CMD arguments (${cmdArgs.join(' ')}): check it targets the same address` });
      }
    } else {
      // The one reading of a HEALTHCHECK (parse-dockerfile.ts), as lint G006 reads it.
      const exec = healthcheckCommand(health)?.exec ?? null;
      const p = exec?.[0] !== undefined ? resolveProgram(exec[0], health) : undefined;
      if (exec !== null && p !== undefined) {
        emit(out, `${health.keywordText} ${hopts !== '' ? `${hopts} ` : ''}CMD ${renderExec([p, ...exec.slice(1)])}`, 'the service binary is its own health check');
      } else {
        out.notes.push({ severity: 'warning', line: health.line, message: `HEALTHCHECK removed: "${health.body.trim()}" needs curl/wget/a shell, which the distroless base lacks, and the binary has no -healthcheck flag or healthcheck subcommand; use an orchestrator probe` });
        record(out, 'healthcheck', health.line, 'HEALTHCHECK removed (it needs tools distroless does not have)');
      }
    }
  }
  if (entrypoint !== undefined) {
    emit(out, `ENTRYPOINT ${renderExec(entrypoint)}`, 'exec form with the binary\'s absolute path: runs without /bin/sh, receives SIGTERM directly');
    record(out, 'exec-form', progInstr!.line, `ENTRYPOINT ${renderExec(entrypoint)} (was: ${progInstr!.keyword} ${progInstr!.body.trim()})`);
  }
  if (cmdArgs !== undefined && cmdArgs.length > 0) emit(out, `CMD ${renderExec(cmdArgs)}`, 'default arguments, in exec form');
  if (classifyImage(base).kind !== 'distroless-static' && !cgo.needed && options.base !== undefined) {
    out.notes.push({ severity: 'info', line: fromLine, message: `final base ${base} chosen with --base` });
  }
  return { text: `${out.lines.join('\n')}\n`, edits: out.edits, notes: out.notes, todos: out.todos };
}

/** Top-level context entries that some package embeds (`//go:embed static/*` -> "static"). */
function embeddedTopLevel(pkgs: GoPackage[]): Set<string> {
  const out = new Set<string>();
  for (const p of pkgs) {
    for (const pat of p.embeds) {
      const rel = (p.dir === '.' ? '' : `${p.dir}/`) + pat.replace(/^all:/, '');
      const top = rel.split('/')[0];
      if (top !== undefined && top !== '' && !/[*?[]/.test(top) && p.dir === '.') out.add(top);
      else if (top !== undefined && p.dir !== '.' && !/[*?[]/.test(pat.split('/')[0] ?? '*')) {
        // Embeds inside a package directory live under a Go source dir, which is never copied anyway.
      }
    }
  }
  return out;
}

/**
 * The probe argument for the binary the entrypoint runs, when its main package (or a
 * package of the module it imports, e.g. internal/cli) defines one.
 */
function probeFor(module: GoModuleInfo, outputs: BuildOutput[], program: string | undefined): string | undefined {
  if (program === undefined) return undefined;
  const out = outputs.find((o) => o.path === program);
  const mains = builtMains(module, outputs.map((o) => o.pkg ?? '.'));
  const main = out?.pkg !== undefined ? mains.find((m) => m.dir === packageDir(out.pkg!)) : mains.length === 1 ? mains[0] : undefined;
  if (main === undefined) return undefined;
  return main.healthcheck?.arg ?? localClosure(module, main).find((p) => p.healthcheck !== undefined)?.healthcheck?.arg;
}
