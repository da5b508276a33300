/**
 * Static "will it start?" checks over an image's merged filesystem and config. Pure: the
 * caller supplies the merged tree and the bytes of the few files that matter (see
 * collect.ts). Each failing check says what the runtime will print and how to fix it: the check's
 * fix from src/vocabulary/checks.ts, or one naming this image's paths and values when that helps.
 */
import { compareVersionNames, detectPacker, newestVersion, packerName, readElf, findPclntab, unmetVersions, versionNeeds, type ElfFile } from '../binary/index.js';
import { GoslimError } from '../errors.js';
import type { ContainerConfig, Platform } from '../image/model.js';
import { resolveInTree } from '../image/filesystem/merge.js';
import { normaliseEntryPath } from '../image/filesystem/path.js';
import type { MergedFile } from '../image/filesystem/types.js';
import { DEFAULT_PATH, envValue, resolveCommand } from './command-line.js';
import { parseLdSoCache } from './ld-cache.js';
import { libcFamilyOfInterpreter, searchDirs, type LibcFamily } from './loader.js';
import { parseGroup, parsePasswd, resolveUser } from './passwd.js';
import { verdictOf, type RunResult, type VerifyCheck, type VerifyReport } from './types.js';
import { checkDoc } from '../vocabulary/checks.js';

/** The merged filesystem plus the contents the collector captured (paths without a leading "/"). */
export interface ImageView {
  files: ReadonlyMap<string, MergedFile>;
  read(path: string): Uint8Array | undefined;
}

export interface StaticInput {
  ref: string;
  digest: string;
  platform: Platform;
  config: ContainerConfig | undefined;
  fs: ImageView;
}

/** Files whose contents the checks read besides the programs themselves. */
/** The dpkg database: it names the glibc version when a library cannot be read. */
const DPKG_STATUS = 'var/lib/dpkg/status';
export const SMALL_FILES = ['etc/passwd', 'etc/group', 'etc/ld.so.cache', DPKG_STATUS];
/** distroless keeps one paragraph per package: status.d/libc6 (older) or status.d/libc6_<ver>_<arch>... */
export const DPKG_LIBC_PARAGRAPH = /^var\/lib\/dpkg\/status\.d\/libc6(?:[_:][^/]*)?$/;

/** Go's root CA locations (crypto/x509 root_linux.go). */
const CA_FILES = [
  'etc/ssl/certs/ca-certificates.crt',
  'etc/pki/tls/certs/ca-bundle.crt',
  'etc/ssl/ca-bundle.pem',
  'etc/pki/tls/cacert.pem',
  'etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem',
  'etc/ssl/cert.pem',
];

const rel = (p: string): string => p.replace(/^\/+/, '');
const abs = (p: string): string => `/${rel(p)}`;

export interface ProgramLookup {
  /** The path as named (absolute, in-image). */
  named: string;
  /** The file it resolves to after symlinks, if any. */
  resolved?: { path: string; file: MergedFile };
}

/** Look a program up the way runc does: a name with a slash is a path, else search PATH. */
export function lookupProgram(fs: ImageView, name: string, pathVar: string, workdir: string): ProgramLookup {
  if (name.includes('/')) {
    const p = name.startsWith('/') ? name : `${workdir.replace(/\/+$/, '')}/${name}`;
    const named = abs(normaliseEntryPath(p).path);
    const resolved = resolveInTree(fs.files, rel(named));
    return resolved ? { named, resolved } : { named };
  }
  for (const dir of pathVar.split(':').filter(Boolean)) {
    const named = abs(normaliseEntryPath(`${dir}/${name}`).path);
    const resolved = resolveInTree(fs.files, rel(named));
    if (resolved && resolved.file.type !== 'dir') return { named, resolved };
  }
  return { named: name };
}

function exists(fs: ImageView, path: string): boolean {
  return resolveInTree(fs.files, rel(path)) !== undefined;
}

