/** `goslim init` through the CLI, on a fresh copy of a bundled example without its Dockerfile. */
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/context.js';
import { REPO_ROOT } from '../helpers/images.js';

function io(cwd: string): CliIO & { out: () => string; err: () => string } {
  const o: string[] = [];
  const e: string[] = [];
  return { stdout: (t) => void o.push(t), stderr: (t) => void e.push(t), isTTY: false, env: {}, cwd, out: () => o.join(''), err: () => e.join('') };
}

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function example(name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `goslim-init-${name}-`));
  dirs.push(dir);
  await cp(join(REPO_ROOT, 'examples', name), dir, { recursive: true });
  await rm(join(dir, 'Dockerfile'));
  return dir;
}

describe('goslim init (CLI)', () => {
  it('writes Dockerfile and .dockerignore for greeter; a second run is E_EXISTS (exit 2); --force overwrites', async () => {
    const dir = await example('greeter');
    const c = io(REPO_ROOT);
    expect(await runCli(['init', dir], c)).toBe(0);
    expect(c.out()).toContain('builder golang:1.19, package ./cmd/greeter');
    const df = await readFile(join(dir, 'Dockerfile'), 'utf8');
    expect(df).toContain('go build -trimpath -ldflags="-s -w" -o /usr/local/bin/greeter ./cmd/greeter');
    expect(df).toContain('HEALTHCHECK CMD ["/usr/local/bin/greeter", "-healthcheck"]');
    const again = io(REPO_ROOT);
    expect(await runCli(['init', dir], again)).toBe(2);
    expect(again.err()).toMatch(/^goslim: error E_EXISTS: /);
    expect(await runCli(['init', '--force', dir], io(REPO_ROOT))).toBe(0);
  });

  it('--json on the cgo example: cgo kept with the reason', async () => {
    const dir = await example('cgo-hash');
    const c = io(dir);
    expect(await runCli(['init', '--json'], c)).toBe(0);
    const r = JSON.parse(c.out()) as { recipe: { cgo?: string; pkg: string } };
    expect(r.recipe.cgo).toContain('import "C"');
    expect(r.recipe.pkg).toBe('.');
    expect(await readFile(join(dir, 'Dockerfile'), 'utf8')).toContain('FROM gcr.io/distroless/base-debian12:nonroot');
  });

  it('notes: reports the embedded static/ directory', async () => {
    const dir = await example('notes');
    const c = io(dir);
    expect(await runCli(['init'], c)).toBe(0);
    expect(c.out()).toContain('embedded (ships inside the binary): static');
  });
});
