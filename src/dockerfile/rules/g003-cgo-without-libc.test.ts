import { describe, expect, it } from 'vitest';
import { ruleTester } from './rule-tester.js';
import { rule } from './g003-cgo-without-libc.js';

ruleTester({ describe, it, expect }, rule, {
  valid: [
    { code: 'FROM golang:1.22 AS build\nRUN CGO_ENABLED=0 go build -o /out/app .\nFROM scratch\nCOPY --from=build /out/app /app\n' },
    { name: 'ENV in the build stage', code: 'FROM golang:1.22 AS build\nENV CGO_ENABLED=0\nRUN go build -o /out/app .\nFROM gcr.io/distroless/static-debian12\nCOPY --from=build /out/app /app\n' },
    { name: 'libc present', code: 'FROM golang:1.22 AS build\nRUN go build -o /out/app .\nFROM gcr.io/distroless/base-debian12\nCOPY --from=build /out/app /app\n' },
    { name: 'alpine toolchain has no gcc', code: 'FROM golang:1.22-alpine AS build\nRUN go build -o /out/app .\nFROM scratch\nCOPY --from=build /out/app /app\n' },
    // Headers without a compiler leave cgo's default off (go-build.ts cPackagesInstalled, which fix reads too).
    { name: 'alpine with musl-dev only', code: 'FROM golang:1.22-alpine AS build\nRUN apk add --no-cache musl-dev\nRUN go build -o /out/app .\nFROM scratch\nCOPY --from=build /out/app /app\n' },
  ],
  invalid: [
    {
      code: 'FROM golang:1.22 AS build\nWORKDIR /src\nRUN go build -o /out/server ./cmd/server\nFROM gcr.io/distroless/static-debian12:nonroot\nCOPY --from=build /out/server /usr/local/bin/\nENTRYPOINT ["/usr/local/bin/server"]\n',
      errors: [{ line: 3, message: 'exec /usr/local/bin/server: no such file or directory', severity: 'error' }],
    },
    { name: 'explicit CGO_ENABLED=1', code: 'FROM golang:1.22 AS build\nARG CGO_ENABLED=1\nRUN go build -o /app .\nFROM cgr.dev/chainguard/static\nCOPY --from=build /app /app\n', errors: [{ line: 3, message: /CGO_ENABLED=1/ }] },
    { name: 'alpine toolchain with clang from a heredoc', code: 'FROM golang:1.22-alpine AS build\nRUN <<EOF\napk add clang\nEOF\nRUN go build -o /app .\nFROM scratch\nCOPY --from=build /app /app\n', errors: [{ line: 5 }] },
    { name: 'alpine toolchain with gcc installed', code: 'FROM golang:1.22-alpine AS build\nRUN apk add --no-cache gcc musl-dev\nRUN go build -o /app .\nFROM scratch\nCOPY --from=build /app /app\n', errors: [{ line: 3 }] },
  ],
});
