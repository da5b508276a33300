/**
 * DWARF by package: Go writes one compile unit per package, named by its import path
 * (DW_AT_name of the DW_TAG_compile_unit DIE), with its own line program (DW_AT_stmt_list). This
 * reads each unit's extent in `.debug_info` and, through stmt_list, in `.debug_line`, so the DWARF of an
 * unstripped binary is attributed to packages like the rest of the file. Only each unit's first DIE
 * is decoded (DWARF 2-4, 32-bit; DWARF 4 §7.5); anything else declines (undefined) and the DWARF
 * stays one tile. Pure and bounded by the sections' sizes.
 */

export interface DwarfUnit {
  /** The package (DW_AT_name), '' when the unit has none. */
  name: string;
  /** Bytes of this unit in .debug_info (uncompressed), and of its line program in .debug_line. */
  infoSize: number;
  lineSize: number;
}

class Reader {
  constructor(readonly b: Buffer, public p: number, readonly end: number, readonly le: boolean) {}
  need(n: number): boolean {
    return this.p + n <= this.end;
  }
  u8(): number {
    return this.b[this.p++]!;
  }
  u16(): number {
    const v = this.le ? this.b.readUInt16LE(this.p) : this.b.readUInt16BE(this.p);
    this.p += 2;
    return v;
  }
  u32(): number {
    const v = this.le ? this.b.readUInt32LE(this.p) : this.b.readUInt32BE(this.p);
    this.p += 4;
    return v;
  }
  uleb(): number | undefined {
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 10 && this.p < this.end; i++) {
      const x = this.b[this.p++]!;
      v += (x & 0x7f) * mul;
      if ((x & 0x80) === 0) return v;
      mul *= 128;
    }
    return undefined;
  }
  cstring(): string | undefined {
    const z = this.b.indexOf(0, this.p);
    if (z < 0 || z >= this.end) return undefined;
    const s = this.b.toString('utf8', this.p, z);
    this.p = z + 1;
    return s;
  }
}

const DW_AT_name = 0x03;
const DW_AT_stmt_list = 0x10;

/** The attribute specs of abbreviation `code` in the table at `offset` of .debug_abbrev. */
function abbrevSpecs(abbrev: Buffer, offset: number, code: number): Array<[number, number]> | undefined {
  const r = new Reader(abbrev, offset, abbrev.length, true);
  for (let guard = 0; guard < 1_000_000 && r.p < r.end; guard++) {
    const c = r.uleb();
    if (c === undefined || c === 0) return undefined;
    if (r.uleb() === undefined || !r.need(1)) return undefined; // tag
    r.u8(); // children
    const specs: Array<[number, number]> = [];
    for (let i = 0; i < 10_000; i++) {
      const at = r.uleb();
      const form = r.uleb();
      if (at === undefined || form === undefined) return undefined;
      if (at === 0 && form === 0) break;
      specs.push([at, form]);
    }
    if (c === code) return specs;
  }
  return undefined;
}

/** Reads (or skips) one attribute value; returns a string, a number, null (skipped), or undefined (unknown form). */
function readForm(r: Reader, form: number, addrSize: number, strs: Buffer | undefined): string | number | null | undefined {
  switch (form) {
    case 0x08: return r.cstring(); // string
    case 0x0e: { // strp
      if (!r.need(4)) return undefined;
      const off = r.u32();
      if (!strs) return null;
      const z = strs.indexOf(0, off);
      return z < 0 ? undefined : strs.toString('utf8', off, z);
    }
    case 0x01: if (!r.need(addrSize)) return undefined; r.p += addrSize; return null; // addr
    case 0x0b: case 0x11: case 0x0c: if (!r.need(1)) return undefined; return r.u8(); // data1, ref1, flag
    case 0x05: case 0x12: if (!r.need(2)) return undefined; return r.u16(); // data2, ref2
    case 0x06: case 0x13: case 0x17: if (!r.need(4)) return undefined; return r.u32(); // data4, ref4, sec_offset
    case 0x07: case 0x14: case 0x20: if (!r.need(8)) return undefined; r.p += 8; return null; // data8, ref8, ref_sig8
    case 0x0f: case 0x15: return r.uleb() ?? undefined; // udata, ref_udata
    case 0x0d: return r.uleb() === undefined ? undefined : null; // sdata (value unused)
    case 0x19: return null; // flag_present
    case 0x0a: { if (!r.need(1)) return undefined; const n = r.u8(); if (!r.need(n)) return undefined; r.p += n; return null; } // block1
    case 0x09: case 0x18: { const n = r.uleb(); if (n === undefined || !r.need(n)) return undefined; r.p += n; return null; } // block, exprloc
    default: return undefined;
  }
}

