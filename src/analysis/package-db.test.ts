import { describe, expect, it } from 'vitest';
import { addApkInstalled, buildPackageDb, dpkgListPackageName, emptyPackageDb, isPackageDbPath, normalizeDbPath, parseDeb822, parseDependsField } from './package-db.js';

const STATUS = `Package: libc6
Status: install ok installed
Priority: optional
Architecture: amd64
Multi-Arch: same
Version: 2.36-9+deb12u4
Installed-Size: 12986
Depends: libgcc-s1
Description: GNU C Library: Shared libraries
 Contains the standard libraries that are used by nearly all programs on
 the system.

Package: bash
Essential: yes
Status: install ok installed
Priority: required
Installed-Size: 7164
Pre-Depends: libc6 (>= 2.36), libtinfo6 (>= 6)
Depends: base-files (>= 2.1.12), debianutils (>= 5.6-0.1)
Version: 5.2.15-2+b2

Package: oldthing
Status: deinstall ok config-files
Installed-Size: 10
Version: 1

Package: mawk
Status: install ok installed
Provides: awk
Installed-Size: 263

Package: needs-awk
Status: install ok installed
Depends: awk | gawk
`;

describe('dpkg status', () => {
  it('parses paragraphs with continuation lines', () => {
    const paras = parseDeb822(STATUS);
    expect(paras).toHaveLength(5);
    expect(paras[0]?.get('description')).toContain('\nContains the standard');
  });

  it('keeps installed packages only, with sizes in bytes, depends and essential', () => {
    const db = buildPackageDb(new Map([['var/lib/dpkg/status', STATUS]]));
    expect([...db.packages.keys()].sort()).toEqual(['bash', 'libc6', 'mawk', 'needs-awk']);
    expect(db.packages.get('libc6')?.installedSize).toBe(12986 * 1024);
    expect(db.packages.get('bash')?.essential).toBe(true);
    expect(db.packages.get('libc6')?.essential).toBe(false);
    // libtinfo6, base-files, debianutils are not installed in this db: dropped; libc6 kept.
    expect(db.packages.get('bash')?.depends).toEqual(['libc6']);
    // virtual package resolved through Provides
    expect(db.packages.get('needs-awk')?.depends).toEqual(['mawk']);
  });

  it('reads info/*.list file lists (with and without :arch)', () => {
    const db = buildPackageDb(
      new Map([
        ['var/lib/dpkg/status', STATUS],
        ['var/lib/dpkg/info/libc6:amd64.list', '/.\n/lib\n/lib/x86_64-linux-gnu/libc.so.6\n/usr/share/doc/libc6/copyright\n'],
        ['var/lib/dpkg/info/bash.list', '/bin/bash\n'],
        ['var/lib/dpkg/info/oldthing.list', '/etc/oldthing.conf\n'],
      ]),
    );
    expect(db.owners.get('lib/x86_64-linux-gnu/libc.so.6')).toBe('libc6');
    expect(db.owners.get('bin/bash')).toBe('bash');
    expect(db.owners.has('etc/oldthing.conf')).toBe(false);
    expect(dpkgListPackageName('libc6:amd64.list')).toBe('libc6');
    expect(dpkgListPackageName('golang-1.19-go.list')).toBe('golang-1.19-go');
  });

  it('reads distroless status.d paragraphs and md5sums lists', () => {
    const db = buildPackageDb(
      new Map([
        ['var/lib/dpkg/status.d/tzdata', 'Package: tzdata\nVersion: 2024a-0+deb12u1\nInstalled-Size: 3020\n'],
        ['var/lib/dpkg/status.d/tzdata.md5sums', 'd41d8cd98f00b204e9800998ecf8427e  usr/share/zoneinfo/UTC\n'],
      ]),
    );
    expect(db.packages.get('tzdata')?.installedSize).toBe(3020 * 1024);
    expect(db.owners.get('usr/share/zoneinfo/UTC')).toBe('tzdata');
  });

  it('parses depends fields with versions, alternatives and arch qualifiers', () => {
    expect(parseDependsField('libc6 (>= 2.34), libgcc-s1 | libgcc1, perl:any')).toEqual(['libc6', 'libgcc-s1', 'libgcc1', 'perl']);
    expect(parseDependsField(undefined)).toEqual([]);
  });

  it('selects db paths while streaming', () => {
    expect(isPackageDbPath('var/lib/dpkg/status')).toBe(true);
    expect(isPackageDbPath('var/lib/dpkg/status-old')).toBe(false);
    expect(isPackageDbPath('var/lib/dpkg/info/bash.list')).toBe(true);
    expect(isPackageDbPath('var/lib/dpkg/info/bash.md5sums')).toBe(false);
    expect(isPackageDbPath('var/lib/dpkg/status.d/tzdata')).toBe(true);
    expect(isPackageDbPath('lib/apk/db/installed')).toBe(true);
  });
});

describe('apk installed db', () => {
  it('parses packages, sizes, files and so: dependencies', () => {
    const text = `C:Q1abc=
P:musl
V:1.2.4-r2
I:635904
p:so:libc.musl-x86_64.so.1=1
F:lib
R:ld-musl-x86_64.so.1
R:libc.musl-x86_64.so.1

P:busybox
V:1.36.1-r5
I:946176
D:so:libc.musl-x86_64.so.1
F:bin
R:busybox
F:etc
R:securetty
`;
    const db = buildPackageDb(new Map([['lib/apk/db/installed', text]]));
    expect(db.packages.get('musl')?.installedSize).toBe(635904);
    expect(db.owners.get('lib/ld-musl-x86_64.so.1')).toBe('musl');
    expect(db.owners.get('bin/busybox')).toBe('busybox');
    expect(db.owners.get('etc/securetty')).toBe('busybox');
    expect(db.packages.get('busybox')?.depends).toEqual(['musl']);
    const raw = emptyPackageDb();
    expect(addApkInstalled(raw, text)).toEqual(['musl', 'busybox']);
  });
});

describe('normalizeDbPath', () => {
  it('strips the root and ./, collapses slashes, drops a trailing slash and blanks', () => {
    const cases: Array<[string, string]> = [
      ['/usr/bin/dash', 'usr/bin/dash'],
      ['/usr//lib/x', 'usr/lib/x'],
      ['//etc/passwd', 'etc/passwd'],
      ['./usr/share/doc/', 'usr/share/doc'],
      ['/usr/share/doc/ ', 'usr/share/doc'],
      ['  /opt/app\r', 'opt/app'],
      ['/./etc', 'etc'],
      ['/.', '.'],
      ['/', ''],
      ['', ''],
    ];
    for (const [input, want] of cases) expect([input, normalizeDbPath(input)]).toEqual([input, want]);
  });
});
