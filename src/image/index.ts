/**
 * Image reading: references, sources (docker-archive, OCI layout, oci-archive; registry via
 * sources/registry.ts), digests, and the streaming filesystem merge.
 */
export * from './model.js';
export {
  parseImageReference,
  parseRegistryReference,
  formatImageReference,
  formatRegistryReference,
  DOCKER_HUB,
  DOCKER_HUB_API_HOST,
  type ImageReference,
  type RegistryReference,
  type PathKind,
  type ParseReferenceOptions,
} from './reference.js';
export {
  sha256Digest,
  sha256Hex,
  isSha256Digest,
  parseDigest,
  verifyBuffer,
  HashingStream,
  VerifyingStream,
} from './digest.js';
export { RawImage, RawIndex, DescribedLayer, DelegatingLayer, platformOfConfig, type RawImageParts, type LayerFacts } from './partial.js';
export { assertValidImage, assertValidIndex, imageProblems, type ValidateOptions } from './validate.js';
export { openImage, openParsedImage, listImagePlatforms, type OpenImageOptions } from './open.js';
export { resolveImageReference, probePath } from './sources/probe.js';
export { openDockerArchive, type OpenDockerArchiveOptions } from './sources/docker-archive.js';
export { openOciLayout, type OpenLayoutOptions } from './sources/oci-layout.js';
export { openOciArchive } from './sources/oci-archive.js';
export { sniffCompression, decompress } from './sources/decompress.js';
export { releaseLayerReader } from './sources/tar-worker.js';
export { selectPlatform, platformMatches, isAttestation, DEFAULT_PLATFORM } from './sources/platform-select.js';
export * from './filesystem/index.js';
