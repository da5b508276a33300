import { describe, expect, it } from 'vitest';
import { ruleTester } from './rule-tester.js';
import { rule } from './g005-shell-form-entrypoint.js';

ruleTester({ describe, it, expect }, rule, {
  valid: [
    { code: 'FROM scratch\nCOPY app /app\nENTRYPOINT ["/app", "serve"]\n' },
    { name: 'shell exists', code: 'FROM alpine:3.20\nCMD /app serve\n' },
    { name: 'debug tag has busybox', code: 'FROM gcr.io/distroless/static-debian12:debug\nCMD /app\n' },
  ],
  invalid: [
    { code: 'FROM gcr.io/distroless/static-debian12\nCOPY app /app\nENTRYPOINT /app serve\nCMD --port 8080\n', errors: [{ line: 3, message: /ENTRYPOINT \["\/app","serve"\]/ }, { line: 4 }] },
    { code: 'FROM scratch\nCMD ["/app" "x"]\n', errors: [{ line: 2, message: /will not start/, severity: 'error' }] },
    // The exec form it suggests is the one fix writes (execWordsOf): none for a command that needs the shell.
    { name: 'shell syntax: no exec form suggested', code: 'FROM scratch\nCMD /app --port $PORT\n', errors: [{ line: 2, message: /uses shell syntax .* make the binary do it/ }] },
  ],
});
