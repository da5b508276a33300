/**
 * Cause attribution: every byte of the final filesystem (MergedFile.charged) goes to exactly
 * one cause. Pure: the merged file list, the package db and the set of Go binaries in, totals out.
 *
 * Precedence (first match wins), and why:
 *  1. Go trees by location — GOROOT (/usr/local/go, /usr/lib/go-*, /usr/share/go-*, $GOROOT),
 *     module cache ($GOMODCACHE, $GOPATH/pkg/mod, /go/pkg/mod, ~/go/pkg/mod), build cache
 *     ($GOCACHE, ~/.cache/go-build). These trees exist only to build; whatever else a file in
 *     them looks like (an ELF, a .go file, a README), a multi-stage build removes it with the tree.
 *  2. Files owned by a Go toolchain package (golang-go, golang-1.19-go, golang-1.19-src, ...)
 *     -> go-toolchain, even under /usr/share/doc: they leave with the toolchain.
 *  3. VCS metadata (.git/.hg/.svn/.bzr path components) -> vcs: it is never needed at run time.
 *  4. Files owned by another OS package: its docs (doc/man/info/locale dirs, the ones Debian's
 *     slim images drop with dpkg path-excludes) -> docs; libc6/musl -> libc; bash/dash/busybox/
 *     coreutils -> shell; ca-certificates/tzdata/netbase/base-files -> runtime-essentials;
 *     apt/dpkg/apk-tools/debconf -> package-manager; anything else -> os-packages. Who installed
 *     a file decides: a Go program installed by apt is the package's cost, not your build's.
 *  5. Unowned files by what they are: Go binaries (the binary analyzer said so) -> go-binary;
 *     *.go, go.mod, go.sum, go.work -> go-source; then package-manager state, libc/loader, shell,
 *     runtime essentials and docs by path; everything else -> other.
 */
import type { MergedFile } from '../image/filesystem/types.js';
import { FsIndex } from './fs-index.js';
import type { CauseId, CauseTotal, PackageDb, PackageTotal } from './types.js';
import { CAUSE_IDS } from './types.js';

/** Where the Go trees are, from the image config's Env plus the well-known defaults (each a directory: it ends in `/`). */
export interface GoLocations {
  goroots: string[];
  modCaches: string[];
  buildCaches: string[];
}

/** The well-known Go trees, one pattern per kind (every file is tested against them). */
const DEFAULT_GOROOT = /^usr\/(?:local\/go|lib\/go-[^/]+|share\/go-[^/]+|lib\/go)\//;
const DEFAULT_MODCACHE = /^(?:go|root\/go|home\/[^/]+\/go)\/pkg\/mod\//;
const DEFAULT_BUILDCACHE = /^(?:root|home\/[^/]+)\/\.cache\/go-build\//;

function dirPrefix(p: string): string {
  const n = p.replace(/\/+/g, '/').replace(/^\/+/, '').replace(/\/+$/, '');
  return n === '' ? '' : `${n}/`;
}

/** Read GOROOT, GOPATH, GOMODCACHE, GOCACHE, XDG_CACHE_HOME and HOME from a config Env list. */
export function goLocationsFromEnv(env: readonly string[] | undefined): GoLocations {
  const vars = new Map<string, string>();
  for (const kv of env ?? []) {
    const i = kv.indexOf('=');
    if (i > 0) vars.set(kv.slice(0, i), kv.slice(i + 1));
  }
  const loc: GoLocations = { goroots: [], modCaches: [], buildCaches: [] };
  const goroot = vars.get('GOROOT');
  if (goroot) loc.goroots.push(dirPrefix(goroot));
  for (const gp of (vars.get('GOPATH') ?? '').split(':')) if (gp) loc.modCaches.push(dirPrefix(`${gp}/pkg/mod`));
  const modcache = vars.get('GOMODCACHE');
  if (modcache) loc.modCaches.push(dirPrefix(modcache));
  const gocache = vars.get('GOCACHE');
  if (gocache && gocache !== 'off') loc.buildCaches.push(dirPrefix(gocache));
  const xdg = vars.get('XDG_CACHE_HOME');
  if (xdg) loc.buildCaches.push(dirPrefix(`${xdg}/go-build`));
  const home = vars.get('HOME');
  if (home && home !== '/') {
    loc.buildCaches.push(dirPrefix(`${home}/.cache/go-build`));
    loc.modCaches.push(dirPrefix(`${home}/go/pkg/mod`));
  }
  for (const list of [loc.goroots, loc.modCaches, loc.buildCaches]) {
    const unique = [...new Set(list.filter((p) => p !== ''))];
    list.splice(0, list.length, ...unique);
  }
  return loc;
}

