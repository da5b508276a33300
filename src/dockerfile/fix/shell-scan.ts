/**
 * The fixer's view of `go build` / `go install` commands with the exact offsets of every word, so
 * that it can edit one word and leave the user's formatting (continuations, comments, quoting)
 * untouched. The words come from the parse layer's shell tokenizer (parse/shell-words.ts), the
 * same one lint's Go-build analysis reads; the flag table is go-build.ts's.
 */
import { GO_BUILD_VALUE_FLAGS } from '../go-build.js';
import { tokenizeShell, type ShellWord } from '../parse/shell-words.js';

/** A word with its offsets in the scanned text. */
export type ScannedWord = ShellWord;

export interface ScannedCommand {
  words: ScannedWord[];
}

/**
 * Split `text[from, to)` into simple commands. `escapeChar` is the Dockerfile escape
 * character: `<escape><blanks>\n` is a line continuation (BuildKit removes it, and comment
 * lines inside a continuation, before the shell sees the text).
 */
export function scanShell(text: string, from: number, to: number, escapeChar = '\\'): ScannedCommand[] {
  const commands: ScannedCommand[] = [];
  let words: ScannedWord[] = [];
  for (const t of tokenizeShell(text, { from, to, dockerfileEscape: escapeChar })) {
    if (t.type === 'word') words.push(t.word);
    else {
      if (words.length > 0) commands.push({ words });
      words = [];
    }
  }
  if (words.length > 0) commands.push({ words });
  return commands;
}

const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

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
        } else if (GO_BUILD_VALUE_FLAGS.has(name) && j + 1 < words.length) {
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
