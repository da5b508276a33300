/**
 * A small POSIX-shell tokenizer: enough to find simple commands and their
 * words inside RUN bodies (`&&`, `||`, `;`, `|`, newlines, quotes, escapes,
 * `$(...)`, comments). It does not evaluate anything; words keep `$VAR`
 * references as text. Pure, no I/O.
 */

export interface ShellWord {
  /** The word with quotes removed and escapes resolved. */
  value: string;
  /** True when any part of the word was quoted. */
  quoted: boolean;
  /** Offsets of the word in the tokenized text: [start, end). The fixer edits single words by them. */
  start: number;
  end: number;
  /** The first quote character the word used, if any. */
  quote: '"' | "'" | null;
}

export type ShellToken = { type: 'word'; word: ShellWord } | { type: 'op'; op: string };

export interface TokenizeOptions {
  /** First offset to read (default 0). */
  from?: number;
  /** Offset to stop at (default the text's length). */
  to?: number;
  /**
   * Set when the text is raw Dockerfile source rather than an instruction body: the Dockerfile
   * escape character. `<escape><blanks>\n` is then a line continuation, and blank and comment lines
   * inside a continuation are dropped (BuildKit removes both before the shell sees the text).
   */
  dockerfileEscape?: string;
}

const OPERATORS = ['&&', '||', ';;', ';', '|', '&', '\n', '(', ')'];

/** Index after a Dockerfile line continuation starting at `i`, or -1 (linear: one pass over the lines it skips). */
function continuationEnd(text: string, i: number, to: number, escapeChar: string): number {
  if (text[i] !== escapeChar) return -1;
  let j = i + 1;
  while (j < to && (text[j] === ' ' || text[j] === '\t' || text[j] === '\r')) j++;
  if (j >= to || text[j] !== '\n') return -1;
  j++;
  // Blank lines and comment lines inside a continuation.
  for (;;) {
    let k = j;
    while (k < to && (text[k] === ' ' || text[k] === '\t')) k++;
    if (k < to && text[k] === '#') {
      while (k < to && text[k] !== '\n') k++;
    }
    if (k < to && text[k] === '\n') j = k + 1;
    else return j;
  }
}

/**
 * Tokenize shell text. Unterminated quotes end at the end of input (lenient: this is analysis).
 * Words keep their offsets in `text`, so the fixer can rewrite one word and leave the rest as written.
 */
