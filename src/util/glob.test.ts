import { describe, expect, it } from 'vitest';
import { GoslimError } from '../errors.js';
import { compileGlob, compileSegment, expandBraces, hasGlobMagic, matchSegments } from './glob.js';

const match = (pattern: string, path: string): boolean => {
  const g = compileGlob(pattern);
  const rel = g.base === '' ? path : path.startsWith(`${g.base}/`) ? path.slice(g.base.length + 1) : null;
  return rel !== null && matchSegments(g.segments, rel);
};

describe('glob', () => {
  it('knows glob syntax from literal names (escapes count as literal)', () => {
    expect(hasGlobMagic('services/*/Dockerfile')).toBe(true);
    expect(hasGlobMagic('a/{b,c}')).toBe(true);
    expect(hasGlobMagic('Dockerfile.prod')).toBe(false);
    expect(hasGlobMagic('weird\\*name')).toBe(false);
  });

  it('matches *, ?, sets, ranges and negated sets within one segment', () => {
    const s = compileSegment('Dockerfile.[a-c]?');
    expect(s.test('Dockerfile.ax')).toBe(true);
    expect(s.test('Dockerfile.dx')).toBe(false);
    expect(compileSegment('[!a]*').test('bcd')).toBe(true);
    expect(compileSegment('[!a]*').test('abc')).toBe(false);
    expect(compileSegment('*.Dockerfile').test('api.Dockerfile')).toBe(true);
    expect(compileSegment('*.Dockerfile').test('api.Dockerfile.bak')).toBe(false);
    expect(compileSegment('a*b*c').test('aXbYbZc')).toBe(true);
    expect(compileSegment('a*b*c').test('aXbYbZ')).toBe(false);
  });

  it('* and ? skip dotfiles unless the segment starts with a dot', () => {
    expect(compileSegment('*').test('.git')).toBe(false);
    expect(compileSegment('.*').test('.git')).toBe(true);
  });

  it('** spans zero or more directories', () => {
    expect(match('services/**/Dockerfile', 'services/Dockerfile')).toBe(true);
    expect(match('services/**/Dockerfile', 'services/a/b/c/Dockerfile')).toBe(true);
    expect(match('services/**/Dockerfile', 'other/a/Dockerfile')).toBe(false);
    expect(match('**/*.Dockerfile', 'x/y/api.Dockerfile')).toBe(true);
  });

  it('splits the literal base from the first segment with glob syntax', () => {
    expect(compileGlob('a/b/*/Dockerfile').base).toBe('a/b');
    expect(compileGlob('/abs/*').base).toBe('/abs');
    expect(compileGlob('*/Dockerfile').base).toBe('');
  });

  it('expands braces, nested, and leaves a brace without a comma literal', () => {
    expect(expandBraces('svc/{a,b}/Dockerfile')).toEqual(['svc/a/Dockerfile', 'svc/b/Dockerfile']);
    expect(expandBraces('{a,{b,c}}x')).toEqual(['ax', 'bx', 'cx']);
    expect(expandBraces('{x}')).toEqual(['{x}']);
  });

  it('a brace bomb ends in E_LIMIT (glob.alternatives), not an exhausted machine', () => {
    const bomb = '{a,b}'.repeat(20); // 2^20 patterns
    let code = '';
    try {
      expandBraces(bomb);
    } catch (err) {
      code = (err as GoslimError).code;
    }
    expect(code).toBe('E_LIMIT');
  });

  it('a pathological pattern matches in linear-ish work (no exponential backtracking)', () => {
    const s = compileSegment(`${'*a'.repeat(30)}b`);
    // A name that almost matches; a backtracking regex would take ~forever here.
    expect(s.test('a'.repeat(5000))).toBe(false);
  });
});
