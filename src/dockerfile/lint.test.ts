import { describe, expect, it } from 'vitest';
import { exceedsThreshold, lintDockerfile } from './lint.js';

const BAD = `FROM golang:1.22 AS build
# goslim ignore=G009
# (stacked comment lines still belong to the pragma)
RUN go build -o /app .
RUN go build -o /app2 ./cmd/two
FROM scratch
COPY --from=build /app /app
`;

describe('lintDockerfile policy', () => {
  it('applies inline ignores to the next instruction only', () => {
    const r = lintDockerfile(BAD);
    const g009 = r.findings.filter((f) => f.rule === 'G009').map((f) => f.line);
    expect(g009).toEqual([]); // /app2 is not shipped; /app is ignored
    expect(r.suppressed).toBeGreaterThan(0);
    const all = lintDockerfile(BAD.replace('# goslim ignore=G009', '# nothing'));
    expect(all.findings.filter((f) => f.rule === 'G009').map((f) => f.line)).toEqual([4]);
  });

  it('applies global ignores by id or slug', () => {
    const r = lintDockerfile(`# goslim global ignore=G003,missing-trimpath\n${BAD}`);
    expect(r.findings.some((f) => f.rule === 'G003' || f.rule === 'G008')).toBe(false);
    expect(r.findings.some((f) => f.rule === 'G011')).toBe(true);
  });

  it('applies disabled rules and severity overrides', () => {
    const r = lintDockerfile(BAD, { policy: { disabled: ['G011'], severity: { 'cgo-without-libc': 'info' } } });
    expect(r.findings.some((f) => f.rule === 'G011')).toBe(false);
    expect(r.findings.find((f) => f.rule === 'G003')?.severity).toBe('info');
  });

  it('reports 1-based lines, columns and the lever', () => {
    const f = lintDockerfile('FROM golang:1.22\nRUN go build -o /app .\n').findings.find((x) => x.rule === 'G001')!;
    expect(f).toMatchObject({ line: 1, column: 6, lever: 'multi-stage', severity: 'warning' });
  });

  it('compares against the failure threshold', () => {
    const fs = lintDockerfile('FROM golang:1.22\nRUN go build -ldflags="-s -w" -trimpath -o /app .\n').findings;
    expect(fs.map((f) => f.severity)).not.toContain('error');
    expect(exceedsThreshold(fs, 'error')).toBe(false);
    expect(exceedsThreshold(fs, 'warning')).toBe(true);
    expect(exceedsThreshold(fs, 'none')).toBe(false);
  });
});

describe('--target', () => {
  const TWO = `FROM golang:1.22 AS dev
RUN go build -o /app .
FROM gcr.io/distroless/static-debian12:nonroot AS prod
COPY --from=dev /app /app
FROM dev AS test
RUN go test ./...
`;
  it('judges the named stage as the image', () => {
    expect(lintDockerfile(TWO).findings.some((f) => f.rule === 'G002')).toBe(true); // last stage is FROM dev
    const prod = lintDockerfile(TWO, { target: 'PROD' }).findings;
    expect(prod.some((f) => f.rule === 'G002')).toBe(false);
    expect(prod.find((f) => f.rule === 'G003')?.message).toContain('exec /app: no such file or directory');
  });
  it('rejects an unknown target with E_USAGE', () => {
    expect(() => lintDockerfile(TWO, { target: 'nope' })).toThrowError(expect.objectContaining({ code: 'E_USAGE' }));
  });
});
