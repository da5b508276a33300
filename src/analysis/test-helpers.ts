/** Hand-made merged filesystems for the analysis unit tests. */
import type { MergedFile } from '../image/filesystem/types.js';
import { goLocationsFromEnv } from './causes.js';
import { FsIndex } from './fs-index.js';
import { buildPackageDb } from './package-db.js';

export function file(path: string, size: number, layer = 0, extra: Partial<MergedFile> = {}): MergedFile {
  return { path, type: 'file', size, mode: 0o644, uid: 0, gid: 0, layer, charged: size, ...extra };
}

export function symlink(path: string, linkname: string, layer = 0): MergedFile {
  return { path, type: 'symlink', size: 0, mode: 0o777, uid: 0, gid: 0, layer, charged: 0, linkname };
}

export function dir(path: string, layer = 0): MergedFile {
  return { path, type: 'dir', size: 0, mode: 0o755, uid: 0, gid: 0, layer, charged: 0 };
}

const STATUS = [
  'Package: libc6\nStatus: install ok installed\nInstalled-Size: 100\n',
  'Package: bash\nStatus: install ok installed\nEssential: yes\nPre-Depends: libc6\nInstalled-Size: 50\n',
  'Package: golang-1.19-go\nStatus: install ok installed\nDepends: golang-1.19-src\nInstalled-Size: 900\n',
  'Package: golang-1.19-src\nStatus: install ok installed\nInstalled-Size: 500\n',
  'Package: tzdata\nStatus: install ok installed\nInstalled-Size: 10\n',
  'Package: apt\nStatus: install ok installed\nDepends: libc6\nInstalled-Size: 10\n',
  'Package: libssl3\nStatus: install ok installed\nDepends: libc6\nInstalled-Size: 10\n',
].join('\n');

/** A small Debian-like image with merged /usr and a single-stage Go build. */
export function fatImage() {
  const files = [
    symlink('bin', 'usr/bin'),
    symlink('lib', 'usr/lib'),
    symlink('lib64', 'usr/lib64'),
    dir('usr/bin'),
    file('usr/bin/bash', 1000),
    file('usr/lib/x86_64-linux-gnu/libc.so.6', 2000),
    file('usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2', 200),
    symlink('usr/lib64/ld-linux-x86-64.so.2', '/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2'),
    file('usr/share/doc/libc6/copyright', 30),
    file('usr/share/doc/golang-1.19-go/changelog.gz', 40),
    file('usr/lib/go-1.19/bin/go', 9000),
    file('usr/share/go-1.19/src/fmt/print.go', 3000),
    file('usr/share/zoneinfo/UTC', 100),
    file('usr/lib/x86_64-linux-gnu/libssl.so.3', 500),
    file('var/lib/apt/lists/deb.debian.org_dists_bookworm_main_binary-amd64_Packages.lz4', 700),
    file('var/lib/dpkg/status', 60),
    file('usr/bin/apt', 90),
    file('src/main.go', 11),
    file('src/go.mod', 12),
    file('src/.git/objects/pack/pack-1.pack', 13),
    file('src/Dockerfile', 14),
    file('src/greeter', 5000, 3),
    file('root/.cache/go-build/aa/aabb-d', 15),
    file('go/pkg/mod/github.com/x/y@v1.0.0/y.go', 16),
    file('etc/passwd', 17),
    file('etc/debian_version', 18),
  ];
  const status = new Map([
    ['var/lib/dpkg/status', STATUS],
    ['var/lib/dpkg/info/libc6:amd64.list', '/lib/x86_64-linux-gnu/libc.so.6\n/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2\n/lib64/ld-linux-x86-64.so.2\n/usr/share/doc/libc6/copyright\n'],
    ['var/lib/dpkg/info/bash.list', '/bin/bash\n'],
    ['var/lib/dpkg/info/golang-1.19-go.list', '/usr/lib/go-1.19/bin/go\n/usr/share/doc/golang-1.19-go/changelog.gz\n'],
    ['var/lib/dpkg/info/golang-1.19-src.list', '/usr/share/go-1.19/src/fmt/print.go\n'],
    ['var/lib/dpkg/info/tzdata.list', '/usr/share/zoneinfo/UTC\n'],
    ['var/lib/dpkg/info/apt.list', '/usr/bin/apt\n'],
    ['var/lib/dpkg/info/libssl3:amd64.list', '/usr/lib/x86_64-linux-gnu/libssl.so.3\n'],
  ]);
  const db = buildPackageDb(status);
  const fs = new FsIndex(files);
  const ctx = { db, fs, goBinaryPaths: new Set(['src/greeter']), go: goLocationsFromEnv(['PATH=/usr/bin', 'HOME=/root']) };
  return { files, db, fs, ctx };
}

