/**
 * Shell form -> exec form for CMD/ENTRYPOINT/HEALTHCHECK. A shell-form command
 * runs as `/bin/sh -c "..."`, which does not exist on distroless or scratch.
 * The conversion is only made when it cannot change meaning (`execWordsOf` in
 * parse/shell-words.ts, which lint G005 reads too); otherwise the caller leaves a TODO.
 */

/** An exec-form JSON array. */
export function renderExec(words: string[]): string {
  return `[${words.map((w) => JSON.stringify(w)).join(', ')}]`;
}
