/**
 * `goslim fix --write` changes only what it means to change (issue 11): symlinks are written
 * through, mode is kept, bytes of untouched lines (even non-UTF-8 ones) are kept, a read-only
 * file is refused with E_READ_ONLY, temp files are goslim's by name and cleaned up, and a
 * kill -9 at any point leaves the old bytes or the complete new ones.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmod, chown, lstat, mkdtemp, readdir, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/context.js';
import { fixDockerfile } from '../../src/dockerfile/fix/fix-dockerfile.js';
import { REPO_ROOT } from '../helpers/images.js';
import { itWithTools } from '../helpers/tools.js';

function io(cwd: string): CliIO & { out: () => string; err: () => string } {
  const o: string[] = [];
  const e: string[] = [];
  return { stdout: (t) => void o.push(t), stderr: (t) => void e.push(t), isTTY: false, env: {}, cwd, out: () => o.join(''), err: () => e.join('') };
}
const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'goslim-fix-write-'));
  dirs.push(d);
  return d;
}
afterEach(async () => {
  for (const d of dirs.splice(0)) {
    await chmod(d, 0o755).catch(() => undefined);
    await rm(d, { recursive: true, force: true });
  }
});

const SINGLE = 'FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /usr/local/bin/app .\nCMD ["/usr/local/bin/app"]\n';
const temps = async (dir: string): Promise<string[]> => (await readdir(dir)).filter((f) => f.includes('.goslim-'));

describe('fix --write keeps what it does not change', () => {
  it('writes through a symlink to its target; the link stays a link', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'real.Dockerfile'), SINGLE);
    await symlink('real.Dockerfile', join(dir, 'Dockerfile'));
    expect(await runCli(['fix', '--write'], io(dir))).toBe(0);
    expect((await lstat(join(dir, 'Dockerfile'))).isSymbolicLink()).toBe(true);
    expect(await readlink(join(dir, 'Dockerfile'))).toBe('real.Dockerfile');
    expect(await readFile(join(dir, 'real.Dockerfile'), 'utf8')).toBe(fixDockerfile(SINGLE).fixed);
    expect(await temps(dir)).toEqual([]);
  });

  it('keeps the mode bits', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'Dockerfile'), SINGLE);
    await chmod(join(dir, 'Dockerfile'), 0o640);
    expect(await runCli(['fix', '--write'], io(dir))).toBe(0);
    expect((await stat(join(dir, 'Dockerfile'))).mode & 0o7777).toBe(0o640);
  });

  itWithTools(['root'], 'keeps the owner when run as root', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'Dockerfile'), SINGLE);
    await chown(join(dir, 'Dockerfile'), 1234, 5678);
    expect(await runCli(['fix', '--write'], io(dir))).toBe(0);
    const st = await stat(join(dir, 'Dockerfile'));
    expect([st.uid, st.gid]).toEqual([1234, 5678]);
  });

  it('keeps non-UTF-8 bytes of lines it does not edit', async () => {
    const dir = await tempDir();
    const latin1 = Buffer.from('LABEL description="caf\xe9 \xff\xfe"\n', 'latin1');
    const bytes = Buffer.concat([Buffer.from('FROM golang:1.22\n'), latin1, Buffer.from('WORKDIR /src\nCOPY . .\nRUN go build -o /usr/local/bin/app .\nCMD ["/usr/local/bin/app"]\n')]);
    await writeFile(join(dir, 'Dockerfile'), bytes);
    expect(await runCli(['fix', '--write'], io(dir))).toBe(0);
    const after = await readFile(join(dir, 'Dockerfile'));
    expect(after.equals(bytes)).toBe(false);
    expect(after.includes(latin1)).toBe(true);
    // Everything else is what fix produces.
    expect(after.toString('utf8')).toBe(fixDockerfile(bytes.toString('utf8')).fixed);
  });

  it('refuses a read-only file with E_READ_ONLY (also as root), leaving it as it was', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'Dockerfile'), SINGLE);
    await chmod(join(dir, 'Dockerfile'), 0o444);
    const c = io(dir);
    expect(await runCli(['fix', '--write'], c)).toBe(2);
    expect(c.err()).toMatch(/^goslim: error E_READ_ONLY: /);
    expect(await readFile(join(dir, 'Dockerfile'), 'utf8')).toBe(SINGLE);
    expect((await stat(join(dir, 'Dockerfile'))).mode & 0o777).toBe(0o444);
    expect(await temps(dir)).toEqual([]);
  });

  it('an oversized Dockerfile is E_LIMIT before it is read', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'Dockerfile'), '');
    await import('node:fs/promises').then((fs) => fs.truncate(join(dir, 'Dockerfile'), 17 * 1024 * 1024));
    for (const cmd of ['fix', 'lint']) {
      const c = io(dir);
      expect(await runCli([cmd], c)).toBe(2);
      expect(c.err()).toMatch(/^goslim: error E_LIMIT: /);
    }
  });

  it('removes temp files left by a process that is gone; leaves others alone', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'Dockerfile'), SINGLE);
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(dead.stdout);
    await writeFile(join(dir, `.Dockerfile.goslim-${deadPid}-abcdef.tmp`), 'partial');
    await writeFile(join(dir, `.Dockerfile.goslim-${process.pid}-abcdef.tmp`), 'ours, in progress');
    await writeFile(join(dir, '.Dockerfile.other.tmp'), 'not goslim');
    expect(await runCli(['fix', '--write'], io(dir))).toBe(0);
    // .dockerignore: the context had none and the fixed file copies `.` (lint G020), so fix --write creates it.
    expect((await readdir(dir)).sort()).toEqual(['.Dockerfile.goslim-' + process.pid + '-abcdef.tmp', '.Dockerfile.other.tmp', '.dockerignore', 'Dockerfile'].sort());
  });
});

describe('fix --write under kill -9', () => {
  it('20 kills at increasing points: the file is always the old bytes or the complete new ones; the next run cleans up', async () => {
    const dir = await tempDir();
    // About 500 kB: large enough that the kills land before, during and after the write.
    let text = 'FROM golang:1.22\nWORKDIR /src\nCOPY . .\n';
    for (let i = 0; i < 15_000; i++) text += `LABEL l${i}="${'x'.repeat(20)}"\n`;
    text += 'RUN go build -o /usr/local/bin/app .\nCMD ["/usr/local/bin/app"]\n';
    const oldBytes = Buffer.from(text);
    const newBytes = Buffer.from(fixDockerfile(text).fixed);
    expect(newBytes.equals(oldBytes)).toBe(false);
    const file = join(dir, 'Dockerfile');
    const bin = join(REPO_ROOT, 'bin', 'goslim.js');
    const outcomes = { old: 0, new: 0 };
    let killedWithTemp = 0;
    for (let k = 0; k < 20; k++) {
      await writeFile(file, oldBytes);
      const child = spawn(process.execPath, [bin, 'fix', '--write', 'Dockerfile'], { cwd: dir, stdio: 'ignore' });
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      // Kill k: k < 8 after 16·2^k event-loop turns of this process (start-up, parse, fix); 8..13 once
      // the temp file exists and has reached a growing share of the new size (during the write);
      // 14..19 once the Dockerfile itself has changed (after the rename, before the process ends).
      // Polls are paced by 1 ms timers and bounded; nothing here asserts on time.
      const gone = (): boolean => child.exitCode !== null || child.signalCode !== null;
      if (k < 8) {
        for (let t = 0; t < 16 * 2 ** k && !gone(); t++) await new Promise((r) => setImmediate(r));
      } else if (k < 14) {
        const want = Math.floor((newBytes.length * (k - 8)) / 6);
        for (let polls = 0; polls < 30_000 && !gone(); polls++) {
          const tmp = (await temps(dir))[0];
          const size = tmp ? await stat(join(dir, tmp)).then((st) => st.size, () => -1) : -1;
          if (size >= want) break;
          await new Promise((r) => setTimeout(r, 1));
        }
      } else {
        for (let polls = 0; polls < 30_000 && !gone(); polls++) {
          if ((await stat(file)).size !== oldBytes.length) break;
          await new Promise((r) => setTimeout(r, 1));
        }
      }
      child.kill('SIGKILL');
      await exited;
      killedWithTemp += (await temps(dir)).length > 0 ? 1 : 0;
      const now = await readFile(file);
      const isOld = now.equals(oldBytes);
      const isNew = now.equals(newBytes);
      expect(isOld || isNew).toBe(true);
      if (isOld) outcomes.old++;
      else outcomes.new++;
    }
    // Whatever temps the kills left, the next run removes them (their writers are gone).
    const left = (await temps(dir)).length;
    await writeFile(file, oldBytes);
    expect(spawnSync(process.execPath, [bin, 'fix', '--write', 'Dockerfile'], { cwd: dir }).status).toBe(0);
    expect(await temps(dir)).toEqual([]);
    expect((await readFile(file)).equals(newBytes)).toBe(true);
    expect(outcomes.old + outcomes.new).toBe(20);
    if (process.env.GOSLIM_REPORT_KILLS) console.log('kill -9 outcomes', outcomes, 'kills that left a temp', killedWithTemp, 'temps before the last run', left);
  }, 300_000);
});

describe('lint of a hostile Dockerfile through the CLI', () => {
  it('an ARG doubling bomb lints with warnings naming the limit; values past it are unknown', async () => {
    const dir = await tempDir();
    let t = 'ARG A0=xxxxxxxxxxxxxxxx\n';
    for (let i = 1; i < 40; i++) t += `ARG A${i}=\${A${i - 1}}\${A${i - 1}}\n`;
    await writeFile(join(dir, 'Dockerfile'), `${t}FROM golang:1.22\nRUN go build -o /app .\n`);
    const c = io(dir);
    expect(await runCli(['lint', '--format', 'json'], c)).toBe(1);
    expect(JSON.parse(c.out()).files[0].findings.length).toBeGreaterThan(0);
    expect(c.err()).toContain('dockerfile.expansionSize');
  });
});
