import { describe, expect, it } from 'vitest';
import { generateSbom, goPurl, parseSbomFormat, type SbomSubject } from './index.js';
import { SbomArtifact } from './attach.js';
import { assertValidImage } from '../image/validate.js';
import { MediaType } from '../image/model.js';

const subject: SbomSubject = {
  name: '127.0.0.1:5000/acme/api:1.2',
  digest: 'sha256:' + '1'.repeat(64),
  created: '1970-01-01T00:00:00Z',
  toolVersion: '0.1.0',
  binaries: [
    {
      path: '/ko-app/api',
      platform: 'linux/amd64',
      sha256: 'sha256:' + '2'.repeat(64),
      go: {
        version: 'go1.19.8',
        path: 'github.com/acme/api/cmd/api',
        main: { path: 'github.com/acme/api', version: '(devel)', sum: '' },
        deps: [
          { path: 'github.com/google/uuid', version: 'v1.3.0', sum: 'h1:abc', replace: null },
          { path: 'golang.org/x/net', version: 'v0.1.0', sum: 'h1:def', replace: { path: 'github.com/fork/net', version: 'v0.1.1', sum: 'h1:ghi' } },
        ],
        settings: { CGO_ENABLED: '0', '-trimpath': 'true', 'vcs.revision': 'deadbeef' },
      },
    },
  ],
};

describe('SBOM', () => {
  it('writes SPDX 2.3 with the image, the app, stdlib and the linked (replaced) modules', () => {
    const { bytes, mediaType } = generateSbom(subject, 'spdx');
    expect(mediaType).toBe('application/spdx+json');
    const doc = JSON.parse(bytes.toString()) as {
      spdxVersion: string;
      dataLicense: string;
      creationInfo: { created: string };
      packages: Array<{ SPDXID: string; name: string; versionInfo?: string; externalRefs?: Array<{ referenceLocator: string }> }>;
      relationships: Array<{ spdxElementId: string; relationshipType: string; relatedSpdxElement: string }>;
    };
    expect(doc.spdxVersion).toBe('SPDX-2.3');
    expect(doc.dataLicense).toBe('CC0-1.0');
    expect(doc.creationInfo.created).toBe('1970-01-01T00:00:00Z');
    for (const p of doc.packages) expect(p.SPDXID).toMatch(/^SPDXRef-[A-Za-z0-9.-]+$/);
    const purls = doc.packages.flatMap((p) => p.externalRefs?.map((r) => r.referenceLocator) ?? []);
    expect(purls).toEqual(
      expect.arrayContaining(['pkg:golang/stdlib@v1.19.8', 'pkg:golang/github.com/google/uuid@v1.3.0', 'pkg:golang/github.com/fork/net@v0.1.1', 'pkg:golang/github.com/acme/api']),
    );
    expect(purls).not.toContain('pkg:golang/golang.org/x/net@v0.1.0');
    const ids = new Set(doc.packages.map((p) => p.SPDXID));
    for (const r of doc.relationships) {
      expect(r.spdxElementId === 'SPDXRef-DOCUMENT' || ids.has(r.spdxElementId)).toBe(true);
      expect(ids.has(r.relatedSpdxElement)).toBe(true);
    }
    expect(doc.relationships.filter((r) => r.relationshipType === 'DEPENDS_ON')).toHaveLength(3);
    expect(generateSbom(subject, 'spdx').bytes.equals(bytes)).toBe(true);
  });

  it('writes CycloneDX 1.5 with a stable serial number and a dependency graph', () => {
    const doc = JSON.parse(generateSbom(subject, 'cyclonedx').bytes.toString()) as {
      bomFormat: string;
      specVersion: string;
      serialNumber: string;
      metadata: { component: { type: string } };
      components: Array<{ type: string; purl?: string; 'bom-ref': string }>;
      dependencies: Array<{ ref: string; dependsOn: string[] }>;
    };
    expect(doc.bomFormat).toBe('CycloneDX');
    expect(doc.specVersion).toBe('1.5');
    expect(doc.serialNumber).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(doc.metadata.component.type).toBe('container');
    const refs = new Set([...doc.components.map((c) => c['bom-ref']), `image:${subject.digest}`]);
    for (const d of doc.dependencies) for (const x of [d.ref, ...d.dependsOn]) expect(refs.has(x)).toBe(true);
    expect(doc.components.filter((c) => c.type === 'library')).toHaveLength(3);
  });

  it('validates the format option and encodes purls', () => {
    expect(parseSbomFormat('none')).toBe('none');
    expect(() => parseSbomFormat('syft')).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
    expect(goPurl('example.com/My Mod', 'v1.0.0+incompatible')).toBe('pkg:golang/example.com/My%20Mod@v1.0.0%2Bincompatible');
  });
});

describe('SBOM artifact', () => {
  it('is a valid OCI artifact manifest whose subject is the image', () => {
    const subject = { mediaType: MediaType.OciManifest, digest: `sha256:${'a'.repeat(64)}`, size: 123 };
    const artifact = new SbomArtifact(Buffer.from('{"bomFormat":"CycloneDX"}'), 'application/vnd.cyclonedx+json', subject, '1970-01-01T00:00:00Z');
    assertValidImage(artifact);
    expect(artifact.manifest().subject).toEqual(subject);
    expect(artifact.reference()).toBe(`sbom-for-${subject.digest}`);
  });
});
