import { describe, expect, it } from 'vitest';
import { ruleTester } from './rule-tester.js';
import { rule } from './g023-opaque-build.js';

ruleTester({ describe, it, expect }, rule, {
  valid: [
    { code: 'FROM golang:1.22 AS build\nRUN CGO_ENABLED=0 go build -o /app .\n' },
    { name: 'make for something else is still reported only once per RUN', code: 'FROM alpine:3.20\nRUN echo make\n' },
  ],
  invalid: [
    { code: 'FROM golang:1.22 AS build\nRUN make build && make install\n', errors: [{ line: 2, message: /inside make \(`make build`\)/ }] },
    { code: 'FROM golang:1.22 AS build\nRUN ./hack/build.sh\nRUN goreleaser build --single-target --snapshot\n', errors: [{ line: 2, message: /a build script/ }, { line: 3, message: /goreleaser/ }] },
  ],
});
