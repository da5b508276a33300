/** `goslim fix` through the CLI: diff by default, --write atomically and idempotently, --json, --explain, errors. */
import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
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

  describe('issue 12: fix output passes lint', () => {
    interface FixJson { changed: boolean; skipped?: string; dockerignore?: { action: string; written: boolean; keep: string[] } }
    const lintRules = async (dir: string): Promise<string[]> => {
      const c = io(dir);
      await runCli(['lint', '-f', 'json'], c);
      const json = JSON.parse(c.out()) as { files: Array<{ findings: Array<{ rule: string }> }> };
      return json.files.flatMap((f) => f.findings.map((x) => x.rule));
    };

    it('--write creates the .dockerignore lint G020 asks for, keeping what the build reads; lint then has no G020', async () => {
      const dir = await copyExample('notes');
      expect(existsSync(join(dir, '.dockerignore'))).toBe(false);
      const c = io(dir);
      expect(await runCli(['fix', '--write', '--json'], c)).toBe(0);
      const r = JSON.parse(c.out()) as FixJson;
      expect(r.dockerignore).toMatchObject({ action: 'create', written: true });
      // Runtime files fix carries into the final stage are never excluded.
      for (const k of ['config', 'migrations', 'templates']) expect(r.dockerignore!.keep).toContain(k);
      const ignore = await readFile(join(dir, '.dockerignore'), 'utf8');
      expect(ignore.split('\n')).toContain('.git');
      expect(await lintRules(dir)).not.toContain('G020');
      // A second run: nothing left to do, nothing rewritten.
      const again = io(dir);
      expect(await runCli(['fix', '--write', '--json'], again)).toBe(0);
      expect((JSON.parse(again.out()) as FixJson).dockerignore).toBeUndefined();
      expect(await readFile(join(dir, '.dockerignore'), 'utf8')).toBe(ignore);
    });

    it('without --write the .dockerignore is only announced; an existing one is never rewritten', async () => {
      const dir = await copyExample('greeter');
      const dry = io(dir);
      expect(await runCli(['fix', '--json'], dry)).toBe(0);
      expect((JSON.parse(dry.out()) as FixJson).dockerignore).toMatchObject({ action: 'create', written: false });
      expect(existsSync(join(dir, '.dockerignore'))).toBe(false);
      await writeFile(join(dir, '.dockerignore'), 'bin/\n');
      const c = io(dir);
      expect(await runCli(['fix', '--write', '--json'], c)).toBe(0);
      expect((JSON.parse(c.out()) as FixJson).dockerignore).toMatchObject({ action: 'exists-without-git', written: false });
      expect(await readFile(join(dir, '.dockerignore'), 'utf8')).toBe('bin/\n');
    });

    it('a Dockerfile that builds no Go is left alone, with the reason in JSON, exit 0', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'goslim-fix-node-'));
      dirs.push(dir);
      const text = 'FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD ["node", "server.js"]\n';
      await writeFile(join(dir, 'Dockerfile'), text);
      const c = io(dir);
      expect(await runCli(['fix', '--write', '--json'], c)).toBe(0);
      const r = JSON.parse(c.out()) as FixJson;
      expect(r).toMatchObject({ changed: false, skipped: 'no-go-build' });
      expect(r.dockerignore).toBeUndefined();
      expect(await readFile(join(dir, 'Dockerfile'), 'utf8')).toBe(text);
      expect(await readdir(dir)).toEqual(['Dockerfile']);
      const plain = io(dir);
      expect(await runCli(['fix'], plain)).toBe(0);
      expect(plain.out()).toBe('');
    });

    it('diff headers: a/<path relative to cwd> for a file inside it (patch -p1 applies it there), a/<absolute path> with one slash outside it', async () => {
      const dir = await copyExample('greeter');
      const abs = join(dir, 'Dockerfile');
      const inside = io(tmpdir());
      expect(await runCli(['fix', abs], inside)).toBe(0);
      const rel = abs.slice(tmpdir().length + 1);
      expect(inside.out().split('\n').slice(0, 2)).toEqual([`--- a/${rel}`, `+++ b/${rel}`]);
      const outside = io(join(dir, 'cmd'));
      expect(await runCli(['fix', abs], outside)).toBe(0);
      expect(outside.out().split('\n').slice(0, 2)).toEqual([`--- a${abs}`, `+++ b${abs}`]);
      expect(outside.out()).not.toContain('a//');
      const patch = spawnSync('patch', ['-p1', '--dry-run'], { cwd: tmpdir(), input: inside.out(), encoding: 'utf8' });
      if (patch.error === undefined) expect(patch.status, patch.stderr).toBe(0);
    });
  });
});
