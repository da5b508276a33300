import { describe, expect, it } from 'vitest';
import { dwarfPackageShares, dwarfUnits } from './dwarf-units.js';

// One abbreviation (code 1): DW_TAG_compile_unit, no children, DW_AT_name string, DW_AT_stmt_list data4, DW_AT_low_pc addr.
const abbrev = Buffer.from([1, 0x11, 0, 0x03, 0x08, 0x10, 0x06, 0x11, 0x01, 0, 0, 0]);

function cu(name: string, stmt: number, pad: number): Buffer {
  const die = Buffer.concat([Buffer.from([1]), Buffer.from(`${name}\0`), Buffer.from(Uint32Array.of(stmt).buffer), Buffer.alloc(8), Buffer.alloc(pad)]);
  const body = Buffer.concat([Buffer.from([2, 0]), Buffer.alloc(4), Buffer.from([8]), die]); // version 2, abbrev offset 0, address size 8
  return Buffer.concat([Buffer.from(Uint32Array.of(body.length).buffer), body]);
}
function lineUnit(size: number): Buffer {
  return Buffer.concat([Buffer.from(Uint32Array.of(size - 4).buffer), Buffer.alloc(size - 4)]);
}

describe('DWARF compile units by package', () => {
  const info = Buffer.concat([cu('runtime', 0, 100), cu('main', 40, 10)]);
  const line = Buffer.concat([lineUnit(40), lineUnit(24)]);

  it('names each unit and sizes it in .debug_info and, through stmt_list, in .debug_line', () => {
    expect(dwarfUnits(info, abbrev, line, undefined, true)).toEqual([
      { name: 'runtime', infoSize: cu('runtime', 0, 100).length, lineSize: 40 },
      { name: 'main', infoSize: cu('main', 40, 10).length, lineSize: 24 },
    ]);
  });

  it('shares the stored bytes of a section by each unit\'s part of it, rounding down', () => {
    const sections = [
      { name: '.debug_info', fileSize: 24 + 50, compressed: true, compression: { headerSize: 24 } },
      { name: '.debug_abbrev', fileSize: abbrev.length, compressed: false },
      { name: '.debug_line', fileSize: line.length, compressed: false },
    ];
    const data = (n: string) => (n === '.debug_info' ? info : n === '.debug_abbrev' ? abbrev : line);
    const shares = dwarfPackageShares(sections, data, true);
    const rt = Math.floor((cu('runtime', 0, 100).length * 50) / info.length);
    expect(shares.get('.debug_info')).toEqual(new Map([['runtime', rt], ['main', Math.floor((cu('main', 40, 10).length * 50) / info.length)]]));
    expect(shares.get('.debug_line')).toEqual(new Map([['runtime', 40], ['main', 24]]));
  });

  it('never throws on damaged input: every truncation and every flipped byte ends in units or undefined', () => {
    for (let n = 0; n < info.length; n++) expect(() => dwarfUnits(info.subarray(0, n), abbrev, line, undefined, true)).not.toThrow();
    for (let i = 0; i < info.length; i++) {
      const bad = Buffer.from(info);
      bad[i] = bad[i]! ^ 0xff;
      expect(() => dwarfUnits(bad, abbrev, line, undefined, true)).not.toThrow();
    }
    for (let n = 0; n < abbrev.length; n++) expect(() => dwarfUnits(info, abbrev.subarray(0, n), line, undefined, true)).not.toThrow();
    // DWARF 5 units are declined, not misread
    const v5 = Buffer.from(info);
    v5[4] = 5;
    expect(dwarfUnits(v5, abbrev, line, undefined, true)).toBeUndefined();
  });
});
