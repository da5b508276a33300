/**
 * Dockerfile variable expansion, following BuildKit's shell lexer
 * (moby/buildkit frontend/dockerfile/shell/lex.go): `$VAR`, `${VAR}`,
 * `${VAR:-w}` `${VAR-w}` `${VAR:+w}` `${VAR+w}` `${VAR:?w}` `${VAR?w}`,
 * `${VAR#p}` `${VAR##p}` `${VAR%p}` `${VAR%%p}`, `${VAR/p/r}` `${VAR//p/r}`.
 * Words nest: `${A:-${B}-x}`. Single quotes are literal. Pure, no I/O.
 *
 * Bounded: nesting depth (`dockerfile.expansionDepth`), the length of every word produced
 * (`dockerfile.expansionSize`), an optional shared byte budget for a whole file, and the work
 * spent matching `#`/`%`/`/` patterns (`dockerfile.patternWork`; patterns are matched by a
 * segment matcher, never a backtracking RegExp). Crossing a bound throws `LimitExceededError`
 * (E_LIMIT); the parser turns that into an unknown value (see docs/lint.md).
 */
import { LimitExceededError } from '../../errors.js';
import { limit } from '../../limits.js';

/** Returns the value of a variable, or undefined when it is not set. */
export type VariableLookup = (name: string) => string | undefined;

/** A byte budget shared by several expansions (e.g. every expansion while parsing one file). */
export interface ExpansionBudget {
  remaining: number;
}

export interface ExpandOptions {
  /** Escape character of the Dockerfile (`\` or `` ` ``). */
  escapeChar?: string;
  /** Called for every variable reference (to detect uses). */
  onReference?: (name: string) => void;
  /** Deepest `${…}` nesting (default: the `dockerfile.expansionDepth` limit). */
  maxDepth?: number;
  /** Longest word produced, in UTF-16 code units (default: the `dockerfile.expansionSize` limit). */
  maxSize?: number;
  /** Shared budget; the length of each top-level result is taken from it. */
  budget?: ExpansionBudget;
}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;

class Lexer {
  pos = 0;
  depth = 0;
  private work: GlobWork | undefined;
  constructor(
    readonly text: string,
    readonly lookup: VariableLookup,
    readonly escape: string,
    readonly onReference: ((name: string) => void) | undefined,
    readonly maxDepth: number,
    readonly maxSize: number,
  ) {}

  /** Pattern matching budget, shared by every pattern of this expansion. */
  get matcher(): GlobWork {
    return (this.work ??= new GlobWork(limit('dockerfile.patternWork')));
  }

  private grow(out: string, add: string): string {
    if (out.length + add.length > this.maxSize) {
      throw new LimitExceededError('dockerfile.expansionSize', this.maxSize, `variable expansion longer than ${this.maxSize} characters`, {
        actual: out.length + add.length,
      });
    }
    return out + add;
  }

  /** Expand until one of `stops` (at nesting depth 0) or the end. */
  expandUntil(stops: string): string {
    let out = '';
    let inSingle = false;
    while (this.pos < this.text.length) {
      const ch = this.text[this.pos]!;
      if (!inSingle && stops.includes(ch)) break;
      if (ch === "'" && stops === '') {
        inSingle = !inSingle;
        out = this.grow(out, ch);
        this.pos++;
        continue;
      }
      if (!inSingle && ch === this.escape && this.text[this.pos + 1] === '$') {
        out = this.grow(out, '$');
        this.pos += 2;
        continue;
      }
      if (!inSingle && ch === '$') {
        out = this.grow(out, this.dollar());
        continue;
      }
      // A run of plain characters at once (one slice instead of one concatenation per character).
      let end = this.pos + 1;
      const t = this.text;
      while (end < t.length) {
        const c = t[end]!;
        if (c === '$' || c === "'" || c === this.escape || stops.includes(c)) break;
        end++;
      }
      out = this.grow(out, t.slice(this.pos, end));
      this.pos = end;
    }
    return out;
  }

  private dollar(): string {
    const t = this.text;
    this.pos++; // '$'
    const next = t[this.pos];
    if (next === '{') {
      this.pos++;
      const start = this.pos;
      while (this.pos < t.length && NAME_CHAR.test(t[this.pos]!)) this.pos++;
      const name = t.slice(start, this.pos);
      if (name === '') {
        // Not a variable: keep literally.
        return '${';
      }
      this.onReference?.(name);
      const value = this.lookup(name);
      const op = t[this.pos];
      if (op === '}') {
        this.pos++;
        return value ?? '';
      }
      if (this.depth >= this.maxDepth) {
        throw new LimitExceededError('dockerfile.expansionDepth', this.maxDepth, `variable expansions nested deeper than ${this.maxDepth}`);
      }
      this.depth++;
      try {
        return this.modifier(value);
      } finally {
        this.depth--;
      }
    }
    if (next !== undefined && NAME_START.test(next)) {
      const start = this.pos;
      while (this.pos < t.length && NAME_CHAR.test(t[this.pos]!)) this.pos++;
      const name = t.slice(start, this.pos);
      this.onReference?.(name);
      return this.lookup(name) ?? '';
    }
    return '$';
  }

