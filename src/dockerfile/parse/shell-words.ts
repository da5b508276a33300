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
}

export type ShellToken = { type: 'word'; word: ShellWord } | { type: 'op'; op: string };

const OPERATORS = ['&&', '||', ';;', ';', '|', '&', '\n', '(', ')'];

/** Tokenize shell text. Unterminated quotes end at the end of input (lenient: this is analysis). */
export function tokenizeShell(text: string): ShellToken[] {
  const tokens: ShellToken[] = [];
  let i = 0;
  let cur = '';
  let quoted = false;
  let inWord = false;
  const flush = (): void => {
    if (inWord) tokens.push({ type: 'word', word: { value: cur, quoted } });
    cur = '';
    quoted = false;
    inWord = false;
  };
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '\\') {
      const next = text[i + 1];
      if (next === '\n') {
        i += 2;
        continue;
      }
      if (next !== undefined) {
        cur += next;
        inWord = true;
        i += 2;
        continue;
      }
      i++;
      continue;
    }
    if (ch === "'") {
      const end = text.indexOf("'", i + 1);
      const stop = end < 0 ? text.length : end;
      cur += text.slice(i + 1, stop);
      quoted = true;
      inWord = true;
      i = stop + 1;
      continue;
    }
    if (ch === '"') {
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < text.length && '"\\$`\n'.includes(text[i + 1]!)) {
          if (text[i + 1] !== '\n') cur += text[i + 1];
          i += 2;
          continue;
        }
        if (text[i] === '$' && text[i + 1] === '(') {
          const end = matchParen(text, i + 1);
          cur += text.slice(i, end);
          i = end;
          continue;
        }
        cur += text[i];
        i++;
      }
      i++;
      quoted = true;
      inWord = true;
      continue;
    }
    if (ch === '$' && text[i + 1] === '(') {
      const end = matchParen(text, i + 1);
      cur += text.slice(i, end);
      inWord = true;
      i = end;
      continue;
    }
    if (ch === '`') {
      const end = text.indexOf('`', i + 1);
      const stop = end < 0 ? text.length : end + 1;
      cur += text.slice(i, stop);
      inWord = true;
      i = stop;
      continue;
    }
    if (ch === '#' && !inWord) {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\r') {
      flush();
      i++;
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (op !== undefined) {
      flush();
      tokens.push({ type: 'op', op });
      i += op.length;
      continue;
    }
    cur += ch;
    inWord = true;
    i++;
  }
  flush();
  return tokens;
}

/** Index just past the `)` matching the `(` at `open`. */
function matchParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return text.length;
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
