/** SBOM generation from Go build info: SPDX 2.3 (default) and CycloneDX 1.5, as JSON bytes. */
import { UsageError } from '../errors.js';
import { cyclonedxDocument } from './cyclonedx.js';
import { SBOM_MEDIA_TYPE, type SbomFormat, type SbomSubject } from './model.js';
import { spdxDocument } from './spdx.js';

export * from './model.js';
export { spdxDocument } from './spdx.js';
export { cyclonedxDocument } from './cyclonedx.js';

export function parseSbomFormat(text: string): SbomFormat | 'none' {
  if (text === 'spdx' || text === 'cyclonedx' || text === 'none') return text;
  throw new UsageError(`--sbom must be spdx, cyclonedx or none, got "${text}"`);
}

/** The SBOM document bytes (2-space JSON, trailing newline) and its media type. */
export function generateSbom(subject: SbomSubject, format: SbomFormat): { bytes: Buffer; mediaType: string; fileSuffix: string } {
  const doc = format === 'spdx' ? spdxDocument(subject) : cyclonedxDocument(subject);
  return {
    bytes: Buffer.from(`${JSON.stringify(doc, null, 2)}\n`),
    mediaType: SBOM_MEDIA_TYPE[format],
    fileSuffix: format === 'spdx' ? '.spdx.json' : '.cdx.json',
  };
}
