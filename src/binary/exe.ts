/**
 * The format-neutral view the analyzer works on: sections (for sizes, strip and
 * pclntab), where to look for build info and for an unnamed pclntab, and the
 * linking facts. ELF, Mach-O and PE readers each produce one.
 */
import type { ByteView } from './bytes.js';
import type { BuildInfoSource, Range } from './buildinfo.js';
import type { ExecutableFacts } from './types.js';

export interface ExeSection {
  /** ELF/PE section name; Mach-O "segment,section" (e.g. "__TEXT,__text"). */
  name: string;
  offset: number;
  /** Bytes on disk (0 for NOBITS / zero-fill). */
  fileSize: number;
  addr: number;
  compressed: boolean;
  /** ELF: how a compressed section is compressed, the size of its header before the stream, and its uncompressed size. */
  compression?: { kind: 'zlib' | 'zstd' | 'zlib-gnu' | 'unknown'; headerSize: number; uncompressedSize: number | undefined };
}

export interface Executable extends ExecutableFacts {
  format: 'elf' | 'macho' | 'pe';
  /** Sections as reported (header order, without ELF's null section 0). */
  sections: ExeSection[];
  text: ExeSection | undefined;
  pclntab: ExeSection | undefined;
  /** Where to scan for a pclntab header when no section names it. */
  pclntabScan: Range[];
  buildInfo: BuildInfoSource;
  /** Bytes -s -w removes: symbol table (+ strings) and DWARF. */
  strip: { symtab: number; dwarf: number; alignment?: number };
  /** Evidence of an external (C) linker beyond the pclntab text-start check. */
  externalLinker: boolean;
  /** Bytes of dynamic-linking tables (ELF: .interp, .dynamic, .dynsym, relocations, PLT/GOT). */
  dynamicTables: number;
  /** ELF symbol versions needed per library (.gnu.version_r) and defined (.gnu.version_d); empty elsewhere. */
  versionsNeeded?: Array<{ file: string; versions: string[] }>;
  versionsDefined?: string[];
  view: ByteView;
}
