import { describe, expect, it } from 'vitest';
import { localReplaces, namesSaving, trimpathRewriter } from './trimpath.js';

const leaked = [
  '/usr/lib/go-1.19/src/runtime/proc.go',
  '/usr/lib/go-1.19/src/net/http/server.go',
  '/home/ci/go/pkg/mod/github.com/x/y@v1.2.3/y.go',
  '/home/ci/src/app/cmd/api/main.go',
  '/home/ci/src/app/internal/db/db.go',
  '/home/ci/src/lib/greet.go',
];

describe('-trimpath rewrite rules', () => {
  it('GOROOT, the module cache, the main module (its main package below the root), a local replacement', () => {
    const replaces = localReplaces([
      { path: 'example.com/lib', version: 'v0.1.0', replace: { path: '../lib' } },
      { path: 'github.com/x/y', version: 'v1.2.3', replace: null },
      { path: 'github.com/a/b', version: 'v1.0.0', replace: { path: 'github.com/fork/b' } }, // a module, not a directory
    ]);
    expect(replaces).toEqual([{ path: 'example.com/lib', version: 'v0.1.0', dir: '../lib' }]);
    const rw = trimpathRewriter(leaked, 'example.com/app', 'example.com/app/cmd/api', replaces);
    expect(leaked.map(rw)).toEqual([
      'runtime/proc.go',
      'net/http/server.go',
      'github.com/x/y@v1.2.3/y.go',
      'example.com/app/cmd/api/main.go',
      'example.com/app/internal/db/db.go',
      'example.com/lib@v0.1.0/greet.go',
    ]);
    // directories (DWARF line tables name them) follow the same rules
    expect(rw('/usr/lib/go-1.19/src/os')).toBe('os');
    expect(rw('/home/ci/src/app')).toBe('example.com/app');
    expect(rw('/home/ci/src/lib')).toBe('example.com/lib@v0.1.0');
    // net: the replacement's name grows by 6 bytes (`/home/ci/src/lib` -> `example.com/lib@v0.1.0`), the others shrink
    expect(rw(leaked[5]!).length - leaked[5]!.length).toBe(6);
    expect(namesSaving(leaked, rw)).toBe(
      leaked.reduce((n, p) => n + p.length - rw(p).length, 0),
    );
  });

  it('without build info: files keep their base names', () => {
    const rw = trimpathRewriter(['/w/a/main.go'], null);
    expect(rw('/w/a/main.go')).toBe('main.go');
  });
});
