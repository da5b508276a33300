/**
 * Where the dynamic loader looks for DT_NEEDED libraries, per libc family.
 * glibc (ld.so(8)): DT_RPATH (only without DT_RUNPATH), LD_LIBRARY_PATH, DT_RUNPATH,
 * /etc/ld.so.cache, then the built-in system dirs (Debian adds the multiarch triplet dirs).
 * musl (ldso/dynlink.c): LD_LIBRARY_PATH, DT_RPATH/RUNPATH, /etc/ld-musl-$ARCH.path or
 * /lib:/usr/local/lib:/usr/lib.
 */

export type LibcFamily = 'glibc' | 'musl';

const TRIPLETS: Record<string, string> = {
  amd64: 'x86_64-linux-gnu',
  arm64: 'aarch64-linux-gnu',
  '386': 'i386-linux-gnu',
  arm: 'arm-linux-gnueabihf',
  s390x: 's390x-linux-gnu',
  ppc64le: 'powerpc64le-linux-gnu',
  mips64le: 'mips64el-linux-gnuabi64',
  mipsle: 'mipsel-linux-gnu',
  riscv64: 'riscv64-linux-gnu',
};

/** Family from a PT_INTERP path. */
export function libcFamilyOfInterpreter(interp: string): LibcFamily | undefined {
  const base = interp.slice(interp.lastIndexOf('/') + 1);
  if (base.startsWith('ld-musl-')) return 'musl';
  if (base.startsWith('ld-linux') || base.startsWith('ld64.so') || base === 'ld.so.1') return 'glibc';
  return undefined;
}

export function expandOrigin(dir: string, programPath: string): string {
  const origin = programPath.slice(0, programPath.lastIndexOf('/')) || '/';
  return dir.replace(/\$\{ORIGIN\}|\$ORIGIN/g, origin);
}

export interface SearchInput {
  family: LibcFamily;
  arch: string;
  programPath: string;
  rpath: string[];
  runpath: string[];
  ldLibraryPath?: string;
  /** Contents of /etc/ld-musl-$ARCH.path when present. */
  muslPath?: string;
  /** Directories from /etc/ld.so.conf(.d) (informational: the cache is what glibc uses). */
}

/** Directories searched, in order (the ld.so.cache step is separate, see resolveLibrary). */
export function searchDirs(input: SearchInput): { before: string[]; after: string[] } {
  const split = (s: string | undefined): string[] => (s ?? '').split(/[:\n]/).map((x) => x.trim()).filter(Boolean);
  const origin = (d: string): string => expandOrigin(d, input.programPath);
  if (input.family === 'musl') {
    const defaults = input.muslPath !== undefined ? split(input.muslPath) : ['/lib', '/usr/local/lib', '/usr/lib'];
    return { before: [...split(input.ldLibraryPath), ...input.rpath.map(origin), ...input.runpath.map(origin), ...defaults], after: [] };
  }
  const before = [
    ...(input.runpath.length === 0 ? input.rpath.map(origin) : []),
    ...split(input.ldLibraryPath),
    ...input.runpath.map(origin),
  ];
  const triplet = TRIPLETS[input.arch];
  const is64 = /64/.test(input.arch) || input.arch === 's390x';
  const after = [
    ...(triplet ? [`/lib/${triplet}`, `/usr/lib/${triplet}`] : []),
    ...(is64 ? ['/lib64', '/usr/lib64'] : []),
    '/lib',
    '/usr/lib',
  ];
  return { before, after };
}
