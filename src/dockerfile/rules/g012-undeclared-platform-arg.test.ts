import { describe, expect, it } from 'vitest';
import { ruleTester } from './rule-tester.js';
import { rule } from './g012-undeclared-platform-arg.js';

ruleTester({ describe, it, expect }, rule, {
  valid: [
    { code: 'FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nARG TARGETOS TARGETARCH\nRUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /app .\n' },
    { name: 'ENV defines it', code: 'FROM golang:1.22 AS build\nENV TARGETARCH=arm64\nRUN GOARCH=$TARGETARCH go build .\n' },
    { name: 'only in FROM', code: 'FROM --platform=$TARGETPLATFORM alpine:3.20\n' },
  ],
  invalid: [
    { code: 'FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nRUN GOOS=$TARGETOS GOARCH=${TARGETARCH} go build -o /app .\n', errors: [{ line: 2, message: /TARGETOS, \$TARGETARCH are empty/ }] },
    { name: 'declared globally only', code: 'ARG TARGETARCH\nFROM golang:1.22 AS build\nRUN <<EOF\nGOARCH=$TARGETARCH go build .\nEOF\n', errors: [{ line: 3 }] },
  ],
});
