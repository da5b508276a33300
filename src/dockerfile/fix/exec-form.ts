/**
 * Shell form -> exec form for CMD/ENTRYPOINT/HEALTHCHECK. A shell-form command
 * runs as `/bin/sh -c "..."`, which does not exist on distroless or scratch.
 * The conversion is only made when it cannot change meaning: no expansion,
 * globbing, redirection, pipes or lists; otherwise the caller leaves a TODO.
 */
import { tokenizeShell } from '../parse/shell-words.js';

/** Words of a shell-form command when exec form means the same thing, else null. */
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

/** `["/bin/sh", "-c", "./greeter"]`: the inner command, or null when it is not a sh -c wrapper. */
export function unwrapShC(exec: string[]): string | null {
  if (exec.length === 3 && /^(\/usr)?\/bin\/(ba|da)?sh$|^(ba|da)?sh$/.test(exec[0]!) && exec[1] === '-c') return exec[2]!;
  return null;
}

export function renderExec(words: string[]): string {
  return `[${words.map((w) => JSON.stringify(w)).join(', ')}]`;
}
