import { describe, expect, it } from 'vitest';
import { attributeCauses, canonicalOwners, classifyFile, goLocationsFromEnv, isGoToolchainPackage } from './causes.js';
import { FsIndex } from './fs-index.js';
import { buildPackageDb } from './package-db.js';
import { dir, fatImage, file, symlink } from './test-helpers.js';
import type { CauseId } from './types.js';

describe('cause attribution', () => {
  it('puts every byte in exactly one cause, by the documented precedence', () => {
    const { files, ctx } = fatImage();
    const a = attributeCauses(files, ctx);
    const total = files.reduce((s, f) => s + f.charged, 0);
    expect(a.totalBytes).toBe(total);
    expect(a.causes.reduce((s, c) => s + c.bytes, 0)).toBe(total);
    const by = Object.fromEntries(a.causes.map((c) => [c.id, c.bytes])) as Record<CauseId, number>;
    expect(by['go-toolchain']).toBe(9000 + 3000 + 40); // golang's own doc goes with the toolchain
    expect(by['libc']).toBe(2000 + 200);
    expect(by['docs']).toBe(30);
    expect(by['shell']).toBe(1000); // /bin/bash listed by dpkg, stored at usr/bin/bash
    expect(by['runtime-essentials']).toBe(100 + 17);
    expect(by['os-packages']).toBe(500);
    expect(by['package-manager']).toBe(700 + 60 + 90);
    expect(by['go-source']).toBe(11 + 12);
    expect(by['vcs']).toBe(13);
    expect(by['go-binary']).toBe(5000);
    expect(by['go-build-cache']).toBe(15);
    expect(by['go-module-cache']).toBe(16);
    expect(by['other']).toBe(14 + 18);
    expect(a.packages.find((p) => p.name === 'libc6')).toMatchObject({ cause: 'libc', bytes: 2230, files: 3, installedSize: 102400 });
  });

  it('honours GOROOT, GOPATH, GOMODCACHE and GOCACHE from the config Env', () => {
    const loc = goLocationsFromEnv(['GOROOT=/opt/go', 'GOPATH=/work:/other', 'GOCACHE=/tmp/gocache', 'GOMODCACHE=/mods']);
    expect(loc.goroots).toEqual(['opt/go/']);
    expect(loc.modCaches).toEqual(['work/pkg/mod/', 'other/pkg/mod/', 'mods/']);
    expect(loc.buildCaches).toEqual(['tmp/gocache/']);
    const { db, fs } = fatImage();
    const ctx = { db, fs, goBinaryPaths: new Set<string>(), go: loc };
    const owners = new Map<string, string>();
    expect(classifyFile('opt/go/pkg/tool/linux_amd64/compile', ctx, owners).cause).toBe('go-toolchain');
    expect(classifyFile('work/pkg/mod/cache/download/x.zip', ctx, owners).cause).toBe('go-module-cache');
    expect(classifyFile('tmp/gocache/00/abc-a', ctx, owners).cause).toBe('go-build-cache');
    expect(classifyFile('work/src/app/main.go', ctx, owners).cause).toBe('go-source');
  });

  it('classifies unowned files in images without a package db (scratch, distroless)', () => {
    const files = [
      file('etc/ssl/certs/ca-certificates.crt', 200),
      file('lib/ld-musl-x86_64.so.1', 600),
      file('bin/busybox', 900),
      file('app/server', 100),
      file('app/templates/index.html', 5),
      file('usr/share/doc/x/copyright', 3),
    ];
    const ctx = { db: buildPackageDb(new Map()), fs: new FsIndex(files), goBinaryPaths: new Set(['app/server']), go: goLocationsFromEnv([]) };
    const a = attributeCauses(files, ctx);
    expect(a.fileCauses.get('etc/ssl/certs/ca-certificates.crt')?.cause).toBe('runtime-essentials');
    expect(a.fileCauses.get('lib/ld-musl-x86_64.so.1')?.cause).toBe('libc');
    expect(a.fileCauses.get('bin/busybox')?.cause).toBe('shell');
    expect(a.fileCauses.get('app/server')?.cause).toBe('go-binary');
    expect(a.fileCauses.get('app/templates/index.html')?.cause).toBe('other');
    expect(a.fileCauses.get('usr/share/doc/x/copyright')?.cause).toBe('docs');
  });

  it('counts a hardlink once: only the charged copy carries bytes', () => {
    const files = [file('usr/bin/a', 100), { ...file('usr/bin/b', 0), type: 'hardlink' as const, linkname: 'usr/bin/a', charged: 0 }];
    const ctx = { db: buildPackageDb(new Map()), fs: new FsIndex(files), goBinaryPaths: new Set<string>(), go: goLocationsFromEnv([]) };
    const a = attributeCauses(files, ctx);
    expect(a.totalBytes).toBe(100);
    expect(a.causes.find((c) => c.id === 'other')).toEqual({ id: 'other', bytes: 100, files: 2 });
  });

  it('knows the Go toolchain package names', () => {
    for (const n of ['golang-go', 'golang-src', 'golang-1.19', 'golang-1.19-go', 'golang-1.19-src', 'golang-1.22-doc']) expect(isGoToolchainPackage(n)).toBe(true);
    for (const n of ['golang-github-foo-dev', 'gcc', 'libgolang']) expect(isGoToolchainPackage(n)).toBe(false);
  });
});

