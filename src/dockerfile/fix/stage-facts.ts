/**
 * Facts the two fix modes share: the working directory at each instruction,
 * whether cgo is really needed, and the build context's Go module view.
 */
import { cgoReasons, type GoModuleInfo, type GoPackage } from '../../gomod/scan.js';
import { cPackagesInstalled, goBuildsOf, stageEndWorkdir, workdirAt } from '../go-build.js';
import type { DockerfileModel, Instruction, Stage } from '../parse/model.js';
import type { BuildContextFacts } from './types.js';
import { contextCopy } from '../rules/context.js';

/** Working directory in effect when each instruction of the stage runs (lint's table, go-build.ts). */
export function workdirs(model: DockerfileModel, stage: Stage): Map<Instruction, string> {
  return new Map(stage.instructions.map((i) => [i, workdirAt(model, stage, i)]));
}

export function finalWorkdir(model: DockerfileModel, stage: Stage): string {
  return stageEndWorkdir(model, stage);
}

export interface CgoDecision {
  needed: boolean;
  why: string;
}

/** A package argument as a module directory (`./cmd/api/` -> `cmd/api`, `.` -> `.`): how `GoPackage.dir` names it. */
export function packageDir(p: string): string {
  return p.replace(/^\.\/?/, '').replace(/\/+$/, '') || '.';
}

/** Main packages of the module that the Dockerfile's go build commands name. */
export function builtMains(module: GoModuleInfo, pkgArgs: string[]): GoPackage[] {
  const norm = packageDir;
  const wanted = new Set(pkgArgs.map((p) => (p.startsWith(module.goMod.module) ? norm(p.slice(module.goMod.module.length).replace(/^\//, './')) : norm(p))));
  const hits = module.mains.filter((m) => wanted.has(m.dir));
  return hits.length > 0 ? hits : module.mains;
}


/**
 * Is cgo really needed? With the sources: `import "C"` in the built packages or a
 * known cgo module in go.mod. Without them: only when the Dockerfile asks for it
 * explicitly (CGO_ENABLED=1, or it installs a C toolchain / -dev packages).
 */
export function decideCgo(model: DockerfileModel, ctx: BuildContextFacts | undefined): CgoDecision {
  const runs = model.instructions.filter((i) => i.keyword === 'RUN');
  // Lint's Go-build analysis: packages as expanded, CGO_ENABLED from the command, an export, ENV or ARG.
  const builds = goBuildsOf(model).builds;
  const pkgArgs = builds.flatMap((b) => b.packages);
  const explicitOn = builds.some((b) => b.cgo.value === '1');
  if (ctx?.module) {
    const mains = builtMains(ctx.module, pkgArgs);
    const reasons = mains.length > 0 ? mains.flatMap((m) => cgoReasons(ctx.module!, m)) : cgoReasons(ctx.module);
    const uniq = [...new Map(reasons.map((r) => [r.where, r])).values()];
    if (uniq.length > 0) return { needed: true, why: uniq.map((r) => r.why).join('; ') };
    return { needed: false, why: 'no package of the module imports "C" and go.mod names no cgo-only module' };
  }
  if (explicitOn) return { needed: true, why: 'the Dockerfile sets CGO_ENABLED=1 (run goslim fix inside the build context to check the sources)' };
  // The same reading lint G003 makes (go-build.ts cPackagesInstalled).
  const installsC = runs.some((r) => {
    const c = cPackagesInstalled(r);
    return c.compiler || c.headers;
  });
  if (installsC) return { needed: true, why: 'the Dockerfile installs a C toolchain or C library headers for the build' };
  return { needed: false, why: 'nothing in the Dockerfile asks for cgo' };
}

/** `COPY . <dir>` / `ADD . <dir>`: lint's whole-context copy (rules/context.ts) with the context as its only source. */
export function isDotCopy(model: DockerfileModel, i: Instruction): boolean {
  return dotCopyDest(model, i) !== null;
}

/** The destination of a `COPY . <dir>` (expanded, as written: relative to the WORKDIR), or null. */
export function dotCopyDest(model: DockerfileModel, i: Instruction): string | null {
  const c = contextCopy(model, i);
  return c !== null && c.sources.length === 1 ? c.dest : null;
}

/** The comment lines directly above an instruction (to avoid adding a TODO twice). */
export function commentsAbove(model: DockerfileModel, instr: Instruction): string[] {
  const out: string[] = [];
  for (let l = instr.range.start.line - 1; l >= 0; l--) {
    const t = (model.lines[l] ?? '').trim();
    if (!t.startsWith('#')) break;
    out.push(t);
  }
  return out;
}
