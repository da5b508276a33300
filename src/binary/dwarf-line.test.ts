import { describe, expect, it } from 'vitest';
import { rewriteLineTableNames } from './dwarf-line.js';
import { isAbsolutePath } from './trimpath.js';

/** One DWARF line-table unit (version 2-4): header with the given directories and files, then `program`. */
function unit(version: number, dirs: string[], files: Array<[string, number]>, program: number[], le = true): Buffer {
  const u32 = (v: number) => { const b = Buffer.alloc(4); if (le) b.writeUInt32LE(v); else b.writeUInt32BE(v); return b; };
  const u16 = (v: number) => { const b = Buffer.alloc(2); if (le) b.writeUInt16LE(v); else b.writeUInt16BE(v); return b; };
  const fixed = Buffer.from([1, ...(version >= 4 ? [1] : []), 1, 0xfb, 14, 13, 0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1]);
  const names = Buffer.concat([
    ...dirs.map((d) => Buffer.from(`${d}\0`, 'latin1')), Buffer.from([0]),
    ...files.map(([f, dir]) => Buffer.concat([Buffer.from(`${f}\0`, 'latin1'), Buffer.from([dir, 0, 0])])), Buffer.from([0]),
  ]);
  const header = Buffer.concat([fixed, names]);
  const body = Buffer.concat([u16(version), u32(header.length), header, Buffer.from(program)]);
  return Buffer.concat([u32(body.length), body]);
}

const rewrite = (p: string) => p.replace('/usr/lib/go/src/', '').replace('/home/ci/app', 'example.com/app');

describe('DWARF line tables: rewriting directory and file names', () => {
  it('rewrites absolute directories and file names, keeps the programs, and the result is what -trimpath writes', () => {
    const program = [0, 9, 2, 0x10, 0x20, 0x30, 0x40, 0, 0, 0, 0, 1, 1];
    const before = Buffer.concat([
      unit(2, ['/home/ci/app', '/usr/lib/go/src/os'], [['main.go', 1], ['file.go', 2], ['/usr/lib/go/src/runtime/proc.go', 0]], program),
      unit(4, ['/home/ci/app/internal/db'], [['db.go', 1]], program),
    ]);
    const want = Buffer.concat([
      unit(2, ['example.com/app', 'os'], [['main.go', 1], ['file.go', 2], ['runtime/proc.go', 0]], program),
      unit(4, ['example.com/app/internal/db'], [['db.go', 1]], program),
    ]);
    const r = rewriteLineTableNames(before, true, rewrite, isAbsolutePath)!;
    expect(r.units).toBe(2);
    expect(r.data.equals(want)).toBe(true);
    expect(r.saved).toBe(before.length - want.length);
  });

  it('big-endian units (s390x, mips)', () => {
    const before = unit(3, ['/usr/lib/go/src/os'], [['file.go', 1]], [0, 1, 1], false);
    const r = rewriteLineTableNames(before, false, rewrite, isAbsolutePath)!;
    expect(r.data.equals(unit(3, ['os'], [['file.go', 1]], [0, 1, 1], false))).toBe(true);
  });

  it('declines what it does not read: DWARF 5, 64-bit DWARF, a truncated unit', () => {
    expect(rewriteLineTableNames(unit(5, ['/a'], [['b.go', 1]], [0]), true, rewrite, isAbsolutePath)).toBeUndefined();
    const wide = Buffer.concat([Buffer.from([0xff, 0xff, 0xff, 0xff]), Buffer.alloc(20)]);
    expect(rewriteLineTableNames(wide, true, rewrite, isAbsolutePath)).toBeUndefined();
    const whole = unit(2, ['/home/ci/app'], [['main.go', 1]], [0, 1, 1]);
    expect(rewriteLineTableNames(whole.subarray(0, whole.length - 5), true, rewrite, isAbsolutePath)).toBeUndefined();
  });
});
