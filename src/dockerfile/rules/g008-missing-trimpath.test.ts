import { describe, expect, it } from 'vitest';
import { ruleTester } from './rule-tester.js';
import { rule } from './g008-missing-trimpath.js';

ruleTester({ describe, it, expect }, rule, {
  valid: [
    { code: 'FROM golang:1.22 AS build\nRUN go build -trimpath -o /app .\n' },
    { name: 'GOFLAGS', code: 'FROM golang:1.22 AS build\nENV GOFLAGS="-trimpath -mod=readonly"\nRUN go build -o /app .\n' },
    { name: 'opaque build', code: 'FROM golang:1.22 AS build\nRUN make build\n' },
  ],
  invalid: [
    { code: 'FROM golang:1.22 AS build\nWORKDIR /src\nRUN go build -o /app .\n', errors: [{ line: 3, message: /\/src/ }] },
    { name: 'only the shipped build', code: 'FROM golang:1.22 AS build\nRUN go install example.com/tool@v1.0.0 && go build -trimpath -o /out/app .\nRUN go build -o /out/srv ./cmd/srv\nFROM scratch\nCOPY --from=build /out/srv /srv\n', errors: [{ line: 3 }] },
  ],
});
