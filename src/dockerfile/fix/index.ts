/** `goslim fix`: the public surface. */
export { fixDockerfile } from './fix-dockerfile.js';
export { scanBuildContext } from './context-scan.js';
export { unifiedDiff, applyUnifiedDiff } from './unified-diff.js';
export { writeFileAtomic } from './write-atomic.js';
export { parseDockerignore, isIgnored } from '../dockerignore.js';
export * from './types.js';
