import { describe, expect, it } from 'vitest';
import { ruleTester } from './rule-tester.js';
import { rule } from './g010-copy-before-mod-download.js';

ruleTester({ describe, it, expect }, rule, {
  valid: [
    { code: 'FROM golang:1.22 AS build\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN go build -o /app .\n' },
    { name: 'vendored', code: 'FROM golang:1.22 AS build\nCOPY . .\nRUN go build -mod=vendor -o /app .\n' },
    { name: 'module cache mount', code: 'FROM golang:1.22 AS build\nCOPY . .\nRUN --mount=type=cache,target=/go/pkg/mod go build -o /app .\n' },
  ],
  invalid: [
    { code: 'FROM golang:1.22 AS build\nCOPY . .\nRUN go mod download\nRUN go build -o /app .\n', errors: [{ line: 2, message: /go mod download/ }] },
    { code: 'FROM golang:1.22 AS build\nWORKDIR /src\nCOPY ./ /src/\nRUN go build -o /app .\n', errors: [{ line: 3, message: /by go build/ }] },
  ],
});
