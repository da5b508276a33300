import { describe, expect, it } from 'vitest';
import { isIgnored, parseDockerignore } from '../dockerignore.js';
import { dockerignoreExcludes } from '../rules/g020-dockerignore.js';
import { execWordsOf, shellCScript } from '../parse/shell-words.js';
import { analyzeGoBuilds } from '../go-build.js';
import { parseDockerfile } from '../parse/parse-dockerfile.js';
import { applyUnifiedDiff, unifiedDiff } from './unified-diff.js';

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

describe('go build words with offsets (lint\'s analysis, go-build.ts `located`)', () => {
  const located = (text: string) => {
    const b = analyzeGoBuilds(parseDockerfile(text)).builds[0]!;
    expect(b.located).not.toBeNull();
    return { b, w: b.located!, instr: b.instruction };
  };

  it('finds go build through env prefixes, env, &&, continuations and comment lines, with exact offsets', () => {
    const text = 'FROM golang:1.22\nRUN apt-get update && \\\n  # comment\n  env CGO_ENABLED=1 go build -o "/out/my app" -ldflags=\'-X a=b\' ./cmd/x; echo done\n';
    const { b, w, instr } = located(text);
    expect(b.site).toBe('shell');
    expect(w.env.map((e) => e.value)).toEqual(['CGO_ENABLED=1']);
    expect(w.flags.map((f) => [f.name, f.value])).toEqual([
      ['o', '/out/my app'],
      ['ldflags', '-X a=b'],
    ]);
    expect(w.packages.map((p) => p.value)).toEqual(['./cmd/x']);
    expect(instr.text.slice(w.flags[0]!.valueWord!.start, w.flags[0]!.valueWord!.end)).toBe('"/out/my app"');
    expect(instr.text.slice(w.goWord.start, w.subWord.end)).toBe('go build');
    expect(b.outputPath).toBe('/out/my app');
  });

  it('backticks stay one word, offsets point into the raw text across blank and comment lines', () => {
    const text = 'FROM golang:1.22\nRUN go build -ldflags "-X main.v=`git describe`" \\\n\n  # c\n  -o /out/app .\n';
    const { w, instr } = located(text);
    expect(w.flags.map((f) => [f.name, f.value])).toEqual([
      ['ldflags', '-X main.v=`git describe`'],
      ['o', '/out/app'],
    ]);
    expect(w.packages.map((p) => [p.value, instr.text.slice(p.start, p.end)])).toEqual([['.', '.']]);
    expect(instr.text.slice(w.flags[1]!.valueWord!.start, w.flags[1]!.valueWord!.end)).toBe('/out/app');
  });

  it('locates words inside sh -c strings, exec-form elements and heredoc bodies, with the quoting around them', () => {
    const shc = located('FROM golang:1.22\nRUN sh -c "cd /src && CGO_ENABLED=1 go build -o /app ./cmd/app"\n');
    expect(shc.b.site).toBe('sh-c');
    expect(shc.w.quoting).toEqual(['"']);
    expect(shc.instr.text.slice(shc.w.env[0]!.start, shc.w.packages[0]!.end)).toBe('CGO_ENABLED=1 go build -o /app ./cmd/app');
    const exec = located('FROM golang:1.22\nRUN ["/bin/sh", "-c", "go build -o /app ."]\n');
    expect(exec.w.quoting).toEqual(['json']);
    expect(exec.instr.text.slice(exec.w.goWord.start, exec.w.packages[0]!.end)).toBe('go build -o /app .');
    const plain = located('FROM golang:1.22\nRUN ["go", "build", "-o", "/app", "."]\n');
    expect(plain.b.site).toBe('exec');
    expect(plain.instr.text.slice(plain.w.flags[0]!.valueWord!.start, plain.w.flags[0]!.valueWord!.end)).toBe('"/app"');
    const here = located('FROM golang:1.22\nRUN <<EOF\nset -e\ngo build -o /app .\nEOF\n');
    expect(here.b.site).toBe('heredoc');
    expect(here.instr.text.slice(here.w.goWord.start, here.w.packages[0]!.end)).toBe('go build -o /app .');
  });

  it('says why a command has no place in the text: escapes in a sh -c string, a <<- heredoc', () => {
    const esc = analyzeGoBuilds(parseDockerfile('FROM golang:1.22\nRUN sh -c "go build -ldflags \\"-X a=b\\" -o /app ."\n')).builds[0]!;
    expect(esc.located).toBeNull();
    expect(esc.unlocated).toMatch(/escapes/);
    expect(esc.outputPath).toBe('/app');
    const tabs = analyzeGoBuilds(parseDockerfile('FROM golang:1.22\nRUN <<-EOF\n\tgo build -o /app .\n\tEOF\n')).builds[0]!;
    expect(tabs.located).toBeNull();
    expect(tabs.unlocated).toMatch(/strips tabs/);
  });

  it('exec-form conversion refuses shell syntax and unwraps sh -c', () => {
    expect(execWordsOf('greeter -addr :80')).toEqual(['greeter', '-addr', ':80']);
    expect(execWordsOf('exec /app "a b"')).toEqual(['/app', 'a b']);
    for (const s of ['/app --port $PORT', './run.sh && x', 'a > log', 'a | b', 'echo *']) expect(execWordsOf(s)).toBeNull();
    expect(shellCScript(['/bin/sh', '-c', './greeter'])).toBe('./greeter');
    expect(shellCScript(['/app', '-c', 'x'])).toBeNull();
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
