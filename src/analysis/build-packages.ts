/**
 * Which installed OS packages exist only to build: the dependency closure of the build tools
 * (compilers, headers, VCS, the Go toolchain) minus everything that something else needs.
 * Pure, over the package db's Depends graph — no guessing from names beyond the roots.
 */
import { isGoToolchainPackage } from './causes.js';
import type { PackageDb } from './types.js';

/** Packages that are build tools by themselves (roots of the build-only closure). */
export function isBuildRoot(name: string): boolean {
  return (
    isGoToolchainPackage(name) ||
    /^(gcc|g\+\+|cpp|gfortran|clang|llvm)(-\d+)?$/.test(name) ||
    /^(gcc|g\+\+|cpp)-\d+-[a-z0-9_-]+$/.test(name) || // cross/arch variants: gcc-12-x86-64-linux-gnu
    /^binutils(-.*)?$/.test(name) ||
    /-dev$/.test(name) || // headers and static libs (libc6-dev, linux-libc-dev is matched by -dev too)
    ['build-essential', 'make', 'cmake', 'autoconf', 'automake', 'libtool', 'pkg-config', 'pkgconf', 'git', 'git-man', 'mercurial', 'subversion', 'bzr', 'patch', 'dpkg-dev', 'build-base', 'musl-dev'].includes(name)
  );
}

function closure(db: PackageDb, roots: Iterable<string>): Set<string> {
  const seen = new Set<string>();
  const stack = [...roots];
  // Bounded by the number of packages: each is pushed at most once per edge and visited once.
  while (stack.length > 0) {
    const n = stack.pop() as string;
    if (seen.has(n)) continue;
    const info = db.packages.get(n);
    if (!info) continue;
    seen.add(n);
    for (const d of info.depends) if (!seen.has(d)) stack.push(d);
  }
  return seen;
}

/**
 * Packages a multi-stage build would leave behind in the builder stage: reachable from a build
 * root, and not reachable from any package outside that closure (those are what the runtime
 * image still installs on purpose), nor essential (dpkg's Essential/Priority: required set).
 */
export function buildOnlyPackages(db: PackageDb): Set<string> {
  const roots = [...db.packages.keys()].filter(isBuildRoot);
  const build = closure(db, roots);
  const keepRoots = [...db.packages.values()]
    .filter((p) => !build.has(p.name) || (p.essential && !isBuildRoot(p.name)))
    .map((p) => p.name);
  const keep = closure(db, keepRoots);
  const out = new Set<string>();
  for (const n of build) if (!keep.has(n)) out.add(n);
  return out;
}
