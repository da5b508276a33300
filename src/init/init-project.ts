/**
 * `goslim init [DIR]`: read go.mod and the sources, pick the main package, and
 * write a recipe Dockerfile plus a .dockerignore. Refuses to overwrite either
 * file without `force` (E_EXISTS).
 */
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ExistsError, MalformedInputError, NotFoundError, UsageError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { cgoReasons, embeddedPaths, packageArg, scanGoModule, type GoModuleInfo, type GoPackage } from '../gomod/scan.js';
import { renderDockerfile, renderDockerignore, type InitRecipe } from './render.js';

export interface InitOptions {
  /** Main package to build ("./cmd/api", "cmd/api" or its import path) when there are several. */
  pkg?: string;
  force?: boolean;
  base?: string;
  /** Go release for the builder when go.mod has no go line. */
  defaultGoVersion?: string;
}

export interface InitPlan {
  recipe: InitRecipe;
  dockerfile: string;
  dockerignore: string;
  main: GoPackage;
  mains: GoPackage[];
}

function normPkg(p: string, module: string): string {
  let s = p.trim();
  if (s === module) return '.';
  if (s.startsWith(`${module}/`)) s = s.slice(module.length + 1);
  return s.replace(/^\.\//, '').replace(/\/+$/, '') || '.';
}

/** Plan without touching the disk beyond reading (pure over the scanned module). */
export function planInit(info: GoModuleInfo, options: InitOptions = {}): InitPlan {
  const mains = info.mains;
  if (mains.length === 0) throw new NotFoundError(`no main package in ${info.goMod.module}: nothing to put in an image`);
  let main: GoPackage | undefined;
  if (options.pkg !== undefined) {
    const want = normPkg(options.pkg, info.goMod.module);
    main = mains.find((m) => m.dir === want);
    if (!main) {
      throw new UsageError(`--pkg ${options.pkg} is not a main package; main packages: ${mains.map(packageArg).join(', ')}`);
    }
  } else if (mains.length === 1) main = mains[0]!;
  else {
    throw new UsageError(`several main packages (${mains.map(packageArg).join(', ')}): choose one with --pkg`, {
      details: { mains: mains.map(packageArg) },
    });
  }
  const goVersion = info.goVersion ?? options.defaultGoVersion;
  if (goVersion === undefined) throw new MalformedInputError('go.mod has no go line: pass a Go version');
  const reasons = cgoReasons(info, main);
  const binary = main.dir === '.' ? info.goMod.module.replace(/\/v\d+$/, '').split('/').pop()! : main.dir.split('/').pop()!;
  const recipe: InitRecipe = {
    goVersion,
    modulePath: info.goMod.module,
    pkg: packageArg(main),
    binary,
    hasGoSum: false,
    embeds: embeddedPaths(info, main),
  };
  if (reasons.length > 0) recipe.cgo = reasons.map((r) => r.why).join('; ');
  if (main.healthcheck) recipe.healthcheck = main.healthcheck.arg;
  if (options.base !== undefined) recipe.base = options.base;
  return { recipe, dockerfile: '', dockerignore: renderDockerignore([binary], [...info.packages.map((p) => p.dir), ...recipe.embeds]), main, mains };
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** Scan `dir`, plan, and write Dockerfile + .dockerignore (atomically). */
export async function initProject(dir: string, options: InitOptions = {}): Promise<InitPlan & { written: string[] }> {
  const info = await scanGoModule(dir);
  const plan = planInit(info, options);
  plan.recipe.hasGoSum = await exists(join(dir, 'go.sum'));
  const port = await guessPort(dir, plan.main);
  if (port !== undefined) plan.recipe.port = port;
  plan.dockerfile = renderDockerfile(plan.recipe);
  const targets = [join(dir, 'Dockerfile'), join(dir, '.dockerignore')];
  if (!options.force) {
    for (const t of targets) {
      if (await exists(t)) throw new ExistsError(`${t} exists; use --force to overwrite it`, { details: { path: t } });
    }
  }
  await writeFileAtomic(targets[0]!, plan.dockerfile);
  await writeFileAtomic(targets[1]!, plan.dockerignore);
  return { ...plan, written: targets };
}

/** A listen port written as a literal ":8080" default in the main package, if exactly one. */
async function guessPort(dir: string, main: GoPackage): Promise<number | undefined> {
  const { readdir } = await import('node:fs/promises');
  const pkgDir = join(dir, main.dir);
  const ports = new Set<number>();
  for (const f of await readdir(pkgDir)) {
    if (!f.endsWith('.go') || f.endsWith('_test.go')) continue;
    const src = await readFile(join(pkgDir, f), 'utf8');
    for (const m of src.matchAll(/"(?:0\.0\.0\.0|127\.0\.0\.1|localhost)?:(\d{2,5})"/g)) ports.add(Number(m[1]));
  }
  return ports.size === 1 ? [...ports][0] : undefined;
}
