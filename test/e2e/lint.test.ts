/**
 * `goslim lint` end to end: spawns the built CLI (node bin/goslim.js) on corpus
 * Dockerfiles in temporary build contexts; checks exit codes, stdin, several
 * files, every format (SARIF validated against the 2.1.0 schema), config files
 * and error codes. Needs `npm run build` first (npm test does it).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, expect, it } from 'vitest';
import { Ajv } from 'ajv';
import { buildFixtures, SERVER } from '../fixtures/go/build-fixtures.js';
import { describeWithTools } from '../helpers/tools.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../..');
const CORPUS = join(REPO, 'test/fixtures/dockerfiles');

function goslim(args: string[], opts: { cwd?: string; input?: string } = {}) {
  const r = spawnSync(process.execPath, [join(REPO, 'bin/goslim.js'), ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    cwd: opts.cwd ?? REPO,
    input: opts.input ?? '',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A build context directory holding one corpus Dockerfile (and optionally a .dockerignore). */
function context(name: string, dockerignore: string | null = '.git\n'): string {
  const dir = mkdtempSync(join(tmpdir(), `goslim-lint-${name}-`));
  copyFileSync(join(CORPUS, `${name}.Dockerfile`), join(dir, 'Dockerfile'));
  if (dockerignore !== null) writeFileSync(join(dir, '.dockerignore'), dockerignore);
  return dir;
}

