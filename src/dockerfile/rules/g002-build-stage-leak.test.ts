import { describe, expect, it } from 'vitest';
import { ruleTester } from './rule-tester.js';
import { rule } from './g002-build-stage-leak.js';

ruleTester({ describe, it, expect }, rule, {
  valid: [
    { code: 'FROM golang:1.22 AS build\nRUN go build -o /out/app .\nFROM scratch\nCOPY --from=build /out/app /app\n' },
    { name: 'FROM a runtime stage', code: 'FROM alpine:3.20 AS rt\nRUN apk add tzdata\nFROM rt\nCOPY app /app\n' },
    { name: 'COPY / from a non-Go stage is fine for /go', code: 'FROM alpine:3.20 AS x\nFROM scratch\nCOPY --from=x /go /go\n' },
  ],
  invalid: [
    { code: 'FROM golang:1.22 AS build\nRUN go build -o /out/app .\nFROM build\nENTRYPOINT ["/out/app"]\n', errors: [{ line: 3, message: /FROM the build stage/ }] },
    { code: 'FROM golang:1.22 AS build\nRUN go build -o /out/app .\nFROM scratch\nCOPY --from=build / /\n', errors: [{ line: 4, message: /whole build filesystem/ }] },
    { code: 'FROM golang:1.22 AS build\nRUN go install ./cmd/x\nFROM debian:12\nCOPY --from=build /go /go\n', errors: [{ line: 4 }] },
    // The list fix reads too (base-image.ts toolchainTreeOf): Debian's golang-go toolchain, `/.`.
    { name: '/usr/lib/go', code: 'FROM golang:1.22 AS build\nFROM debian:12\nCOPY --from=build /usr/lib/go/ /usr/lib/go\n', errors: [{ line: 3, message: /toolchain/ }] },
    { name: '/.', code: 'FROM golang:1.22 AS build\nFROM scratch\nCOPY --from=build /. /\n', errors: [{ line: 3, message: /whole build filesystem/ }] },
  ],
});
