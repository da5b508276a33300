import { describe, expect, it } from 'vitest';
import { ruleTester } from './rule-tester.js';
import { rule } from './g014-hardcoded-platform.js';

ruleTester({ describe, it, expect }, rule, {
  valid: [
    { code: 'FROM golang:1.22 AS build\nARG TARGETOS TARGETARCH\nRUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build .\n' },
    { name: 'GOOS=linux is harmless', code: 'FROM golang:1.22 AS build\nRUN GOOS=linux go build .\n' },
    { name: 'overridable ARG default', code: 'FROM golang:1.22 AS build\nARG GOARCH=amd64\nRUN go build .\n' },
    { name: 'final stage pinned to the same platform', code: 'FROM golang:1.22 AS build\nRUN GOARCH=amd64 go build -o /app .\nFROM --platform=linux/amd64 scratch\nCOPY --from=build /app /app\n' },
  ],
  invalid: [
    { code: 'FROM golang:1.22 AS build\nRUN CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build .\n', errors: [{ line: 2, message: /GOARCH=amd64 is hard-coded/ }] },
    { code: 'FROM golang:1.22 AS build\nENV GOARCH=arm64\nRUN go build .\n', errors: [{ line: 3 }] },
    { code: 'FROM golang:1.22 AS build\nRUN export GOOS=windows && go build .\n', errors: [{ line: 2, message: /GOOS=windows/ }] },
  ],
});
