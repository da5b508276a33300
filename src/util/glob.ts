/**
 * A small glob matcher for `goslim lint 'services/**\/Dockerfile'` (Node 20 has no fs.glob; a
 * quoted pattern reaches goslim unexpanded, and Windows shells never expand). Pure: strings in.
 *
 * Syntax, as in POSIX shells and .gitignore-style tools:
 *  - `*` any run of characters within one path segment, `?` one character;
 *  - `[abc]`, `[a-z]`, `[!a]` / `[^a]` one character of (not of) a set;
 *  - `**` as a whole segment: zero or more directories;
 *  - `{a,b}` alternatives (expanded before matching; nested braces allowed; at most
 *    `glob.alternatives` patterns);
 *  - `\x` the character x itself.
 * `*`, `?` and sets do not match a leading `.` unless the segment itself starts with one (as in
 * shells). Matching walks the segment with one backtrack point per `*`: linear-time in practice and
 * never exponential (no regular expressions built from user input).
 */
import { LimitExceededError, UsageError } from '../errors.js';
import { limit } from '../limits.js';

/** True when the text has glob syntax (an unescaped `*`, `?`, `[` or `{`). */
export function hasGlobMagic(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '*' || c === '?' || c === '[' || c === '{') return true;
  }
  return false;
}

/** Expand `{a,b}` alternatives (nested, bounded). A brace without a comma is literal. */
export function expandBraces(pattern: string): string[] {
  const max = limit('glob.alternatives');
  const out: string[] = [];
  const work: string[] = [pattern];
  let steps = 0;
  while (work.length > 0) {
    if (++steps > max * 4) throw new LimitExceededError('glob.alternatives', max, `glob ${pattern} expands to too many patterns (glob.alternatives: ${max})`);
    const p = work.pop()!;
    const span = firstBraceGroup(p);
    if (span === null) {
      out.push(p);
      if (out.length > max) throw new LimitExceededError('glob.alternatives', max, `glob ${pattern} expands to more than ${max} patterns (glob.alternatives)`);
      continue;
    }
    const { start, end, parts } = span;
    for (let i = parts.length - 1; i >= 0; i--) work.push(p.slice(0, start) + parts[i]! + p.slice(end + 1));
  }
  return out;
}

/** The first top-level `{...}` holding a top-level comma: its bounds and its parts. */
function firstBraceGroup(p: string): { start: number; end: number; parts: string[] } | null {
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '\\') {
      i++;
      continue;
    }
    if (p[i] !== '{') continue;
    let depth = 0;
    const commas: number[] = [];
    for (let j = i; j < p.length; j++) {
      const c = p[j];
      if (c === '\\') {
        j++;
        continue;
      }
      if (c === '{') depth++;
      else if (c === '}') {
        depth--;
        if (depth === 0) {
          if (commas.length === 0) break; // `{x}`: literal, look for a later group
          const parts: string[] = [];
          let from = i + 1;
          for (const k of commas) {
            parts.push(p.slice(from, k));
            from = k + 1;
          }
          parts.push(p.slice(from, j));
          return { start: i, end: j, parts };
        }
      } else if (c === ',' && depth === 1) commas.push(j);
    }
  }
  return null;
}

type Token = { kind: 'char'; c: string } | { kind: 'any' } | { kind: 'star' } | { kind: 'set'; negate: boolean; items: Array<[string, string]> };

/** One path segment of a pattern, compiled. */
export interface SegmentMatcher {
  /** The segment is `**`. */
  readonly globstar: boolean;
  /** The segment has no glob syntax: `literal` is the name it matches. */
  readonly literal: string | null;
  test(name: string): boolean;
}

