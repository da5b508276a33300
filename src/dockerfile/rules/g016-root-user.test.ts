import { describe, expect, it } from 'vitest';
import { ruleTester } from './rule-tester.js';
import { rule } from './g016-root-user.js';

ruleTester({ describe, it, expect }, rule, {
  valid: [
    { code: 'FROM golang:1.22 AS build\nRUN go build -o /app .\nFROM gcr.io/distroless/static-debian12:nonroot\nCOPY --from=build /app /app\n' },
    { code: 'FROM golang:1.22 AS build\nRUN go build -o /app .\nFROM scratch\nCOPY --from=build /app /app\nUSER 65532:65532\n' },
    { name: 'not a Go image', code: 'FROM debian:12\nRUN echo\n' },
  ],
  invalid: [
    { code: 'FROM golang:1.22 AS build\nRUN go build -o /app .\nFROM debian:12-slim\nCOPY --from=build /app /app\n', errors: [{ line: 3, message: /runs as root/ }] },
    { code: 'FROM golang:1.22 AS build\nRUN go build -o /app .\nFROM gcr.io/distroless/static-debian12\nCOPY --from=build /app /app\nUSER nonroot:nonroot\n', errors: [{ line: 5, message: /non-numeric user/ }] },
    { code: 'FROM alpine:3.20\nCOPY app /app\nUSER 0\n', errors: [{ line: 3, message: /USER root/ }] },
  ],
});
