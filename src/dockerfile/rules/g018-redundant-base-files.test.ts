import { describe, expect, it } from 'vitest';
import { ruleTester } from './rule-tester.js';
import { rule } from './g018-redundant-base-files.js';

ruleTester({ describe, it, expect }, rule, {
  valid: [
    { name: 'scratch needs them', code: 'FROM golang:1.22 AS build\nFROM scratch\nCOPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/\nCOPY --from=build /usr/share/zoneinfo /usr/share/zoneinfo\n' },
    { code: 'FROM gcr.io/distroless/static-debian12\nCOPY app /app\n' },
  ],
  invalid: [
    { code: 'FROM golang:1.22 AS build\nFROM gcr.io/distroless/static-debian12\nCOPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/\nCOPY --from=build /usr/share/zoneinfo /usr/share/zoneinfo\nCOPY passwd /etc/passwd\n', errors: [{ line: 3, message: /CA certificates/ }, { line: 4, message: /tzdata/ }, { line: 5 }] },
  ],
});