/** Which libc the image carries: by its loaders (musl's ld-musl-*, glibc's ld-linux*). */
export function imageLibcFamilies(fs: ImageView): LibcFamily[] {
  const found = new Set<LibcFamily>();
  for (const path of fs.files.keys()) {
    const base = path.slice(path.lastIndexOf('/') + 1);
    if (!/^(usr\/)?lib(32|64)?\//.test(path)) continue;
    if (base.startsWith('ld-musl-')) found.add('musl');
    else if (base.startsWith('ld-linux') || base === 'libc.so.6') found.add('glibc');
  }
  return [...found].sort();
}

export function verifyStatic(input: StaticInput): VerifyReport {
  const { fs, config } = input;
  const checks: VerifyCheck[] = [];
  const env = config?.Env;
  const pathVar = envValue(env, 'PATH') ?? DEFAULT_PATH;
  const workdir = config?.WorkingDir && config.WorkingDir !== '' ? config.WorkingDir : '/';
  const cmd = resolveCommand(config);
  const report = (): VerifyReport => ({
    image: { ref: input.ref, digest: input.digest, platform: platformText(input.platform) },
    command: cmd.argv,
    verdict: verdictOf(checks),
    checks,
  });

  if (cmd.argv.length === 0) {
    checks.push({
      id: 'command',
      status: 'fail',
      message: 'the image sets neither Entrypoint nor Cmd: there is nothing to run',
      runtimeMessage: 'docker: Error response from daemon: No command specified.',
      fix: checkDoc('command').fix,
    });
    return report();
  }
  checks.push({ id: 'command', status: 'pass', message: `runs ${JSON.stringify(cmd.argv)}` });

  let programName = cmd.argv[0]!;
  if (cmd.shell !== undefined) {
    const shell = lookupProgram(fs, cmd.shell, pathVar, workdir);
    if (!shell.resolved) {
      checks.push({
        id: 'shell',
        status: 'fail',
        message: `shell form: the command runs through ${cmd.shell}, which is not in the image`,
        runtimeMessage: `exec: "${cmd.shell}": stat ${cmd.shell}: no such file or directory`,
        fix: checkDoc('shell').fix,
      });
      return report();
    }
    checks.push({ id: 'shell', status: 'pass', message: `shell form through ${cmd.shell} (present)` });
    if (cmd.shellProgram === undefined) {
      checks.push({ id: 'program', status: 'skip', message: 'the shell command line is too complex to follow statically' });
      addUserChecks(input, checks);
      return report();
    }
    programName = cmd.shellProgram;
  }

  const program = lookupProgram(fs, programName, pathVar, workdir);
  if (!program.resolved) {
    const inPath = !programName.includes('/');
    checks.push({
      id: 'program',
      status: 'fail',
      message: inPath ? `"${programName}" is not found in PATH (${pathVar})` : `${program.named} does not exist in the image`,
      runtimeMessage: inPath
        ? `exec: "${programName}": executable file not found in $PATH`
        : `exec: "${program.named}": stat ${program.named}: no such file or directory`,
      fix: checkDoc('program').fix,
    });
    addUserChecks(input, checks);
    return report();
  }
  const { file, path: resolvedPath } = program.resolved;
  const shown = abs(resolvedPath) === program.named ? program.named : `${program.named} -> ${abs(resolvedPath)}`;
  if (file.type !== 'file' && file.type !== 'hardlink') {
    checks.push({
      id: 'executable',
      status: 'fail',
      message: `${shown} is a ${file.type}, not a regular file`,
      runtimeMessage: `exec: "${program.named}": permission denied`,
      fix: 'point ENTRYPOINT at the binary itself',
    });
    addUserChecks(input, checks);
    return report();
  }
  if ((file.mode & 0o111) === 0) {
    checks.push({
      id: 'executable',
      status: 'fail',
      message: `${shown} is not executable (mode ${(file.mode & 0o7777).toString(8)})`,
      runtimeMessage: `exec: "${program.named}": permission denied`,
      fix: 'COPY --chmod=0755 the binary, or chmod +x it in the build stage',
    });
    addUserChecks(input, checks);
    return report();
  }
  checks.push({ id: 'program', status: 'pass', message: `${shown} exists and is executable` });

  const bytes = fs.read(resolvedPath);
  if (bytes === undefined) {
    checks.push({ id: 'executable', status: 'skip', message: `the contents of ${shown} were not read` });
  } else {
    checkExecutable(input, shown, abs(resolvedPath), bytes, checks);
  }
  addUserChecks(input, checks);
  return report();
}

function checkExecutable(input: StaticInput, shown: string, programPath: string, bytes: Uint8Array, checks: VerifyCheck[]): void {
  const { fs } = input;
  if (bytes[0] === 0x23 && bytes[1] === 0x21) {
    const line = Buffer.from(bytes.subarray(0, Math.min(bytes.length, 256))).toString('utf8').split('\n')[0]!;
    const interp = line.slice(2).trim().split(/\s+/)[0] ?? '';
    if (!exists(fs, interp)) {
      checks.push({
        id: 'interpreter',
        status: 'fail',
        message: `${shown} is a script for ${interp}, which is not in the image`,
        runtimeMessage: `exec ${programPath}: no such file or directory`,
        fix: 'run the binary directly (exec form), or use a base that has the script interpreter',
      });
    } else {
      checks.push({ id: 'interpreter', status: 'pass', message: `${shown} is a script for ${interp} (present)` });
    }
    return;
  }
  let elf: ElfFile;
  try {
    elf = readElf(bytes);
  } catch (err) {
    if (!(err instanceof GoslimError)) throw err;
    checks.push({
      id: 'executable',
      status: 'fail',
      message: `${shown} is neither an ELF executable nor a script (${err.code})`,
      runtimeMessage: `exec ${programPath}: exec format error`,
      fix: 'build the binary for Linux (GOOS=linux) and copy the binary, not a wrapper',
    });
    return;
  }
  const want = input.platform.architecture;
  if (elf.arch !== want) {
    checks.push({
      id: 'architecture',
      status: 'fail',
      message: `${shown} is ${elf.machineName} (GOARCH ${elf.arch}) but the image platform is ${platformText(input.platform)}`,
      runtimeMessage: `exec ${programPath}: exec format error`,
      fix: `build with GOARCH=${want} (in a Dockerfile: ARG TARGETARCH and GOARCH=$TARGETARCH)`,
    });
  } else {
    checks.push({ id: 'architecture', status: 'pass', message: `${elf.machineName} ${elf.class}-bit matches ${platformText(input.platform)}` });
  }

  if (elf.interpreter !== undefined) {
    const family = libcFamilyOfInterpreter(elf.interpreter);
    const present = exists(fs, elf.interpreter);
    if (!present) {
      // Only a failure names the image's libc: finding it is a pass over every path (32,790 on the fat fixture).
      const families = imageLibcFamilies(fs);
      const other = families.length > 0 && family !== undefined && !families.includes(family) ? families[0] : undefined;
      if (other !== undefined) {
        checks.push({
          id: 'libc-family',
          status: 'fail',
          message: `${shown} is linked against ${family} (interpreter ${elf.interpreter}) but the image has ${other}`,
          runtimeMessage: `exec ${programPath}: no such file or directory`,
          fix: family === 'glibc'
            ? 'build with CGO_ENABLED=0 (a static binary runs anywhere), or build on a musl toolchain (golang:*-alpine) for an alpine base'
            : 'build with CGO_ENABLED=0, or use a musl base (alpine) for a musl-linked binary',
        });
      }
      checks.push({
        id: 'interpreter',
        status: 'fail',
        message: `${shown} is dynamically linked: it needs the loader ${elf.interpreter}${elf.needed.length ? ` and ${elf.needed.join(', ')}` : ''}, and the image has no ${elf.interpreter}${families.length === 0 ? ' (no libc at all)' : ''}`,
        runtimeMessage: `exec ${programPath}: no such file or directory`,
        fix: checkDoc('interpreter').fix,
      });
      return;
    }
    checks.push({ id: 'interpreter', status: 'pass', message: `loader ${elf.interpreter} is present` });
    // Where the loader finds each library: for the libraries check, and the symbol versions below.
    const where = resolveLibraries(fs, input.config?.Env, elf, programPath, family ?? 'glibc');
    const missing = elf.needed.filter((n) => where.get(n) === undefined);
    if (missing.length > 0) {
      const first = missing[0]!;
      checks.push({
        id: 'libraries',
        status: 'fail',
        message: `${shown} needs ${missing.join(', ')}, not found in the loader's search path`,
        runtimeMessage: family === 'musl'
          ? `Error loading shared library ${first}: No such file or directory (needed by ${programPath})`
          : `${programPath}: error while loading shared libraries: ${first}: cannot open shared object file: No such file or directory`,
        fix: checkDoc('libraries').fix,
      });
    } else if (elf.needed.length > 0) {
      checks.push({ id: 'libraries', status: 'pass', message: `all needed libraries resolve (${elf.needed.join(', ')})` });
      if (family !== 'musl' && elf.versionsNeeded.length > 0) symbolVersionCheck(input, elf, where, shown, programPath, checks);
    }
  } else {
    // A UPX-packed file has no PT_INTERP whatever it holds: the kernel starts UPX's loader, which
    // decompresses the program and, for a dynamic one, maps its interpreter itself (upx/upx
    // src/stub/src/amd64-linux.elf-main.c, "Map PT_INTERP program interpreter").
    const packed = detectPacker(bytes);
    const note = packed === null ? '' : `; packed with ${packerName(packed)}, so the program inside (its libraries, CA and time-zone needs) is not visible: goslim verify --run starts it`;
    checks.push({ id: 'interpreter', status: 'pass', message: `${shown} is ${elf.linking === 'static-pie' ? 'static-pie' : 'statically linked'}: no loader or libc needed${note}` });
  }

  goRuntimeChecks(input, elf, checks);
}

/**
 * Where the loader finds each DT_NEEDED library in the image: the path it opens (as it names
 * it in messages, before symlinks), or undefined when it finds none.
 */
export function resolveLibraries(
  fs: ImageView,
  env: string[] | undefined,
  elf: Pick<ElfFile, 'arch' | 'needed' | 'rpath' | 'runpath'>,
  programPath: string,
  family: LibcFamily,
): Map<string, string | undefined> {
  const ld = envValue(env, 'LD_LIBRARY_PATH');
  const muslPathBytes = family === 'musl' ? fs.read(`etc/ld-musl-${muslArch(elf.arch)}.path`) : undefined;
  const dirs = searchDirs({
    family,
    arch: elf.arch,
    programPath,
    rpath: elf.rpath,
    runpath: elf.runpath,
    ...(ld !== undefined ? { ldLibraryPath: ld } : {}),
    ...(muslPathBytes ? { muslPath: Buffer.from(muslPathBytes).toString('utf8') } : {}),
  });
  const cacheBytes = family === 'glibc' ? fs.read('etc/ld.so.cache') : undefined;
  const cache = cacheBytes ? parseLdSoCache(cacheBytes) : new Map<string, string[]>();
  const where = (name: string): string | undefined => {
    if (name.includes('/')) return exists(fs, name) ? abs(name) : undefined;
    const inDir = (list: string[]): string | undefined => {
      const d = list.find((x) => exists(fs, `${x}/${name}`));
      return d === undefined ? undefined : abs(normaliseEntryPath(`${d}/${name}`).path);
    };
    return inDir(dirs.before) ?? (cache.get(name) ?? []).find((p) => exists(fs, p)) ?? inDir(dirs.after);
  };
  return new Map(elf.needed.map((n) => [n, where(n)]));
}

/** Libraries glibc itself ships (package libc6): their GLIBC_x.y versions follow the glibc release. */
const GLIBC_LIBRARY = /^(libc|libm|libpthread|libdl|librt|libresolv|libutil|libanl|libnsl|libBrokenLocale|libmvec|libcrypt|ld-linux[^/]*|ld64)\.so/;

/**
 * The versions the program needs from each library (.gnu.version_r) against what the image's
 * library defines (.gnu.version_d); for glibc's own libraries that cannot be read, against the
 * glibc version in the dpkg database. The loader reports each unmet version in this form
 * (glibc elf/dl-version.c, match_symbol). `where`: resolveLibraries' answer for a glibc program.
 */
function symbolVersionCheck(
  input: StaticInput,
  elf: ElfFile,
  where: ReadonlyMap<string, string | undefined>,
  shown: string,
  programPath: string,
  checks: VerifyCheck[],
): void {
  const { fs } = input;
  const dbGlibc = glibcFromPackageDb(fs);
  const unmet: Array<{ lib: string; path: string; version: string; has: string }> = [];
  const judged: string[] = [];
  const unjudged: string[] = [];
  for (const need of versionNeeds(elf.versionsNeeded)) {
    const path = where.get(need.name);
    if (path === undefined) continue;
    const defined = definedVersions(fs, path);
    let missing: string[];
    let has: string;
    if (defined !== undefined) {
      missing = unmetVersions(need.versions, defined);
      has = `${GLIBC_LIBRARY.test(need.name) && dbGlibc ? `glibc ${dbGlibc.upstream}, ` : ''}defines up to ${newestVersion(defined) || 'no versions'}`;
    } else if (dbGlibc !== undefined && GLIBC_LIBRARY.test(need.name)) {
      missing = need.versions.filter((v) => v.startsWith('GLIBC_') && /\d$/.test(v) && compareVersionNames(v, `GLIBC_${dbGlibc.upstream}`) > 0);
      has = `glibc ${dbGlibc.upstream} per the package database (libc6 ${dbGlibc.version}); the library itself was not read`;
    } else {
      unjudged.push(`${need.name} (${path} not readable, no glibc version in a package database)`);
      continue;
    }
    judged.push(`${need.name} ${need.newest}`);
    for (const v of missing) unmet.push({ lib: need.name, path, version: v, has });
  }
  if (unmet.length > 0) {
    const byLib = new Map<string, typeof unmet>();
    for (const u of unmet) byLib.set(u.path, [...(byLib.get(u.path) ?? []), u]);
    const parts = [...byLib].map(([path, us]) => `${us.map((u) => u.version).join(', ')} from ${path} (${us[0]!.has})`);
    const newestNeeded = unmet.filter((u) => u.version.startsWith('GLIBC_')).map((u) => u.version).sort(compareVersionNames).at(-1);
    checks.push({
      id: 'symbol-versions',
      status: 'fail',
      message: `${shown} needs ${parts.join('; ')}: it was built against a newer library than the image has`,
      runtimeMessage: unmet.map((u) => `${programPath}: ${u.path}: version \`${u.version}' not found (required by ${programPath})`).join('\n'),
      fix: newestNeeded !== undefined
        ? `the binary needs glibc >= ${newestNeeded.slice('GLIBC_'.length)}${dbGlibc ? ` and the image has ${dbGlibc.upstream}` : ''}: ${checkDoc('symbol-versions').fix}`
        : checkDoc('symbol-versions').fix,
    });
  } else if (judged.length > 0) {
    checks.push({ id: 'symbol-versions', status: 'pass', message: `the image's libraries define every symbol version needed (newest: ${judged.join(', ')})${unjudged.length ? `; not checked: ${unjudged.join('; ')}` : ''}` });
  } else if (unjudged.length > 0) {
    checks.push({ id: 'symbol-versions', status: 'skip', message: `symbol versions not checked: ${unjudged.join('; ')}` });
  }
}

/** Versions a library in the image defines, or undefined when its bytes were not read or are not ELF. */
function definedVersions(fs: ImageView, path: string): string[] | undefined {
  const found = resolveInTree(fs.files, rel(path));
  if (!found) return undefined;
  const bytes = fs.read(found.path);
  if (bytes === undefined) return undefined;
  try {
    return readElf(bytes).versionsDefined;
  } catch (err) {
    if (err instanceof GoslimError) return undefined;
    throw err;
  }
}

/** glibc's version from dpkg's record of libc6: "2.31-13+deb11u11" -> upstream "2.31". */
export function glibcFromPackageDb(fs: Pick<ImageView, 'read' | 'files'>): { version: string; upstream: string } | undefined {
  const status = fs.read(DPKG_STATUS);
  const fromStatus = status ? libc6In(Buffer.from(status).toString('utf8')) : undefined;
  if (fromStatus !== undefined) return fromStatus;
  // distroless: one paragraph file per package. Looked for only now: it is a pass over every path.
  for (const p of fs.files.keys()) {
    if (!DPKG_LIBC_PARAGRAPH.test(p)) continue;
    const b = fs.read(p);
    const found = b ? libc6In(Buffer.from(b).toString('utf8')) : undefined;
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The first installed libc6 paragraph of a dpkg status text with a glibc version. */
function libc6In(text: string): { version: string; upstream: string } | undefined {
  for (const block of text.split(/\n[ \t]*\n/)) {
    if (!block.includes('libc6')) continue; // its Package line names it: the other paragraphs are not parsed
    const para = fields(block);
    if (para.get('package') !== 'libc6') continue;
    if (para.has('status') && !/\binstalled$/.test(para.get('status') ?? '')) continue;
    const version = para.get('version');
    // Debian version: [epoch:]upstream[-revision]; glibc's upstream is X.Y[.Z].
    const upstream = version === undefined ? undefined : /^(?:\d+:)?(\d+\.\d+)/.exec(version)?.[1];
    if (version !== undefined && upstream !== undefined) return { version, upstream };
  }
  return undefined;
}

/**
 * One deb822 paragraph (man 5 deb822) as field -> value, lower-case names, single-line values only
 * (the fields read here never continue). src/analysis has the full parser; verify cannot import it
 * (analysis already depends on verify).
 */
function fields(block: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of block.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && line[0] !== ' ' && line[0] !== '\t') m.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return m;
}

function muslArch(goarch: string): string {
  return ({ amd64: 'x86_64', arm64: 'aarch64', '386': 'i386', arm: 'armhf', s390x: 's390x', ppc64le: 'powerpc64le', riscv64: 'riscv64' } as Record<string, string>)[goarch] ?? goarch;
}

/** TLS roots and time zones: what a Go program needs from the image at run time. */
function goRuntimeChecks(input: StaticInput, elf: ElfFile, checks: VerifyCheck[]): void {
  let functions: Set<string>;
  try {
    const table = findPclntab(elf);
    if (!table) return;
    functions = new Set(table.table.functions.map((f) => f.name));
  } catch (err) {
    if (err instanceof GoslimError) return;
    throw err;
  }
  const { fs } = input;
  const env = input.config?.Env;
  const usesX509 = [...functions].some((f) => f.startsWith('crypto/x509.'));
  if (usesX509) {
    const viaEnv = envValue(env, 'SSL_CERT_FILE') ?? envValue(env, 'SSL_CERT_DIR');
    const found = (viaEnv !== undefined && viaEnv.split(':').some((p) => exists(fs, p))) || CA_FILES.find((p) => exists(fs, p));
    checks.push(
      found
        ? { id: 'ca-certificates', status: 'pass', message: `the binary verifies TLS certificates; roots found${typeof found === 'string' ? ` at /${found}` : ''}` }
        : {
            id: 'ca-certificates',
            status: 'warn',
            message: 'the binary links crypto/x509 (TLS) but the image has no CA bundle',
            runtimeMessage: 'x509: certificate signed by unknown authority',
            fix: checkDoc('ca-certificates').fix,
          },
    );
  }
  const loadsZones = functions.has('time.LoadLocation');
  if (loadsZones) {
    const embedded = [...functions].some((f) => f.startsWith('time/tzdata.'));
    const zoneinfo = envValue(env, 'ZONEINFO');
    const present = exists(fs, 'usr/share/zoneinfo') || (zoneinfo !== undefined && exists(fs, zoneinfo));
    if (embedded) checks.push({ id: 'tzdata', status: 'pass', message: 'time zones are embedded in the binary (time/tzdata)' });
    else if (present) checks.push({ id: 'tzdata', status: 'pass', message: 'time zone database present (/usr/share/zoneinfo)' });
    else {
      checks.push({
        id: 'tzdata',
        status: 'warn',
        message: 'the binary can load time zones (time.LoadLocation) but the image has no /usr/share/zoneinfo and the binary does not embed time/tzdata',
        runtimeMessage: 'unknown time zone Europe/Berlin',
        fix: checkDoc('tzdata').fix,
      });
    }
  }
}

function addUserChecks(input: StaticInput, checks: VerifyCheck[]): void {
  const { fs, config } = input;
  const passwdBytes = fs.read('etc/passwd');
  const groupBytes = fs.read('etc/group');
  const passwd = passwdBytes ? parsePasswd(Buffer.from(passwdBytes).toString('utf8')) : undefined;
  const group = groupBytes ? parseGroup(Buffer.from(groupBytes).toString('utf8')) : undefined;
  const user = resolveUser(config?.User, passwd, group);
  if (user.problem !== undefined) {
    const name = (config?.User ?? '').split(':')[0];
    checks.push({
      id: 'user',
      status: 'fail',
      message: user.problem,
      runtimeMessage: `unable to find user ${name}: no matching entries in passwd file`,
      fix: checkDoc('user').fix,
    });
  } else if (user.uid === 0) {
    checks.push({
      id: 'user',
      status: 'warn',
      message: 'runs as root (no USER, or USER 0)',
      fix: 'USER 65532:65532 (distroless nonroot); Kubernetes runAsNonRoot rejects the image otherwise',
    });
  } else {
    checks.push({ id: 'user', status: 'pass', message: `runs as uid ${user.uid}, gid ${user.gid}` });
  }

  const wd = config?.WorkingDir;
  if (wd !== undefined && wd !== '' && wd !== '/') {
    const found = resolveInTree(fs.files, rel(wd));
    if (!found) {
      checks.push({
        id: 'workdir',
        status: 'warn',
        message: `WorkingDir ${wd} does not exist in the image; the runtime creates it empty, owned by root`,
        fix: checkDoc('workdir').fix,
      });
    } else if (found.file.type !== 'dir') {
      checks.push({
        id: 'workdir',
        status: 'fail',
        message: `WorkingDir ${wd} is a ${found.file.type}, not a directory`,
        runtimeMessage: `chdir to cwd ("${wd}") set in config.json failed: not a directory`,
        fix: 'point WORKDIR at a directory',
      });
    } else {
      checks.push({ id: 'workdir', status: 'pass', message: `WorkingDir ${wd} exists` });
    }
  }

  const test = config?.Healthcheck?.Test;
  if (test && test.length > 0 && test[0] !== 'NONE') {
    const pathVar = envValue(config?.Env, 'PATH') ?? DEFAULT_PATH;
    const workdir = wd && wd !== '' ? wd : '/';
    let needs: string | undefined;
    let shellForm = false;
    if (test[0] === 'CMD-SHELL') {
      shellForm = true;
      needs = '/bin/sh';
    } else if (test[0] === 'CMD') needs = test[1];
    if (needs !== undefined) {
      const found = lookupProgram(fs, needs, pathVar, workdir);
      if (!found.resolved) {
        checks.push({
          id: 'healthcheck',
          status: 'warn',
          message: shellForm
            ? `HEALTHCHECK runs through /bin/sh, which is not in the image: the container will always be reported unhealthy`
            : `HEALTHCHECK runs ${needs}, which is not in the image: the container will always be reported unhealthy`,
          runtimeMessage: shellForm ? 'OCI runtime exec failed: exec: "/bin/sh": stat /bin/sh: no such file or directory' : `OCI runtime exec failed: exec: "${needs}": executable file not found in $PATH`,
          fix: checkDoc('healthcheck').fix,
        });
      } else {
        const curl = shellForm ? /\b(curl|wget)\b/.exec(test.slice(1).join(' '))?.[1] : undefined;
        if (curl !== undefined && !lookupProgram(fs, curl, pathVar, workdir).resolved) {
          checks.push({
            id: 'healthcheck',
            status: 'warn',
            message: `HEALTHCHECK calls ${curl}, which is not in the image: the container will always be reported unhealthy`,
            runtimeMessage: `/bin/sh: 1: ${curl}: not found`,
            fix: 'use the binary\'s own probe (HEALTHCHECK CMD ["/app", "-healthcheck"])',
          });
        } else {
          checks.push({ id: 'healthcheck', status: 'pass', message: `HEALTHCHECK program ${shellForm ? '/bin/sh' : needs} is present` });
        }
      }
    }
  }

  const ports = Object.keys(config?.ExposedPorts ?? {})
    .map((p) => Number(p.split('/')[0]))
    .filter((p) => Number.isInteger(p) && p > 0 && p < 1024);
  if (ports.length > 0 && user.uid !== 0 && user.problem === undefined) {
    checks.push({
      id: 'ports',
      status: 'warn',
      message: `exposes port ${ports.join(', ')} below 1024 while running as uid ${user.uid}: binding needs CAP_NET_BIND_SERVICE where the runtime does not lower net.ipv4.ip_unprivileged_port_start`,
      runtimeMessage: `listen tcp :${ports[0]}: bind: permission denied`,
      fix: checkDoc('ports').fix,
    });
  }
}

export function platformText(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}

/**
 * The `run` check: what `verify --run` saw, as a check line (pass: started; fail: did not start;
 * skip: this host cannot run the image's architecture, which says nothing about the image).
 */
export function runCheck(run: RunResult): VerifyCheck {
  if (run.skipped) return { id: 'run', status: 'skip', message: `skipped: ${run.reason ?? 'not run'}` };
  const where = `${run.sandbox}${run.emulator ? `, under ${run.emulator.kind === 'binfmt' ? 'binfmt_misc ' : ''}${run.emulator.path}` : ''}`;
  const how = !run.started && run.exitCode === null && !run.timedOut && run.reason !== undefined
    ? run.reason
    : run.probe
      ? run.probe.status !== null
        ? `answered ${run.probe.url} with HTTP ${run.probe.status}`
        : `did not answer ${run.probe.url}: ${run.probe.error ?? 'no answer'}`
      : run.timedOut
        ? `still running after ${run.durationMs} ms (stopped)`
        : `exited with code ${run.exitCode}`;
  if (run.started) return { id: 'run', status: 'pass', message: `started (${where}): ${how}` };
  const first = run.output.find((l) => l.trim() !== '');
  return {
    id: 'run',
    status: 'fail',
    message: `did not start (${where}): ${how}`,
    ...(first !== undefined ? { runtimeMessage: first } : {}),
    fix: 'the output below is what the program said before it stopped; a failing check above usually names the cause',
  };
}