/** Debian/Ubuntu Go toolchain packages: golang-go, golang-src, golang-1.19, golang-1.19-go, -src, -doc. */
export function isGoToolchainPackage(name: string): boolean {
  return /^golang(-\d+(\.\d+)*)?(-go|-src|-doc)?$/.test(name) || name === 'go' /* alpine */;
}

const LIBC_PACKAGES = new Set(['libc6', 'musl', 'libc-musl', 'glibc', 'libc6-i386', 'libc6-amd64']);
const SHELL_PACKAGES = new Set(['bash', 'dash', 'busybox', 'busybox-static', 'busybox-binsh', 'coreutils', 'zsh', 'ash']);
const RUNTIME_PACKAGES = new Set([
  'ca-certificates',
  'ca-certificates-bundle',
  'tzdata',
  'netbase',
  'base-files',
  'alpine-baselayout',
  'alpine-baselayout-data',
  'media-types',
]);
const PM_PACKAGES = new Set(['apt', 'dpkg', 'apk-tools', 'debconf', 'libapt-pkg6.0', 'debian-archive-keyring']);

/** The cause of a file owned by a (non-toolchain) package, before the docs rule. */
export function packageCause(name: string): CauseId {
  if (LIBC_PACKAGES.has(name)) return 'libc';
  if (SHELL_PACKAGES.has(name)) return 'shell';
  if (RUNTIME_PACKAGES.has(name)) return 'runtime-essentials';
  if (PM_PACKAGES.has(name)) return 'package-manager';
  return 'os-packages';
}

const DOCS_PREFIXES = [
  'usr/share/doc/',
  'usr/share/man/',
  'usr/share/info/',
  'usr/share/locale/',
  'usr/lib/locale/',
  'usr/share/i18n/',
  'usr/share/groff/',
  'usr/share/lintian/',
  'usr/share/linda/',
  'usr/local/share/man/',
  'usr/local/share/doc/',
];
const PM_PREFIXES = [
  'var/lib/dpkg/',
  'var/lib/apt/',
  'var/cache/apt/',
  'var/cache/debconf/',
  'var/log/apt/',
  'etc/apt/',
  'lib/apk/',
  'var/cache/apk/',
  'etc/apk/',
  'var/lib/apk/',
];
const PM_FILES = new Set(['var/log/dpkg.log', 'var/log/alternatives.log']);
const RUNTIME_PREFIXES = [
  'etc/ssl/',
  'etc/pki/',
  'usr/share/ca-certificates/',
  'usr/local/share/ca-certificates/',
  'usr/share/zoneinfo/',
];
const RUNTIME_FILES = new Set([
  'etc/ca-certificates.conf',
  'etc/localtime',
  'etc/timezone',
  'etc/passwd',
  'etc/group',
  'etc/shadow',
  'etc/gshadow',
  'etc/nsswitch.conf',
  'etc/os-release',
  'usr/lib/os-release',
  'etc/hosts',
  'etc/services',
  'etc/protocols',
  'etc/rpc',
  'etc/ethertypes',
  'etc/mime.types',
  'etc/host.conf',
  'etc/resolv.conf',
  'etc/hostname',
]);
const SHELL_NAMES = new Set(['sh', 'bash', 'dash', 'ash', 'busybox', 'zsh']);
const BIN_DIRS = new Set(['bin', 'sbin', 'usr/bin', 'usr/sbin', 'usr/local/bin']);
const LOADER_OR_LIBC = /^(ld-linux[^/]*\.so(\.\d+)*|ld-musl-[^/]*\.so(\.\d+)*|libc\.so(\.\d+)*|libc\.musl-[^/]*|libc-[\d.]+\.so)$/;
const VCS_DIRS = new Set(['.git', '.hg', '.svn', '.bzr']);

/** The last component of a normalised path (no trailing slash, as the merged tree has them). */
function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export function isGoSourcePath(path: string): boolean {
  return isGoSourceName(baseName(path));
}

function isGoSourceName(base: string): boolean {
  return base.endsWith('.go') || base === 'go.mod' || base === 'go.sum' || base === 'go.work' || base === 'go.work.sum';
}

