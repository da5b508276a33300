/** Builds the analysed view every rule reads (one pass per file). */
import type { DockerfileModel, Instruction, Stage } from '../parse/model.js';
import { analyzeGoBuilds, normalizeImagePath, workdirAt, type GoBuild } from '../go-build.js';
import { classifyStageBase, type BaseFacts } from '../base-image.js';
import { expandInScope } from '../parse/parse-dockerfile.js';
import type { RuleContext, ShippedBinary } from './types.js';
import { UsageError } from '../../errors.js';


function globToRegExp(glob: string): RegExp {
  let src = '';
  for (const ch of glob) {
    if (ch === '*') src += '[^/]*';
    else if (ch === '?') src += '[^/]';
    else src += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${src}$`);
}

/** Where a file at `file` lands when `COPY <src...> <dest>` copies it (null when it is not copied). */
export function copyDestination(file: string, sources: string[], dest: string, workdir: string): string | null {
  const destAbs = normalizeImagePath(dest.startsWith('/') ? dest : `${workdir}/${dest}`);
  const destIsDir = dest.endsWith('/') || sources.length > 1;
  const base = file.split('/').pop()!;
  for (const s of sources) {
    const src = normalizeImagePath(s.startsWith('/') ? s : `/${s}`);
    if (src === file || globToRegExp(src).test(file)) {
      return destIsDir ? `${destAbs}/${base}`.replace(/\/+/g, '/') : destAbs;
    }
    if (file.startsWith(src === '/' ? '/' : `${src}/`)) {
      return normalizeImagePath(`${destAbs}/${file.slice(src.length)}`);
    }
  }
  return null;
}

/** Source and destination words of a COPY/ADD (exec or shell form), expanded in scope. */
export function copyPaths(model: DockerfileModel, instr: Instruction): { sources: string[]; dest: string } | null {
  const words = instr.exec ?? instr.args.map((a) => a.value);
  const expanded = words.map((w) => expandInScope(model, instr, w));
  if (expanded.length < 2) return null;
  return { sources: expanded.slice(0, -1), dest: expanded[expanded.length - 1]! };
}

/**
 * A COPY/ADD of the whole build context (`COPY . .`, `ADD ./ /src`): its sources as `copyPaths` reads
 * them, or null. `also` adds source spellings a rule counts too (G010: `*`). Lint G010/G020 and fix
 * (its module-download layer, runtime files, .dockerignore) read the same answer.
 */
export function contextCopy(model: DockerfileModel, instr: Instruction, also: readonly string[] = []): { sources: string[]; dest: string } | null {
  if ((instr.keyword !== 'COPY' && instr.keyword !== 'ADD') || instr.copyFrom || instr.flags.some((f) => f.name === 'from')) return null;
  const p = copyPaths(model, instr);
  return p !== null && p.sources.some((s) => s === '.' || s === './' || also.includes(s)) ? p : null;
}

function chainOf(model: DockerfileModel, stage: Stage): Stage[] {
  const chain: Stage[] = [];
  let s: Stage | undefined = stage;
  for (let hops = 0; s && hops <= model.stages.length; hops++) {
    chain.push(s);
    s = s.base.stageIndex !== null ? model.stages[s.base.stageIndex] : undefined;
  }
  return chain;
}

/** The stage `--target` names (by name, case-insensitive, or index); the last stage without one. */
export function selectFinalStage(model: DockerfileModel, target?: string): Stage | null {
  if (target === undefined) return model.stages[model.stages.length - 1] ?? null;
  const lower = target.toLowerCase();
  const s = model.stages.find((st) => st.name?.toLowerCase() === lower) ?? (/^\d+$/.test(target) ? model.stages[Number(target)] : undefined);
  if (!s) {
    const names = model.stages.map((st) => st.name ?? String(st.index)).join(', ');
    throw new UsageError(`target stage "${target}" not found (stages: ${names || 'none'})`, { details: { target } });
  }
  return s;
}

export function buildRuleContext(model: DockerfileModel, dockerignore: string | null | undefined, target?: string): RuleContext {
  const go = analyzeGoBuilds(model);
  const finalStage = selectFinalStage(model, target);
  const cache = new Map<number, BaseFacts>();
  const baseOf = (stage: Stage): BaseFacts => {
    let f = cache.get(stage.index);
    if (!f) {
      f = classifyStageBase(model, stage);
      cache.set(stage.index, f);
    }
    return f;
  };
  const finalChain = finalStage ? chainOf(model, finalStage) : [];
  const shipped: ShippedBinary[] = [];
  if (finalStage) {
    const chainIdx = new Set(finalChain.map((s) => s.index));
    const buildOrder = new Map(go.builds.map((b, i) => [b, i]));
    const buildsByStage = new Map<number, GoBuild[]>();
    for (const b of go.builds) {
      const list = buildsByStage.get(b.stageIndex);
      if (list) list.push(b);
      else buildsByStage.set(b.stageIndex, [b]);
    }
    for (const b of go.builds) {
      if (chainIdx.has(b.stageIndex) && b.outputPath) shipped.push({ build: b, copy: null, pathInImage: b.outputPath });
    }
    for (const stage of finalChain) {
      for (const instr of stage.instructions) {
        if (instr.keyword !== 'COPY' || instr.copyFrom?.kind !== 'stage') continue;
        const from = instr.copyFrom.stageIndex;
        const paths = copyPaths(model, instr);
        if (!paths) continue;
        const wd = workdirAt(model, stage, instr);
        // Builds of the source stage and of the stages it is built FROM, in source order.
        const fromChain = new Set([from, ...chainOf(model, model.stages[from]!).map((s) => s.index)]);
        const candidates = [...fromChain].flatMap((i) => buildsByStage.get(i) ?? []).sort((x, y) => buildOrder.get(x)! - buildOrder.get(y)!);
        for (const b of candidates) {
          if (!b.outputPath) continue;
          const dest = copyDestination(b.outputPath, paths.sources, paths.dest, wd);
          if (dest) shipped.push({ build: b, copy: instr, pathInImage: dest });
        }
      }
    }
  }
  const chainSet = new Set(finalChain.map((s) => s.index));
  let relevantBuilds: GoBuild[] = [...new Set(shipped.map((s) => s.build))];
  if (relevantBuilds.length === 0) {
    // Nothing traceable (opaque paths, globs): judge every build in the final chain, else every build.
    relevantBuilds = go.builds.filter((b) => chainSet.has(b.stageIndex));
    if (relevantBuilds.length === 0) relevantBuilds = go.builds;
  }
  relevantBuilds.sort((a, b) => a.line - b.line);
  return {
    model,
    go,
    finalStage,
    finalBase: finalStage ? baseOf(finalStage) : null,
    baseOf,
    relevantBuilds,
    shipped,
    finalChain,
    dockerignore,
  };
}

/** ENTRYPOINT/CMD path the runtime executes, when it is an exec-form absolute path. */
export function entrypointPath(ctx: RuleContext): string | null {
  for (const stage of ctx.finalChain) {
    const eps = stage.instructions.filter((i) => i.keyword === 'ENTRYPOINT' || i.keyword === 'CMD');
    const ep = eps.find((i) => i.keyword === 'ENTRYPOINT') ?? eps[eps.length - 1];
    if (ep?.exec?.[0]) return ep.exec[0];
  }
  return null;
}
