/**
 * Multi-stage Dockerfiles: minimal edits by source range. Build stages get the
 * build levers and cache mounts; the final stage gets exec-form ENTRYPOINT/CMD,
 * a numeric non-root USER and, when nothing in it needs a shell or libc, the
 * distroless static base. Everything else is left byte-for-byte as written.
 */
import { argDeclarations } from '../parse/parse-dockerfile.js';
import type { DockerfileModel, Instruction, Stage } from '../parse/model.js';
import { classifyImage, healthcheckMissing, isDistrolessFamily, toolchainTreeOf, type BaseFacts, type BaseKind } from '../base-image.js';
import { copyPaths } from '../rules/context.js';
import { userKind } from '../rules/g016-root-user.js';
import { renderExec } from './exec-form.js';
import { execWordsOf, isShellProgram, shellCScript } from '../parse/shell-words.js';
import { posix } from 'node:path';
import { expandInScope } from '../parse/parse-dockerfile.js';
import { crossCompiles, INSTALL_NOT_CROSS, MOD_CACHE, rewriteRun } from './run-rewrite.js';
import { commentsAbove, decideCgo, dotCopyDest, isDotCopy, workdirs, type CgoDecision } from './stage-facts.js';
import { binaryPath, goBuildsOf, onBuildPlatform } from '../go-build.js';
import { lineStarts, offsetAt } from '../parse/offsets.js';
import { applyEdits, type TextEdit } from './text-edits.js';
import { GLIBC_BASE, glibcBaseNote, NONROOT_USER, STATIC_BASE, type FixEdit, type FixEditKind, type FixNote, type FixOptions, type ModeOutput } from './types.js';

/** Final bases the static base replaces when nothing in the stage needs a shell or libc. */
const SWAPPABLE = new Set<BaseKind>(['distro', 'alpine', 'busybox', 'go-toolchain', 'distroless-base', 'distroless-cc', 'chainguard-glibc']);

