/** `goslim fix`: the public surface. */
export { fixDockerfile } from './fix-dockerfile.js';
export { unifiedDiff, applyUnifiedDiff } from './unified-diff.js';
export { parseDockerignore, isIgnored } from '../dockerignore.js';
export * from './types.js';
