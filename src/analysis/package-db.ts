/**
 * Parsers for the OS package databases found inside images. Pure: text in, data out.
 *
 * dpkg (Debian/Ubuntu): `var/lib/dpkg/status` (deb822 paragraphs, man 5 deb822 / dpkg-query),
 * distroless-style `var/lib/dpkg/status.d/<pkg>` paragraphs with optional `<pkg>.md5sums`
 * file lists, and `var/lib/dpkg/info/<pkg>[:<arch>].list` (one absolute path per line).
 * apk (Alpine): `lib/apk/db/installed` ("X:value" lines, blank line between packages; P name,
 * V version, I installed size, D depends, p provides, F folder, R file in the last folder —
 * see apk-tools doc/apk-v2(5) "installed database").
 */
import type { PackageDb, PackageInfo } from './types.js';

export function emptyPackageDb(): PackageDb {
  return { packages: new Map(), owners: new Map() };
}

/** Normalise a path from a db: strip leading "/" and "./", collapse duplicate slashes. */
export function normalizeDbPath(p: string): string {
  // dpkg's own form ("/usr/bin/x", no doubled or trailing slash, no blanks) needs no work:
  // the .list files name every installed path, ~40k lines on a Debian image with a toolchain.
  if (p.length > 1 && p.charCodeAt(0) === 0x2f && p.charCodeAt(1) !== 0x2f && p.charCodeAt(1) !== 0x2e && p.charCodeAt(p.length - 1) > 0x2f && !p.includes('//')) {
    return p.slice(1);
  }
  let s = p.trim().replace(/\/+/g, '/');
  for (;;) {
    if (s.startsWith('./')) s = s.slice(2);
    else if (s.startsWith('/')) s = s.slice(1);
    else break;
  }
  if (s.endsWith('/')) s = s.slice(0, -1);
  return s;
}

/** Split deb822 text into paragraphs of field -> value (continuation lines joined with "\n"). */
export function parseDeb822(text: string): Array<Map<string, string>> {
  const out: Array<Map<string, string>> = [];
  let cur = new Map<string, string>();
  let last: string | undefined;
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      if (cur.size > 0) out.push(cur);
      cur = new Map();
      last = undefined;
      continue;
    }
    if ((line.startsWith(' ') || line.startsWith('\t')) && last !== undefined) {
      cur.set(last, `${cur.get(last) ?? ''}\n${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue; // tolerate junk lines rather than failing the whole image
    last = line.slice(0, colon).trim().toLowerCase();
    cur.set(last, line.slice(colon + 1).trim());
  }
  if (cur.size > 0) out.push(cur);
  return out;
}

/** "libc6 (>= 2.34), libgcc-s1 | libgcc1" -> ["libc6", "libgcc-s1", "libgcc1"] (arch qualifiers dropped). */
export function parseDependsField(value: string | undefined): string[] {
  if (!value) return [];
  const names: string[] = [];
  for (const alt of value.split(/[,|]/)) {
    const m = /^\s*([a-z0-9][a-z0-9+.-]*)/i.exec(alt);
    if (m?.[1]) names.push(m[1].toLowerCase());
  }
  return names;
}

function dpkgParagraphToPackage(p: Map<string, string>): PackageInfo | undefined {
  const name = p.get('package');
  if (!name) return undefined;
  const status = p.get('status');
  // Only installed packages own files; "deinstall ok config-files" and the like do not.
  if (status !== undefined && !/\binstalled$/.test(status)) return undefined;
  const kib = Number(p.get('installed-size'));
  const priority = (p.get('priority') ?? '').toLowerCase();
  const info: PackageInfo = {
    name,
    depends: [...parseDependsField(p.get('pre-depends')), ...parseDependsField(p.get('depends'))],
    essential: p.get('essential')?.toLowerCase() === 'yes' || priority === 'required',
    db: 'dpkg',
  };
  const version = p.get('version');
  if (version) info.version = version;
  // Installed-Size is in KiB (deb-control(5)).
  if (Number.isFinite(kib) && kib >= 0) info.installedSize = kib * 1024;
  // Provides are recorded as aliases so Depends on a virtual package resolve.
  return info;
}

/** Provides of a dpkg paragraph: virtual names -> providing package. */
function dpkgProvides(p: Map<string, string>): string[] {
  return parseDependsField(p.get('provides'));
}

/**
 * Add the dpkg `status` file (or one `status.d/*` paragraph file) to `db`.
 * Returns the package names it added.
 */
export function addDpkgStatus(db: PackageDb, text: string, provides?: Map<string, string>): string[] {
  const added: string[] = [];
  for (const para of parseDeb822(text)) {
    const info = dpkgParagraphToPackage(para);
    if (!info) continue;
    db.packages.set(info.name, info);
    added.push(info.name);
    if (provides) for (const v of dpkgProvides(para)) if (!provides.has(v)) provides.set(v, info.name);
  }
  return added;
}

/** `info/<pkg>[:arch].list` file name -> package name. */
export function dpkgListPackageName(fileName: string): string | undefined {
  const m = /^([^/]+?)(?::[a-z0-9-]+)?\.list$/.exec(fileName);
  return m?.[1];
}

/** Where a listed path is keyed in `owners` (buildPackageDb's `locate`); by default the path itself. */
export type Locate = (path: string) => string;

const asListed: Locate = (p) => p;

/** Record every path of a dpkg `.list` file as owned by `pkg` (directories are listed too; harmless). */
export function addDpkgList(db: PackageDb, pkg: string, text: string, locate: Locate = asListed): void {
  for (const line of text.split('\n')) {
    const p = normalizeDbPath(line);
    if (p === '' || p === '.') continue;
    // A path listed by two packages (diversions, shared dirs): the first owner wins, which is
    // dpkg's own answer for files (dirs are shared and never charged).
    const at = locate(p);
    if (!db.owners.has(at)) db.owners.set(at, pkg);
  }
}

/** distroless `status.d/<pkg>.md5sums`: "<md5>  <relative path>" per line. */
export function addMd5sumsList(db: PackageDb, pkg: string, text: string, locate: Locate = asListed): void {
  for (const line of text.split('\n')) {
    const m = /^[0-9a-f]{32}\s+(.+)$/i.exec(line.trim());
    if (!m?.[1]) continue;
    const p = normalizeDbPath(m[1]);
    if (!p) continue;
    const at = locate(p);
    if (!db.owners.has(at)) db.owners.set(at, pkg);
  }
}

/** Parse Alpine's `lib/apk/db/installed` into `db`. */
export function addApkInstalled(db: PackageDb, text: string, provides?: Map<string, string>, locate: Locate = asListed): string[] {
  const added: string[] = [];
  let cur: PackageInfo | undefined;
  let folder = '';
  let rawDepends: string[] = [];
  const finish = (): void => {
    if (!cur) return;
    cur.depends = rawDepends;
    db.packages.set(cur.name, cur);
    added.push(cur.name);
    cur = undefined;
    rawDepends = [];
    folder = '';
  };
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      finish();
      continue;
    }
    if (line.length < 2 || line[1] !== ':') continue;
    const key = line[0];
    const value = line.slice(2);
    switch (key) {
      case 'P':
        finish();
        cur = { name: value.trim(), depends: [], essential: false, db: 'apk' };
        break;
      case 'V':
        if (cur) cur.version = value.trim();
        break;
      case 'I': {
        const n = Number(value);
        if (cur && Number.isFinite(n)) cur.installedSize = n; // bytes in apk's db
        break;
      }
      case 'D':
        // "so:libc.musl-x86_64.so.1 /bin/sh musl>=1.2" — keep the bare name; resolved via provides.
        for (const d of value.split(/\s+/)) {
          const name = d.replace(/^!/, '').split(/[<>=~]/)[0];
          if (name && !d.startsWith('!')) rawDepends.push(name);
        }
        break;
      case 'p':
        if (cur && provides) {
          for (const v of value.split(/\s+/)) {
            const name = v.split(/[<>=~]/)[0];
            if (name && !provides.has(name)) provides.set(name, cur.name);
          }
        }
        break;
      case 'F':
        folder = normalizeDbPath(value);
        break;
      case 'R':
        if (cur) {
          const p = normalizeDbPath(folder ? `${folder}/${value}` : value);
          if (!p) break;
          const at = locate(p);
          if (!db.owners.has(at)) db.owners.set(at, cur.name);
        }
        break;
      default:
        break;
    }
  }
  finish();
  return added;
}