class Editor {
  readonly edits: TextEdit[] = [];
  readonly records: FixEdit[] = [];
  readonly notes: FixNote[] = [];
  readonly todos: FixNote[] = [];
  readonly offs: readonly number[];
  /** A build goslim could not edit (make, heredoc): its cgo setting is unknown. */
  opaqueBuilds = false;
  /** RUN -> output path its `go build` (without -o) must write: what the final stage copies and runs. */
  wantedOutputs = new Map<Instruction, string>();
  constructor(
    readonly model: DockerfileModel,
    readonly explain: boolean,
  ) {
    this.offs = lineStarts(model);
  }
  start(i: Instruction): number {
    return offsetAt(this.model, i.range.start);
  }
  end(i: Instruction): number {
    return offsetAt(this.model, i.range.end);
  }
  lineStart(i: Instruction): number {
    return this.offs[i.range.start.line]!;
  }
  record(kind: FixEditKind, line: number, message: string): void {
    this.records.push({ kind, line, message });
  }
  /** Replace a whole instruction, with an explain comment above it. */
  replace(i: Instruction, text: string, why: string[]): void {
    if (text === i.text) return;
    if (this.explain && why.length > 0) this.edits.push({ start: this.lineStart(i), end: this.lineStart(i), text: `# goslim: ${why.join('; ')}\n` });
    this.edits.push({ start: this.start(i), end: this.end(i), text });
  }
  /** Insert whole lines before an instruction and the comment lines directly above it. */
  insertBefore(i: Instruction, line: string, why: string, aboveComments = false): void {
    const at = aboveComments ? this.offs[i.range.start.line - commentsAbove(this.model, i).length]! : this.lineStart(i);
    const edit = { start: at, end: at, text: `${this.explain ? `# goslim: ${why}\n` : ''}${line}\n` };
    // Ahead of a TODO comment inserted at the same place, so the TODO stays next to its instruction.
    if (aboveComments) this.edits.unshift(edit);
    else this.edits.push(edit);
  }
  /** Insert whole lines after an instruction. */
  insertAfter(i: Instruction, line: string, why: string): void {
    const at = this.end(i);
    this.edits.push({ start: at, end: at, text: `\n${this.explain ? `# goslim: ${why}\n` : ''}${line}` });
  }
  todo(i: Instruction, message: string): void {
    this.todos.push({ severity: 'warning', line: i.line, message });
    if (commentsAbove(this.model, i).some((c) => c.includes('goslim: TODO'))) return;
    const at = this.lineStart(i);
    this.edits.push({ start: at, end: at, text: `# goslim: TODO ${message}\n` });
  }
}

/** The stage runs `go build` / `go install` (lint's analysis: through sh -c, heredocs, exec form). */
function isBuildStage(model: DockerfileModel, stage: Stage): boolean {
  return goBuildsOf(model).builds.some((b) => b.stageIndex === stage.index);
}

function stageDeclares(stage: Stage, name: string, before?: Instruction): boolean {
  for (const i of stage.instructions) {
    if (before && i === before) break;
    if (i.keyword === 'ARG' && argDeclarations(i).some((d) => d.name === name)) return true;
  }
  return false;
}

/** Apply the build levers to one build stage. Shared with the single-stage restructure. */
export function fixBuildStage(ed: Editor, stage: Stage, cgo: CgoDecision, options: FixOptions): void {
  // A stage that runs `go install` is not cross-compiled at all (run-rewrite.ts `crossCompiles`): it shares one platform.
  const installs = goBuildsOf(ed.model).builds.filter((b) => b.stageIndex === stage.index && !crossCompiles(b));
  const cross = !cgo.needed && installs.length === 0;
  const runs = stage.instructions.filter((i) => i.keyword === 'RUN');
  let firstBuild: Instruction | undefined;
  let crossAdded = false;
  const go = goBuildsOf(ed.model);
  for (const r of runs) {
    if (r.argsRange === null) continue;
    // Lint's Go-build analysis of this RUN: the facts and the words the edits change.
    const builds = go.builds.filter((b) => b.instruction === r);
    const modDownload = go.modDownloads.some((m) => m.instruction === r && m.site !== 'exec');
    const rw = rewriteRun(r, builds, modDownload, {
      argsOffset: offsetAt(ed.model, r.argsRange.start) - ed.start(r),
      cgoOff: !cgo.needed,
      crossCompile: cross,
      cacheMounts: options.cacheMounts !== false,
      stageSetsGoos: r.scope.get('GOOS')?.kind === 'env',
      onBuildPlatform: onBuildPlatform(ed.model, stage),
      ...(ed.wantedOutputs.has(r) ? { addOutput: ed.wantedOutputs.get(r)! } : {}),
    });
    if (builds.length > 0) firstBuild ??= r;
    if (rw.changes.some((c) => c.kind === 'target-args')) crossAdded = true;
    if (builds.length === 0 && !modDownload && go.opaque.some((o) => o.instruction === r)) {
      ed.opaqueBuilds = true;
      ed.notes.push({ severity: 'info', line: r.line, message: 'this RUN builds through a tool goslim cannot see into; its flags are left as they are' });
    }
    const skipped = rw.skipped[0];
    if (skipped !== undefined) {
      ed.opaqueBuilds = true;
      ed.todo(r, `go ${skipped.build.kind} ${skipped.where}: add CGO_ENABLED=0, -trimpath and -ldflags="-s -w" by hand`);
    } else if (rw.todos[0] !== undefined) ed.todo(r, rw.todos[0]);
    for (const c of rw.changes) ed.record(c.kind, r.line, c.message);
    ed.replace(r, rw.text, rw.changes.map((c) => c.message.split(':')[0]!));
  }
  if (!cgo.needed && installs.length > 0) ed.notes.push({ severity: 'info', line: installs[0]!.line, message: INSTALL_NOT_CROSS });
  if (cgo.needed && firstBuild) ed.record('cgo-kept', firstBuild.line, `cgo kept: ${cgo.why}`);
  if (firstBuild) addModDownloadLayer(ed, stage, firstBuild, options);
  if (!firstBuild || !cross) return;
  const crossUsed = crossAdded || stage.instructions.some((i) => i.keyword === 'RUN' && /\$\{?TARGET(OS|ARCH)\b/.test(i.text));
  if (!crossUsed) return;
  if (stage.platform === null) {
    const at = offsetAt(ed.model, stage.base.range.start);
    ed.edits.push({ start: at, end: at, text: '--platform=$BUILDPLATFORM ' });
    ed.record('build-platform', stage.from.line, '--platform=$BUILDPLATFORM: the compiler runs natively, never under emulation');
  }
  const missing = ['TARGETOS', 'TARGETARCH'].filter((n) => !stageDeclares(stage, n, firstBuild));
  if (missing.length > 0) {
    ed.insertAfter(stage.from, `ARG ${missing.join(' ')}`, 'the automatic platform args are only visible in a stage that declares them');
    ed.record('target-args', stage.from.line, `ARG ${missing.join(' ')} in the build stage: without it $TARGETOS/$TARGETARCH are empty`);
  }
}

/**
 * `COPY . .` before the first build with no `go mod download` anywhere before it: put
 * go.mod/go.sum and a module download first, so a source edit does not re-download modules.
 */
function addModDownloadLayer(ed: Editor, stage: Stage, firstBuild: Instruction, options: FixOptions): void {
  const before = stage.instructions.slice(0, stage.instructions.indexOf(firstBuild));
  // Lint's analysis (G010's facts): a `go mod download` anywhere in the stage, through sh -c and heredocs too.
  if (goBuildsOf(ed.model).modDownloads.some((m) => m.stageIndex === stage.index)) return;
  if (before.some((i) => (i.keyword === 'COPY' || i.keyword === 'ADD') && /(^|\s|\/)go\.(mod|\*)/.test(i.body))) return;
  const dot = before.find((i) => isDotCopy(ed.model, i));
  if (dot === undefined) return;
  const wds = workdirs(ed.model, stage);
  const wd = wds.get(dot) ?? '/';
  if (posix.resolve(wd, dotCopyDest(ed.model, dot)!) !== wd) return;
  const entries = options.context?.entries;
  const sum = entries === undefined ? 'go.sum* ' : entries.some((e) => e.name === 'go.sum') ? 'go.sum ' : '';
  const mount = options.cacheMounts !== false ? `--mount=type=cache,target=${MOD_CACHE} ` : '';
  ed.insertBefore(dot, `COPY go.mod ${sum}./`, 'go.mod/go.sum first: the module download layer is reused until they change');
  ed.insertBefore(dot, `RUN ${mount}go mod download`, 'downloads modules once per go.mod change');
  ed.record('mod-download-layer', dot.line, '`go mod download` before `COPY . .`: editing a source file no longer re-downloads every module');
}

/**
 * `go build ./cmd/api` (no -o) writes `<workdir>/api`; a final stage that copies `/src/server`
 * from that stage and runs it fails at the COPY (lint G022). When exactly one build of the
 * stage has no -o, give it the path the final stage copies and then runs.
 */
function findWantedOutputs(ed: Editor, final: Stage): void {
  const model = ed.model;
  const entry = [...final.instructions].reverse().find((i) => i.keyword === 'ENTRYPOINT' || i.keyword === 'CMD');
  const program = entry?.exec?.[0] ?? entry?.body.trim().split(/\s+/)[0];
  if (program === undefined) return;
  for (const c of final.instructions) {
    if (c.keyword !== 'COPY' || c.copyFrom?.kind !== 'stage' || c.args.length !== 2) continue;
    const dest = c.args[1]!.value;
    if (!(dest === program || (dest.endsWith('/') && posix.join(dest, posix.basename(c.args[0]!.value)) === program))) continue;
    const stage = model.stages[c.copyFrom.stageIndex]!;
    const src = posix.resolve('/', expandInScope(model, c, c.args[0]!.value));
    // Lint's Go-build analysis (the facts of G022): where each go build of that stage writes.
    const candidates: Array<{ run: Instruction; path?: string; hasO: boolean }> = [];
    for (const b of goBuildsOf(model).builds) {
      if (b.stageIndex !== stage.index || b.kind !== 'build') continue;
      const hasO = b.flags.output !== null;
      // The one answer to where a build writes (go-build.ts binaryPath): no path for `go build .` without -o
      // (named after go.mod's module path, not visible here), several packages, or a directory that does not expand.
      const path = binaryPath(b);
      candidates.push({ run: b.instruction, hasO, ...(path !== undefined ? { path } : {}) });
    }
    if (candidates.some((k) => k.path === src || (k.path !== undefined && src.startsWith(`${k.path}/`)))) continue;
    const noO = candidates.filter((k) => !k.hasO);
    if (noO.length === 1) ed.wantedOutputs.set(noO[0]!.run, src);
  }
}

/** `COPY --from=build / /` or `/go`: the final stage gets the toolchain back (lint G002). */
function wholeFs(model: DockerfileModel, i: Instruction): boolean {
  return copyPaths(model, i)?.sources.some((s) => toolchainTreeOf(s) !== null) ?? false;
}

/** Why the final stage must keep a shell/libc base, or undefined when the static base fits. */
function blocksStaticBase(model: DockerfileModel, final: Stage, cgo: CgoDecision, opaque: boolean, wantedImage: string): string | undefined {
  if (cgo.needed) return `cgo is needed (${cgo.why})`;
  if (opaque) return 'a build goslim cannot edit (make, a heredoc) may link the binary against libc';
  for (const i of final.instructions) {
    if (i.keyword === 'RUN') return `line ${i.line} runs a command (needs a shell)`;
    if (i.keyword === 'SHELL') return `line ${i.line} sets a SHELL`;
    if ((i.keyword === 'COPY' || i.keyword === 'ADD') && i.copyFrom?.kind === 'image') return `line ${i.line} copies from another image`;
    if (i.keyword === 'COPY' && i.copyFrom?.kind === 'stage' && wholeFs(model, i)) return `line ${i.line} copies a whole filesystem from the build stage`;
    if ((i.keyword === 'CMD' || i.keyword === 'ENTRYPOINT') && i.form === 'shell' && execWordsOf(i.body) === null) {
      return `line ${i.line} needs a shell to run`;
    }
    if ((i.keyword === 'CMD' || i.keyword === 'ENTRYPOINT') && i.exec && isShellProgram(i.exec[0] ?? '') && !shellCScript(i.exec)) {
      return `line ${i.line} runs a shell`;
    }
    if ((i.keyword === 'CMD' || i.keyword === 'ENTRYPOINT') && i.exec && shellCScript(i.exec) !== null && execWordsOf(shellCScript(i.exec)!) === null) {
      return `line ${i.line} runs a shell script`;
    }
    if ((i.keyword === 'CMD' || i.keyword === 'ENTRYPOINT') && /\.(sh|bash)\b/.test(i.body)) return `line ${i.line} runs a shell script`;
    // The base facts lint G006 reads: what the new base lacks that the check runs.
    const missing = i.keyword === 'HEALTHCHECK' ? healthcheckMissing(classifyImage(wantedImage), i) : null;
    if (missing !== null) return `line ${i.line}: the HEALTHCHECK runs ${missing}, which ${wantedImage} does not have`;
  }
  if (model.stages.indexOf(final) === 0) return 'there is no build stage';
  return undefined;
}

function fixFinalStage(ed: Editor, final: Stage, cgo: CgoDecision, options: FixOptions): void {
  const model = ed.model;
  // The same base facts lint reads (base-image.ts); a FROM <stage> final stage is not classified.
  const facts: BaseFacts | null = final.base.stageIndex !== null ? null : classifyImage(final.base.expanded);
  const kind: BaseKind = facts?.kind ?? 'unknown';
  let shellLess = facts?.hasShell === false;
  // Base swap.
  if (final.base.stageIndex !== null) {
    ed.notes.push({ severity: 'warning', line: final.from.line, message: 'the final stage is built FROM another stage: it carries everything that stage has; copy only the binary into a distroless stage' });
  } else if (cgo.needed && facts?.hasLibc === false) {
    const base = options.base ?? GLIBC_BASE;
    ed.edits.push({ start: offsetAt(ed.model, final.base.range.start), end: offsetAt(ed.model, final.base.range.end), text: base });
    ed.record('cgo-kept', final.from.line, `final base ${base}: the binary needs libc (${cgo.why})${glibcBaseNote(base)}`);
  } else {
    const wanted = options.base ?? STATIC_BASE;
    const swappable = SWAPPABLE.has(kind) || (options.base !== undefined && final.base.expanded !== options.base);
    if (swappable && final.base.raw !== wanted) {
      const why = blocksStaticBase(model, final, cgo, ed.opaqueBuilds, wanted);
      if (why === undefined) {
        ed.edits.push({ start: offsetAt(ed.model, final.base.range.start), end: offsetAt(ed.model, final.base.range.end), text: wanted });
        ed.record('static-base', final.from.line, `final base ${wanted}: nothing in the final stage needs a shell or libc`);
        if (ed.explain) ed.edits.push({ start: ed.lineStart(final.from), end: ed.lineStart(final.from), text: `# goslim: ${wanted}: no shell, no package manager, no libc to ship or patch\n` });
        shellLess = classifyImage(wanted).hasShell !== true;
      } else {
        ed.notes.push({ severity: 'info', line: final.from.line, message: `final base kept (${final.base.expanded}): ${why}` });
      }
    }
  }
  // ENTRYPOINT / CMD in exec form.
  for (const i of final.instructions) {
    if (i.keyword !== 'CMD' && i.keyword !== 'ENTRYPOINT') continue;
    const inner = i.form === 'exec' && i.exec ? shellCScript(i.exec) : i.body;
    if (inner === null) continue;
    const words = execWordsOf(inner);
    if (words === null) {
      if (shellLess) ed.todo(i, `${i.keyword} needs a shell, which ${final.base.expanded} does not have: make the binary do this, or list its arguments in exec form`);
      continue;
    }
    ed.replace(i, `${i.keywordText} ${renderExec(words)}`, ['exec form: runs the binary directly (no /bin/sh on distroless), signals reach it']);
    ed.record('exec-form', i.line, `${i.keyword} in exec form: runs without /bin/sh and receives SIGTERM directly`);
  }
  for (const i of final.instructions) {
    if (i.keyword === 'COPY' && i.copyFrom?.kind === 'stage' && wholeFs(model, i)) {
      ed.todo(i, 'this copies the build stage\'s filesystem (toolchain and all) into the final image: copy only the binary and the files the service reads at run time');
    }
  }
  // RUN cannot run on a shell-less base: the build fails there.
  for (const i of final.instructions) {
    if (i.keyword === 'RUN' && shellLess && !(i.exec && !isShellProgram(i.exec[0] ?? ''))) {
      ed.todo(i, `RUN needs /bin/sh, which ${final.base.expanded} does not have: do this in the build stage and COPY the result (with --chown=65532:65532 for directories the service writes)`);
    }
  }
  // HEALTHCHECK that runs what the (new) base lacks (lint G006's facts; a FROM <stage> base is not classified).
  const afterSwap = classifyImage(ed.records.some((r) => r.kind === 'static-base') ? (options.base ?? STATIC_BASE) : final.base.expanded);
  for (const i of final.instructions) {
    const missing = i.keyword === 'HEALTHCHECK' && final.base.stageIndex === null ? healthcheckMissing(afterSwap, i) : null;
    if (missing !== null) {
      ed.todo(i, `this HEALTHCHECK runs ${missing}, which the base does not have: use the binary's own probe (e.g. HEALTHCHECK CMD ["/app", "-healthcheck"]) or an orchestrator probe`);
    }
  }
  // USER: explicit, numeric, non-root.
  const users = final.instructions.filter((i) => i.keyword === 'USER');
  const last = users[users.length - 1];
  const distroless = isDistrolessFamily(afterSwap.kind);
  const why = 'numeric non-root user: no root in the container, and Kubernetes runAsNonRoot can verify it';
  if (last === undefined) {
    if (!distroless && kind !== 'unknown' && final.instructions.some((i) => i.keyword === 'RUN')) {
      ed.notes.push({ severity: 'info', line: final.from.line, message: 'the final stage runs as root; add a numeric USER once its files are owned accordingly' });
      return;
    }
    const anchor = final.instructions.find((i) => i.keyword === 'ENTRYPOINT' || i.keyword === 'CMD' || i.keyword === 'HEALTHCHECK');
    if (anchor) ed.insertBefore(anchor, `USER ${NONROOT_USER}`, why, true);
    else ed.insertAfter(final.instructions[final.instructions.length - 1] ?? final.from, `USER ${NONROOT_USER}`, why);
    ed.record('nonroot-user', anchor?.line ?? final.from.line, `USER ${NONROOT_USER}: ${why}`);
  } else {
    const value = last.body.trim();
    // Lint G016's reading of the value (expanded): root anywhere, a name on distroless (where the ids are known).
    const kind = userKind(expandInScope(model, last, value));
    if (value !== NONROOT_USER && (kind === 'root' || (distroless && kind === 'named'))) {
      ed.replace(last, `${last.keywordText} ${NONROOT_USER}`, [why]);
      ed.record('nonroot-user', last.line, `USER ${NONROOT_USER} instead of ${value}: ${why}`);
    }
  }
}

export function fixMultiStage(model: DockerfileModel, options: FixOptions): ModeOutput {
  const ed = new Editor(model, options.explain === true);
  const cgo = decideCgo(model, options.context);
  const final = model.stages[model.stages.length - 1]!;
  findWantedOutputs(ed, final);
  for (const s of model.stages) {
    if (s !== final && isBuildStage(model, s)) fixBuildStage(ed, s, cgo, options);
  }
  if (isBuildStage(model, final) && model.stages.length > 1) {
    ed.notes.push({ severity: 'warning', line: final.from.line, message: 'the final stage builds Go code: its toolchain ships in the image' });
  }
  if (model.stages.length > 1 || classifyImage(final.base.expanded).kind !== 'go-toolchain') fixFinalStage(ed, final, cgo, options);
  return { text: applyEdits(model.text, ed.edits), edits: ed.records, notes: ed.notes, todos: ed.todos };
}

export { Editor };
