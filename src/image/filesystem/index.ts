export * from './types.js';
export * from './path.js';
export * from './walk.js';
export * from './data-sinks.js';
export * from './history.js';
export * from './merge-tree.js';
export * from './merge.js';
export * from './record.js';