describeWithTools(['dist'], 'goslim lint (CLI)', () => {
  it('exits 0 on the four-lever recipe and 1 on the naive single-stage file', () => {
    const ok = goslim(['lint'], { cwd: context('four-lever-recipe') });
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toContain('1 file checked, no findings.');
    expect(ok.code).toBe(0);

    const bad = goslim(['lint', 'Dockerfile'], { cwd: context('naive-single-stage', null) });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^Dockerfile:1:6 warning G001 \(single-stage\) /m);
    expect(bad.stdout).toMatch(/^Dockerfile:3:1 warning G020 \(dockerignore\) .*no \.dockerignore/m);
  });

  it('reads .dockerignore from the context: G020 appears only without it', () => {
    const dir = context('mod-download-after-copy', null);
    expect(goslim(['lint', '-f', 'json'], { cwd: dir }).stdout).toContain('"rule": "G020"');
    writeFileSync(join(dir, '.dockerignore'), '**/.git\nbin/\n');
    expect(goslim(['lint', '-f', 'json'], { cwd: dir }).stdout).not.toContain('"rule": "G020"');
  });

  it('lints stdin with -, and several files in one call (JSON)', () => {
    const text = readFileSync(join(CORPUS, 'cgo-default-distroless-static.Dockerfile'), 'utf8');
    const r = goslim(['lint', '--format', 'json', '-', join(CORPUS, 'shell-form-entrypoint.Dockerfile')], { input: text });
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout) as { files: Array<{ path: string; findings: Array<{ rule: string; severity: string; line: number; message: string }> }> };
    expect(json.files.map((f) => f.path)).toEqual(['-', join(CORPUS, 'shell-form-entrypoint.Dockerfile')]);
    const g003 = json.files[0]!.findings.find((f) => f.rule === 'G003')!;
    expect(g003).toMatchObject({ severity: 'error', line: 6 });
    expect(g003.message).toContain('exec /usr/local/bin/worker: no such file or directory');
    expect(json.files[1]!.findings.some((f) => f.rule === 'G005' && f.line === 11)).toBe(true);
  });

  it('writes SARIF 2.1.0 that validates against the schema', () => {
    const r = goslim(['lint', '-f', 'sarif', 'Dockerfile'], { cwd: context('naive-single-stage', null) });
    expect(r.code).toBe(1);
    const schema = JSON.parse(readFileSync(join(REPO, 'test/fixtures/sarif/sarif-schema-2.1.0.json'), 'utf8')) as object;
    const ajv = new Ajv({ allErrors: true });
    ajv.addFormat('uri', /^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$/);
    ajv.addFormat('uri-reference', /^[^\s]*$/);
    ajv.addFormat('date-time', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
    const validate = ajv.compile(schema);
    const log = JSON.parse(r.stdout) as { runs: Array<{ results: Array<{ ruleId: string }> }> };
    expect(validate(log), JSON.stringify(validate.errors)).toBe(true);
    expect(log.runs[0]!.results.map((x) => x.ruleId)).toContain('G001');
  });

  it('renders markdown and writes reports atomically with -o', () => {
    const dir = context('hardcoded-goarch');
    const md = goslim(['lint', '--format', 'markdown'], { cwd: dir });
    expect(md.stdout).toMatch(/\| 6 \| ⚠️ warning \| G014 /);
    const out = goslim(['lint', '-f', 'json', '-o', 'report.json'], { cwd: dir });
    expect(out.stdout).toBe('');
    expect(out.code).toBe(1);
    expect(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'))).toHaveProperty('files');
  });

  it('honours --failure-threshold', () => {
    const dir = context('distroless-copies-certs'); // info findings only
    expect(goslim(['lint'], { cwd: dir }).code).toBe(0);
    expect(goslim(['lint', '--failure-threshold', 'info'], { cwd: dir }).code).toBe(1);
    const bad = context('run-in-distroless');
    expect(goslim(['lint', '--failure-threshold', 'none'], { cwd: bad }).code).toBe(0);
    expect(goslim(['lint', '--failure-threshold', 'error'], { cwd: bad }).code).toBe(1);
  });

  it('applies a config file found between the Dockerfile and the cwd', () => {
    const root = mkdtempSync(join(tmpdir(), 'goslim-lint-config-'));
    mkdirSync(join(root, 'svc'));
    copyFileSync(join(CORPUS, 'hardcoded-goarch.Dockerfile'), join(root, 'svc', 'Dockerfile'));
    writeFileSync(join(root, 'svc', '.dockerignore'), '.git\n');
    writeFileSync(join(root, '.goslim.yaml'), 'lint:\n  disable: [hardcoded-platform]\n  severity: { G011: warning }\n  failure-threshold: error\n');
    const r = goslim(['lint', '-f', 'json', 'svc/Dockerfile'], { cwd: root });
    const json = JSON.parse(r.stdout) as { files: Array<{ findings: Array<{ rule: string; severity: string }> }> };
    expect(json.files[0]!.findings.some((f) => f.rule === 'G014')).toBe(false);
    expect(json.files[0]!.findings.every((f) => f.rule !== 'G011' || f.severity === 'warning')).toBe(true);
    expect(r.code).toBe(0); // warnings only, threshold error
  });

  it('rejects an invalid config with every problem listed (exit 2, E_CONFIG, no stack)', () => {
    const dir = context('four-lever-recipe');
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ lint: { disable: ['G999'], severity: { G001: 'fatal' }, 'failure-threshold': 'style' }, extra: 1 }));
    const r = goslim(['lint', '--config', 'bad.json'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^goslim: error E_CONFIG: invalid config .*\(4 problems\)/);
    for (const path of ['extra', 'lint.disable[0]', 'lint.severity.G001', 'lint.failure-threshold']) expect(r.stderr).toContain(`  ${path}: `);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('reports a missing file as E_NOT_FOUND (exit 2) and a bad format as a usage error', () => {
    const r = goslim(['lint', 'does-not-exist/Dockerfile']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^goslim: error E_NOT_FOUND: /);
    expect(goslim(['lint', '--format', 'xml']).code).toBe(2);
  });

  it('lints a directory and a quoted glob: finds Dockerfile, *.Dockerfile, Dockerfile.*, Containerfile; skips node_modules (#14)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'goslim-lint-dir-'));
    const put = (rel: string, name: string): void => {
      mkdirSync(dirname(join(dir, rel)), { recursive: true });
      copyFileSync(join(CORPUS, `${name}.Dockerfile`), join(dir, rel));
      writeFileSync(join(dirname(join(dir, rel)), '.dockerignore'), '.git\n');
    };
    put('services/api/Dockerfile', 'four-lever-recipe');
    put('services/worker/worker.Dockerfile', 'naive-single-stage');
    put('services/cron/Dockerfile.prod', 'four-lever-recipe');
    put('tools/Containerfile', 'four-lever-recipe');
    put('node_modules/dep/Dockerfile', 'naive-single-stage');
    const paths = (r: { stdout: string }): string[] => (JSON.parse(r.stdout) as { files: Array<{ path: string }> }).files.map((f) => f.path);
    const all = goslim(['lint', '-f', 'json', '.'], { cwd: dir });
    expect(all.code).toBe(1); // the naive single-stage file has warnings
    expect(paths(all)).toEqual(['services/api/Dockerfile', 'services/cron/Dockerfile.prod', 'services/worker/worker.Dockerfile', 'tools/Containerfile']);
    const glob = goslim(['lint', '-f', 'json', 'services/**/Dockerfile*'], { cwd: dir });
    expect(glob.code).toBe(0);
    expect(paths(glob)).toEqual(['services/api/Dockerfile', 'services/cron/Dockerfile.prod']);
    const none = goslim(['lint', 'nothing/**/Dockerfile'], { cwd: dir });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^goslim: error E_NOT_FOUND: no Dockerfile matches/);
  });

  it('explains every rule it reports', () => {
    const r = goslim(['explain', 'G003']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/cgo-without-libc/);
  });
});

