import { describe, expect, it } from 'vitest';
import { ruleTester } from './rule-tester.js';
import { rule } from './g006-healthcheck-tools.js';

ruleTester({ describe, it, expect }, rule, {
  valid: [
    { code: 'FROM gcr.io/distroless/static-debian12\nHEALTHCHECK CMD ["/app", "healthcheck"]\n' },
    { name: 'curl exists', code: 'FROM golang:1.22\nHEALTHCHECK CMD curl -f http://localhost/\n' },
    { name: 'wget on alpine', code: 'FROM alpine:3.20\nHEALTHCHECK CMD wget -qO- http://localhost/\n' },
    { name: 'NONE', code: 'FROM scratch\nHEALTHCHECK NONE\n' },
    { name: 'wget copied in', code: 'FROM busybox:1.36 AS bb\nFROM scratch\nCOPY --from=bb /bin/wget /bin/wget\nHEALTHCHECK CMD ["/bin/wget", "-q", "http://localhost/"]\n' },
  ],
  invalid: [
    { code: 'FROM gcr.io/distroless/static-debian12\nHEALTHCHECK --interval=5s CMD curl -f http://localhost/\n', errors: [{ line: 2, message: /Shell-form HEALTHCHECK/ }] },
    { code: 'FROM alpine:3.20\nHEALTHCHECK CMD ["curl", "-f", "http://localhost/"]\n', errors: [{ line: 2, message: /runs curl/ }] },
    { code: 'FROM scratch\nHEALTHCHECK CMD ["wget", "-q", "http://localhost/"]\n', errors: [{ line: 2, message: /wget/ }] },
    // The facts fix reads too (base-image.ts healthcheckMissing): nc needs busybox, CMD-SHELL a shell, curl on alpine through a shell.
    { name: 'nc on distroless', code: 'FROM gcr.io/distroless/static-debian12\nHEALTHCHECK CMD ["nc", "-z", "localhost", "80"]\n', errors: [{ line: 2, message: /runs nc/ }] },
    { name: 'CMD-SHELL', code: 'FROM scratch\nHEALTHCHECK CMD ["CMD-SHELL", "/app -h"]\n', errors: [{ line: 2, message: /Shell-form HEALTHCHECK/ }] },
    { name: 'shell-form curl on alpine', code: 'FROM alpine:3.20\nHEALTHCHECK CMD curl -f http://localhost/ || exit 1\n', errors: [{ line: 2, message: /runs curl/ }] },
  ],
});
