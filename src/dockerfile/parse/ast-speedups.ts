/**
 * Two process-wide speed-ups for dockerfile-ast (same results, tested in ast-speedups.test.ts).
 *
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

/**
 * `Instruction.getRawArguments` re-tokenizes the instruction on every call, and the library's own
 * accessors (flags, FROM image and stage, heredocs, properties) call it about 15 times per
 * instruction. An instruction's text and document never change after parsing, so the first
 * result is kept on the instance; each call returns a fresh copy of the array (callers such as
 * `ModifiableInstruction.getArguments` shift it), the `Argument` objects are immutable.
 */
const RAW_ARGS = Symbol('goslim.rawArguments');
type RawArgs = (this: object) => unknown[];
let originalRawArguments: RawArgs | undefined;
function cachedRawArguments(this: { [RAW_ARGS]?: unknown[] }): unknown[] {
  let args = this[RAW_ARGS];
  if (args === undefined) {
    args = originalRawArguments!.call(this);
    Object.defineProperty(this, RAW_ARGS, { value: args, enumerable: false });
  }
  return args.slice();
}

/** dockerfile-ast's own getRawArguments, uncached (for tests). */
export function uncachedRawArguments(instruction: object): unknown[] {
  installAstSpeedups();
  return originalRawArguments!.call(instruction);
}

let installed = false;
/** Install the linear `organizeComments` and the argument cache on dockerfile-ast's classes (idempotent). */
export function installAstSpeedups(): void {
  if (installed) return;
  installed = true;
  const d = DockerfileParser.parse('FROM a\n');
  const proto = Object.getPrototypeOf(d) as { organizeComments?: unknown };
  if (typeof proto.organizeComments === 'function') proto.organizeComments = organizeComments;
  // The class that defines getRawArguments (Instruction), found from a parsed FROM.
  let p = Object.getPrototypeOf(d.getInstructions()[0]) as Record<string, unknown> | null;
  while (p !== null && !Object.prototype.hasOwnProperty.call(p, 'getRawArguments')) p = Object.getPrototypeOf(p) as Record<string, unknown> | null;
  if (p !== null && typeof p.getRawArguments === 'function') {
    originalRawArguments = p.getRawArguments as RawArgs;
    p.getRawArguments = cachedRawArguments;
  }
}