/**
 * G003's claim, checked for real: the test fixture server (net/http) built with CGO_ENABLED left at
 * its default (gcc is installed here, as in golang:*-bookworm), copied alone into an empty root (what scratch / distroless static give it: no libc, no
 * dynamic loader), and exec'd with bubblewrap. The kernel's ENOENT is the same error runc reports as
 * "exec /app: no such file or directory".
 */
describeWithTools(['dist', 'go', 'gcc', 'bwrap', 'readelf'], 'G003 against a real binary', () => {
  const bins = new Map<string, string>();
  beforeAll(async () => {
    for (const [k, v] of await buildFixtures([SERVER('default'), SERVER('cgo0', [], { CGO_ENABLED: '0' })])) bins.set(k, v);
  }, 900_000);

  const dockerfile = (cgo: string) => `FROM golang:1.22-bookworm AS build
WORKDIR /src
COPY . .
RUN ${cgo}go build -trimpath -ldflags="-s -w" -o /out/server .
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/server /app
ENTRYPOINT ["/app"]
`;

  function runInEmptyRoot(binary: string): { code: number | null; stderr: string } {
    const root = mkdtempSync(join(tmpdir(), 'goslim-g003-root-'));
    copyFileSync(binary, join(root, 'app'));
    const r = spawnSync('bwrap', ['--bind', root, '/', '--dev', '/dev', '--proc', '/proc', '--die-with-parent', '/app'], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, ADDR: 'no-port' }, // makes the server exit at once after it starts
    });
    return { code: r.status, stderr: r.stderr };
  }

  it('flags the default (cgo) build, whose binary indeed cannot start without libc', () => {
    const r = goslim(['lint', '-f', 'json', '-'], { input: dockerfile('') });
    const json = JSON.parse(r.stdout) as { files: Array<{ findings: Array<{ rule: string; message: string }> }> };
    const g003 = json.files[0]!.findings.find((f) => f.rule === 'G003');
    expect(g003?.message).toContain('exec /app: no such file or directory');

    const bin = bins.get('server.default')!;
    const interp = spawnSync('readelf', ['-l', bin], { encoding: 'utf8' }).stdout;
    expect(interp).toMatch(/Requesting program interpreter: \/lib64\/ld-linux/);
    const run = runInEmptyRoot(bin);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/execvp \/app: No such file or directory/);
  });

  it('is silent for CGO_ENABLED=0, whose binary starts in the same empty root', () => {
    const r = goslim(['lint', '-f', 'json', '-'], { input: dockerfile('CGO_ENABLED=0 ') });
    expect(r.stdout).not.toContain('"rule": "G003"');

    const run = runInEmptyRoot(bins.get('server.cgo0')!);
    // It ran: the Go program itself reports the bad listen address and exits 1.
    expect(run.stderr).toContain('listen tcp: address no-port: missing port in address');
    expect(run.stderr).not.toContain('execvp');
  });
});
