/** Public surface of the sinks (index.ts dispatches; copy.ts adds source-side index handling). */
export * from './index.js';
export { writeDockerArchive, writeOciArchive, type WriteArchiveOptions } from './docker-archive.js';
export { copyImage, openForCopy, type OpenForCopyOptions } from './copy.js';
