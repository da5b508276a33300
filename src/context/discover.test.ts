import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GoslimError } from '../errors.js';
import { expandLintTargets, isDockerfileName } from './discover.js';

let root: string;

function file(rel: string, text = 'FROM scratch\n'): void {
  const p = join(root, rel);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, text);
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    return err instanceof GoslimError ? err.code : String(err);
  }
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'goslim-discover-'));
  file('Dockerfile');
  file('Containerfile');
  file('Dockerfile.dockerignore', '.git\n');
  file('services/api/Dockerfile');
  file('services/api/Dockerfile.dockerignore', '.git\n');
  file('services/worker/worker.Dockerfile');
  file('services/worker/Dockerfile.prod');
  file('services/worker/main.go', 'package main\n');
  file('node_modules/pkg/Dockerfile');
  file('vendor/x/Dockerfile');
  file('.git/Dockerfile');
  file('odd[1]/Dockerfile');
  mkdirSync(join(root, 'empty'));
  symlinkSync(root, join(root, 'services/loop'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('finding Dockerfiles for lint', () => {
  it('names: Dockerfile, *.Dockerfile, Dockerfile.*, Containerfile; not their .dockerignore', () => {
    for (const n of ['Dockerfile', 'api.Dockerfile', 'Dockerfile.prod', 'Containerfile']) expect(isDockerfileName(n)).toBe(true);
    for (const n of ['Dockerfile.dockerignore', 'x.Dockerfile.dockerignore', 'dockerfile.go', 'README.md', 'Dockerfile.']) expect(isDockerfileName(n)).toBe(false);
  });

  it('a directory: every Dockerfile below it, sorted, skipping .git, node_modules, vendor and directory links', async () => {
    const t = await expandLintTargets(['.'], root);
    expect(t.map((x) => x.shownAs)).toEqual([
      'Containerfile',
      'Dockerfile',
      'odd[1]/Dockerfile',
      'services/api/Dockerfile',
      'services/worker/Dockerfile.prod',
      'services/worker/worker.Dockerfile',
    ]);
    expect(t[1]!.path).toBe(join(root, 'Dockerfile'));
  });

  it('a named directory keeps its prefix; files and stdin pass through; duplicates are dropped', async () => {
    const t = await expandLintTargets(['services/', 'services/api/Dockerfile', '-'], root);
    expect(t.map((x) => x.shownAs)).toEqual(['services/api/Dockerfile', 'services/worker/Dockerfile.prod', 'services/worker/worker.Dockerfile', '-']);
    expect(t[3]!.path).toBeNull();
  });

  it('globs: **, *, braces; a directory the glob names is searched', async () => {
    expect((await expandLintTargets(['services/**/Dockerfile'], root)).map((x) => x.shownAs)).toEqual(['services/api/Dockerfile']);
    expect((await expandLintTargets(['**/*.Dockerfile'], root)).map((x) => x.shownAs)).toEqual(['services/worker/worker.Dockerfile']);
    expect((await expandLintTargets(['services/{api,worker}'], root)).map((x) => x.shownAs)).toEqual([
      'services/api/Dockerfile',
      'services/worker/Dockerfile.prod',
      'services/worker/worker.Dockerfile',
    ]);
    // A literal segment may name a skipped directory.
    expect((await expandLintTargets(['vendor/*/Dockerfile'], root)).map((x) => x.shownAs)).toEqual(['vendor/x/Dockerfile']);
  });

  it('a name that exists is literal even with glob characters in it', async () => {
    expect((await expandLintTargets(['odd[1]'], root)).map((x) => x.shownAs)).toEqual(['odd[1]/Dockerfile']);
  });

  it('nothing found: E_NOT_FOUND; a missing plain name passes through for the reader', async () => {
    expect(await codeOf(expandLintTargets(['empty'], root))).toBe('E_NOT_FOUND');
    expect(await codeOf(expandLintTargets(['nothing/*/Dockerfile'], root))).toBe('E_NOT_FOUND');
    expect((await expandLintTargets(['missing.Dockerfile'], root))[0]!.path).toBe(join(root, 'missing.Dockerfile'));
  });
});
