/**
 * Our CycloneDX output against the official CycloneDX 1.5 JSON schema, as shipped in
 * @cyclonedx/cyclonedx-library (res/schema), checked with ajv. Format keywords
 * (iri-reference, date-time, ...) are not enforced: ajv-formats is not a dependency.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { generateSbom, type SbomSubject } from './index.js';

const require = createRequire(import.meta.url);
const schemaDir = join(dirname(require.resolve('@cyclonedx/cyclonedx-library/package.json')), 'res', 'schema');
const load = (name: string) => JSON.parse(readFileSync(join(schemaDir, name), 'utf8')) as Record<string, unknown>;

const subject: SbomSubject = {
  name: 'registry.example.com/team/api:1.2',
  digest: 'sha256:' + 'c'.repeat(64),
  created: '2023-11-14T22:13:20Z',
  toolVersion: '0.1.0',
  binaries: ['linux/amd64', 'linux/arm64'].map((platform) => ({
    path: '/ko-app/api',
    platform,
    sha256: 'sha256:' + 'd'.repeat(64),
    go: {
      version: 'go1.19.8',
      path: 'github.com/team/api/cmd/api',
      main: { path: 'github.com/team/api', version: 'v1.2.0', sum: 'h1:x' },
      deps: [{ path: 'github.com/google/uuid', version: 'v1.3.0', sum: 'h1:abc', replace: null }],
      settings: { CGO_ENABLED: '0', GOARCH: platform.split('/')[1]! },
    },
  })),
};

describe('CycloneDX 1.5 schema', () => {
  it('accepts the document goslim writes', () => {
    const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
    ajv.addSchema({ ...load('spdx.SNAPSHOT.schema.json'), $id: 'http://cyclonedx.org/schema/spdx.SNAPSHOT.schema.json' });
    ajv.addSchema({ ...load('jsf-0.82.SNAPSHOT.schema.json'), $id: 'http://cyclonedx.org/schema/jsf-0.82.SNAPSHOT.schema.json' });
    const validate = ajv.compile(load('bom-1.5.SNAPSHOT.schema.json'));
    const doc = JSON.parse(generateSbom(subject, 'cyclonedx').bytes.toString()) as unknown;
    const ok = validate(doc);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    // And the schema does reject a broken document (the check is not vacuous).
    expect(validate({ ...(doc as object), specVersion: 1.5, components: [{ type: 'not-a-type', name: 'x' }] })).toBe(false);
  });
});
