/**
 * dockerfile-ast's `Dockerfile.organizeComments` (run by every parse) tests each comment against
 * every build stage, recomputing the stage's range each time: comments × stages, the largest
 * share of parsing a big many-stage file. This replaces it, once, with a version that gives the
 * same assignment in one pass (stage ranges are computed once; stages are in source order and do
 * not overlap, so a binary search finds the candidates). goslim reads comments from
 * `getComments()`, not from the stages, but the stages' lists stay as the library builds them.
 */
import { DockerfileParser } from 'dockerfile-ast';

interface Pos {
  line: number;
  character: number;
}
interface Rng {
  start: Pos;
  end: Pos;
}
interface Template {
  getRange(): Rng;
  addComment(c: unknown): void;
}
interface AstDockerfile {
  getComments(): Array<{ getRange(): Rng }>;
  initialInstructions: Template;
  buildStages: Template[];
}

/** dockerfile-ast's Util.isInsideRange. */
function inside(p: Pos, r: Rng): boolean {
  if (r.start.line === r.end.line) return r.start.line === p.line && r.start.character <= p.character && p.character <= r.end.character;
  if (r.start.line === p.line) return r.start.character <= p.character;
  if (r.end.line === p.line) return p.character <= r.end.character;
  return r.start.line < p.line && p.line < r.end.line;
}
const before = (a: Pos, b: Pos): boolean => a.line < b.line || (a.line === b.line && a.character <= b.character);

function organizeComments(this: AstDockerfile): void {
  const comments = this.getComments();
  const initial = this.initialInstructions.getRange();
  const stages = this.buildStages.map((s) => ({ s, r: s.getRange() }));
  for (const c of comments) {
    const cr = c.getRange();
    if (inside(cr.end, initial)) {
      this.initialInstructions.addComment(c);
      continue;
    }
    // Last stage starting at or before the comment; its neighbours are checked too, in order.
    let lo = 0;
    let hi = stages.length - 1;
    let at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (before(stages[mid]!.r.start, cr.start)) {
        at = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    for (let k = Math.max(0, at - 1); k <= Math.min(stages.length - 1, at + 1); k++) {
      if (inside(cr.start, stages[k]!.r)) stages[k]!.s.addComment(c);
    }
  }
}

let installed = false;
/** Install the linear `organizeComments` on dockerfile-ast's Dockerfile class (idempotent). */
export function installAstSpeedups(): void {
  if (installed) return;
  installed = true;
  const proto = Object.getPrototypeOf(DockerfileParser.parse('')) as { organizeComments?: unknown };
  if (typeof proto.organizeComments === 'function') proto.organizeComments = organizeComments;
}
