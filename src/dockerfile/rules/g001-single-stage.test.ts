import { describe, expect, it } from 'vitest';
import { ruleTester } from './rule-tester.js';
import { rule } from './g001-single-stage.js';

ruleTester({ describe, it, expect }, rule, {
  valid: [
    { code: 'FROM golang:1.22 AS build\nRUN CGO_ENABLED=0 go build -o /app .\nFROM gcr.io/distroless/static-debian12:nonroot\nCOPY --from=build /app /app\n' },
    { name: 'no Go at all', code: 'FROM alpine:3.20\nRUN echo hi\n' },
  ],
  invalid: [
    { code: 'FROM golang:1.22\nCOPY . .\nRUN go build -o /app .\nENTRYPOINT ["/app"]\n', errors: [{ line: 1, message: /Go toolchain image/ }] },
    { name: 'alpine toolchain, with ARG', code: 'ARG GO=1.22\nFROM golang:${GO}-alpine\nRUN go build .\n', errors: [{ line: 2, message: /golang:1.22-alpine/ }] },
  ],
});
