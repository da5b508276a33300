import { describe, expect, it } from 'vitest';
import { ruleTester } from './rule-tester.js';
import { rule } from './g017-privileged-port.js';

ruleTester({ describe, it, expect }, rule, {
  valid: [
    { code: 'FROM gcr.io/distroless/static-debian12:nonroot\nEXPOSE 8080\n' },
    { name: 'root may bind 80', code: 'FROM alpine:3.20\nEXPOSE 80\n' },
  ],
  invalid: [
    { code: 'FROM gcr.io/distroless/static-debian12:nonroot\nEXPOSE 80 443/tcp 8080\n', errors: [{ line: 2, message: /Port 80, 443/ }] },
    { code: 'FROM scratch\nUSER 65532\nEXPOSE 22\n', errors: [{ line: 3 }] },
  ],
});
