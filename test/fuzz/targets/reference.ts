/** Image references (skopeo spellings and registry references) from arbitrary text. */
import fc from 'fast-check';
import { parseImageReference, parseRegistryReference } from '../../../src/image/reference.js';
import type { FuzzTarget } from '../target.js';

const pieces = fc.constantFrom('docker://', 'oci:', 'oci-archive:', 'docker-archive:', 'docker-daemon:', 'localhost:5000/', '@sha256:', ':', '/', '.', '-', '_', 'a', 'Z', '9', '\0', '\u00e9');

export const targets: FuzzTarget[] = [
  {
    name: 'image reference',
    arbitrary: fc.oneof(fc.string({ maxLength: 300 }), fc.array(pieces, { maxLength: 40 }).map((a) => a.join(''))),
    run: (text) => parseImageReference(text as string),
  },
  {
    name: 'registry reference',
    arbitrary: fc.oneof(fc.string({ maxLength: 300 }), fc.array(pieces, { maxLength: 40 }).map((a) => a.join(''))),
    run: (text) => parseRegistryReference(text as string),
  },
];
