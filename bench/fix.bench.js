// goslim fix throughput on 1,000 generated Dockerfiles (single- and multi-stage shapes),
// reported as a ratio against the floor measured in the same run: merely parsing the same
// files into goslim's model (which fix must do at least once per file).
import { fixDockerfile } from '../dist/dockerfile/fix/index.js';
import { parseDockerfile } from '../dist/dockerfile/parse/parse-dockerfile.js';

const N = 1000;
const shapes = [
  (i) => `FROM golang:1.${19 + (i % 4)}\nWORKDIR /src${i}\nCOPY . .\nARG VERSION=1.${i}.0\nRUN go build -ldflags "-X main.version=\${VERSION}" -o /usr/local/bin/svc${i} ./cmd/svc${i}\nENV PORT=${8000 + (i % 100)}\nEXPOSE ${8000 + (i % 100)}\nHEALTHCHECK CMD curl -f http://localhost/healthz || exit 1\nCMD svc${i}\n`,
  (i) => `FROM golang:1.22 AS build\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN GOOS=linux GOARCH=amd64 \\\n    go build \\\n      -ldflags='-X main.commit=${i}' \\\n      -o /out/app${i} ./cmd/app\n\nFROM alpine:3.19\nCOPY --from=build /out/app${i} /app\nUSER root\nCMD /app --port ${i % 1000}\n`,
  (i) => `FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nARG TARGETOS TARGETARCH\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN --mount=type=cache,target=/go/pkg/mod go mod download\nCOPY . .\nRUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags="-s -w" -o /out/a${i} .\n\nFROM gcr.io/distroless/static-debian12:nonroot\nCOPY --from=build /out/a${i} /app\nUSER 65532:65532\nENTRYPOINT ["/app"]\n`,
];
const files = Array.from({ length: N }, (_, i) => shapes[i % shapes.length](i));
const bytes = files.reduce((n, f) => n + Buffer.byteLength(f), 0);

function time(fn) {
  // Best of 5 runs: the floor and the subject get the same treatment.
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    globalThis.gc?.();
    const t = process.hrtime.bigint();
    for (const f of files) fn(f);
    best = Math.min(best, Number(process.hrtime.bigint() - t) / 1e6);
  }
  return best;
}

// Warm up both paths (JIT) before measuring.
for (const f of files.slice(0, 100)) fixDockerfile(f);
const parseMs = time((f) => parseDockerfile(f));
const fixMs = time((f) => fixDockerfile(f));
let changed = 0;
for (const f of files) if (fixDockerfile(f).changed) changed++;
console.log(`files: ${N} (${(bytes / 1024).toFixed(0)} KiB), changed by fix: ${changed}`);
console.log(`parse only (floor): ${parseMs.toFixed(0)} ms, ${(N / (parseMs / 1000)).toFixed(0)} files/s`);
console.log(`goslim fix:         ${fixMs.toFixed(0)} ms, ${(N / (fixMs / 1000)).toFixed(0)} files/s`);
console.log(`ratio fix/parse: ${(fixMs / parseMs).toFixed(2)}x`);
