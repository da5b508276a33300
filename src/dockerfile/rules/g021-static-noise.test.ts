import { describe, expect, it } from 'vitest';
import { ruleTester } from './rule-tester.js';
import { rule } from './g021-static-noise.js';

ruleTester({ describe, it, expect }, rule, {
  valid: [
    { code: 'FROM golang:1.22 AS build\nRUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /app .\n' },
    { name: 'static cgo build needs them', code: 'FROM golang:1.22 AS build\nRUN CGO_ENABLED=1 go build -tags netgo -ldflags \'-extldflags "-static"\' -o /app .\n' },
  ],
  invalid: [
    {
      code: 'FROM golang:1.22 AS build\nRUN CGO_ENABLED=0 go build -a -tags netgo,osusergo -ldflags \'-s -w -extldflags "-static"\' -o /app .\n',
      errors: [{ line: 2, message: /-extldflags -static, -tags netgo,osusergo, -a have no effect/ }],
    },
  ],
});
