/** Test helpers for hand-made images (unit tests only; not part of the package API). */
export * from './layer-builder.js';
export * from './image-builder.js';
export * from './raw-tar.js';