export function isVcsPath(path: string): boolean {
  // Every VCS directory name starts with a dot: most paths have no component that does.
  if (path.charCodeAt(0) !== 0x2e && !path.includes('/.')) return false;
  return path.split('/').some((c) => VCS_DIRS.has(c));
}

export function isDocsPath(path: string): boolean {
  return DOCS_PREFIXES.some((p) => path.startsWith(p));
}

/** Paths outside the system hierarchy (FHS): where an application's own data files live. */
const SYSTEM_TOPS = new Set(['etc', 'var', 'usr', 'lib', 'lib32', 'lib64', 'libx32', 'bin', 'sbin', 'run', 'tmp', 'proc', 'sys', 'dev', 'boot', 'root', 'media', 'mnt']);

export function isAppLocation(path: string): boolean {
  const slash = path.indexOf('/');
  return !SYSTEM_TOPS.has(slash < 0 ? path : path.slice(0, slash));
}

export interface CauseContext {
  db: PackageDb;
  fs: FsIndex;
  /** Paths (normalised) of regular files the binary analyzer recognised as Go binaries. */
  goBinaryPaths: ReadonlySet<string>;
  go: GoLocations;
  /** canonicalOwners(db, fs), when the caller already computed it. */
  owners?: ReadonlyMap<string, string>;
}

export interface FileCause {
  cause: CauseId;
  /** Owning OS package, when a package db lists the file. */
  package?: string;
}

/**
 * Package ownership keyed by the file's real location: dpkg lists `/bin/bash`, but on a
 * merged-/usr system the tar stores `usr/bin/bash` and `bin` is a symlink to `usr/bin`. The first
 * package to list a location owns it. Every location the db lists is kept, directories and paths
 * not in the image too: only files are ever looked up, and looking each location up in the tree
 * to drop the others (30k lookups on the fat fixture) cost more than the entries they save.
 */
export function canonicalOwners(db: PackageDb, fs: FsIndex): Map<string, string> {
  // buildPackageDb(files, (p) => fs.canonical(p) ?? p) keys its owners so from the start (inspect does).
  const out = new Map<string, string>();
  for (const [p, pkg] of db.owners) {
    const c = fs.canonical(p) ?? p;
    if (!out.has(c)) out.set(c, pkg);
  }
  return out;
}

function underAny(path: string, prefixes: readonly string[]): boolean {
  for (const p of prefixes) if (path.startsWith(p)) return true;
  return false;
}

/**
 * What the directory rules say about the files of one directory. Every prefix rule names a
 * directory (its prefix ends in `/`), so a file's answer is its directory's: attributeCauses
 * works them out once per directory instead of once per file.
 */
interface DirRules {
  goroot: boolean;
  modCache: boolean;
  buildCache: boolean;
  /** A component of the directory is a VCS directory (the file's own name is checked apart). */
  vcs: boolean;
  docs: boolean;
  packageManager: boolean;
  runtime: boolean;
  /** The directory is one of BIN_DIRS. */
  bin: boolean;
}

/** `dir`: a file's directory with its trailing slash, '' for a file at the root. */
function dirRules(dir: string, go: GoLocations): DirRules {
  return {
    goroot: DEFAULT_GOROOT.test(dir) || underAny(dir, go.goroots),
    modCache: DEFAULT_MODCACHE.test(dir) || underAny(dir, go.modCaches),
    buildCache: DEFAULT_BUILDCACHE.test(dir) || underAny(dir, go.buildCaches),
    vcs: isVcsPath(dir),
    docs: isDocsPath(dir),
    packageManager: underAny(dir, PM_PREFIXES),
    runtime: underAny(dir, RUNTIME_PREFIXES),
    bin: BIN_DIRS.has(dir.slice(0, -1)),
  };
}

/** The cause of one file (precedence as documented at the top of this module). */
export function classifyFile(path: string, ctx: CauseContext, owners: ReadonlyMap<string, string>): FileCause {
  const slash = path.lastIndexOf('/');
  return classifyIn(dirRules(path.slice(0, slash + 1), ctx.go), path, slash, ctx, owners);
}