  private modifier(value: string | undefined): string {
    const t = this.text;
    let op = t[this.pos] ?? '';
    this.pos++;
    let colon = false;
    if (op === ':') {
      colon = true;
      op = t[this.pos] ?? '';
      this.pos++;
    }
    const word = (): string => {
      const w = this.expandUntil('}');
      this.pos++; // '}'
      return w;
    };
    const unset = value === undefined || (colon && value === '');
    switch (op) {
      case '-': {
        const w = word();
        return unset ? w : (value ?? '');
      }
      case '+': {
        const w = word();
        return unset ? '' : w;
      }
      case '?': {
        const w = word();
        // BuildKit errors at build time; for analysis keep the (empty) value.
        void w;
        return value ?? '';
      }
      case '#':
      case '%': {
        let longest = false;
        if (t[this.pos] === op) {
          longest = true;
          this.pos++;
        }
        const pattern = word();
        return trimPattern(value ?? '', pattern, op === '#' ? 'prefix' : 'suffix', longest, this.matcher);
      }
      case '/': {
        let all = false;
        if (t[this.pos] === '/') {
          all = true;
          this.pos++;
        }
        const pattern = this.expandUntil('/');
        this.pos++;
        const replacement = word();
        return substitute(value ?? '', pattern, replacement, all, this.matcher, this.maxSize);
      }
      default: {
        // Unknown modifier: skip to the closing brace, keep the value.
        while (this.pos < t.length && t[this.pos] !== '}') this.pos++;
        this.pos++;
        return value ?? '';
      }
    }
  }
}

// ---- shell patterns (`*`, `?`, literal characters) without backtracking ----

/**
 * A pattern split at its `*`s: `segs[0]` is anchored at the start, the last segment at the end
 * (for a full match), the ones between float. A segment may hold `?` (any one character).
 */
interface Glob {
  segs: string[];
  /** True when the pattern contains at least one `*`. */
  star: boolean;
}

function compileGlob(pattern: string): Glob {
  const segs = pattern.split('*');
  return { segs, star: segs.length > 1 };
}

/** Counts comparisons so that a hostile pattern cannot spin: over the budget, E_LIMIT. */
class GlobWork {
  private left: number;
  constructor(private readonly max: number) {
    this.left = max;
  }
  spend(n: number): void {
    this.left -= n;
    if (this.left < 0) {
      throw new LimitExceededError('dockerfile.patternWork', this.max, `shell pattern matching needs more than ${this.max} steps`);
    }
  }

  /** Does segment `seg` match `text` at `pos` (within `end`)? */
  segAt(text: string, pos: number, seg: string, end: number): boolean {
    if (pos + seg.length > end) return false;
    this.spend(seg.length + 1);
    for (let k = 0; k < seg.length; k++) {
      const c = seg.charCodeAt(k);
      if (c !== 63 /* ? */ && c !== text.charCodeAt(pos + k)) return false;
    }
    return true;
  }

  /** Leftmost position >= from where `seg` matches (ending by `end`), or -1. */
  find(text: string, seg: string, from: number, end: number): number {
    if (!seg.includes('?')) {
      const i = text.indexOf(seg, from);
      this.spend(Math.max(1, (i < 0 ? end : i) - from) + seg.length);
      return i >= 0 && i + seg.length <= end ? i : -1;
    }
    for (let i = from; i + seg.length <= end; i++) if (this.segAt(text, i, seg, end)) return i;
    return -1;
  }

  /** Rightmost position in [from, end - seg.length] where `seg` matches, or -1. */
  findLast(text: string, seg: string, from: number, end: number): number {
    if (!seg.includes('?')) {
      const i = text.lastIndexOf(seg, end - seg.length);
      this.spend(Math.max(1, end - (i < 0 ? from : i)) + seg.length);
      return i >= from ? i : -1;
    }
    for (let i = end - seg.length; i >= from; i--) if (this.segAt(text, i, seg, end)) return i;
    return -1;
  }

