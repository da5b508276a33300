import { describe, expect, it } from 'vitest';
import { ruleTester } from './rule-tester.js';
import { rule, dockerignoreExcludes } from './g020-dockerignore.js';

ruleTester({ describe, it, expect }, rule, {
  valid: [
    { code: 'FROM golang:1.22 AS build\nCOPY . .\n', dockerignore: '.git\nbin/\n' },
    { name: 'not checked (stdin)', code: 'FROM golang:1.22 AS build\nCOPY . . \n' },
    { name: 'no whole-context copy', code: 'FROM golang:1.22 AS build\nCOPY go.mod ./\n', dockerignore: null },
    { name: 'exclude all, re-include source', code: 'FROM golang:1.22 AS build\nCOPY . ./\n', dockerignore: '*\n!*.go\n!go.mod\n' },
  ],
  invalid: [
    { code: 'FROM golang:1.22 AS build\nCOPY . .\n', dockerignore: null, errors: [{ line: 2, message: /no .dockerignore/ }] },
    { code: 'FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\n', dockerignore: 'bin/\n', errors: [{ line: 3, message: /does not exclude .git/ }] },
    { code: 'FROM golang:1.22 AS build\nCOPY ./ /src\n', dockerignore: '.git\n!.git\n', errors: [{ line: 2 }] },
  ],
});

describe('dockerignoreExcludes', () => {
  it.each([
    ['.git', true],
    ['/.git/', true],
    ['**/.git', true],
    ['.*', true],
    ['*', true],
    ['.github', false],
    ['.git\n!.git', false],
  ])('%j excludes .git: %s', (text, expected) => {
    expect(dockerignoreExcludes(text, '.git')).toBe(expected);
  });
});