/** classifyFile with the rules of the file's directory (`slash`: where its name starts, less one). */
function classifyIn(dir: DirRules, path: string, slash: number, ctx: CauseContext, owners: ReadonlyMap<string, string>): FileCause {
  const owner = owners.get(path);
  if (dir.goroot) return owner === undefined ? { cause: 'go-toolchain' } : { cause: 'go-toolchain', package: owner };
  if (dir.modCache) return { cause: 'go-module-cache' };
  if (dir.buildCache) return { cause: 'go-build-cache' };
  if (owner !== undefined && isGoToolchainPackage(owner)) return { cause: 'go-toolchain', package: owner };
  const base = path.slice(slash + 1);
  if (dir.vcs || VCS_DIRS.has(base)) return { cause: 'vcs' };
  if (owner !== undefined) {
    if (dir.docs) return { cause: 'docs', package: owner };
    return { cause: packageCause(owner), package: owner };
  }
  if (ctx.goBinaryPaths.has(path)) return { cause: 'go-binary' };
  if (isGoSourceName(base)) return { cause: 'go-source' };
  if (dir.packageManager || PM_FILES.has(path)) return { cause: 'package-manager' };
  if (path === 'etc/ld.so.cache' || path.startsWith('etc/ld.so.conf') || LOADER_OR_LIBC.test(base)) return { cause: 'libc' };
  if (dir.bin && SHELL_NAMES.has(base)) return { cause: 'shell' };
  if (dir.runtime || RUNTIME_FILES.has(path)) return { cause: 'runtime-essentials' };
  if (dir.docs) return { cause: 'docs' };
  return { cause: 'other' };
}

export interface Attribution {
  /** All causes, in CAUSE_IDS order (zeros included so the JSON shape is stable). */
  causes: CauseTotal[];
  /** Per-package bytes of package-owned files, largest first. */
  packages: PackageTotal[];
  /**
   * Cause of every regular file of the final filesystem that costs bytes (charged > 0): files
   * that cost nothing (empty files, extra hardlinks) are counted in `causes` and `files` but
   * not listed, so a layer of millions of empty files costs no memory per file here.
   */
  fileCauses: Map<string, FileCause>;
  /** Regular files (and hardlinks) of the final filesystem, listed in fileCauses or not. */
  files: number;
  /** Σ charged bytes (equals Σ causes.bytes, by construction). */
  totalBytes: number;
}

function isRegular(f: MergedFile): boolean {
  return f.type === 'file' || f.type === 'hardlink';
}

export function attributeCauses(files: Iterable<MergedFile>, ctx: CauseContext): Attribution {
  const owners = ctx.owners ?? canonicalOwners(ctx.db, ctx.fs);
  const totals = new Map<CauseId, CauseTotal>(CAUSE_IDS.map((id) => [id, { id, bytes: 0, files: 0 }]));
  const packages = new Map<string, PackageTotal>();
  const fileCauses = new Map<string, FileCause>();
  let totalBytes = 0;
  let count = 0;
  // The rules of the last file's directory: a tree lists a directory's files one after another.
  let rulesOf: string | undefined;
  let rules: DirRules | undefined;
  for (const f of files) {
    if (!isRegular(f)) continue;
    count++;
    const slash = f.path.lastIndexOf('/');
    // Same directory: same length up to the last slash and the same prefix (no slice to compare).
    if (rules === undefined || rulesOf === undefined || rulesOf.length !== slash + 1 || !f.path.startsWith(rulesOf)) {
      rulesOf = f.path.slice(0, slash + 1);
      rules = dirRules(rulesOf, ctx.go);
    }
    const fc = classifyIn(rules, f.path, slash, ctx, owners);
    if (f.charged > 0) fileCauses.set(f.path, fc);
    const t = totals.get(fc.cause) as CauseTotal;
    t.bytes += f.charged;
    t.files += 1;
    totalBytes += f.charged;
    if (fc.package !== undefined) {
      let pt = packages.get(fc.package);
      if (!pt) {
        pt = { name: fc.package, cause: fc.cause, bytes: 0, files: 0 };
        const info = ctx.db.packages.get(fc.package);
        if (info?.installedSize !== undefined) pt.installedSize = info.installedSize;
        packages.set(fc.package, pt);
      }
      pt.bytes += f.charged;
      pt.files += 1;
      // A package's headline cause is the one most of its files got (docs are not the package).
      if (fc.cause !== 'docs') pt.cause = fc.cause;
    }
  }
  return {
    causes: [...totals.values()],
    packages: [...packages.values()].sort((a, b) => b.bytes - a.bytes || a.name.localeCompare(b.name)),
    fileCauses,
    files: count,
    totalBytes,
  };
}