function tokenize(seg: string): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i]!;
    if (c === '\\' && i + 1 < seg.length) {
      out.push({ kind: 'char', c: seg[++i]! });
    } else if (c === '*') {
      if (out.at(-1)?.kind !== 'star') out.push({ kind: 'star' });
    } else if (c === '?') {
      out.push({ kind: 'any' });
    } else if (c === '[') {
      let j = i + 1;
      const negate = seg[j] === '!' || seg[j] === '^';
      if (negate) j++;
      const items: Array<[string, string]> = [];
      let first = true;
      while (j < seg.length && (seg[j] !== ']' || first)) {
        let a = seg[j]!;
        if (a === '\\' && j + 1 < seg.length) a = seg[++j]!;
        if (seg[j + 1] === '-' && j + 2 < seg.length && seg[j + 2] !== ']') {
          let b = seg[j + 2]!;
          j += 2;
          if (b === '\\' && j + 1 < seg.length) b = seg[++j]!;
          items.push([a, b]);
        } else items.push([a, a]);
        j++;
        first = false;
      }
      if (j >= seg.length) {
        out.push({ kind: 'char', c: '[' }); // unclosed: a literal bracket
      } else {
        out.push({ kind: 'set', negate, items });
        i = j;
      }
    } else out.push({ kind: 'char', c });
  }
  return out;
}

function tokenMatches(t: Token, c: string): boolean {
  switch (t.kind) {
    case 'char':
      return t.c === c;
    case 'any':
      return true;
    case 'set': {
      const inSet = t.items.some(([a, b]) => c >= a && c <= b);
      return t.negate ? !inSet : inSet;
    }
    default:
      return false;
  }
}

/** Compile one segment (no `/`). */
export function compileSegment(seg: string): SegmentMatcher {
  if (seg === '**') return { globstar: true, literal: null, test: () => true };
  if (!hasGlobMagic(seg)) {
    const literal = seg.replace(/\\(.)/g, '$1');
    return { globstar: false, literal, test: (name) => name === literal };
  }
  const tokens = tokenize(seg);
  const dotOk = tokens[0]?.kind === 'char' && (tokens[0] as { c: string }).c === '.';
  return {
    globstar: false,
    literal: null,
    test(name: string): boolean {
      if (name.startsWith('.') && !dotOk) return false;
      // Wildcard matching with one backtrack point (the last star): O(len(name) * len(tokens)).
      let n = 0;
      let t = 0;
      let starT = -1;
      let starN = 0;
      while (n < name.length) {
        const tok = tokens[t];
        if (tok !== undefined && tok.kind === 'star') {
          starT = t++;
          starN = n;
        } else if (tok !== undefined && tokenMatches(tok, name[n]!)) {
          t++;
          n++;
        } else if (starT >= 0) {
          t = starT + 1;
          n = ++starN;
        } else return false;
      }
      while (tokens[t]?.kind === 'star') t++;
      return t === tokens.length;
    },
  };
}

/** A pattern split into its literal base directory and the compiled segments after it. */
export interface CompiledGlob {
  /** The leading segments without glob syntax, joined with `/` ('' when the first segment is a glob; '/' for an absolute root). */
  base: string;
  segments: SegmentMatcher[];
}

/** Compile one brace-free pattern (`/`-separated). */
export function compileGlob(pattern: string): CompiledGlob {
  if (pattern === '') throw new UsageError('empty glob pattern');
  const absolute = pattern.startsWith('/');
  const parts = pattern.split('/').filter((s, i) => s !== '' && !(s === '.' && i > 0));
  const baseParts: string[] = [];
  let i = 0;
  while (i < parts.length - 1 && !hasGlobMagic(parts[i]!)) baseParts.push(parts[i++]!.replace(/\\(.)/g, '$1'));
  const base = (absolute ? '/' : '') + baseParts.join('/');
  return { base, segments: parts.slice(i).map(compileSegment) };
}

/** Whether a `/`-separated relative path matches the segments (for tests and callers without a walk). */
export function matchSegments(segments: readonly SegmentMatcher[], path: string): boolean {
  const names = path.split('/').filter(Boolean);
  // Positions reachable in (segment, name) space; a set of states keeps `**` runs linear.
  let states = new Set<number>([0]);
  const close = (s: Set<number>): Set<number> => {
    const out = new Set(s);
    for (const si of s) {
      let k = si;
      while (segments[k]?.globstar) out.add(++k);
    }
    return out;
  };
  states = close(states);
  for (const name of names) {
    const next = new Set<number>();
    for (const si of states) {
      const seg = segments[si];
      if (seg === undefined) continue;
      if (seg.globstar) {
        if (!name.startsWith('.')) next.add(si);
      } else if (seg.test(name)) next.add(si + 1);
    }
    states = close(next);
    if (states.size === 0) return false;
  }
  return states.has(segments.length);
}
