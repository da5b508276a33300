import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Command } from 'commander';
import type { CliIO } from './context.js';
import { addOutputOptions, chosenFormat, outputTargets, styleFor, wantedFormats, writeReport, type Renderers } from './output.js';

const dir = mkdtempSync(join(tmpdir(), 'goslim-output-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function io(env: NodeJS.ProcessEnv, stdoutIsTTY: boolean): CliIO & { out: string } {
  const o = { out: '', stdout: (t: string) => void (o.out += t), stderr: () => undefined, isTTY: false, stdoutIsTTY, env, cwd: dir };
  return o;
}

const table: Renderers<{ n: number }> = {
  text: (r, ctx) => `${ctx.style.bold(String(r.n))}\n`,
  json: (r) => `${JSON.stringify(r)}\n`,
  markdown: (r) => `**${r.n}**\n`,
};

describe('the output contract', () => {
  it('--json is --format json; with another --format it is a usage error', () => {
    expect(chosenFormat({ json: true })).toBe('json');
    expect(chosenFormat({ json: true, format: 'json' })).toBe('json');
    expect(chosenFormat({ format: 'markdown' })).toBe('markdown');
    expect(() => chosenFormat({ json: true, format: 'sarif' })).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
  });

  it('colour: a terminal only, NO_COLOR wins, FORCE_COLOR forces, files never', () => {
    expect(styleFor(io({}, true), false).colour).toBe(true);
    expect(styleFor(io({}, false), false).colour).toBe(false);
    expect(styleFor(io({ NO_COLOR: '1' }, true), false).colour).toBe(false);
    expect(styleFor(io({ NO_COLOR: '' }, true), false).colour).toBe(true);
    expect(styleFor(io({ FORCE_COLOR: '1' }, false), false).colour).toBe(true);
    expect(styleFor(io({ FORCE_COLOR: '0' }, true), false).colour).toBe(false);
    expect(styleFor(io({ FORCE_COLOR: '1', NO_COLOR: '1' }, true), false).colour).toBe(false);
    expect(styleFor(io({ TERM: 'dumb' }, true), false).colour).toBe(false);
    expect(styleFor(io({ FORCE_COLOR: '1' }, true), true).colour).toBe(false);
  });

  it('options come from the renderer table: a format the command lacks is refused by the parser', () => {
    const cmd = addOutputOptions(new Command('x').exitOverride().configureOutput({ writeErr: () => undefined }), table);
    expect(() => cmd.parse(['--format', 'sarif'], { from: 'user' })).toThrow(/Allowed choices are text, json, markdown/);
  });

  it('writes to stdout, or atomically to --output (no temp left, no colour)', async () => {
    const a = io({ FORCE_COLOR: '1' }, true);
    await writeReport(a, {}, table, { n: 7 });
    expect(a.out).toBe('\u001b[1m7\u001b[22m\n');
    const b = io({ FORCE_COLOR: '1' }, true);
    await writeReport(b, { output: 'r.txt' }, table, { n: 8 });
    expect(b.out).toBe('');
    expect(readFileSync(join(dir, 'r.txt'), 'utf8')).toBe('8\n');
    await writeReport(b, { output: 'r.md', format: 'markdown' }, table, { n: 9 });
    expect(readFileSync(join(dir, 'r.md'), 'utf8')).toBe('**9**\n');
    expect(readdirSync(dir).filter((n) => n.includes('.tmp'))).toEqual([]);
  });

  it('several reports from one run: -o FORMAT=FILE, repeated; stdout keeps --format unless a plain FILE took it', async () => {
    const c = io({}, false);
    expect(await writeReport(c, { output: ['json=r1.json', 'markdown=r1.md'] }, table, { n: 3 })).toBe('text');
    expect(c.out).toBe('3\n');
    expect(JSON.parse(readFileSync(join(dir, 'r1.json'), 'utf8'))).toEqual({ n: 3 });
    expect(readFileSync(join(dir, 'r1.md'), 'utf8')).toBe('**3**\n');
    const d = io({}, false);
    await writeReport(d, { output: ['r2.json', 'markdown=r2.md'], format: 'json' }, table, { n: 4 });
    expect(d.out).toBe('');
    expect(JSON.parse(readFileSync(join(dir, 'r2.json'), 'utf8'))).toEqual({ n: 4 });
    expect(readFileSync(join(dir, 'r2.md'), 'utf8')).toBe('**4**\n');
    expect(outputTargets({ output: ['a=b.txt'] })).toEqual([{ format: 'text', file: 'a=b.txt' }]); // `a` is not a format: a file name
    // a format the command lacks is refused before anything is written
    const e = io({}, false);
    await expect(writeReport(e, { output: ['json=r3.json', 'sarif=r3.sarif'] }, table, { n: 5 })).rejects.toMatchObject({ code: 'E_USAGE' });
    expect(readdirSync(dir)).not.toContain('r3.json');
  });

  it('the parser collects repeated --output values', () => {
    const cmd = addOutputOptions(new Command('x').exitOverride().configureOutput({ writeErr: () => undefined }), table);
    cmd.parse(['-o', 'a.json', '--output', 'markdown=b.md'], { from: 'user' });
    expect(cmd.opts<{ output: string[] }>().output).toEqual(['a.json', 'markdown=b.md']);
    expect(wantedFormats({ output: ['a.json', 'markdown=b.md'], format: 'json' })).toEqual(['json', 'markdown']);
  });
});