/**
 * Each compile unit of `.debug_info` (uncompressed) with its package name and sizes; `line` is the
 * uncompressed `.debug_line`, to size each unit's line program from its stmt_list offset.
 */
export function dwarfUnits(info: Buffer, abbrev: Buffer, line: Buffer | undefined, strs: Buffer | undefined, littleEndian: boolean): DwarfUnit[] | undefined {
  const units: Array<DwarfUnit & { stmt: number | undefined }> = [];
  let off = 0;
  while (off < info.length) {
    const r = new Reader(info, off, info.length, littleEndian);
    if (!r.need(11)) return undefined;
    const unitLength = r.u32();
    if (unitLength === 0xffffffff || unitLength < 7) return undefined;
    const end = off + 4 + unitLength;
    if (end > info.length) return undefined;
    const version = r.u16();
    if (version < 2 || version > 4) return undefined;
    const abbrevOffset = r.u32();
    const addrSize = r.u8();
    const unit = new Reader(info, r.p, end, littleEndian);
    const code = unit.uleb();
    let name = '';
    let stmt: number | undefined;
    if (code !== undefined && code !== 0) {
      const specs = abbrevSpecs(abbrev, abbrevOffset, code);
      if (!specs) return undefined;
      for (const [at, form] of specs) {
        const v = readForm(unit, form, addrSize, strs);
        if (v === undefined) return undefined;
        if (at === DW_AT_name && typeof v === 'string') name = v;
        if (at === DW_AT_stmt_list && typeof v === 'number') stmt = v;
      }
    }
    units.push({ name, infoSize: end - off, lineSize: 0, stmt });
    off = end;
  }
  if (line) {
    const lineLen = (at: number): number => {
      if (at + 4 > line.length) return 0;
      const n = littleEndian ? line.readUInt32LE(at) : line.readUInt32BE(at);
      return n === 0xffffffff || at + 4 + n > line.length ? 0 : 4 + n;
    };
    for (const u of units) if (u.stmt !== undefined) u.lineSize = lineLen(u.stmt);
  }
  return units.map(({ name, infoSize, lineSize }) => ({ name, infoSize, lineSize }));
}

/**
 * DWARF bytes per package, per section, in the bytes the file stores: each unit's share of the
 * uncompressed section, scaled to the stored (compressed) stream, rounded down; what is left (the
 * compression header, rounding, units without a name) stays with the caller's DWARF tile.
 */
export function dwarfPackageShares(
  sections: ReadonlyArray<{ name: string; fileSize: number; compressed: boolean; compression?: { headerSize: number } }>,
  data: (name: string) => Buffer | undefined,
  littleEndian: boolean,
): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  const find = (base: string) => sections.find((s) => s.name === `.debug_${base}` || s.name === `.zdebug_${base}`);
  const infoSec = find('info');
  const abbrevSec = find('abbrev');
  if (!infoSec || !abbrevSec) return out;
  const info = data(infoSec.name);
  const abbrev = data(abbrevSec.name);
  if (!info || !abbrev) return out;
  const lineSec = find('line');
  const strSec = find('str');
  const line = lineSec ? data(lineSec.name) : undefined;
  const units = dwarfUnits(info, abbrev, line, strSec ? data(strSec.name) : undefined, littleEndian);
  if (!units) return out;
  const share = (sec: { name: string; fileSize: number; compressed: boolean; compression?: { headerSize: number } }, total: number, size: (u: DwarfUnit) => number): void => {
    if (total === 0) return;
    const stored = sec.fileSize - (sec.compressed ? (sec.compression?.headerSize ?? 0) : 0);
    const byPkg = new Map<string, number>();
    for (const u of units) {
      if (u.name === '') continue;
      const n = Math.floor((size(u) * stored) / total);
      if (n > 0) byPkg.set(u.name, (byPkg.get(u.name) ?? 0) + n);
    }
    out.set(sec.name, byPkg);
  };
  share(infoSec, info.length, (u) => u.infoSize);
  if (lineSec && line) share(lineSec, line.length, (u) => u.lineSize);
  return out;
}
