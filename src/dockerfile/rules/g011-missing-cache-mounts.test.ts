import { describe, expect, it } from 'vitest';
import { ruleTester } from './rule-tester.js';
import { rule } from './g011-missing-cache-mounts.js';

ruleTester({ describe, it, expect }, rule, {
  valid: [
    { code: 'FROM golang:1.22 AS build\nRUN --mount=type=cache,target=/go/pkg/mod go mod download\nRUN --mount=type=cache,target=/root/.cache/go-build go build -o /app .\n' },
    { name: 'custom GOCACHE', code: 'FROM golang:1.22 AS build\nENV GOCACHE=/cache/build GOMODCACHE=/cache/mod\nRUN --mount=type=cache,target=/cache/mod --mount=type=cache,target=/cache/build go build -o /app .\n' },
  ],
  invalid: [
    { code: 'FROM golang:1.22 AS build\nRUN go mod download\nRUN go build -o /app .\n', errors: [{ line: 2, message: /module cache/ }, { line: 3, message: /build cache/ }] },
    { code: 'FROM golang:1.22 AS build\nRUN --mount=type=cache,target=/root/.cache/go-build go build -o /app .\n', errors: [{ line: 2, message: /module cache \(\/go\/pkg\/mod\)/ }] },
  ],
});
