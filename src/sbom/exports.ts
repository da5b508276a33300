/** Public surface of the SBOM module, including the registry attachment. */
export * from './index.js';
export { SbomArtifact, pushSbomArtifact, sbomTag, type AttachResult } from './attach.js';
