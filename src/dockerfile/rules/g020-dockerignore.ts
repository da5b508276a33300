import type { Rule, RuleReport } from './types.js';
import { contextCopy } from './context.js';
import { isIgnored, parseDockerignore } from '../dockerignore.js';

/** Whether `.dockerignore` excludes `path` (the matcher fix and init use too: ../dockerignore.ts). */
export function dockerignoreExcludes(text: string, path: string): boolean {
  return isIgnored(parseDockerignore(text), path);
}

export const rule: Rule = {
  meta: {
    id: 'G020',
    slug: 'dockerignore',
    severity: 'warning',
    doc: {
      summary: '`COPY . .` without a .dockerignore that excludes .git.',
      why:
        'Everything in the context is sent to the builder and copied by `COPY . .`: the .git directory (often tens of MB, ' +
        'changing on every commit) busts the layer cache on every commit, and local binaries or .env files end up ' +
        'in the build stage.',
      fix: 'Add a .dockerignore next to the Dockerfile with at least `.git`, plus build outputs (`bin/`, `dist/`) and secrets (`.env`).',
      lose: "Git metadata inside the build (`-buildvcs`); pass it as a build arg (`-ldflags -X main.commit=...`).",
      keep: "Everything the build needs from the context.",
      check: "docker build --progress=plain . | grep 'transferring context'",
      example: { bad: '(no .dockerignore)\nCOPY . .', good: '.dockerignore: .git\nCOPY . .' },
      references: ['https://docs.docker.com/build/concepts/context/#dockerignore-files'],
    },
  },
  check(ctx) {
    const out: RuleReport[] = [];
    if (ctx.dockerignore === undefined) return out;
    for (const s of ctx.model.stages) {
      for (const i of s.instructions) {
        if (contextCopy(ctx.model, i) === null) continue;
        if (ctx.dockerignore === null) {
          out.push({
            range: i.range,
            message:
              'COPY . copies the whole context and there is no .dockerignore: .git (changes on every commit, often tens of MB) ' +
              'and local artefacts go into the build and bust the cache. Add a .dockerignore with at least .git.',
          });
        } else if (!dockerignoreExcludes(ctx.dockerignore, '.git')) {
          out.push({
            range: i.range,
            message:
              'COPY . copies the whole context and .dockerignore does not exclude .git: every commit busts this layer. Add `.git` to .dockerignore.',
          });
        }
        return out;
      }
    }
    return out;
  },
};
