/**
 * The DWARF side of the -trimpath estimate (ELF): the line tables name every source directory (and
 * `.debug_gdb_scripts` the runtime's gdb script) by absolute path. Go compresses DWARF (zlib, as
 * SHF_COMPRESSED sections or legacy `.zdebug_*`), and paths compress very well (the server fixture:
 * 19,442 bytes of names, 1,829 bytes of compressed section), so the saving is measured by compressing
 * the section as it is and as -trimpath would write it, with zlib at the fastest level (Go's linker
 * compresses DWARF with compress/zlib at BestSpeed), and taking the difference: an estimate, since
 * Go's deflate is not zlib's.
 */
import { zlibModule } from './builtins.js';
import { dwarfSectionData } from './dwarf-data.js';
import type { ExeSection } from './exe.js';
import { rewriteLineTableNames } from './dwarf-line.js';

import { isAbsolutePath, namesSaving } from './trimpath.js';

export function dwarfTrimpathSavings(sections: readonly ExeSection[], littleEndian: boolean, stored: (s: ExeSection) => Uint8Array, rewrite: (p: string) => string): { dwarfLine: number | null; gdbScripts: number } {
  let dwarfLine: number | null = null;
  const line = sections.find((s) => s.name === '.debug_line' || s.name === '.zdebug_line');
  if (line && line.fileSize > 0) {
    const data = dwarfSectionData(stored(line), line);
    const rewritten = data ? rewriteLineTableNames(data, littleEndian, rewrite, isAbsolutePath) : undefined;
    if (data && rewritten) {
      dwarfLine = line.compressed
        ? Math.max(0, zlibModule().deflateSync(data, { level: 1 }).length - zlibModule().deflateSync(rewritten.data, { level: 1 }).length)
        : rewritten.saved;
    }
  }
  // .debug_gdb_scripts: entries of a kind byte (1: a script file name) and a NUL-terminated path.
  const scripts: string[] = [];
  const gdb = sections.find((s) => s.name === '.debug_gdb_scripts');
  const b = gdb ? dwarfSectionData(stored(gdb), gdb) : undefined;
  if (b) {
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
