/** The JSON shape of `goslim binary --json` (issue 2); field names are a public contract. */
import type { ExecutableFormat } from './format.js';
import type { Linking } from './elf.js';
import type { PackageSize } from './packages.js';
import type { LeverId } from '../vocabulary/levers.js';

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
  size: number;
  format: ExecutableFormat;
  go: GoInfo | null;
  sections: SectionJson[];
  /** Bytes `-ldflags="-s -w"` removes: .symtab + .strtab, and every .debug_* / .zdebug_*. */
  strip: { symtab: number; dwarf: number; total: number };
  trimpath: { leakedPaths: number; files: number; examples: string[]; estimatedBytes: number };
  /** Go code per package from the pclntab, largest first. */
  packages: PackageSize[];
  /** .text bytes, Go code attributed to packages, and the remainder (C/crt/asm not in pclntab). */
  code: { text: number; attributed: number; unattributed: number };
  /** Sum of section bytes on disk, and file bytes in no section (headers, alignment padding). */
  layout: { sections: number; headersAndPadding: number };
  cgo: CgoInfo;
  findings: BinaryFinding[];
}
