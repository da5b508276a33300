/**
 * Dockerfile variable expansion, following BuildKit's shell lexer
 * (moby/buildkit frontend/dockerfile/shell/lex.go): `$VAR`, `${VAR}`,
 * `${VAR:-w}` `${VAR-w}` `${VAR:+w}` `${VAR+w}` `${VAR:?w}` `${VAR?w}`,
 * `${VAR#p}` `${VAR##p}` `${VAR%p}` `${VAR%%p}`, `${VAR/p/r}` `${VAR//p/r}`.
 * Words nest: `${A:-${B}-x}`. Single quotes are literal. Pure, no I/O.
 */

/** Returns the value of a variable, or undefined when it is not set. */
export type VariableLookup = (name: string) => string | undefined;

export interface ExpandOptions {
  /** Escape character of the Dockerfile (`\` or `` ` ``). */
  escapeChar?: string;
  /** Called for every variable reference (to detect uses). */
  onReference?: (name: string) => void;
}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;

class Lexer {
  pos = 0;
  constructor(
    readonly text: string,
    readonly lookup: VariableLookup,
    readonly escape: string,
    readonly onReference: ((name: string) => void) | undefined,
  ) {}

  /** Expand until one of `stops` (at nesting depth 0) or the end. */
  expandUntil(stops: string): string {
    let out = '';
    let inSingle = false;
    while (this.pos < this.text.length) {
      const ch = this.text[this.pos]!;
      if (!inSingle && stops.includes(ch)) break;
      if (ch === "'" && stops === '') {
        inSingle = !inSingle;
        out += ch;
        this.pos++;
        continue;
      }
      if (!inSingle && ch === this.escape && this.text[this.pos + 1] === '$') {
        out += '$';
        this.pos += 2;
        continue;
      }
      if (!inSingle && ch === '$') {
        out += this.dollar();
        continue;
      }
      out += ch;
      this.pos++;
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
      return this.modifier(name, value);
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

  private modifier(name: string, value: string | undefined): string {
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
        return trimPattern(value ?? '', pattern, op === '#' ? 'prefix' : 'suffix', longest);
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
        return substitute(value ?? '', pattern, replacement, all);
      }
      default: {
        // Unknown modifier: skip to the closing brace, keep the value.
        while (this.pos < t.length && t[this.pos] !== '}') this.pos++;
        this.pos++;
        void name;
        return value ?? '';
      }
    }
  }
}

/** Shell glob (`*`, `?`) to an anchored RegExp source. */
function globSource(pattern: string, greedy: boolean): string {
  let src = '';
  for (const ch of pattern) {
    if (ch === '*') src += greedy ? '.*' : '.*?';
    else if (ch === '?') src += '.';
    else src += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return src;
}

function trimPattern(value: string, pattern: string, side: 'prefix' | 'suffix', longest: boolean): string {
  if (side === 'prefix') {
    const re = new RegExp(`^${globSource(pattern, longest)}`, 's');
    return value.replace(re, '');
  }
  // Suffix: try candidate start positions; shortest suffix = latest start.
  const re = new RegExp(`^${globSource(pattern, true)}$`, 's');
  if (longest) {
    for (let i = 0; i <= value.length; i++) if (re.test(value.slice(i))) return value.slice(0, i);
  } else {
    for (let i = value.length; i >= 0; i--) if (re.test(value.slice(i))) return value.slice(0, i);
  }
  return value;
}

function substitute(value: string, pattern: string, replacement: string, all: boolean): string {
  if (pattern === '') return value;
  const re = new RegExp(globSource(pattern, true), all ? 'gs' : 's');
  return value.replace(re, () => replacement);
}

/** Expand Dockerfile variables in `text`. Unset variables expand to ''. */
export function expandVariables(text: string, lookup: VariableLookup, options: ExpandOptions = {}): string {
  if (!text.includes('$')) return text;
  const lexer = new Lexer(text, lookup, options.escapeChar ?? '\\', options.onReference);
  return lexer.expandUntil('');
}

/** Names referenced by `$X` / `${X...}` in `text` (including inside modifier words). */
export function referencedVariables(text: string): string[] {
  const names: string[] = [];
  expandVariables(text, () => undefined, { onReference: (n) => names.push(n) });
  return [...new Set(names)];
}
