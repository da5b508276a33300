import { describe, expect, it } from 'vitest';
import { isPrefixOf, packageOf, stripGenerics } from './packages.js';

/** The rule as first written, a character at a time: brackets and what they enclose go, an unmatched ']' too. */
function reference(name: string): string {
  if (!name.includes('[')) return name;
  let out = '';
  let depth = 0;
  for (const ch of name) {
    if (ch === '[') depth++;
    else if (ch === ']') depth = Math.max(0, depth - 1);
    else if (depth === 0) out += ch;
  }
  return out;
}

describe('package names', () => {
  it('stripGenerics keeps what lies outside brackets, as the character-at-a-time rule does', () => {
    expect(stripGenerics('slices.Sort[go.shape.[]uint8]')).toBe('slices.Sort');
    expect(stripGenerics('example.com/m/x.(*T[go.shape.int]).M')).toBe('example.com/m/x.(*T).M');
    expect(stripGenerics('a]b[c]d[[e]f]g')).toBe('abdg');
    // Seeded random names over an alphabet heavy in brackets, dots and slashes.
    let seed = 0x9e3779b9;
    const rand = (n: number) => {
      seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
      return seed % n;
    };
    const alphabet = '[]././abc[]é';
    for (let k = 0; k < 5000; k++) {
      let s = '';
      for (let i = rand(24); i > 0; i--) s += alphabet[rand(alphabet.length)];
      expect(stripGenerics(s), JSON.stringify(s)).toBe(reference(s));
    }
  });

  it('isPrefixOf: a name of a real package followed by a dot', () => {
    expect(isPrefixOf('net/http', 'net/http.(*Server).Serve')).toBe(true);
    expect(isPrefixOf('net/http', 'net/httptest.X')).toBe(false);
    expect(isPrefixOf('net/http', 'net/http')).toBe(false);
    expect(isPrefixOf('<compiler-generated>', '<compiler-generated>.x')).toBe(false);
    expect(isPrefixOf('', '.x')).toBe(true);
    expect(packageOf('net/http.(*Server).Serve')).toBe('net/http');
  });

  it("the linker's go.* and go:* symbols are no package's; packages under go.* domains are", () => {
    for (const n of ['go.buildinfo', 'go.buildinfo.ref', 'go.func.*', 'go.go', 'go:func.*', 'go.string.*', 'go:buildid']) {
      expect(packageOf(n), n).toBe('<compiler-generated>');
    }
    expect(packageOf('go.uber.org/zap.(*Logger).Info')).toBe('go.uber.org/zap');
    expect(packageOf('go.opentelemetry.io/otel/trace.SpanFromContext')).toBe('go.opentelemetry.io/otel/trace');
  });
});
