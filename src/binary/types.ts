import type { TrimpathParts } from './trimpath.js';
import type { VersionNeed } from './symbol-versions.js';
/** The JSON shape of `goslim binary --json` (issue 2); field names are a public contract. */
import type { ExecutableFormat } from './format.js';
import type { Linking } from './elf.js';
import type { AttributionSummary, EmbeddedFile, FileAttribution, ModuleAttribution, PackageAttribution } from './attribution-types.js';
import type { LeverId } from '../vocabulary/levers.js';
import type { HintId } from '../vocabulary/hints.js';

export interface BinaryFinding {
  id: string;
  lever: LeverId;
  /** Bytes the fix removes from this binary (an estimate when `estimated` is true). */
  bytes: number;
  estimated: boolean;
  title: string;
  /** The lever's fix, lose and keep text (src/vocabulary/levers.ts). */
  fix: string;
  lose: string;
  keep: string;
  /** The command that explains the lever: `goslim explain <lever>`. */
  explain: string;
}

/** What a packer (UPX) recorded about the program it compressed (src/binary/packer.ts). */
export interface PackedInfo {
  packer: 'upx';
  /** The PackHeader's version (UPX 4.x writes 14). */
  version: number;
  /** UPX's release as its loader's ident names it (`4.23` for UPX 4.2.3), or null when the loader carries no release. */
  release: string | null;
  /** The packed format, e.g. linux/elf64-amd64. */
  format: string;
  method: string;
  level: number;
  /** The original file's size: what every start decompresses into memory. */
  unpackedSize: number;
  compressedSize: number;
}

export interface BinaryHint {
  id: string;
  hint: HintId;
  /** Bytes of this binary the hint is about. */
  bytes: number;
  /** bytes / file size. */
  share: number;
  title: string;
  fix: string;
  lose: string;
  keep: string;
  explain: string;
  /** What the hint is about, e.g. embedded files, packages, modules, libraries. */
  items: Array<{ name: string; bytes: number; note?: string; via?: string[] }>;
}

export interface ModuleJson {
  path: string;
  version: string;
  sum: string;
}

export interface DepJson extends ModuleJson {
  replace: ModuleJson | null;
}

export interface GoInfo {
  /** e.g. "go1.19.8"; null when it could not be found (recovered binaries). */
  version: string | null;
  /** Main package import path. */
  path: string | null;
  main: (ModuleJson & { replace?: ModuleJson | null }) | null;
  deps: DepJson[];
  settings: Record<string, string>;
  /** True when the build-info header was missing and data was recovered by scanning. */
  recovered: boolean;
  /** Where the facts came from: the build-info header format, or only a pclntab. */
  buildInfo: 'inline' | 'pointer' | 'recovered' | 'none';
  pclntab: { version: string; size: number; functions: number; files: number } | null;
}

export interface SectionJson {
  name: string;
  /** Bytes on disk (0 for NOBITS sections such as .bss). */
  size: number;
  compressed: boolean;
}

export interface CgoInfo {
  /** runtime/cgo is linked in, or the binary was linked by an external (C) linker. */
  used: boolean;
  runtimeCgo: boolean;
  externalLinking: boolean;
  /** C libraries it needs (DT_NEEDED). */
  libraries: string[];
}

/** What every executable reader reports about the file itself (ELF, Mach-O, PE). */
export interface ExecutableFacts {
  /** GOARCH-style, e.g. amd64, arm64, 386, s390x, mips. */
  arch: string;
  machine: string;
  class: 32 | 64;
  endian: 'little' | 'big';
  type: string;
  linking: Linking;
  interpreter: string | null;
  needed: string[];
  rpath: string[];
  runpath: string[];
}

export interface BinaryReport extends ExecutableFacts {
  path: string | null;
  /**
   * ELF symbol versions (issue 15): per needed library, the versions the binary requires
   * (`.gnu.version_r`, oldest first) and the newest one; and the versions the file itself
   * defines (`.gnu.version_d`, shared libraries). `needed` above stays the DT_NEEDED names.
   */
  versions: { needed: VersionNeed[]; defined: string[] };
  size: number;
  format: ExecutableFormat;
  go: GoInfo | null;
  /** The packer that compressed this executable (UPX), or null: a packed program's contents are not visible. */
  packed: PackedInfo | null;
  sections: SectionJson[];
  /** Bytes `-ldflags="-s -w"` removes: .symtab + .strtab, every .debug_* / .zdebug_*, and the alignment padding between them when they are the file's tail. */
  strip: { symtab: number; dwarf: number; alignment: number; total: number };
  /** estimatedBytes = parts.pclntab + parts.dwarfLine + parts.gdbScripts (docs/binary.md). */
  trimpath: { leakedPaths: number; files: number; examples: string[]; estimatedBytes: number; parts: TrimpathParts };
  /** Every package's bytes over all sections (size) and per section, largest first (issue 15). */
  packages: PackageAttribution[];
  /** Packages rolled up to modules (build info): main module, deps, std, runtime, cgo/C; largest first. */
  modules: ModuleAttribution[];
  /** Whole-file accounting: total, attributed, unattributed, the method, per-section and overhead tiles. */
  attribution: AttributionSummary;
  /** Machine code per source file (pcfile tables), largest first. */
  files: FileAttribution[];
  /** Files embedded with //go:embed into an embed.FS, with their sizes (when the file table is found). */
  embedded: EmbeddedFile[];
  /** Hints beyond the four levers (issue 15): never applied automatically; `goslim explain <hint>`. */
  hints: BinaryHint[];
  /** .text bytes, Go code attributed to packages, and the remainder (C/crt/asm not in pclntab). */
  code: { text: number; attributed: number; unattributed: number };
  /** Sum of section bytes on disk, and file bytes in no section (headers, alignment padding). */
  layout: { sections: number; headersAndPadding: number };
  cgo: CgoInfo;
  findings: BinaryFinding[];
}
