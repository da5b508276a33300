/**
 * Node built-ins the analysis needs only for some binaries, loaded on first use: zlib for
 * compressed DWARF (unstripped binaries) and the -trimpath DWARF estimate, crypto for embed.FS
 * hashes. Loading both up front costs about 2 MB of resident memory in every `goslim binary` run
 * (measured with Node 20), most of which (stripped binaries) never use them (issue 15: peak RSS).
 */
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

let zlib: typeof import('node:zlib') | undefined;
let crypto: typeof import('node:crypto') | undefined;

export function zlibModule(): typeof import('node:zlib') {
  return (zlib ??= load('node:zlib') as typeof import('node:zlib'));
}

export function cryptoModule(): typeof import('node:crypto') {
  return (crypto ??= load('node:crypto') as typeof import('node:crypto'));
}
