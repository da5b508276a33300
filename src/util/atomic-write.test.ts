import { chmodSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeStaleTemps, replaceAtomically, writeFileAtomic } from './atomic-write.js';

const work = mkdtempSync(join(tmpdir(), 'goslim-atomic-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// A pid no process has (pid_max is at most 2^22).
const deadPid = 4_194_304 + 7;

describe('atomic writes', () => {
  it('writes through a symlink and keeps the mode in place; replaces the path otherwise', async () => {
    const real = join(work, 'real');
    writeFileSync(real, 'old');
    chmodSync(real, 0o640);
    const link = join(work, 'link');
    symlinkSync(real, link);
    await writeFileAtomic(link, 'new');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(real, 'utf8')).toBe('new');
    expect(statSync(real).mode & 0o777).toBe(0o640);
    await writeFileAtomic(link, 'replaced', { inPlace: false });
    expect(lstatSync(link).isSymbolicLink()).toBe(false);
    expect(readFileSync(link, 'utf8')).toBe('replaced');
  });

  it('removes temps of dead writers (both names), keeps live ones and other files', async () => {
    const dir = mkdtempSync(join(work, 'stale-'));
    const names = [`.a.goslim-${deadPid}-abc123.tmp`, `a.tmp-${deadPid}-0123abcd`, `.a.goslim-${process.pid}-abc123.tmp`, '.a.other.tmp', 'a'];
    for (const n of names) writeFileSync(join(dir, n), 'x');
    expect((await removeStaleTemps(dir)).sort()).toEqual([`.a.goslim-${deadPid}-abc123.tmp`, `a.tmp-${deadPid}-0123abcd`].sort());
    expect(readdirSync(dir).sort()).toEqual([`.a.goslim-${process.pid}-abc123.tmp`, '.a.other.tmp', 'a'].sort());
  });

  it('leaves neither target nor temp when the writer fails, and types the error E_IO', async () => {
    const dir = mkdtempSync(join(work, 'fail-'));
    const err = await replaceAtomically(join(dir, 'out'), async (tmp) => {
      writeFileSync(tmp, 'partial');
      throw new Error('disk on fire');
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_IO' });
    expect(readdirSync(dir)).toEqual([]);
  });
});
