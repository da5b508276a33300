import { describe, expect, it } from 'vitest';
import { isGoslimError } from '../errors.js';
import { builderGoVersion, parseGoMod } from './go-mod.js';

describe('parseGoMod', () => {
  it('reads module, go, toolchain, require blocks, indirect markers and replaces', () => {
    const mod = parseGoMod(`// header comment
module "example.com/notes" // quoted path

go 1.22.1
toolchain go1.22.5

require github.com/mattn/go-sqlite3 v1.14.22
require (
	golang.org/x/text v0.14.0 // indirect
	github.com/google/uuid v1.6.0
)
replace example.com/old v1.0.0 => ../old
replace (
  example.com/a => example.com/b v1.2.3
)
`);
    expect(mod.module).toBe('example.com/notes');
    expect(mod.go).toBe('1.22.1');
    expect(mod.toolchain).toBe('go1.22.5');
    expect(mod.requires).toEqual([
      { path: 'github.com/mattn/go-sqlite3', version: 'v1.14.22', indirect: false },
      { path: 'golang.org/x/text', version: 'v0.14.0', indirect: true },
      { path: 'github.com/google/uuid', version: 'v1.6.0', indirect: false },
    ]);
    expect(mod.replaces).toEqual([
      { from: 'example.com/old', fromVersion: 'v1.0.0', to: '../old' },
      { from: 'example.com/a', to: 'example.com/b', toVersion: 'v1.2.3' },
    ]);
    expect(builderGoVersion(mod)).toBe('1.22.5');
  });

  it('uses the go line when there is no toolchain line', () => {
    expect(builderGoVersion(parseGoMod('module m\ngo 1.19\n'))).toBe('1.19');
    expect(builderGoVersion(parseGoMod('module m\n'))).toBeUndefined();
  });

  it('rejects a file without module directive or with an open block', () => {
    for (const bad of ['go 1.19\n', 'module m\nrequire (\n  a v1\n']) {
      let caught: unknown;
      try {
        parseGoMod(bad);
      } catch (e) {
        caught = e;
      }
      expect(isGoslimError(caught, 'E_MALFORMED')).toBe(true);
    }
  });
});