describe('package ownership by real location', () => {
  it('buildPackageDb with a locate function keys owners as canonicalOwners does, first lister first', () => {
    // merged /usr: bin and lib are links into usr; two packages list the same file under both names.
    const fs = new FsIndex([symlink('bin', 'usr/bin'), symlink('lib', 'usr/lib'), file('usr/bin/bash', 10), file('usr/bin/sh', 1), file('usr/lib/libc.so.6', 5), file('usr/share/doc/x', 1)]);
    const status = ['bash', 'dash', 'libc6', 'shim'].map((p) => `Package: ${p}\nStatus: install ok installed\nVersion: 1\n`).join('\n');
    const dbFiles = new Map([
      ['var/lib/dpkg/status', status],
      ['var/lib/dpkg/info/bash.list', '/.\n/bin\n/bin/bash\n/usr/share/doc/x\n'],
      ['var/lib/dpkg/info/dash.list', '/usr/bin/sh\n/bin/sh\n/usr/bin/bash\n'],
      ['var/lib/dpkg/info/libc6.list', '/lib/libc.so.6\n/missing/dir/file\n/usr/lib/libc.so.6\n'],
      ['var/lib/dpkg/status.d/shim.md5sums', 'd41d8cd98f00b204e9800998ecf8427e  lib/libc.so.6\n'],
    ]);
    const located = buildPackageDb(dbFiles, (p) => fs.canonical(p) ?? p).owners;
    expect([...located]).toEqual([...canonicalOwners(buildPackageDb(dbFiles), fs)]);
    expect(located.get('usr/bin/bash')).toBe('bash');
    expect(located.get('usr/bin/sh')).toBe('dash');
    expect(located.get('usr/lib/libc.so.6')).toBe('libc6');
  });
});

describe('FsIndex', () => {
  it('resolves absolute and relative symlinks inside the image, bounded on loops', () => {
    const { fs } = fatImage();
    expect(fs.resolve('/lib64/ld-linux-x86-64.so.2')).toBe('usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2');
    expect(fs.existsFile('/lib64/ld-linux-x86-64.so.2')).toBe(true);
    expect(fs.existsFile('/lib/ld-musl-x86_64.so.1')).toBe(false);
    expect(fs.canonical('bin/bash')).toBe('usr/bin/bash');
    const loop = new FsIndex([symlink('a', 'b'), symlink('b', 'a')]);
    expect(loop.resolve('a/x')).toBeUndefined();
    const esc = new FsIndex([symlink('up', '../../..'), file('etc/passwd', 1)]);
    expect(esc.resolve('up/etc/passwd')).toBe('etc/passwd');
  });

  it('canonical() answers as resolving the parent from the root does, whatever it remembered before', () => {
    const tree = [
      dir('usr'),
      dir('usr/lib'),
      dir('usr/lib/x'),
      symlink('lib', 'usr/lib'),
      symlink('usr/lib/y', 'x'),
      symlink('usr/lib/up', '../..'),
      symlink('usr/lib/abs', '/usr/lib/x'),
      symlink('a', 'b'),
      symlink('b', 'a'),
      // A chain of 30 links, twice in one path: 60 hops, over the kernel's 40.
      ...Array.from({ length: 30 }, (_, i) => symlink(`c${i}`, i === 29 ? 'usr' : `c${i + 1}`)),
      symlink('usr/c', '/c0'),
    ];
    const paths = [
      'lib/x/f',
      'lib/y/f',
      'lib/y/z/f',
      'usr/lib/up/lib/y/f',
      'lib/abs/f',
      'lib/./x/f',
      'lib/x/../y/f',
      'a/f',
      'a/b/f',
      'nothing/here/f',
      'c0/lib/f',
      'c0/c/lib/f',
      'c0/c/c/lib/f',
      'top',
    ];
    const fresh = (p: string): string | undefined => {
      const slash = p.lastIndexOf('/');
      if (slash < 0) return p;
      const dir = new FsIndex(tree).resolve(p.slice(0, slash));
      return dir === undefined ? undefined : dir === '' ? p.slice(slash + 1) : `${dir}/${p.slice(slash + 1)}`;
    };
    expect(fresh('lib/y/f')).toBe('usr/lib/x/f');
    expect(fresh('c0/c/lib/f')).toBeUndefined();
    for (const order of [paths, [...paths].reverse()]) {
      const fs = new FsIndex(tree);
      // Each path then a sibling (the same parent twice in a row, as a file list has them).
      for (const p of [...order, ...order]) for (const q of [p, p.replace(/[^/]+$/, 'g')]) expect(fs.canonical(q), q).toBe(fresh(q));
    }
  });
});

