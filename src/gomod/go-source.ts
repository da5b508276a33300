/**
 * Pure facts about one Go source file, read without a Go toolchain: the package
 * clause, the imported paths, `//go:embed` patterns and `//go:build` constraints.
 * A small lexer skips comments and string literals so that text inside them is
 * never mistaken for code (https://go.dev/ref/spec#Lexical_elements).
 */

export interface GoFileFacts {
  packageName?: string;
  imports: string[];
  /** Patterns of every `//go:embed` directive, relative to the file's directory. */
  embeds: string[];
  /** The `//go:build` expression, if any. */
  buildConstraint?: string;
  /** Whether the source mentions a health probe the binary runs itself (flag or subcommand). */
  healthcheck?: HealthProbe;
}

export interface HealthProbe {
  kind: 'flag' | 'subcommand';
  /** The word to pass: "-healthcheck" for a flag, "healthcheck" for a subcommand. */
  arg: string;
}

interface Token {
  kind: 'ident' | 'string' | 'punct' | 'comment';
  text: string;
  /** String value (for strings) or comment text (for comments). */
  value: string;
  line: number;
}

/** Minimal Go tokenizer: identifiers, strings, single-char punctuation, comments. */
export function tokenizeGo(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  const n = src.length;
  while (i < n) {
    const c = src[i]!;
    if (c === '\n') {
      line++;
      i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === '/' && src[i + 1] === '/') {
      let j = src.indexOf('\n', i);
      if (j < 0) j = n;
      out.push({ kind: 'comment', text: src.slice(i, j), value: src.slice(i + 2, j), line });
      i = j;
      continue;
    }
    if (c === '/' && src[i + 1] === '*') {
      let j = src.indexOf('*/', i + 2);
      if (j < 0) j = n - 2;
      const text = src.slice(i, j + 2);
      out.push({ kind: 'comment', text, value: text.slice(2, -2), line });
      line += text.split('\n').length - 1;
      i = j + 2;
      continue;
    }
    if (c === '`') {
      let j = src.indexOf('`', i + 1);
      if (j < 0) j = n - 1;
      const text = src.slice(i, j + 1);
      out.push({ kind: 'string', text, value: text.slice(1, -1), line });
      line += text.split('\n').length - 1;
      i = j + 1;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < n && src[j] !== c && src[j] !== '\n') j += src[j] === '\\' ? 2 : 1;
      const text = src.slice(i, j + 1);
      out.push({ kind: 'string', text, value: unquote(text), line });
      i = j + 1;
      continue;
    }
    if (/[A-Za-z_\u0080-\uffff]/.test(c)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_\u0080-\uffff]/.test(src[j]!)) j++;
      out.push({ kind: 'ident', text: src.slice(i, j), value: src.slice(i, j), line });
      i = j;
      continue;
    }
    if (/[0-9]/.test(c)) {
      let j = i + 1;
      while (j < n && /[0-9A-Za-z_.]/.test(src[j]!)) j++;
      i = j;
      continue;
    }
    out.push({ kind: 'punct', text: c, value: c, line });
    i++;
  }
  return out;
}

function unquote(text: string): string {
  if (text.startsWith('"')) {
    try {
      return JSON.parse(text) as string;
    } catch {
      return text.slice(1, -1);
    }
  }
  return text.slice(1, -1);
}

