/**
 * What an SBOM is generated from: the image it describes and, for each Go
 * binary in it, the build info the Go toolchain embedded (golang/go
 * runtime/debug BuildInfo, as decoded by src/binary). Nothing here scans the
 * filesystem: the dependency list is exactly what the linker recorded.
 */
import type { GoInfo } from '../binary/types.js';

export interface SbomBinary {
  /** Path of the binary inside the image, e.g. "/ko-app/greeter". */
  path: string;
  /** `os/arch[/variant]` of the image the binary is in. */
  platform: string;
  /** sha256 of the binary file (`sha256:<hex>`). */
  sha256: string;
  go: Pick<GoInfo, 'version' | 'path' | 'main' | 'deps' | 'settings'>;
}

export interface SbomSubject {
  /** Image name as pushed or written, e.g. "127.0.0.1:5000/greeter:latest" or "greeter". */
  name: string;
  /** Digest of the image or index the SBOM describes. */
  digest: string;
  binaries: SbomBinary[];
  /** RFC 3339 creation time (SOURCE_DATE_EPOCH, else the epoch, so SBOMs are reproducible too). */
  created: string;
  toolVersion: string;
}

export type SbomFormat = 'spdx' | 'cyclonedx';

export const SBOM_MEDIA_TYPE: Record<SbomFormat, string> = {
  spdx: 'application/spdx+json',
  cyclonedx: 'application/vnd.cyclonedx+json',
};

export interface GoModuleRef {
  path: string;
  version: string;
  /** go.sum "h1:" hash when recorded. */
  sum: string;
}

/** The package URL of a Go module (purl spec, type "golang"). Pure. */
export function goPurl(path: string, version?: string): string {
  const name = path
    .split('/')
    .map((seg) => encodeURIComponent(seg))
    .join('/');
  return version && version !== '(devel)' ? `pkg:golang/${name}@${encodeURIComponent(version)}` : `pkg:golang/${name}`;
}

/** Module list of one binary with replacements applied: what was actually linked. */
export function linkedModules(go: SbomBinary['go']): GoModuleRef[] {
  return (go.deps ?? []).map((d) => (d.replace ? { path: d.replace.path, version: d.replace.version, sum: d.replace.sum } : { path: d.path, version: d.version, sum: d.sum }));
}

/** "go1.19.8" -> "1.19.8" (the stdlib's version as a module version). */
export function stdlibVersion(goVersion: string | null): string | undefined {
  if (!goVersion) return undefined;
  const m = /^go(\d+(?:\.\d+)*)/.exec(goVersion);
  return m ? m[1] : undefined;
}
