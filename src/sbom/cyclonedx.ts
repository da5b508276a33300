/**
 * CycloneDX 1.5 JSON (cyclonedx.org/docs/1.5/json): metadata.component is the
 * container image; each Go binary is an "application" component whose
 * dependencies are the linked modules ("library") and the Go standard library.
 * The serial number is derived from the image digest so the document is
 * reproducible.
 */
import { goPurl, linkedModules, stdlibVersion, type SbomSubject } from './model.js';

/** RFC 4122 shape from the first 128 bits of the digest (version nibble 5, variant 10). */
function uuidFromDigest(digest: string): string {
  const h = digest.replace(/^sha256:/, '').padEnd(32, '0').slice(0, 32).split('');
  h[12] = '5';
  h[16] = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  const s = h.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20, 32)}`;
}

interface Component {
  type: 'container' | 'application' | 'library';
  'bom-ref': string;
  name: string;
  version?: string;
  purl?: string;
  hashes?: Array<{ alg: 'SHA-256'; content: string }>;
  properties?: Array<{ name: string; value: string }>;
}

export function cyclonedxDocument(s: SbomSubject): Record<string, unknown> {
  const image: Component = { type: 'container', 'bom-ref': `image:${s.digest}`, name: s.name, version: s.digest };
  const components: Component[] = [];
  const libs = new Map<string, Component>();
  const dependencies: Array<{ ref: string; dependsOn: string[] }> = [];
  const lib = (name: string, version: string | undefined, purl: string): string => {
    if (!libs.has(purl)) libs.set(purl, { type: 'library', 'bom-ref': purl, name, ...(version ? { version } : {}), purl });
    return purl;
  };
  const apps: string[] = [];
  for (const b of s.binaries) {
    const mainPath = b.go.main?.path ?? b.go.path ?? b.path;
    const ref = `app:${b.platform}:${b.path}`;
    apps.push(ref);
    components.push({
      type: 'application',
      'bom-ref': ref,
      name: b.go.path ?? mainPath,
      ...(b.go.main?.version ? { version: b.go.main.version } : {}),
      purl: goPurl(mainPath, b.go.main?.version),
      hashes: [{ alg: 'SHA-256', content: b.sha256.replace(/^sha256:/, '') }],
      properties: [
        { name: 'goslim:path', value: b.path },
        { name: 'goslim:platform', value: b.platform },
        ...(b.go.version ? [{ name: 'goslim:go.version', value: b.go.version }] : []),
        ...Object.entries(b.go.settings ?? {}).map(([k, v]) => ({ name: `goslim:go.build.${k}`, value: v })),
      ],
    });
    const deps: string[] = [];
    const std = stdlibVersion(b.go.version);
    if (std) deps.push(lib('stdlib', std, goPurl('stdlib', `v${std}`)));
    for (const m of linkedModules(b.go)) deps.push(lib(m.path, m.version, goPurl(m.path, m.version)));
    dependencies.push({ ref, dependsOn: deps });
  }
  dependencies.unshift({ ref: image['bom-ref'], dependsOn: apps });
  for (const l of libs.values()) dependencies.push({ ref: l['bom-ref'], dependsOn: [] });
  return {
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    serialNumber: `urn:uuid:${uuidFromDigest(s.digest)}`,
    version: 1,
    metadata: {
      timestamp: s.created.replace(/\.\d{3}Z$/, 'Z'),
      tools: { components: [{ type: 'application', name: 'goslim', version: s.toolVersion }] },
      component: image,
    },
    components: [...components, ...libs.values()],
    dependencies,
  };
}
