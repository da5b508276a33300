/**
 * An offset-keeping shell scanner for RUN bodies. The parse model's tokenizer
 * answers "what does this command say"; the fixer also needs "where exactly is
 * each word in the file" so that it can edit one word and leave the user's
 * formatting (continuations, comments, quoting) untouched.
 */

export interface ScannedWord {
  /** Unquoted value (escapes resolved, `$VAR` kept as text). */
  value: string;
  /** Offsets into the scanned text: [start, end). */
  start: number;
  end: number;
  /** Which quote character the word used first, if any. */
  quote: '"' | "'" | null;
}

export interface ScannedCommand {
  words: ScannedWord[];
}

const OPS = ['&&', '||', ';', '|', '&', '(', ')', '\n'];

/**
 * Split `text[from, to)` into simple commands. `escapeChar` is the Dockerfile escape
 * character: `<escape><blanks>\n` is a line continuation (BuildKit removes it, and comment
 * lines inside a continuation, before the shell sees the text).
 */
export function scanShell(text: string, from: number, to: number, escapeChar = '\\'): ScannedCommand[] {
  const commands: ScannedCommand[] = [];
  let words: ScannedWord[] = [];
  let cur: ScannedWord | null = null;
  const flush = (end: number): void => {
    if (cur) {
      cur.end = end;
      words.push(cur);
      cur = null;
    }
  };
  const endCommand = (): void => {
    if (words.length > 0) commands.push({ words });
    words = [];
  };
  const continuationAt = (i: number): number => {
    // Returns the index after a continuation starting at i, or -1.
    if (text[i] !== escapeChar) return -1;
    let j = i + 1;
    while (j < to && (text[j] === ' ' || text[j] === '\t' || text[j] === '\r')) j++;
    if (j < to && text[j] === '\n') {
      j++;
      // Comment lines and blank lines inside a continuation are dropped by BuildKit.
      for (let m = /^[ \t]*(#[^\n]*)?\n/.exec(text.slice(j, to)); m; m = /^[ \t]*(#[^\n]*)?\n/.exec(text.slice(j, to))) {
        j += m[0].length;
      }
      return j;
    }
    return -1;
  };
  let i = from;
  while (i < to) {
    const cont = continuationAt(i);
    if (cont >= 0) {
      i = cont;
      continue;
    }
    const ch = text[i]!;
    if (ch === ' ' || ch === '\t' || ch === '\r') {
      flush(i);
      i++;
      continue;
    }
    if (ch === '#' && !cur) {
      while (i < to && text[i] !== '\n') i++;
      continue;
    }
    if (ch === '$' && text[i + 1] === '(') {
      cur ??= { value: '', start: i, end: i, quote: null };
      let depth = 0;
      let j = i + 1;
      for (; j < to; j++) {
        if (text[j] === '(') depth++;
        else if (text[j] === ')' && --depth === 0) break;
      }
      cur.value += text.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    const op = OPS.find((o) => text.startsWith(o, i));
    if (op !== undefined) {
      flush(i);
      endCommand();
      i += op.length;
      continue;
    }
    if (!cur) cur = { value: '', start: i, end: i, quote: null };
    const w: ScannedWord = cur;
    if (ch === "'") {
      const end = text.indexOf("'", i + 1);
      const stop = end < 0 || end >= to ? to : end;
      w.value += text.slice(i + 1, stop);
      w.quote ??= "'";
      i = stop + 1;
      continue;
    }
    if (ch === '"') {
      w.quote ??= '"';
      i++;
      while (i < to && text[i] !== '"') {
        const c2 = continuationAt(i);
        if (c2 >= 0) {
          i = c2;
          continue;
        }
        if (text[i] === '\\' && i + 1 < to && '"\\$`'.includes(text[i + 1]!)) {
          w.value += text[i + 1];
          i += 2;
          continue;
        }
        w.value += text[i];
        i++;
      }
      i++;
      continue;
    }
    // The shell's own escape (whatever the Dockerfile escape character is).
    if (ch === '\\' && i + 1 < to) {
      w.value += text[i + 1];
      i += 2;
      continue;
    }
    w.value += ch;
    i++;
  }
  flush(Math.min(i, to));
  endCommand();
  return commands;
}

const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

/** Flags of `go build` that take a separate value (`-o out`); see `go help build`. */
const VALUE_FLAGS = new Set([
  'o', 'ldflags', 'gcflags', 'asmflags', 'gccgoflags', 'tags', 'mod', 'modfile', 'p', 'buildmode', 'compiler',
  'installsuffix', 'overlay', 'pkgdir', 'pgo', 'C', 'coverpkg', 'covermode', 'toolexec', 'exec', 'buildvcs', 'cover',
]);
/** Boolean flags that only accept `-flag=value`, never a separate value word. */
const BOOL_FLAGS = new Set(['a', 'n', 'v', 'x', 'race', 'msan', 'asan', 'trimpath', 'work', 'linkshared', 'modcacherw', 'i', 'buildvcs', 'cover']);

export interface GoFlag {
  name: string;
  /** The flag word (`-ldflags` or `-ldflags=...`). */
  word: ScannedWord;
  /** The value word when separate; for `-name=value` the same as `word`. */
  valueWord?: ScannedWord;
  value?: string;
}

export interface GoBuildCommand {
  subcommand: 'build' | 'install';
  /** Environment assignments before `go` (`CGO_ENABLED=0`), including after `env`. */
  env: ScannedWord[];
  /** The first word of the command (an assignment, `env`, or `go`). */
  first: ScannedWord;
  goWord: ScannedWord;
  subWord: ScannedWord;
  flags: GoFlag[];
  packages: ScannedWord[];
}

/** Find `go build` / `go install` invocations among scanned commands. */
export function findGoBuilds(commands: ScannedCommand[]): GoBuildCommand[] {
  const out: GoBuildCommand[] = [];
  for (const { words } of commands) {
    let k = 0;
    const env: ScannedWord[] = [];
    if (words[k]?.value === 'env') k++;
    while (k < words.length && ASSIGNMENT.test(words[k]!.value) && words[k]!.quote === null) env.push(words[k++]!);
    if (words[k]?.value === 'env') {
      k++;
      while (k < words.length && ASSIGNMENT.test(words[k]!.value)) env.push(words[k++]!);
    }
    const goWord = words[k];
    const subWord = words[k + 1];
    if (!goWord || !subWord || !/(^|\/)go$/.test(goWord.value)) continue;
    if (subWord.value !== 'build' && subWord.value !== 'install') continue;
    const flags: GoFlag[] = [];
    const packages: ScannedWord[] = [];
    for (let j = k + 2; j < words.length; j++) {
      const w = words[j]!;
      if (w.value.startsWith('-') && packages.length === 0) {
        const m = /^--?([A-Za-z]+)(=([\s\S]*))?$/.exec(w.value);
        if (!m) continue;
        const name = m[1]!;
        if (m[2] !== undefined) {
          flags.push({ name, word: w, valueWord: w, value: m[3]! });
        } else if (VALUE_FLAGS.has(name) && !BOOL_FLAGS.has(name) && j + 1 < words.length) {
          flags.push({ name, word: w, valueWord: words[j + 1]!, value: words[j + 1]!.value });
          j++;
        } else {
          flags.push({ name, word: w });
        }
        continue;
      }
      packages.push(w);
    }
    out.push({ subcommand: subWord.value as 'build' | 'install', env, first: words[0]!, goWord, subWord, flags, packages });
  }
  return out;
}

export function flagOf(cmd: GoBuildCommand, name: string): GoFlag | undefined {
  return cmd.flags.find((f) => f.name === name);
}

export function envOf(cmd: GoBuildCommand, name: string): ScannedWord | undefined {
  return cmd.env.find((w) => w.value.startsWith(`${name}=`));
}

/** Does this word reference a shell feature exec form cannot carry? (expansion, globbing, redirection) */
export function needsShell(text: string): boolean {
  return /[$`*?<>|;&(){}~]|\[|^\s*$/.test(text);
}
