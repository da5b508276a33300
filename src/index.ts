/**
 * goslim library entry. The analyzers are pure functions over bytes or
 * read-only image models; the CLI in src/cli is a thin shell around them.
 */
export * from './errors.js';
export { formatBytes, parseBytes } from './util/units.js';
