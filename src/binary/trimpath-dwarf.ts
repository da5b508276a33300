/**
 * The DWARF side of the -trimpath estimate (ELF): the line tables name every source directory (and
 * `.debug_gdb_scripts` the runtime's gdb script) by absolute path. Go compresses DWARF (zlib, as
 * SHF_COMPRESSED sections or legacy `.zdebug_*`), and paths compress very well (the server fixture:
 * 19,442 bytes of names, 1,829 bytes of compressed section), so the saving is measured by compressing
 * the section as it is and as -trimpath would write it, with zlib at the fastest level (Go's linker
 * compresses DWARF with compress/zlib at BestSpeed), and taking the difference: an estimate, since
 * Go's deflate is not zlib's.
 */
import { deflateSync, inflateSync } from 'node:zlib';
import { rewriteLineTableNames } from './dwarf-line.js';
import type { ElfFile, ElfSection } from './elf.js';
import { isAbsolutePath, namesSaving } from './trimpath.js';

/** Largest line table (uncompressed) read for the estimate; larger ones are not estimated. */
const MAX_LINE_TABLE = 256 * 1024 * 1024;

function sectionBytes(bytes: Uint8Array, s: ElfSection, is64: boolean): Buffer | undefined {
  const raw = Buffer.from(bytes.buffer, bytes.byteOffset + s.offset, s.fileSize);
  if (!s.compressed) return raw;
  const size = s.uncompressedSize;
  if (size === undefined || size > MAX_LINE_TABLE) return undefined;
  // After the Elf64_Chdr (24 bytes) or Elf32_Chdr (12), or the zlib-gnu "ZLIB" + u64 size (12).
  const skip = s.compression === 'zlib' ? (is64 ? 24 : 12) : s.compression === 'zlib-gnu' ? 12 : -1;
  if (skip < 0) return undefined;
  try {
    return inflateSync(raw.subarray(skip), { maxOutputLength: size });
  } catch {
    return undefined;
  }
}

export function dwarfTrimpathSavings(elf: ElfFile, bytes: Uint8Array, rewrite: (p: string) => string): { dwarfLine: number | null; gdbScripts: number } {
  let dwarfLine: number | null = null;
  const line = elf.sections.find((s) => s.name === '.debug_line' || s.name === '.zdebug_line');
  if (line && line.fileSize > 0) {
    const data = sectionBytes(bytes, line, elf.class === 64);
    const rewritten = data ? rewriteLineTableNames(data, elf.endian === 'little', rewrite, isAbsolutePath) : undefined;
    if (data && rewritten) {
      dwarfLine = line.compressed
        ? Math.max(0, deflateSync(data, { level: 1 }).length - deflateSync(rewritten.data, { level: 1 }).length)
        : rewritten.saved;
    }
  }
  // .debug_gdb_scripts: entries of a kind byte (1: a script file name) and a NUL-terminated path.
  const scripts: string[] = [];
  const gdb = elf.sections.find((s) => s.name === '.debug_gdb_scripts');
  if (gdb && gdb.fileSize > 0 && !gdb.compressed) {
    const b = Buffer.from(bytes.buffer, bytes.byteOffset + gdb.offset, gdb.fileSize);
    for (let p = 0; p < b.length; ) {
      const z = b.indexOf(0, p + 1);
      if (z < 0) break;
      const name = b.toString('latin1', p + 1, z);
      if (b[p] === 1 && isAbsolutePath(name)) scripts.push(name);
      p = z + 1;
    }
  }
  return { dwarfLine, gdbScripts: namesSaving(scripts, rewrite) };
}
