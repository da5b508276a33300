/** Go binary analyzer: pure functions over the bytes of an executable. */
export { analyzeBinary,
  codeByPackage, isGoBinary, findPclntab, elfBuildInfoSource, elfExecutable, type AnalyzeOptions, type FoundPclntab } from './analyze.js';
export { readMachO, machoSlice } from './macho.js';
export { readPE } from './pe.js';
export type { Executable, ExeSection } from './exe.js';
export { readElf, vaToOffset, findSection, type ElfFile, type ElfSection, type ElfSegment, type ElfType, type Linking } from './elf.js';
export { detectExecutableFormat, type ExecutableFormat } from './format.js';
export { readBuildInfo, type GoBuildInfo, type BuildInfoSource } from './buildinfo.js';
export { parseModInfo, type ModInfo, type Module, type ModuleRef } from './modinfo.js';
export { parsePclntab, type Pclntab, type PclnFunction, type PclntabVersion } from './pclntab.js';
export { packageOf, packageSizes, type PackageSize } from './packages.js';
export { isAbsolutePath } from './trimpath.js';
export { type BinaryReport, type BinaryFinding, type GoInfo, type SectionJson, type CgoInfo } from './types.js';
export { ByteView, join64 } from './bytes.js';
export { attributeBinary, moduleOf, rollUpModules, symbolPackage, NOT_IN_BUILD_INFO, type Attribution, type PackageAttribution, type ModuleAttribution, type AttributionSummary, type FileAttribution, type EmbeddedFile, type OverheadTile } from './attribute.js';
export { compareVersionNames, newestVersion, unmetVersions, versionNeeds, type VersionNeed } from './symbol-versions.js';
export { detectPacker, packerName, PACKER_TAIL } from './packer.js';
export { packedTitle } from './findings.js';
export type { PackedInfo } from './types.js';
