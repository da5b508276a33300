/**
 * The `.dockerignore` of the recipe (init writes it; fix writes it when the build context has
 * none), and fix's decision whether one is needed: exactly when lint's G020 would report the
 * fixed Dockerfile, so the fixed file passes lint. Pure: text and facts in, text out.
 *
 * An existing .dockerignore is never rewritten: when it does not exclude .git, fix says so.
 */
import { posix } from 'node:path';
import { analyzeGoBuilds, runScript, workdirAt } from '../go-build.js';
import { lintModel } from '../lint.js';
import type { DockerfileModel } from '../parse/model.js';
import { parseDockerfile } from '../parse/parse-dockerfile.js';
import { splitWords } from '../parse/shell-words.js';
import { copyPaths } from '../rules/context.js';
import { rule as g020 } from '../rules/g020-dockerignore.js';
import { isIgnored, parseDockerignore } from '../dockerignore.js';
import { isDotCopy } from './stage-facts.js';
import type { BuildContextFacts } from './types.js';

/** Build context exclusions: VCS data, built binaries, dependencies of other tools, test output. */
export function renderDockerignore(binaries: string[], keep: string[] = [], writer = 'goslim init'): string {
  const all = [
    `# Written by ${writer}: keep the build context small and the layer cache stable.`,
    '.git',
    '.github',
    '.gitignore',
    '.dockerignore',
    'Dockerfile*',
    '# built binaries',
    'bin/',
    'dist/',
    ...binaries.map((b) => `/${b}`),
    '*.exe',
    '*.test',
    '# other tools\' dependencies and test output',
    'node_modules/',
    'coverage.*',
    '*.out',
    '*.prof',
    'testresults/',
  ];
  // Never exclude what the build needs: package directories and //go:embed targets.
  const lines = all.filter((l) => l.startsWith('#') || !keep.some((k) => isIgnored(parseDockerignore(l), k)));
  return `${lines.join('\n')}\n`;
}

export type DockerignoreAction = 'none' | 'create' | 'exists-without-git';

export interface DockerignorePlan {
  /** `create`: no .dockerignore and G020 would report the fixed file; `exists-without-git`: one exists but keeps .git. */
  action: DockerignoreAction;
  /** The text to write (action `create`). */
  text?: string;
  /** Top-level build-context names the fixed Dockerfile needs (never excluded). */
  keep: string[];
}

const GLOB = /[*?[\]]/;

function topSegment(path: string): string | undefined {
  const seg = path.replace(/^(\.\/)+/, '').replace(/^\/+/, '').split('/')[0];
  return seg === undefined || seg === '' || seg === '.' || seg === '..' || GLOB.test(seg) || seg.includes('$') ? undefined : seg;
}

/** Top-level context names the Dockerfile reads: COPY/ADD sources, files RUN names, what later stages copy out of a `COPY . <dir>`. */
export function contextNeeds(model: DockerfileModel, context?: BuildContextFacts): string[] {
  const keep = new Set<string>();
  const dotDest = new Map<number, string>();
  for (const stage of model.stages) {
    for (const i of stage.instructions) {
      if ((i.keyword !== 'COPY' && i.keyword !== 'ADD') || i.heredocs.length > 0) continue;
      const p = copyPaths(model, i);
      if (p === null) continue;
      if (i.copyFrom === undefined) {
        for (const src of p.sources) {
          const top = topSegment(src);
          if (top !== undefined && !/^[a-z]+:\/\//i.test(src)) keep.add(top);
        }
        if (isDotCopy(model, i)) dotDest.set(stage.index, posix.resolve(workdirAt(model, stage, i), p.dest));
      } else if (i.copyFrom.kind === 'stage' && dotDest.has(i.copyFrom.stageIndex)) {
        const d = dotDest.get(i.copyFrom.stageIndex)!;
        for (const src of p.sources) {
          const abs = posix.resolve('/', src);
          if (abs.startsWith(`${d === '/' ? '' : d}/`)) {
            const top = topSegment(abs.slice(d.length));
            if (top !== undefined) keep.add(top);
          }
        }
      }
    }
  }
  const entries = new Set((context?.entries ?? []).map((e) => e.name));
  for (const i of model.instructions) {
    if (i.keyword !== 'RUN') continue;
    for (const w of splitWords(runScript(i))) {
      const top = /\//.test(w) || entries.has(w) ? topSegment(w) : undefined;
      if (top !== undefined && (entries.size === 0 ? /\//.test(w) : entries.has(top))) keep.add(top);
    }
  }
  for (const e of context?.entries ?? []) if (e.goSource) keep.add(e.name);
  for (const p of context?.module?.packages ?? []) {
    const top = topSegment(p.dir);
    if (top !== undefined) keep.add(top);
    for (const pat of p.embeds) {
      const t = topSegment(p.dir === '.' ? pat.replace(/^all:/, '') : p.dir);
      if (t !== undefined) keep.add(t);
    }
  }
  return [...keep].sort();
}

/**
 * Whether the fixed Dockerfile needs a .dockerignore, and its text. `existing` is the
 * .dockerignore BuildKit would read (null: none).
 */
export function planDockerignore(fixed: string, existing: string | null, context?: BuildContextFacts): DockerignorePlan {
  const model = parseDockerfile(fixed.replace(/\r\n/g, '\n'));
  if (lintModel(model, { dockerignore: existing }, [g020]).findings.length === 0) return { action: 'none', keep: [] };
  if (existing !== null) return { action: 'exists-without-git', keep: [] };
  const keep = contextNeeds(model, context);
  const binaries = new Set<string>();
  for (const b of analyzeGoBuilds(model).builds) {
    const name = b.outputPath === null ? undefined : posix.basename(b.outputPath);
    if (name !== undefined && name !== '' && !keep.includes(name)) binaries.add(name);
  }
  // renderDockerignore drops every line that would exclude a name in `keep`.
  return { action: 'create', text: renderDockerignore([...binaries].sort(), keep, 'goslim fix'), keep };
}