/** The files of a package database found in an image, as they exist in the final filesystem. */
export interface PackageDbFiles {
  /** Path (normalised) -> text, only for db files: dpkg status, status.d/*, info/*.list, apk installed. */
  [path: string]: string;
}

/** Is this a path whose content the package db reader needs? (Decided while the layer streams.) */
export function isPackageDbPath(path: string): boolean {
  return (
    path === 'var/lib/dpkg/status' ||
    path === 'lib/apk/db/installed' ||
    (path.startsWith('var/lib/dpkg/status.d/') && !path.slice(22).includes('/')) ||
    (path.startsWith('var/lib/dpkg/info/') && path.endsWith('.list') && !path.slice(18).includes('/'))
  );
}

/**
 * Build the package db from the final versions of the db files. Depends that name virtual
 * packages (dpkg Provides, apk so:/cmd: provides) are resolved to the providing package.
 * `owners` is keyed by `locate` of each listed path (inspect: its real location in the image,
 * as canonicalOwners keys it), the first package to list a location owning it.
 */
export function buildPackageDb(files: Map<string, string>, locate: Locate = asListed): PackageDb {
  const db = emptyPackageDb();
  const provides = new Map<string, string>();
  const status = files.get('var/lib/dpkg/status');
  if (status !== undefined) addDpkgStatus(db, status, provides);
  const paths = [...files.keys()].sort();
  for (const p of paths) {
    if (p.startsWith('var/lib/dpkg/status.d/') && !p.endsWith('.md5sums')) {
      addDpkgStatus(db, files.get(p) ?? '', provides);
    }
  }
  for (const p of paths) {
    const text = files.get(p) ?? '';
    if (p.startsWith('var/lib/dpkg/status.d/') && p.endsWith('.md5sums')) {
      const pkg = p.slice('var/lib/dpkg/status.d/'.length, -'.md5sums'.length);
      addMd5sumsList(db, pkg.split(':')[0] ?? pkg, text, locate);
    } else if (p.startsWith('var/lib/dpkg/info/')) {
      const pkg = dpkgListPackageName(p.slice('var/lib/dpkg/info/'.length));
      if (pkg && db.packages.has(pkg)) addDpkgList(db, pkg, text, locate);
    }
  }
  const apk = files.get('lib/apk/db/installed');
  if (apk !== undefined) addApkInstalled(db, apk, provides, locate);
  for (const info of db.packages.values()) {
    info.depends = [
      ...new Set(
        info.depends
          .map((d) => (db.packages.has(d) ? d : provides.get(d)))
          .filter((d): d is string => d !== undefined && d !== info.name),
      ),
    ];
  }
  return db;
}
