import { describe, expect, it } from 'vitest';
import { ruleTester } from './rule-tester.js';
import { rule } from './g007-run-without-shell.js';

ruleTester({ describe, it, expect }, rule, {
  valid: [
    { code: 'FROM alpine:3.20\nRUN adduser -D app\n' },
    { name: 'RUN in build stage only', code: 'FROM golang:1.22 AS build\nRUN go build -o /app .\nFROM scratch\nCOPY --from=build /app /app\n' },
    { name: 'exec form', code: 'FROM scratch\nCOPY app /app\nRUN ["/app", "migrate"]\n' },
  ],
  invalid: [
    { code: 'FROM gcr.io/distroless/static-debian12:nonroot\nCOPY app /app\nRUN chmod +x /app\n', errors: [{ line: 3, message: /no shell/ }] },
    { code: 'FROM cgr.dev/chainguard/static\nRUN <<EOF\nmkdir /data\nEOF\n', errors: [{ line: 2 }] },
  ],
});