  /**
   * Ends e such that the glob matches text[start, e) exactly: the shortest and the longest, or
   * null when no prefix of text[start, n) matches. Greedy leftmost placement of the floating
   * segments is optimal for `*` patterns, so this is a single pass plus one search per segment.
   */
  prefixMatch(text: string, g: Glob, start: number): { shortest: number; longest: number } | null {
    const n = text.length;
    const { segs } = g;
    const first = segs[0]!;
    if (!this.segAt(text, start, first, n)) return null;
    let pos = start + first.length;
    if (!g.star) return { shortest: pos, longest: pos };
    for (let k = 1; k < segs.length - 1; k++) {
      const seg = segs[k]!;
      const i = this.find(text, seg, pos, n);
      if (i < 0) return null;
      pos = i + seg.length;
    }
    const last = segs[segs.length - 1]!;
    if (last === '') return { shortest: pos, longest: n };
    const s = this.find(text, last, pos, n);
    if (s < 0) return null;
    const l = this.findLast(text, last, pos, n);
    return { shortest: s + last.length, longest: l + last.length };
  }

  /** Leftmost-longest match of the glob anywhere in text at or after `from`: [start, end) or null. */
  search(text: string, g: Glob, from: number): [number, number] | null {
    const n = text.length;
    const first = g.segs[0]!;
    if (!g.star) {
      const i = this.find(text, first, from, n);
      return i < 0 ? null : [i, i + first.length];
    }
    // With a `*`, if the rest fails after the leftmost `first`, it fails after any later one too.
    const i = this.find(text, first, from, n);
    if (i < 0) return null;
    const m = this.prefixMatch(text, g, i);
    return m === null ? null : [i, m.longest];
  }
}

function reverse(s: string): string {
  let out = '';
  for (let i = s.length - 1; i >= 0; i--) out += s[i];
  return out;
}

function trimPattern(value: string, pattern: string, side: 'prefix' | 'suffix', longest: boolean, work: GlobWork): string {
  if (side === 'prefix') {
    const m = work.prefixMatch(value, compileGlob(pattern), 0);
    if (m === null) return value;
    return value.slice(longest ? m.longest : m.shortest);
  }
  // A suffix of value matching the pattern is a prefix of the reversed value matching the reversed pattern.
  work.spend(value.length + pattern.length);
  const m = work.prefixMatch(reverse(value), compileGlob(reverse(pattern)), 0);
  if (m === null) return value;
  return value.slice(0, value.length - (longest ? m.longest : m.shortest));
}

function substitute(value: string, pattern: string, replacement: string, all: boolean, work: GlobWork, maxSize: number): string {
  if (pattern === '') return value;
  const g = compileGlob(pattern);
  let out = '';
  let pos = 0;
  const add = (s: string): void => {
    if (out.length + s.length > maxSize) {
      throw new LimitExceededError('dockerfile.expansionSize', maxSize, `variable expansion longer than ${maxSize} characters`, {
        actual: out.length + s.length,
      });
    }
    out += s;
  };
  // Same results as String.prototype.replace with a global RegExp (an empty match advances by one).
  while (pos <= value.length) {
    const m = work.search(value, g, pos);
    if (m === null) break;
    const [s, e] = m;
    add(value.slice(pos, s));
    add(replacement);
    if (e === s) {
      if (s < value.length) add(value[s]!);
      pos = s + 1;
    } else pos = e;
    if (!all) break;
  }
  if (pos <= value.length) add(value.slice(pos));
  return out;
}

/** Expand Dockerfile variables in `text`. Unset variables expand to ''. Throws E_LIMIT past a bound. */
export function expandVariables(text: string, lookup: VariableLookup, options: ExpandOptions = {}): string {
  if (!text.includes('$')) return text;
  const lexer = new Lexer(
    text,
    lookup,
    options.escapeChar ?? '\\',
    options.onReference,
    options.maxDepth ?? limit('dockerfile.expansionDepth'),
    options.maxSize ?? limit('dockerfile.expansionSize'),
  );
  const out = lexer.expandUntil('');
  if (options.budget !== undefined) {
    options.budget.remaining -= out.length;
    if (options.budget.remaining < 0) {
      throw new LimitExceededError('dockerfile.expansionTotal', limit('dockerfile.expansionTotal'), 'variable expansions of this file exceed their total budget');
    }
  }
  return out;
}

/** `expandVariables`, except that past a limit the value is unknown and the text is kept as written. */
export function expandOrKeep(text: string, lookup: VariableLookup, options: ExpandOptions = {}): string {
  try {
    return expandVariables(text, lookup, options);
  } catch (err) {
    if (err instanceof LimitExceededError) return text;
    throw err;
  }
}

/** Names referenced by `$X` / `${X...}` in `text` (including inside modifier words). */
export function referencedVariables(text: string): string[] {
  const names: string[] = [];
  try {
    expandVariables(text, () => undefined, { onReference: (n) => names.push(n) });
  } catch (err) {
    // Too deep to expand: the names seen so far are the ones a reader can act on.
    if (!(err instanceof LimitExceededError)) throw err;
  }
  return [...new Set(names)];
}
