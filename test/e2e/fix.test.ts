/** `goslim fix` through the CLI: diff by default, --write atomically and idempotently, --json, --explain, errors. */
import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/context.js';
import { applyUnifiedDiff } from '../../src/dockerfile/fix/unified-diff.js';
import { REPO_ROOT } from '../helpers/images.js';
import { itWithTools } from '../helpers/tools.js';

function io(cwd: string): CliIO & { out: () => string; err: () => string } {
  const o: string[] = [];
  const e: string[] = [];
  return { stdout: (t) => void o.push(t), stderr: (t) => void e.push(t), isTTY: false, env: {}, cwd, out: () => o.join(''), err: () => e.join('') };
}

const dirs: string[] = [];
async function copyExample(name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `goslim-fix-${name}-`));
  dirs.push(dir);
  await cp(join(REPO_ROOT, 'examples', name), dir, { recursive: true });
  return dir;
}
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe('goslim fix (CLI)', () => {
  it('prints a unified diff that turns the file into the fixed one, and does not touch the file', async () => {
    const dir = await copyExample('greeter');
    const before = await readFile(join(dir, 'Dockerfile'), 'utf8');
    const c = io(dir);
    expect(await runCli(['fix'], c)).toBe(0);
    const diff = c.out();
    expect(diff.startsWith('--- a/Dockerfile\n+++ b/Dockerfile\n@@ ')).toBe(true);
    expect(diff).toContain('+FROM gcr.io/distroless/static-debian12:nonroot');
    expect(diff).toContain('-CMD greeter');
    expect(await readFile(join(dir, 'Dockerfile'), 'utf8')).toBe(before);
    // Same result as --write.
    const w = io(dir);
    expect(await runCli(['fix', '--write', 'Dockerfile'], w)).toBe(0);
    expect(await readFile(join(dir, 'Dockerfile'), 'utf8')).toBe(applyUnifiedDiff(before, diff));
  });

  it('--write is atomic (no temp file left) and idempotent: a second run changes nothing', async () => {
    const dir = await copyExample('notes');
    expect(await runCli(['fix', '--write'], io(dir))).toBe(0);
    const once = await readFile(join(dir, 'Dockerfile'), 'utf8');
    expect((await readdir(dir)).filter((f) => f.includes('goslim'))).toEqual([]);
    const again = io(dir);
    expect(await runCli(['fix', '--write'], again)).toBe(0);
    expect(again.err()).toContain('already fixed');
    expect(await readFile(join(dir, 'Dockerfile'), 'utf8')).toBe(once);
    const diff = io(dir);
    await runCli(['fix'], diff);
    expect(diff.out()).toBe('');
  });

  it('--json lists edits, notes and TODOs; --base and --explain are honoured', async () => {
    const dir = await copyExample('greeter');
    const c = io(dir);
    expect(await runCli(['fix', '--json', '--explain', '--base', 'gcr.io/distroless/static-debian12:latest'], c)).toBe(0);
    const r = JSON.parse(c.out()) as { mode: string; changed: boolean; edits: Array<{ kind: string; line: number }>; todos: unknown[]; fixed: string };
    expect(r.mode).toBe('single-stage');
    expect(r.changed).toBe(true);
    expect(new Set(r.edits.map((e) => e.kind))).toEqual(
      new Set(['multi-stage', 'target-args', 'mod-download-layer', 'cgo-off', 'trimpath', 'strip-symbols', 'cache-mounts', 'static-base', 'nonroot-user', 'healthcheck', 'exec-form']),
    );
    expect(r.fixed).toContain('FROM gcr.io/distroless/static-debian12:latest');
    expect(r.fixed).toContain('# goslim: ');
  });

  it('reports TODOs on stderr for what it cannot carry', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'goslim-fix-todo-'));
    dirs.push(dir);
    await writeFile(join(dir, 'Dockerfile'), 'FROM golang:1.21\nWORKDIR /src\nCOPY . .\nRUN make build\nCMD ["./run.sh"]\n');
    const c = io(dir);
    expect(await runCli(['fix', '--write'], c)).toBe(0);
    expect(c.err()).toMatch(/TODO: Dockerfile:4: .*make|TODO: Dockerfile:4: this RUN builds through a tool/);
    expect(await readFile(join(dir, 'Dockerfile'), 'utf8')).toContain('# goslim: TODO');
  });

  itWithTools(['dist'], '`-` reads stdin and prints the fixed file (the built CLI, as a filter)', async () => {
    const dir = await copyExample('greeter');
    const text = await readFile(join(dir, 'Dockerfile'), 'utf8');
    const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'goslim.js'), 'fix', '-'], { cwd: dir, input: text, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const c = io(dir);
    await runCli(['fix', '--json'], c);
    expect(r.stdout).toBe((JSON.parse(c.out()) as { fixed: string }).fixed);
    expect(await runCli(['fix', '--write', '-'], io(dir))).toBe(2);
  });

  it('a missing Dockerfile is E_NOT_FOUND with exit 2 and no stack trace', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'goslim-fix-none-'));
    dirs.push(dir);
    const c = io(dir);
    expect(await runCli(['fix', 'nope/Dockerfile'], c)).toBe(2);
    expect(c.err()).toMatch(/^goslim: error E_NOT_FOUND: /);
    expect(c.err()).not.toContain('    at ');
  });
});
