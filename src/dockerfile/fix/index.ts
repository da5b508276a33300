/** `goslim fix`: the public surface. */
export { fixDockerfile } from './fix-dockerfile.js';
export { scanBuildContext } from './context-scan.js';
export { unifiedDiff, applyUnifiedDiff } from './unified-diff.js';
export { parseDockerignore, isIgnored } from './dockerignore.js';
export { classifyBase, type BaseKind } from './base-kind.js';
export * from './types.js';