/** Split a `//go:embed` argument list: space-separated, Go-quoted patterns allowed. */
export function splitEmbedPatterns(args: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|`([^`]*)`|(\S+)/g;
  for (let m = re.exec(args); m !== null; m = re.exec(args)) {
    out.push(m[1] !== undefined ? (JSON.parse(`"${m[1]}"`) as string) : (m[2] ?? m[3]!));
  }
  return out;
}

/** Extract the facts goslim needs from one Go file's text. */
export function goFileFacts(src: string): GoFileFacts {
  const toks = tokenizeGo(src);
  const facts: GoFileFacts = { imports: [], embeds: [] };
  let i = 0;
  // Header comments: //go:build must appear before the package clause.
  for (; i < toks.length && toks[i]!.kind === 'comment'; i++) {
    const m = /^go:build\s+(.*)$/.exec(toks[i]!.value.trim());
    if (m && toks[i]!.text.startsWith('//')) facts.buildConstraint = m[1]!.trim();
  }
  if (toks[i]?.text === 'package' && toks[i + 1]?.kind === 'ident') {
    facts.packageName = toks[i + 1]!.text;
    i += 2;
  }
  // Import declarations follow the package clause.
  const code = toks.slice(i).filter((t) => t.kind !== 'comment');
  let k = 0;
  while (code[k]?.text === ';') k++;
  while (code[k]?.text === 'import') {
    k++;
    if (code[k]?.text === '(') {
      k++;
      while (k < code.length && code[k]!.text !== ')') {
        if (code[k]!.kind === 'string') facts.imports.push(code[k]!.value);
        k++;
      }
      k++;
    } else {
      // optional name: `import x "path"`, `import . "path"`, `import _ "path"`
      if (code[k]?.kind !== 'string') k++;
      if (code[k]?.kind === 'string') facts.imports.push(code[k]!.value);
      k++;
    }
    while (code[k]?.text === ';') k++;
  }
  for (const t of toks) {
    if (t.kind !== 'comment' || !t.text.startsWith('//go:embed')) continue;
    const rest = t.text.slice('//go:embed'.length);
    if (rest !== '' && !/^\s/.test(rest)) continue;
    facts.embeds.push(...splitEmbedPatterns(rest));
  }
  const probe = findHealthProbe(toks);
  if (probe !== undefined) facts.healthcheck = probe;
  return facts;
}

const PROBE_NAMES = new Set(['healthcheck', 'health-check', 'health', 'healthz']);

/**
 * A probe the binary runs itself, so HEALTHCHECK works without curl or a shell:
 *  - a flag: flag.Bool("healthcheck", ...) / flag.BoolVar(&v, "healthcheck", ...) (the std flag
 *    package accepts both -name and --name);
 *  - a subcommand: a string literal "healthcheck" compared with os.Args[1] or used as a `case`.
 */
function findHealthProbe(toks: Token[]): HealthProbe | undefined {
  const code = toks.filter((t) => t.kind !== 'comment');
  let sub: HealthProbe | undefined;
  for (let i = 0; i < code.length; i++) {
    const t = code[i]!;
    if (t.kind !== 'string' || !PROBE_NAMES.has(t.value)) continue;
    // flag.Bool("x" / flag.BoolVar(&v, "x" / fs.Bool("x": a call whose name starts with Bool
    for (let j = i - 1; j >= Math.max(0, i - 8); j--) {
      const p = code[j]!;
      if (p.kind === 'ident' && /^Bool(Var)?$/.test(p.text) && code[j - 1]?.text === '.') {
        return { kind: 'flag', arg: `-${t.value}` };
      }
      if (p.text === ';' || p.text === '{' || p.text === '}') break;
    }
    const prev = code[i - 1];
    const prev2 = code[i - 2];
    if (prev?.text === 'case' || (prev?.text === '=' && prev2?.text === '=')) {
      // `case "healthcheck":` or `os.Args[1] == "healthcheck"`: a subcommand, unless it is a flag name
      if (sub === undefined && !t.value.startsWith('-')) sub = { kind: 'subcommand', arg: t.value };
    }
  }
  return sub;
}

/** Whether a file's `//go:build` expression excludes it from a linux build (pragmatic: ignore, windows-only, ...). */
export function excludedFromLinuxBuild(constraint: string | undefined): boolean {
  if (constraint === undefined) return false;
  const c = constraint.replace(/\s+/g, '');
  if (c === 'ignore' || c === 'tools') return true;
  // A single positive tag for another OS.
  return /^(windows|darwin|freebsd|openbsd|netbsd|plan9|js|wasip1|solaris|aix|ios|android)$/.test(c);
}
