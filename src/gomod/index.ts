export * from './go-mod.js';
export * from './go-source.js';
export * from './cgo.js';
export * from './scan.js';
