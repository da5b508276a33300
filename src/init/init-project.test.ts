import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isGoslimError } from '../errors.js';
import { fixDockerfile } from '../dockerfile/fix/fix-dockerfile.js';
import { scanBuildContext } from '../context/build-context.js';
import { lintDockerfile } from '../dockerfile/lint.js';
import { initProject } from './init-project.js';

const dirs: string[] = [];
async function project(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'goslim-init-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  return dir;
}
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

const API = 'package main\nimport "net/http"\nfunc main() { _ = http.ListenAndServe(":9090", nil) }\n';

describe('initProject', () => {
  it('writes the recipe from go.mod (toolchain line wins) and a .dockerignore; fix finds nothing to change', async () => {
    const dir = await project({
      'go.mod': 'module example.com/svc\n\ngo 1.21\n\ntoolchain go1.21.6\n',
      'go.sum': '',
      'cmd/api/main.go': API,
      'internal/x/x.go': 'package x\n',
    });
    const plan = await initProject(dir);
    const df = await readFile(join(dir, 'Dockerfile'), 'utf8');
    expect(df).toContain('FROM --platform=$BUILDPLATFORM golang:1.21.6 AS build');
    expect(df).toContain('COPY go.mod go.sum ./');
    expect(df).toContain('CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags="-s -w" -o /usr/local/bin/api ./cmd/api');
    expect(df).toContain('FROM gcr.io/distroless/static-debian12:nonroot');
    expect(df).toContain('EXPOSE 9090');
    expect(df).toContain('USER 65532:65532');
    expect(df).toContain('ENTRYPOINT ["/usr/local/bin/api"]');
    expect(plan.recipe.pkg).toBe('./cmd/api');
    const ignore = await readFile(join(dir, '.dockerignore'), 'utf8');
    for (const l of ['.git', 'node_modules/', '/api', '*.test', '*.out']) expect(ignore.split('\n')).toContain(l);
    // The recipe is a fixed point of goslim fix, and lint-clean.
    const ctx = await scanBuildContext(dir);
    expect(fixDockerfile(df, { context: ctx }).changed).toBe(false);
    expect(lintDockerfile(df, { dockerignore: ignore }).findings.filter((f) => f.severity !== 'info')).toEqual([]);
  });

  it('several main packages: refuses without --pkg (E_USAGE, lists them), builds the chosen one', async () => {
    const dir = await project({ 'go.mod': 'module example.com/m\ngo 1.19\n', 'cmd/a/main.go': API, 'cmd/b/main.go': API });
    let err: unknown;
    await initProject(dir).catch((e: unknown) => (err = e));
    expect(isGoslimError(err, 'E_USAGE')).toBe(true);
    expect(String((err as Error).message)).toContain('./cmd/a, ./cmd/b');
    const plan = await initProject(dir, { pkg: 'example.com/m/cmd/b' });
    expect(plan.recipe.binary).toBe('b');
    err = undefined;
    await initProject(dir, { pkg: './cmd/nope', force: true }).catch((e: unknown) => (err = e));
    expect(isGoslimError(err, 'E_USAGE')).toBe(true);
  });

  it('refuses to overwrite without force (E_EXISTS) and leaves the file alone', async () => {
    const dir = await project({ 'go.mod': 'module m\ngo 1.19\n', 'main.go': API, Dockerfile: 'FROM scratch\n' });
    let err: unknown;
    await initProject(dir).catch((e: unknown) => (err = e));
    expect(isGoslimError(err, 'E_EXISTS')).toBe(true);
    expect(await readFile(join(dir, 'Dockerfile'), 'utf8')).toBe('FROM scratch\n');
    await initProject(dir, { force: true });
    expect(await readFile(join(dir, 'Dockerfile'), 'utf8')).toContain('-o /usr/local/bin/m .');
  });

  it('cgo: import "C" or a known cgo module keeps cgo on a glibc base, and says why', async () => {
    const dir = await project({
      'go.mod': 'module example.com/db\ngo 1.20\nrequire github.com/mattn/go-sqlite3 v1.14.22\n',
      'main.go': 'package main\nimport _ "github.com/mattn/go-sqlite3"\nfunc main() {}\n',
    });
    const plan = await initProject(dir);
    expect(plan.recipe.cgo).toMatch(/SQLite/);
    const df = await readFile(join(dir, 'Dockerfile'), 'utf8');
    expect(df).toContain('FROM golang:1.20 AS build');
    expect(df).toContain('CGO_ENABLED=1 go build');
    expect(df).toContain('FROM gcr.io/distroless/base-debian12:nonroot');
  });

  it('detects //go:embed (reported, never excluded by .dockerignore) and the binary\'s own health probe', async () => {
    const dir = await project({
      'go.mod': 'module example.com/web\ngo 1.19\n',
      'main.go': 'package main\nimport ("embed"; "flag")\n//go:embed dist/*\nvar files embed.FS\nvar hc = flag.Bool("healthcheck", false, "probe")\nfunc main() {}\n',
      'dist/index.html': '<p>hi</p>',
    });
    const plan = await initProject(dir);
    expect(plan.recipe.embeds).toEqual(['dist/*']);
    const ignore = await readFile(join(dir, '.dockerignore'), 'utf8');
    expect(ignore.split('\n')).not.toContain('dist/');
    expect(await readFile(join(dir, 'Dockerfile'), 'utf8')).toContain('HEALTHCHECK CMD ["/usr/local/bin/web", "-healthcheck"]');
  });

  it('no go.mod: E_NOT_FOUND; no main package: E_NOT_FOUND', async () => {
    const empty = await project({ 'README.md': 'x' });
    await expect(initProject(empty)).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    const lib = await project({ 'go.mod': 'module l\ngo 1.19\n', 'l.go': 'package l\n' });
    await expect(initProject(lib)).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
  });
});
