/**
 * DWARF line tables (`.debug_line`, DWARF 2-4: DWARF 4 §6.2.4) hold the directory and file names
 * of every compile unit's source files, as absolute paths unless the build used -trimpath. This
 * rewrites those names (include_directories and absolute file_names) with a given function and
 * returns the rewritten section, so the -trimpath estimate can count what the names cost even where
 * the section is compressed. The line programs themselves are copied byte for byte; only each
 * unit's unit_length and header_length change. Pure; bounded by the section's size.
 */

export interface LineTableRewrite {
  /** The section with every name rewritten. */
  data: Buffer;
  /** Bytes the names shrank by (data.length difference). */
  saved: number;
  units: number;
}

/** NUL-terminated string at `at` (undefined past the end). */
function cstring(b: Buffer, at: number, end: number): { s: string; next: number } | undefined {
  const z = b.indexOf(0, at);
  if (z < 0 || z >= end) return undefined;
  return { s: b.toString('latin1', at, z), next: z + 1 };
}

function uleb(b: Buffer, at: number, end: number): number | undefined {
  let p = at;
  for (let i = 0; i < 10 && p < end; i++, p++) if ((b[p]! & 0x80) === 0) return p + 1;
  return undefined;
}

/**
 * Rewrite every unit's directory and absolute file names; undefined when the section is not
 * DWARF 2-4 with 32-bit lengths (DWARF 5's line tables name files through forms; 64-bit DWARF is
 * not what Go writes), so the caller can say the DWARF part was not estimated.
 */
export function rewriteLineTableNames(section: Buffer, littleEndian: boolean, rewrite: (name: string) => string, isAbsolute: (name: string) => boolean): LineTableRewrite | undefined {
  const u32 = (at: number): number => (littleEndian ? section.readUInt32LE(at) : section.readUInt32BE(at));
  const u16 = (at: number): number => (littleEndian ? section.readUInt16LE(at) : section.readUInt16BE(at));
  const put32 = (buf: Buffer, at: number, v: number): void => void (littleEndian ? buf.writeUInt32LE(v, at) : buf.writeUInt32BE(v, at));
  const out: Buffer[] = [];
  let units = 0;
  let off = 0;
  while (off < section.length) {
    if (off + 10 > section.length) return undefined;
    const unitLength = u32(off);
    if (unitLength === 0xffffffff || unitLength < 6) return undefined;
    const unitEnd = off + 4 + unitLength;
    if (unitEnd > section.length) return undefined;
    const version = u16(off + 4);
    if (version < 2 || version > 4) return undefined;
    const headerLength = u32(off + 6);
    const headerStart = off + 10;
    const programStart = headerStart + headerLength;
    if (programStart > unitEnd) return undefined;
    // minimum_instruction_length, [maximum_operations_per_instruction (v4)], default_is_stmt,
    // line_base, line_range, opcode_base, then opcode_base - 1 standard_opcode_lengths.
    let p = headerStart + (version >= 4 ? 5 : 4);
    if (p >= programStart) return undefined;
    const opcodeBase = section[p]!;
    p += 1 + Math.max(0, opcodeBase - 1);
    const fixed = section.subarray(headerStart, p);
    const names: Buffer[] = [];
    // include_directories: strings until an empty one.
    for (;;) {
      const c = cstring(section, p, programStart);
      if (!c) return undefined;
      p = c.next;
      if (c.s === '') break;
      names.push(Buffer.from(`${isAbsolute(c.s) ? rewrite(c.s) : c.s}\0`, 'latin1'));
    }
    names.push(Buffer.from([0]));
    // file_names: name, then three ULEB128s (directory index, mtime, length), until an empty name.
    for (;;) {
      const c = cstring(section, p, programStart);
      if (!c) return undefined;
      p = c.next;
      if (c.s === '') break;
      let q: number | undefined = p;
      for (let i = 0; i < 3 && q !== undefined; i++) q = uleb(section, q, programStart);
      if (q === undefined) return undefined;
      names.push(Buffer.from(`${isAbsolute(c.s) ? rewrite(c.s) : c.s}\0`, 'latin1'), section.subarray(p, q));
      p = q;
    }
    names.push(Buffer.from([0]));
    const rest = section.subarray(p, unitEnd); // anything after the tables in the header, then the program
    const headerBody = Buffer.concat([fixed, ...names]);
    const head = Buffer.alloc(10);
    const newHeaderLength = headerBody.length + (programStart - p);
    put32(head, 0, 2 + 4 + newHeaderLength + (unitEnd - programStart));
    section.copy(head, 4, off + 4, off + 6);
    put32(head, 6, newHeaderLength);
    out.push(head, headerBody, rest);
    units++;
    off = unitEnd;
  }
  const data = Buffer.concat(out);
  return { data, saved: section.length - data.length, units };
}
