/**
 * Hostile Dockerfiles (issue 11): each ends in a normal result or a typed E_LIMIT error, in
 * bounded time and memory. Over-limit variable expansions do not fail the file: the value is
 * unknown (kept as written) and listed in `model.expansionLimits` (docs/lint.md).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GoslimError, isGoslimError } from '../../errors.js';
import { LIMITS } from '../../limits.js';
import { lintDockerfile } from '../lint.js';
import { expandVariables } from './expand.js';
import { parseDockerfile } from './parse-dockerfile.js';

function limitError(fn: () => unknown): GoslimError {
  try {
    fn();
  } catch (err) {
    if (isGoslimError(err)) return err;
    throw err;
  }
  throw new Error('expected an error');
}

const limitsHit = (text: string): string[] => parseDockerfile(text).expansionLimits.map((l) => l.limit);

describe('variable expansion limits', () => {
  it('nesting 5,000 deep: E_LIMIT from expandVariables, an unknown value in the model', () => {
    const word = `${'${X:-'.repeat(5000)}x${'}'.repeat(5000)}`;
    const err = limitError(() => expandVariables(word, () => undefined));
    expect(err.code).toBe('E_LIMIT');
    expect(err.details?.limit).toBe('dockerfile.expansionDepth');
    const m = parseDockerfile(`FROM alpine\nARG A=${word}\nRUN echo $A\n`);
    expect(m.expansionLimits).toEqual([{ line: 2, limit: 'dockerfile.expansionDepth', max: LIMITS['dockerfile.expansionDepth'].value }]);
    const a = m.stages[0]!.instructions[1]!.scope.get('A')!;
    expect(a.unknown).toBe(true);
    expect(a.value).toBe(word);
  });

  it('nesting up to the limit still expands', () => {
    const depth = LIMITS['dockerfile.expansionDepth'].value;
    expect(expandVariables(`${'${X:-'.repeat(depth)}x${'}'.repeat(depth)}`, () => undefined)).toBe('x');
  });

  it('an ARG doubling bomb (global and in-stage) and an ENV bomb stop at the size cap and lint goes on', () => {
    let g = 'ARG A0=xxxxxxxxxxxxxxxx\n';
    for (let i = 1; i < 40; i++) g += `ARG A${i}=\${A${i - 1}}\${A${i - 1}}\n`;
    g += 'FROM alpine:${A39}\n';
    let e = 'FROM golang:1.22\nENV B0=xxxxxxxxxxxxxxxx\n';
    for (let i = 1; i < 40; i++) e += `ENV B${i}=\${B${i - 1}}\${B${i - 1}}\n`;
    e += 'RUN go build -o /app .\n';
    for (const text of [g, e, e.replace(/ENV/g, 'ARG')]) {
      expect(limitsHit(text)).toContain('dockerfile.expansionSize');
      const r = lintDockerfile(text);
      expect(r.model.stages).toHaveLength(1);
    }
    expect(lintDockerfile(e).findings.length).toBeGreaterThan(0);
  });

  it('a replacement bomb (${A//?/$B}) stops at the size cap', () => {
    const text = `FROM alpine\nARG B=${'y'.repeat(5000)}\nARG A=${'x'.repeat(5000)}\nARG C=\${A//?/\$B}\n`;
    expect(limitsHit(text)).toEqual(['dockerfile.expansionSize']);
  });

  it('many medium values stop at the per-file total', () => {
    let t = 'ARG A=' + 'x'.repeat(4096) + '\nARG B=${A}${A}${A}${A}${A}${A}${A}${A}${A}${A}${A}${A}${A}${A}${A}${A}\n';
    t += 'FROM alpine\nARG B\n';
    for (let i = 0; i < 600; i++) t += `ARG C${i}=\${B}\${B}\${B}\${B}\${B}\${B}\${B}\${B}\n`;
    const hit = limitsHit(t);
    expect(hit).toContain('dockerfile.expansionTotal');
  });

  it('patterns that backtrack exponentially in a RegExp are matched without backtracking', () => {
    const v = 'a'.repeat(30_000);
    const text = `FROM alpine\nARG V=${v}\nARG W=\${V%%*a*a*a*a*b} X=\${V#*a*a*a*a*b} Y=\${V/*a*a*a*b/z} Z=\${V%a*a}\nRUN true\n`;
    const m = parseDockerfile(text);
    const s = m.stages[0]!.instructions[2]!.scope;
    expect(s.get('W')!.value).toBe(v);
    expect(s.get('X')!.value).toBe(v);
    expect(s.get('Y')!.value).toBe(v);
    expect(s.get('Z')!.value).toBe('a'.repeat(29_998));
  });

  it('pattern matching past its work budget makes the value unknown', () => {
    const v = 'a'.repeat(1_000_000);
    const text = `FROM alpine\nARG V=${v}\nARG W=\${V/${'?'.repeat(2000)}b/}\n`;
    expect(limitsHit(text)).toEqual(['dockerfile.patternWork']);
  });

  it('the glob matcher answers as the RegExp translation did (short inputs)', () => {
    // The former implementation, as an oracle: fine on short strings.
    const src = (p: string, greedy: boolean): string =>
      [...p].map((ch) => (ch === '*' ? (greedy ? '.*' : '.*?') : ch === '?' ? '.' : ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))).join('');
    const trim = (value: string, p: string, side: 'prefix' | 'suffix', longest: boolean): string => {
      if (side === 'prefix') return value.replace(new RegExp(`^${src(p, longest)}`, 's'), '');
      const re = new RegExp(`^${src(p, true)}$`, 's');
      if (longest) {
        for (let i = 0; i <= value.length; i++) if (re.test(value.slice(i))) return value.slice(0, i);
      } else {
        for (let i = value.length; i >= 0; i--) if (re.test(value.slice(i))) return value.slice(0, i);
      }
      return value;
    };
    const sub = (value: string, p: string, r: string, all: boolean): string =>
      p === '' ? value : value.replace(new RegExp(src(p, true), all ? 'gs' : 's'), () => r);
    const chars = fc.constantFrom('a', 'b', 'c', '.', '/');
    const value = fc.array(chars, { maxLength: 12 }).map((a) => a.join(''));
    const pattern = fc.array(fc.constantFrom('a', 'b', '*', '?', '.'), { maxLength: 6 }).map((a) => a.join(''));
    fc.assert(
      fc.property(value, pattern, fc.constantFrom('#', '##', '%', '%%', '/', '//'), (v, p, op) => {
        const lookup = (n: string): string | undefined => (n === 'V' ? v : undefined);
        const got = expandVariables(op.startsWith('/') ? `\${V${op}${p}/R}` : `\${V${op}${p}}`, lookup);
        const want =
          op === '/' || op === '//'
            ? sub(v, p, 'R', op === '//')
            : trim(v, p, op[0] === '#' ? 'prefix' : 'suffix', op.length === 2);
        expect(got).toBe(want);
      }),
      { numRuns: 3000, seed: 7 },
    );
  });
});

describe('Dockerfile size and shape limits', () => {
  it('a 20,000-stage FROM chain is E_LIMIT (dockerfile.stages); a 1,000-stage chain lints', () => {
    const chain = (n: number): string => {
      let c = 'FROM golang:1.22 AS s0\n';
      for (let i = 1; i < n; i++) c += `FROM s${i - 1} AS s${i}\n`;
      return `${c}RUN go build -o /app .\n`;
    };
    const err = limitError(() => lintDockerfile(chain(20_000)));
    expect(err.code).toBe('E_LIMIT');
    expect(err.details?.limit).toBe('dockerfile.stages');
    const r = lintDockerfile(chain(1000));
    expect(r.model.stages).toHaveLength(1000);
    expect(r.model.stages[999]!.base.stageIndex).toBe(998);
  });

  it('a file over dockerfile.size is E_LIMIT', () => {
    const big = `FROM alpine\n${'#'.repeat(LIMITS['dockerfile.size'].value)}\n`;
    const err = limitError(() => parseDockerfile(big));
    expect(err.code).toBe('E_LIMIT');
    expect(err.details?.limit).toBe('dockerfile.size');
  });

  // Scaled down for the unit suite; the full sizes (200k lines, 100k continuations) are measured by bench/lint.bench.js.
  it('50k lines, 30k continuations, 20k ENV in one stage and a large unterminated heredoc lint to findings', () => {
    const lines = `FROM golang:1.22\n${Array.from({ length: 50_000 }, (_, i) => `RUN echo ${i}`).join('\n')}\nRUN go build -o /app .\n`;
    const cont = `FROM golang:1.22\nRUN go build -o /app . \\\n${'  && echo b \\\n'.repeat(30_000)}  && true\n`;
    const env = `FROM golang:1.22\n${Array.from({ length: 20_000 }, (_, i) => `ENV V${i % 500}=\${V${(i + 1) % 500}}x`).join('\n')}\nRUN go build -o /app .\n`;
    const heredoc = `FROM golang:1.22\nRUN go build -o /app .\nRUN <<EOF\n${'echo hello world\n'.repeat(30_000)}`;
    for (const text of [lines, cont, env, heredoc]) {
      const r = lintDockerfile(text, { dockerignore: '' });
      expect(r.findings.length).toBeGreaterThan(0);
    }
  });
});
