import { describe, expect, it } from 'vitest';
import { ruleTester } from './rule-tester.js';
import { rule } from './g004-cgo-in-non-build-stage.js';

ruleTester({ describe, it, expect }, rule, {
  valid: [
    { code: 'FROM golang:1.22 AS build\nENV CGO_ENABLED=0\nRUN go build -o /app .\nFROM scratch\nCOPY --from=build /app /app\n' },
    { name: 'base stage inherited by the build stage', code: 'FROM golang:1.22 AS base\nENV CGO_ENABLED=0\nFROM base AS build\nRUN go build -o /app .\nFROM scratch\nCOPY --from=build /app /app\n' },
  ],
  invalid: [
    { code: 'FROM golang:1.22 AS build\nRUN go build -o /app .\nFROM scratch\nENV CGO_ENABLED=0\nCOPY --from=build /app /app\n', errors: [{ line: 4, message: /no effect/ }] },
    { code: 'FROM golang:1.22 AS build\nRUN make\nFROM alpine:3.20\nARG CGO_ENABLED=0\n', errors: [{ line: 4 }] },
  ],
});
