/**
 * The thin filesystem layer over the pure go.mod / Go-source readers: walks a
 * module directory the way `go list ./...` would (skipping vendor, testdata and
 * directories starting with "." or "_", and _test.go files) and summarises it.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { NotFoundError, UsageError } from '../errors.js';
import { cgoModulesRequired, type CgoReason } from './cgo.js';
import { builderGoVersion, parseGoMod, type GoMod } from './go-mod.js';
import { excludedFromLinuxBuild, goFileFacts, type HealthProbe } from './go-source.js';

export interface GoPackage {
  /** Directory relative to the module root, "." for the root, always with forward slashes. */
  dir: string;
  importPath: string;
  name: string;
  isMain: boolean;
  importsC: boolean;
  /** Own-module packages this package imports (import paths). */
  localImports: string[];
  /** `//go:embed` patterns relative to `dir`. */
  embeds: string[];
  healthcheck?: HealthProbe;
}

export interface GoModuleInfo {
  root: string;
  goMod: GoMod;
  /** The Go release for a builder image (toolchain line, else go line). */
  goVersion?: string;
  packages: GoPackage[];
  mains: GoPackage[];
}

const SKIP_DIRS = new Set(['vendor', 'testdata', 'node_modules']);
const MAX_FILES = 20_000;

/** Read go.mod and every package under `root`. E_NOT_FOUND when there is no go.mod. */
export async function scanGoModule(root: string): Promise<GoModuleInfo> {
  let text: string;
  try {
    text = await readFile(join(root, 'go.mod'), 'utf8');
  } catch (err) {
    throw new NotFoundError(`no go.mod in ${root}`, { cause: err });
  }
  const goMod = parseGoMod(text);
  const packages: GoPackage[] = [];
  let files = 0;
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const goFiles = entries.filter((e) => e.isFile() && e.name.endsWith('.go') && !e.name.endsWith('_test.go'));
    if (goFiles.length > 0) {
      const rel = relative(root, dir).split(sep).join('/') || '.';
      const pkg: GoPackage = {
        dir: rel,
        importPath: rel === '.' ? goMod.module : `${goMod.module}/${rel}`,
        name: '',
        isMain: false,
        importsC: false,
        localImports: [],
        embeds: [],
      };
      for (const f of goFiles) {
        if (++files > MAX_FILES) throw new UsageError(`more than ${MAX_FILES} Go files under ${root}`);
        const facts = goFileFacts(await readFile(join(dir, f.name), 'utf8'));
        if (excludedFromLinuxBuild(facts.buildConstraint) || facts.packageName === undefined) continue;
        if (pkg.name === '') pkg.name = facts.packageName;
        if (facts.imports.includes('C')) pkg.importsC = true;
        for (const imp of facts.imports) {
          if ((imp === goMod.module || imp.startsWith(`${goMod.module}/`)) && !pkg.localImports.includes(imp)) pkg.localImports.push(imp);
        }
        pkg.embeds.push(...facts.embeds);
        if (facts.healthcheck && pkg.healthcheck === undefined) pkg.healthcheck = facts.healthcheck;
      }
      if (pkg.name !== '') {
        pkg.isMain = pkg.name === 'main';
        packages.push(pkg);
      }
    }
    for (const e of entries) {
      if (!e.isDirectory() || SKIP_DIRS.has(e.name) || e.name.startsWith('.') || e.name.startsWith('_')) continue;
      // A nested go.mod starts another module: not part of this one.
      const sub = join(dir, e.name);
      const nested = await readdir(sub).then((names) => names.includes('go.mod'), () => false);
      if (!nested) await walk(sub);
    }
  };
  await walk(root);
  const info: GoModuleInfo = { root, goMod, packages, mains: packages.filter((p) => p.isMain) };
  const v = builderGoVersion(goMod);
  if (v !== undefined) info.goVersion = v;
  return info;
}

/** Own packages reachable from `main` through local imports (including itself). */
export function localClosure(info: GoModuleInfo, main: GoPackage): GoPackage[] {
  const byPath = new Map(info.packages.map((p) => [p.importPath, p]));
  const seen = new Set<string>();
  const out: GoPackage[] = [];
  const stack = [main.importPath];
  while (stack.length > 0) {
    const path = stack.pop()!;
    if (seen.has(path)) continue;
    seen.add(path);
    const p = byPath.get(path);
    if (!p) continue;
    out.push(p);
    stack.push(...p.localImports);
  }
  return out;
}

/** Why the given main package needs cgo (empty: it does not). */
export function cgoReasons(info: GoModuleInfo, main?: GoPackage): CgoReason[] {
  const pkgs = main ? localClosure(info, main) : info.packages;
  const own: CgoReason[] = pkgs
    .filter((p) => p.importsC)
    .map((p) => ({ kind: 'import-c' as const, where: p.dir, why: `package ${p.importPath} has import "C"` }));
  return [...own, ...cgoModulesRequired(info.goMod)];
}

/** Every embed pattern of the closure, as paths relative to the module root. */
export function embeddedPaths(info: GoModuleInfo, main?: GoPackage): string[] {
  const pkgs = main ? localClosure(info, main) : info.packages;
  const out: string[] = [];
  for (const p of pkgs) {
    for (const pat of p.embeds) {
      const clean = pat.replace(/^all:/, '');
      out.push(p.dir === '.' ? clean : `${p.dir}/${clean}`);
    }
  }
  return out;
}

/** The `./cmd/x` form `go build` takes for a package directory. */
export function packageArg(pkg: GoPackage): string {
  return pkg.dir === '.' ? '.' : `./${pkg.dir}`;
}