export function tokenizeShell(text: string, options: TokenizeOptions = {}): ShellToken[] {
  const tokens: ShellToken[] = [];
  const to = Math.min(options.to ?? text.length, text.length);
  const esc = options.dockerfileEscape;
  let i = options.from ?? 0;
  let cur = '';
  let quoted = false;
  let inWord = false;
  let start = 0;
  let quote: '"' | "'" | null = null;
  const flush = (end: number): void => {
    if (inWord) tokens.push({ type: 'word', word: { value: cur, quoted, start, end, quote } });
    cur = '';
    quoted = false;
    inWord = false;
    quote = null;
  };
  while (i < to) {
    const ch = text[i]!;
    if (ch === esc) {
      const c = continuationEnd(text, i, to, esc);
      if (c >= 0) {
        i = c;
        continue;
      }
    }
    if (ch === '\\') {
      const next = i + 1 < to ? text[i + 1] : undefined;
      if (next === '\n') {
        i += 2;
        continue;
      }
      if (next !== undefined) {
        if (!inWord) {
          inWord = true;
          start = i;
        }
        cur += next;
        i += 2;
        continue;
      }
      i++;
      continue;
    }
    if (ch === "'") {
      if (!inWord) {
        inWord = true;
        start = i;
      }
      const end = text.indexOf("'", i + 1);
      const stop = end < 0 || end >= to ? to : end;
      cur += text.slice(i + 1, stop);
      quoted = true;
      quote ??= "'";
      i = stop + 1;
      continue;
    }
    if (ch === '"') {
      if (!inWord) {
        inWord = true;
        start = i;
      }
      quote ??= '"';
      i++;
      while (i < to && text[i] !== '"') {
        if (text[i] === esc) {
          const c = continuationEnd(text, i, to, esc!);
          if (c >= 0) {
            i = c;
            continue;
          }
        }
        if (text[i] === '\\' && i + 1 < to && '"\\$`\n'.includes(text[i + 1]!)) {
          if (text[i + 1] !== '\n') cur += text[i + 1];
          i += 2;
          continue;
        }
        if (text[i] === '$' && text[i + 1] === '(') {
          const end = matchParen(text, i + 1, to);
          cur += text.slice(i, end);
          i = end;
          continue;
        }
        cur += text[i];
        i++;
      }
      i++;
      quoted = true;
      continue;
    }
    if (ch === '$' && text[i + 1] === '(') {
      if (!inWord) {
        inWord = true;
        start = i;
      }
      const end = matchParen(text, i + 1, to);
      cur += text.slice(i, end);
      i = end;
      continue;
    }
    if (ch === '`') {
      if (!inWord) {
        inWord = true;
        start = i;
      }
      const end = text.indexOf('`', i + 1);
      const stop = end < 0 || end >= to ? to : end + 1;
      cur += text.slice(i, stop);
      i = stop;
      continue;
    }
    if (ch === '#' && !inWord) {
      while (i < to && text[i] !== '\n') i++;
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\r') {
      flush(i);
      i++;
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (op !== undefined) {
      flush(i);
      tokens.push({ type: 'op', op });
      i += op.length;
      continue;
    }
    if (!inWord) {
      inWord = true;
      start = i;
    }
    cur += ch;
    i++;
  }
  flush(Math.min(i, to));
  return tokens;
}

/** Index just past the `)` matching the `(` at `open` (or `to` when there is none). */
function matchParen(text: string, open: number, to: number = text.length): number {
  let depth = 0;
  for (let i = open; i < to; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return to;
}

/** Split shell text into simple commands (word lists), separated by any control operator. */
export function splitSimpleCommands(text: string): ShellWord[][] {
  const commands: ShellWord[][] = [];
  let current: ShellWord[] = [];
  for (const t of tokenizeShell(text)) {
    if (t.type === 'word') current.push(t.word);
    else {
      if (current.length > 0) commands.push(current);
      current = [];
    }
  }
  if (current.length > 0) commands.push(current);
  return commands;
}

/** Split text into words only (operators are kept as plain words). Used for ARG/ENV-like lists. */
export function splitWords(text: string): string[] {
  return tokenizeShell(text).map((t) => (t.type === 'word' ? t.word.value : t.op)).filter((w) => w !== '\n');
}

/** A POSIX shell program (`sh`, `bash`, `ash`, `dash`, by name or path): what runs a `-c` script and a shell-form command. */
export function isShellProgram(program: string): boolean {
  // Called for every simple command of every RUN: a suffix test first.
  if (!program.endsWith('sh')) return false;
  const name = program.slice(program.lastIndexOf('/') + 1);
  return name === 'sh' || name === 'bash' || name === 'ash' || name === 'dash';
}

/** The script of an exec-form `[<shell>, "-c", <script>]` (a RUN, CMD or ENTRYPOINT that only wraps a shell), else null. */
export function shellCScript(exec: readonly string[]): string | null {
  return exec.length === 3 && isShellProgram(exec[0]!) && exec[1] === '-c' ? exec[2]! : null;
}

/**
 * Words of a shell-form command when exec form means the same thing, else null: no expansion,
 * globbing, redirection, pipes or lists (lint G005 suggests them, fix writes them).
 */
export function execWordsOf(body: string): string[] | null {
  const t = body.trim();
  if (t === '' || /[$`*?<>|;&(){}~[\]\\#]/.test(t)) return null;
  const toks = tokenizeShell(t);
  if (toks.some((x) => x.type === 'op')) return null;
  const words = toks.map((x) => (x.type === 'word' ? x.word.value : ''));
  // `exec foo` under sh is just foo.
  if (words[0] === 'exec' && words.length > 1) words.shift();
  return words;
}
