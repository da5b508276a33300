/**
 * SPDX 2.3 JSON (spdx.github.io/spdx-spec/v2.3): the image as a CONTAINER
 * package that CONTAINS one APPLICATION package per Go binary, each of which
 * DEPENDS_ON the modules and the Go standard library it was linked with.
 * Licenses are NOASSERTION: build info does not record them, and we do not guess.
 * Output is a pure function of the subject (reproducible).
 */
import { createHash } from 'node:crypto';
import { goPurl, linkedModules, stdlibVersion, type SbomSubject } from './model.js';

interface SpdxPackage {
  name: string;
  SPDXID: string;
  versionInfo?: string;
  downloadLocation: string;
  filesAnalyzed: false;
  licenseConcluded: 'NOASSERTION';
  licenseDeclared: 'NOASSERTION';
  copyrightText: 'NOASSERTION';
  primaryPackagePurpose: 'CONTAINER' | 'APPLICATION' | 'LIBRARY';
  checksums?: Array<{ algorithm: 'SHA256'; checksumValue: string }>;
  externalRefs?: Array<{ referenceCategory: 'PACKAGE-MANAGER'; referenceType: 'purl'; referenceLocator: string }>;
  comment?: string;
}

interface SpdxRelationship {
  spdxElementId: string;
  relationshipType: 'DESCRIBES' | 'CONTAINS' | 'DEPENDS_ON';
  relatedSpdxElement: string;
}

/** SPDX ids allow letters, digits, "." and "-" only. */
function spdxId(kind: string, text: string): string {
  const clean = text.replace(/[^A-Za-z0-9.-]+/g, '-').replace(/^-+|-+$/g, '');
  const short = createHash('sha256').update(text).digest('hex').slice(0, 8);
  return `SPDXRef-${kind}-${clean.slice(0, 80)}-${short}`;
}

export function spdxDocument(s: SbomSubject): Record<string, unknown> {
  const packages: SpdxPackage[] = [];
  const relationships: SpdxRelationship[] = [];
  const imageId = spdxId('Image', `${s.name}@${s.digest}`);
  const [repo] = s.name.split(/[:@](?=[^/]*$)/);
  packages.push({
    name: s.name,
    SPDXID: imageId,
    versionInfo: s.digest,
    downloadLocation: 'NOASSERTION',
    filesAnalyzed: false,
    licenseConcluded: 'NOASSERTION',
    licenseDeclared: 'NOASSERTION',
    copyrightText: 'NOASSERTION',
    primaryPackagePurpose: 'CONTAINER',
    externalRefs: [
      {
        referenceCategory: 'PACKAGE-MANAGER',
        referenceType: 'purl',
        referenceLocator: `pkg:oci/${encodeURIComponent((repo ?? s.name).split('/').pop() ?? s.name)}@${encodeURIComponent(s.digest)}?repository_url=${encodeURIComponent(repo ?? s.name)}`,
      },
    ],
  });
  relationships.push({ spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: imageId });

  const seen = new Set<string>();
  const addLibrary = (name: string, version: string | undefined, purl: string): string => {
    const id = spdxId('Package', purl);
    if (!seen.has(id)) {
      seen.add(id);
      packages.push({
        name,
        SPDXID: id,
        ...(version ? { versionInfo: version } : {}),
        downloadLocation: 'NOASSERTION',
        filesAnalyzed: false,
        licenseConcluded: 'NOASSERTION',
        licenseDeclared: 'NOASSERTION',
        copyrightText: 'NOASSERTION',
        primaryPackagePurpose: 'LIBRARY',
        externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: purl }],
      });
    }
    return id;
  };

  for (const b of s.binaries) {
    const mainPath = b.go.main?.path ?? b.go.path ?? b.path;
    const mainVersion = b.go.main?.version;
    const appId = spdxId('Application', `${b.platform}:${b.path}`);
    packages.push({
      name: b.go.path ?? mainPath,
      SPDXID: appId,
      ...(mainVersion ? { versionInfo: mainVersion } : {}),
      downloadLocation: 'NOASSERTION',
      filesAnalyzed: false,
      licenseConcluded: 'NOASSERTION',
      licenseDeclared: 'NOASSERTION',
      copyrightText: 'NOASSERTION',
      primaryPackagePurpose: 'APPLICATION',
      checksums: [{ algorithm: 'SHA256', checksumValue: b.sha256.replace(/^sha256:/, '') }],
      externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: goPurl(mainPath, mainVersion) }],
      comment: `${b.path} for ${b.platform}, built with ${b.go.version ?? 'an unknown Go version'}${
        Object.keys(b.go.settings ?? {}).length > 0
          ? `; build settings: ${Object.entries(b.go.settings)
              .map(([k, v]) => `${k}=${v}`)
              .join(' ')}`
          : ''
      }`,
    });
    relationships.push({ spdxElementId: imageId, relationshipType: 'CONTAINS', relatedSpdxElement: appId });
    const std = stdlibVersion(b.go.version);
    if (std) relationships.push({ spdxElementId: appId, relationshipType: 'DEPENDS_ON', relatedSpdxElement: addLibrary('stdlib', std, goPurl('stdlib', `v${std}`)) });
    for (const m of linkedModules(b.go)) {
      relationships.push({ spdxElementId: appId, relationshipType: 'DEPENDS_ON', relatedSpdxElement: addLibrary(m.path, m.version, goPurl(m.path, m.version)) });
    }
  }

  return {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: `${s.name}@${s.digest}`,
    // Unique per described image, and stable across rebuilds of the same image.
    documentNamespace: `https://goslim.invalid/spdx/${encodeURIComponent(s.name)}/${s.digest.replace(':', '-')}`,
    creationInfo: { created: s.created.replace(/\.\d{3}Z$/, 'Z'), creators: [`Tool: goslim-${s.toolVersion}`] },
    packages,
    relationships,
  };
}
