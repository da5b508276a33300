import { describe, expect, it } from 'vitest';
import { ruleTester } from './rule-tester.js';
import { rule } from './g013-build-platform.js';

ruleTester({ describe, it, expect }, rule, {
  valid: [
    { code: 'FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nARG TARGETOS TARGETARCH\nRUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /app .\n' },
    { name: 'native build, no cross intent', code: 'FROM golang:1.22 AS build\nRUN go build -o /app .\n' },
    { name: '$BUILDPLATFORM through a global ARG (go-build.ts onBuildPlatform, which fix reads too)', code: 'ARG BP=$BUILDPLATFORM\nFROM --platform=$BP golang:1.22 AS build\nARG TARGETARCH\nRUN GOARCH=$TARGETARCH go build -o /app .\n' },
  ],
  invalid: [
    { code: 'FROM golang:1.22 AS build\nARG TARGETOS TARGETARCH\nRUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /app .\n', errors: [{ line: 1, message: /QEMU/ }] },
    { code: 'FROM --platform=${BUILDPLATFORM} golang:1.22 AS build\nRUN go build -o /app .\n', errors: [{ line: 2, message: /exec format error/, severity: 'error' }] },
    { name: 'GOARCH from an ENV that follows the target', code: 'FROM golang:1.22 AS build\nARG TARGETARCH\nENV GOARCH=$TARGETARCH\nRUN go build -o /app .\n', errors: [{ line: 1, message: /QEMU/ }] },
  ],
});
