import { describe, expect, it } from 'vitest';
import { isIgnored, parseDockerignore } from '../dockerignore.js';
import { dockerignoreExcludes } from '../rules/g020-dockerignore.js';
import { execWordsOf, unwrapShC } from './exec-form.js';
import { findGoBuilds, scanShell } from './shell-scan.js';
import { applyUnifiedDiff, unifiedDiff } from './unified-diff.js';
import { outputNameFor } from './run-rewrite.js';

describe('.dockerignore matching', () => {
  it('follows last-match-wins with negation, ** and anchored patterns', () => {
    const rules = parseDockerignore('# c\n.git\n*.md\n!README.md\n/bin\n**/*.test\ndocs/\n');
    expect(isIgnored(rules, '.git')).toBe(true);
    expect(isIgnored(rules, 'CHANGES.md')).toBe(true);
    expect(isIgnored(rules, 'README.md')).toBe(false);
    expect(isIgnored(rules, 'bin')).toBe(true);
    expect(isIgnored(rules, 'pkg/x.test')).toBe(true);
    expect(isIgnored(rules, 'docs')).toBe(true);
    expect(isIgnored(rules, 'templates')).toBe(false);
  });

  it('is the one matcher lint G020 uses: `**/` matches whole directories only', () => {
    const rules = parseDockerignore('**/.git\n');
    expect(isIgnored(rules, '.git')).toBe(true);
    expect(isIgnored(rules, 'sub/.git')).toBe(true);
    expect(isIgnored(rules, 'a.git')).toBe(false);
    expect(dockerignoreExcludes('**/.git\n', 'a.git')).toBe(false);
  });
});

describe('shell scanning with offsets', () => {
  it('finds go build through env prefixes, env, &&, continuations and comment lines, with exact offsets', () => {
    const text = 'RUN apt-get update && \\\n  # comment\n  env CGO_ENABLED=1 go build -o "/out/my app" -ldflags=\'-X a=b\' ./cmd/x; echo done';
    const builds = findGoBuilds(scanShell(text, 4, text.length));
    expect(builds).toHaveLength(1);
    const b = builds[0]!;
    expect(b.env.map((w) => w.value)).toEqual(['CGO_ENABLED=1']);
    expect(b.flags.map((f) => [f.name, f.value])).toEqual([
      ['o', '/out/my app'],
      ['ldflags', '-X a=b'],
    ]);
    expect(b.packages.map((p) => p.value)).toEqual(['./cmd/x']);
    expect(text.slice(b.flags[0]!.valueWord!.start, b.flags[0]!.valueWord!.end)).toBe('"/out/my app"');
  });

  it('words come from the parse tokenizer (one copy): backticks stay one word, offsets point into the raw text', () => {
    const text = 'RUN go build -ldflags "-X main.v=`git describe`" \\\n\n  # c\n  -o /out/app .';
    const builds = findGoBuilds(scanShell(text, 4, text.length));
    expect(builds).toHaveLength(1);
    const b = builds[0]!;
    expect(b.flags.map((f) => [f.name, f.value])).toEqual([
      ['ldflags', '-X main.v=`git describe`'],
      ['o', '/out/app'],
    ]);
    expect(b.packages.map((p) => [p.value, text.slice(p.start, p.end)])).toEqual([['.', '.']]);
    expect(text.slice(b.flags[1]!.valueWord!.start, b.flags[1]!.valueWord!.end)).toBe('/out/app');
  });

  it('exec-form conversion refuses shell syntax and unwraps sh -c', () => {
    expect(execWordsOf('greeter -addr :80')).toEqual(['greeter', '-addr', ':80']);
    expect(execWordsOf('exec /app "a b"')).toEqual(['/app', 'a b']);
    for (const s of ['/app --port $PORT', './run.sh && x', 'a > log', 'a | b', 'echo *']) expect(execWordsOf(s)).toBeNull();
    expect(unwrapShC(['/bin/sh', '-c', './greeter'])).toBe('./greeter');
    expect(unwrapShC(['/app', '-c', 'x'])).toBeNull();
  });

  it('names outputs the way go build does', () => {
    expect(outputNameFor('./cmd/api', undefined, false)).toBe('api');
    expect(outputNameFor('example.com/x/v2', undefined, false)).toBe('x');
    expect(outputNameFor('.', 'example.com/notes', true)).toBe('notes');
    expect(outputNameFor('./...', undefined, false)).toBeUndefined();
  });
});

describe('unified diff', () => {
  it('handles missing final newlines and pure insertions', () => {
    for (const [a, b] of [
      ['a\nb\nc', 'a\nB\nc\n'],
      ['', 'x\n'],
      ['a\nb', 'X\nb'],
      ['a\nb\n', 'a\nb'],
      ['x\n', ''],
      ['1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n', '1\n2\nnew\n3\n4\n5\n6\n7\n8\n9\n10\nend\n'],
    ] as const) {
      const d = unifiedDiff(a, b, 'a', 'b');
      expect(d.startsWith('--- a\n+++ b\n@@ -')).toBe(true);
      expect(applyUnifiedDiff(a, d)).toBe(b);
    }
    expect(unifiedDiff('same\n', 'same\n', 'a', 'b')).toBe('');
  });
});
