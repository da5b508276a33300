import { describe, expect, it } from 'vitest';
import { ruleTester } from './rule-tester.js';
import { rule } from './g022-guessed-output-name.js';

ruleTester({ describe, it, expect }, rule, {
  valid: [
    { code: 'FROM golang:1.22 AS build\nWORKDIR /src\nRUN go build -o /out/app ./cmd/app\nFROM scratch\nCOPY --from=build /out/app /app\n' },
    { name: 'default name matches', code: 'FROM golang:1.22 AS build\nWORKDIR /src\nRUN go build ./cmd/api\nFROM scratch\nCOPY --from=build /src/api /api\n' },
    { name: 'relative source', code: 'FROM golang:1.22 AS build\nWORKDIR /go/src/myapp\nRUN go build\nFROM scratch\nCOPY --from=build /go/src/myapp/myapp /app\n' },
    { name: 'module-root build: the name comes from go.mod', code: 'FROM golang:1.22 AS build\nWORKDIR /app\nRUN go build\nFROM scratch\nCOPY --from=build /app/server /server\n' },
    { name: 'other file in another dir', code: 'FROM golang:1.22 AS build\nWORKDIR /src\nRUN go build ./cmd/api\nFROM scratch\nCOPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/\nCOPY --from=build /src/api /api\n' },
    { name: 'go install on the target platform with the target args: /go/bin is a fact', code: 'FROM golang:1.22 AS build\nARG TARGETOS TARGETARCH\nRUN GOOS=$TARGETOS GOARCH=$TARGETARCH go install ./cmd/app\nFROM scratch\nCOPY --from=build /go/bin/app /app\n' },
    { name: 'go install with the platform written out', code: 'FROM --platform=linux/amd64 golang:1.22 AS build\nRUN GOARCH=amd64 go install ./cmd/app\nFROM scratch\nCOPY --from=build /go/bin/app /app\n' },
    { name: 'opaque build too', code: 'FROM golang:1.22 AS build\nWORKDIR /src\nRUN go build ./cmd/api && make\nFROM scratch\nCOPY --from=build /src/server /server\n' },
  ],
  invalid: [
    {
      name: 'go install on $BUILDPLATFORM with the target args: /go/bin or /go/bin/<goos>_<goarch>, depending on the machine',
      code: 'FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nARG TARGETOS TARGETARCH\nRUN GOOS=$TARGETOS GOARCH=$TARGETARCH go install ./cmd/app\nFROM scratch\nCOPY --from=build /go/bin/app /app\n',
      errors: [{ line: 5, severity: 'warning', message: /copies \/go\/bin\/app, but where go install \(line 3\) writes depends on the build: GOARCH=\$TARGETARCH on --platform=\$BUILDPLATFORM: .* use go build -o <path>\.$/ }],
    },
    {
      name: 'the cross-build path is no safer',
      code: 'FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nARG TARGETARCH\nRUN GOARCH=$TARGETARCH go install ./cmd/app\nFROM scratch\nCOPY --from=build /go/bin/linux_arm64/app /app\n',
      errors: [{ line: 5, severity: 'warning' }],
    },
    {
      code: 'FROM golang:1.22 AS build\nWORKDIR /src\nRUN go build ./cmd/api\nFROM scratch\nCOPY --from=build /src/server /server\n',
      errors: [{ line: 5, message: /writes \/src\/api/ }],
    },
    {
      name: 'relative source in the workdir',
      code: 'FROM golang:1.22 AS build\nWORKDIR /app\nRUN CGO_ENABLED=0 go build ./cmd/gateway\nFROM gcr.io/distroless/static-debian12\nCOPY --from=build app/server /server\n',
      errors: [{ line: 5, message: /expects \/app\/server, .* writes \/app\/gateway/ }],
    },
  ],
});
