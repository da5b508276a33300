import { describe, expect, it } from 'vitest';
import { ruleTester } from './rule-tester.js';
import { rule } from './g009-missing-strip.js';

ruleTester({ describe, it, expect }, rule, {
  valid: [
    { code: 'FROM golang:1.22 AS build\nRUN go build -ldflags="-s -w" -o /app .\n' },
    { name: 'with -X and quotes', code: "FROM golang:1.22 AS build\nRUN go build -ldflags '-w -s -X main.v=1' -o /app .\n" },
    { name: 'stripped afterwards', code: 'FROM golang:1.22 AS build\nRUN go build -o /app . && strip /app\n' },
  ],
  invalid: [
    { code: 'FROM golang:1.22 AS build\nRUN go build -o /app .\n', errors: [{ line: 2, message: /25-30 %/ }] },
    { code: 'FROM golang:1.22 AS build\nRUN go build -ldflags=-w -o /app .\n', errors: [{ line: 2, message: /the symbol table/ }] },
    { code: 'FROM golang:1.22 AS build\nRUN go build -ldflags "-X main.version=1" -o /app .\n', errors: [{ line: 2, message: /-s -w/ }] },
  ],
});
