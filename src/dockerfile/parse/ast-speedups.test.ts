import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DockerfileParser } from 'dockerfile-ast';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../test/helpers/images.js';
import { installAstSpeedups } from './ast-speedups.js';

type R = { start: { line: number; character: number }; end: { line: number; character: number } };
/** dockerfile-ast's own assignment (organizeComments as the library writes it), recomputed from a parse. */
function naive(text: string): number[][] {
  const d = DockerfileParser.parse(text) as unknown as {
    getComments(): Array<{ getRange(): R }>;
    initialInstructions: { getRange(): R };
    buildStages: Array<{ getRange(): R }>;
  };
  const inside = (p: R['start'], r: R): boolean =>
    r.start.line === r.end.line
      ? r.start.line === p.line && r.start.character <= p.character && p.character <= r.end.character
      : r.start.line === p.line
        ? r.start.character <= p.character
        : r.end.line === p.line
          ? p.character <= r.end.character
          : r.start.line < p.line && p.line < r.end.line;
  return d.getComments().map((c) => {
    if (inside(c.getRange().end, d.initialInstructions.getRange())) return [-1];
    return d.buildStages.flatMap((s, i) => (inside(c.getRange().start, s.getRange()) ? [i] : []));
  });
}
function patched(text: string): number[][] {
  installAstSpeedups();
  const d = DockerfileParser.parse(text) as unknown as {
    getComments(): unknown[];
    initialInstructions: { getComments(): unknown[] };
    buildStages: Array<{ getComments(): unknown[] }>;
  };
  return d.getComments().map((c) => {
    if (d.initialInstructions.getComments().includes(c)) return [-1];
    return d.buildStages.flatMap((s, i) => (s.getComments().includes(c) ? [i] : []));
  });
}

describe('dockerfile-ast organizeComments replacement', () => {
  it('assigns comments to stages exactly as the library does (corpus and edge shapes)', () => {
    const dir = join(REPO_ROOT, 'test/fixtures/dockerfiles');
    const texts = readdirSync(dir)
      .filter((f) => f.endsWith('.Dockerfile'))
      .map((f) => readFileSync(join(dir, f), 'utf8'));
    texts.push(
      '# top\nARG A\n# before from\nFROM a AS x\n# in x\nRUN x # not a comment\n  # indented\nFROM b\n# trailing\n',
      'FROM a\nRUN a \\\n# inside continuation\n  b\n# after\nFROM c\n#\n',
      '# only comments\n# here\n',
      'FROM a\n\n\n# far below\n',
    );
    for (const t of texts) expect(patched(t)).toEqual(naive(t));
  });
});

describe('dockerfile-ast argument cache', () => {
  it('gives the same arguments, flags, images and properties as uncached parsing, call after call', async () => {
    const { uncachedRawArguments } = await import('./ast-speedups.js');
    const dir = join(REPO_ROOT, 'test/fixtures/dockerfiles');
    const texts = readdirSync(dir)
      .filter((f) => f.endsWith('.Dockerfile'))
      .map((f) => readFileSync(join(dir, f), 'utf8'));
    texts.push('FROM --platform=$X a AS b\nCOPY --from=b --chown=1:1 /a /b\nRUN --mount=type=cache,target=/x <<EOF\necho\nEOF\nENV A=1 B="2 3"\nHEALTHCHECK --interval=5s CMD true\nONBUILD RUN x\n');
    installAstSpeedups();
    const view = (a: unknown[]): unknown => (a as Array<{ getValue(): string; getRange(): unknown }>).map((x) => [x.getValue(), x.getRange()]);
    for (const t of texts) {
      for (const i of DockerfileParser.parse(t).getInstructions()) {
        const want = view(uncachedRawArguments(i));
        for (let k = 0; k < 3; k++) {
          // getArguments() of flag-taking instructions shifts the array it gets: the cache must not see that.
          expect(view((i as unknown as { getRawArguments(): Parameters<typeof view>[0] }).getRawArguments())).toEqual(want);
          void i.getArguments();
          void (i as unknown as { getFlags?: () => unknown[] }).getFlags?.();
        }
      }
    }
  });
});
