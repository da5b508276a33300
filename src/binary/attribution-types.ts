/** The JSON shapes of whole-file attribution (issue 15); a leaf, so types.ts and attribute.ts share them without a cycle. */
/** The build-info facts module roll-up needs (a structural subset of types.ts's GoInfo; no import, no cycle). */
export interface ModuleFacts {
  version: string | null;
  path: string | null;
  main: { path: string; version: string } | null;
  deps: ReadonlyArray<{ path: string; version: string; replace: { path: string; version: string } | null }>;
}

export interface PackageAttribution {
  name: string;
  /** Bytes over all sections. */
  size: number;
  /** Bytes per section, e.g. {".text": n, ".rodata": n, ".gopclntab": n}. */
  sections: Record<string, number>;
}

export interface ModuleAttribution {
  /** Module path; `std`, `runtime`, `cgo/C`, `<compiler-generated>` and `<unknown module>` are buckets. */
  path: string;
  version: string;
  size: number;
  packages: string[];
  /**
   * Dependency modules: the main-module packages whose code reaches the module's code (calls and
   * inlined code, src/binary/sites.ts), sorted; empty when none is visible. Absent for the main module,
   * the standard library and the buckets, and when the code was not read (architectures other than
   * amd64 and arm64, attribution off).
   */
  via?: string[];
}

export interface OverheadTile {
  name: string;
  section: string;
  size: number;
}

export interface SectionAttribution {
  name: string;
  size: number;
  attributed: number;
  unattributed: number;
}

export interface AttributionSummary {
  total: number;
  attributed: number;
  unattributed: number;
  /** How data was attributed: `symbols` (ELF symbol sizes), `references` (code references, estimated extents), or both. */
  method: string;
  /** Per section: bytes attributed (to packages or overhead tiles) and left over. */
  sections: SectionAttribution[];
  /** Bytes that belong to no package but are known: headers, DWARF, link tables... */
  overhead: OverheadTile[];
  /** Bytes attributed from code references (extents to the next reference: an estimate). */
  estimated: number;
}

export interface FileAttribution {
  /** Source file name from the pclntab file table. */
  name: string;
  /** Machine code bytes whose pcfile entry is this file. */
  size: number;
}

export interface EmbeddedFile {
  /** Path as given to //go:embed (directories are not listed). */
  name: string;
  size: number;
}

export interface Attribution {
  packages: PackageAttribution[];
  modules: ModuleAttribution[];
  files: FileAttribution[];
  attribution: AttributionSummary;
  embedded: EmbeddedFile[];
}

