/**
 * `goslim build` as a library: compile a Go main package per platform with the
 * four levers, lay the binary (and --add files, and kodata/) on a base image as
 * deterministic layers, set the config and annotations, and return the Image (one
 * platform) or ImageIndex (several). Writing the result is the sinks' job.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { analyzeBinary, type GoInfo } from '../binary/index.js';
import { BuildError, PlatformError, UsageError } from '../errors.js';
import { BuiltIndex, scratchImage, type BuiltImage } from '../image/mutate/built-image.js';
import { mutateImage, type AddedLayer } from '../image/mutate/mutate.js';
import type { ConfigChanges } from '../image/mutate/config.js';
import { platformString, type Image, type ImageIndex, type Layer, type Platform } from '../image/model.js';
import { openImage } from '../image/open.js';
import { BlobCache } from './cache.js';
import { CachedLayer } from './cached-layer.js';
import { goBuild, goBuildArgs, resolvePackage, type BuildPackage } from './go-build.js';
import { collectAdd, collectKodata, KO_DATA_PATH, type AddSpec } from './inputs.js';
import { writeLayerMemo } from './layer-memo.js';
import type { LayerFile } from './layer.js';

export const DEFAULT_BASE = 'gcr.io/distroless/static-debian12:nonroot';
export const APP_DIR = '/ko-app';
/** distroless "nonroot" (and Chainguard static) user. */
export const DEFAULT_USER = '65532';

export const Annotation = {
  created: 'org.opencontainers.image.created',
  source: 'org.opencontainers.image.source',
  revision: 'org.opencontainers.image.revision',
  baseName: 'org.opencontainers.image.base.name',
  baseDigest: 'org.opencontainers.image.base.digest',
} as const;

export interface BuildOptions {
  /**
   * Directories or packages of the main packages (relative to cwd). Each binary goes to
   * /ko-app/<name> in its own layer; the first is the Entrypoint, and only its kodata/ is added.
   */
  targets: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  platforms: Platform[];
  /** Registry ref, `oci:DIR[:REF]`, docker-archive/oci-archive, or "scratch". */
  base?: string;
  adds?: AddSpec[];
  ports?: string[];
  labels?: Record<string, string>;
  /** `KEY=VALUE` entries added to (or replacing in) the base's Env. */
  envVars?: string[];
  ldflags?: string[];
  user?: string;
  /** org.opencontainers.image.source; default derived from a github.com/gitlab.com module path. */
  source?: string;
  /** Seconds; default SOURCE_DATE_EPOCH from env, else 0. */
  sourceDateEpoch?: number;
  gzipLevel?: number;
  cacheDir: string;
  /** Plain http to a non-loopback base registry. */
  insecure?: boolean;
}

export interface BuiltBinary {
  /** Path in the image. */
  path: string;
  size: number;
  sha256: string;
  /** GOARCH-style architecture read back from the ELF header. */
  arch: string;
  machine: string;
  go: GoInfo | null;
}

export interface PlatformBuild {
  platform: Platform;
  image: BuiltImage;
  base: { reference: string; digest: string | null; layers: number; size: number };
  /** The entrypoint binary (the first package). */
  binary: BuiltBinary;
  /** Every binary, in the order the packages were given. */
  binaries: BuiltBinary[];
  layers: Array<{ what: string; digest: string; diffId: string; size: number; reused: boolean }>;
}

export interface BuildResult {
  root: Image | ImageIndex;
  /** The entrypoint package (the first). */
  package: BuildPackage;
  packages: BuildPackage[];
  builds: PlatformBuild[];
  created: string;
}

/** SOURCE_DATE_EPOCH (reproducible-builds.org spec): a decimal integer; anything else is an error. */
export function sourceDateEpoch(env: NodeJS.ProcessEnv, explicit?: number): number {
  if (explicit !== undefined) return explicit;
  const v = env.SOURCE_DATE_EPOCH;
  if (v === undefined || v === '') return 0;
  if (!/^\d{1,12}$/.test(v)) throw new UsageError(`SOURCE_DATE_EPOCH must be a non-negative integer, got "${v}"`);
  return Number(v);
}

export function rfc3339(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace(/\.000Z$/, 'Z');
}

/** https URL of a module hosted on a well-known forge, else undefined (we do not guess). Pure. */
export function sourceFromModule(modulePath: string | undefined): string | undefined {
  if (!modulePath) return undefined;
  const m = /^(github\.com|gitlab\.com|bitbucket\.org|codeberg\.org)\/([^/]+)\/([^/]+)/.exec(modulePath);
  return m ? `https://${m[1]}/${m[2]}/${m[3]}` : undefined;
}

/**
 * The base as a name for org.opencontainers.image.base.name: the reference without the transport
 * prefix and, when it has a tag, without the child digest a source appends after resolving an index
 * (the digest has its own annotation, base.digest).
 */
export function baseName(reference: string): string {
  const name = reference.replace(/^docker:\/\//, '');
  const at = name.indexOf('@');
  if (at < 0) return name;
  const beforeAt = name.slice(0, at);
  return /:[\w][\w.-]*$/.test(beforeAt.slice(beforeAt.lastIndexOf('/') + 1)) ? beforeAt : name;
}

async function openBase(base: string, platform: Platform, opts: BuildOptions, created: string): Promise<{ image: Image; scratch: boolean }> {
  if (base === 'scratch') return { image: scratchImage(platform, created), scratch: true };
  const image = await openImage(base, { platform: platformString(platform), env: opts.env, ...(opts.insecure ? { insecure: true } : {}) });
  const have = image.platform();
  if (have.os !== platform.os || have.architecture !== platform.architecture || (platform.variant && have.variant && have.variant !== platform.variant)) {
    throw new PlatformError(`base ${base} is ${platformString(have)}, not ${platformString(platform)}`, { details: { available: [platformString(have)] } });
  }
  return { image, scratch: false };
}

/**
 * The base of every platform, opened before anything is compiled. A base that lacks one of the
 * platforms is one E_PLATFORM naming every missing platform, what the base has, and how to pick
 * a base that has them all: never a fallback to another platform's base (docs/build.md says why).
 */
async function openBases(opts: BuildOptions, created: string): Promise<Array<{ image: Image; scratch: boolean }>> {
  const base = opts.base ?? DEFAULT_BASE;
  const opened: Array<{ image: Image; scratch: boolean }> = [];
  const missing: string[] = [];
  const available = new Set<string>();
  for (const p of opts.platforms) {
    try {
      opened.push(await openBase(base, p, opts, created));
    } catch (err) {
      if (!(err instanceof PlatformError)) throw err;
      missing.push(platformString(p));
      const have = err.details?.available;
      if (Array.isArray(have)) for (const a of have) if (typeof a === 'string') available.add(a);
    }
  }
  if (missing.length === 0) return opened;
  const requested = opts.platforms.map(platformString);
  const has = [...available];
  throw new PlatformError(
    `base ${base} has no ${missing.join(', ')} image (it has ${has.join(', ') || 'none of the platforms asked for'}); ` +
      `each --platform is built on the base's image for that platform. Use a multi-platform base that lists ${requested.join(' and ')} ` +
      `(gcr.io/distroless/static-debian12:nonroot does; check with \`goslim inspect --platform all ${base}\`), ` +
      `--base scratch when the base only adds files a static Go binary does not need, ` +
      `or build only ${has.length > 0 ? `--platform ${has.filter((a) => requested.includes(a)).join(',') || has.join(',')}` : 'the platforms the base has'}`,
    { details: { base, missing, available: has, requested } },
  );
}

async function compile(pkg: BuildPackage, platform: Platform, opts: BuildOptions, cache: BlobCache): Promise<{ binary: BuiltBinary; binFile: string }> {
  // A stable output path per (package, platform, flags) lets `go build` see an up-to-date
  // target and skip the link step on an unchanged rebuild.
  const key = createHash('sha256').update(JSON.stringify([pkg.importPath, pkg.dir, platformString(platform), opts.ldflags ?? []])).digest('hex').slice(0, 24);
  const outDir = join(cache.root, 'bin', key);
  await mkdir(outDir, { recursive: true });
  const binFile = join(outDir, pkg.name);
  await goBuild(pkg, platform, binFile, { ...(opts.ldflags ? { ldflags: opts.ldflags } : {}), env: opts.env });

  const bytes = await readFile(binFile);
  const report = analyzeBinary(bytes, { path: binFile, attribution: false });
  if (report.arch !== platform.architecture) {
    throw new BuildError(`go build produced a ${report.arch} binary for ${platformString(platform)}`);
  }
  const binary: BuiltBinary = {
    path: `${APP_DIR}/${pkg.name}`,
    size: bytes.length,
    sha256: `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
    arch: report.arch,
    machine: report.machine,
    go: report.go,
  };
  return { binary, binFile };
}

async function buildOne(
  pkgs: BuildPackage[],
  platform: Platform,
  opened: { image: Image; scratch: boolean },
  opts: BuildOptions,
  cache: BlobCache,
  created: string,
  epoch: number,
): Promise<PlatformBuild> {
  const { image: base, scratch } = opened;
  const pkg = pkgs[0]!;
  const compiled: Array<{ binary: BuiltBinary; binFile: string; pkg: BuildPackage }> = [];
  for (const p of pkgs) compiled.push({ ...(await compile(p, platform, opts, cache)), pkg: p });
  const binary = compiled[0]!.binary;

  const layerOpts = { cache, mtime: epoch, ...(opts.gzipLevel !== undefined ? { gzipLevel: opts.gzipLevel } : {}) };
  const added: AddedLayer[] = [];
  const layerInfo: PlatformBuild['layers'] = [];
  const addLayer = async (files: LayerFile[], what: string, createdBy: string, comment?: string) => {
    const { layer, cached } = await writeLayerMemo(files, layerOpts);
    added.push({ layer, history: { created, created_by: createdBy, ...(comment ? { comment } : {}) } });
    layerInfo.push({ what, digest: layer.digest(), diffId: layer.diffId(), size: layer.size(), reused: cached });
  };

  // Least likely to change first, so the binary layer is the only one that changes on a code edit.
  for (const a of opts.adds ?? []) {
    await addLayer(await collectAdd(a, opts.cwd), `add ${a.src}`, `goslim build: --add ${a.src} -> ${a.dst}`);
  }
  const kodata = await collectKodata(pkg.dir, pkg.module?.dir ?? pkg.dir);
  if (kodata) await addLayer(kodata, 'kodata', `goslim build: kodata contents, at ${KO_DATA_PATH}`);
  const buildFlags = goBuildArgs(binary.path, opts.ldflags).slice(1, -3).join(' ');
  for (const c of compiled) {
    await addLayer(
      [{ path: c.binary.path, type: 'file', source: c.binFile, mode: 0o755 }],
      compiled.length === 1 ? 'binary' : `binary ${c.pkg.name}`,
      `goslim build: ${c.pkg.importPath} -> ${c.binary.path}`,
      `CGO_ENABLED=0 GOOS=${platform.os} GOARCH=${platform.architecture} go build ${buildFlags}`,
    );
  }

  const changes: ConfigChanges = {
    entrypoint: [binary.path],
    user: opts.user ?? DEFAULT_USER,
    pathAppend: [APP_DIR],
    env: [...(kodata ? [`KO_DATA_PATH=${KO_DATA_PATH}`] : []), ...(opts.envVars ?? [])],
    ports: opts.ports ?? [],
    labels: opts.labels ?? {},
    created,
  };
  const annotations: Record<string, string> = { [Annotation.created]: created };
  const source = opts.source ?? sourceFromModule(pkg.module?.path);
  if (source) annotations[Annotation.source] = source;
  const revision = binary.go?.settings['vcs.revision'];
  if (revision) annotations[Annotation.revision] = revision;
  if (!scratch) {
    annotations[Annotation.baseName] = baseName(base.reference());
    annotations[Annotation.baseDigest] = base.digest();
  }
  const image = mutateImage(base, {
    layers: added,
    config: changes,
    annotations,
    wrapBaseLayer: (l: Layer) => new CachedLayer(l, cache),
  });
  return {
    platform,
    image,
    base: {
      reference: scratch ? 'scratch' : baseName(base.reference()),
      digest: scratch ? null : base.digest(),
      layers: base.layers().length,
      size: base.layers().reduce((n, l) => n + l.size(), 0) + base.rawConfig().length,
    },
    binary,
    binaries: compiled.map((c) => c.binary),
    layers: layerInfo,
  };
}

export async function buildImage(opts: BuildOptions): Promise<BuildResult> {
  if (opts.platforms.length === 0) throw new UsageError('no platform given');
  const seen = new Set<string>();
  for (const p of opts.platforms) {
    const s = platformString(p);
    if (seen.has(s)) throw new UsageError(`platform ${s} given twice`);
    seen.add(s);
  }
  const epoch = sourceDateEpoch(opts.env, opts.sourceDateEpoch);
  const created = rfc3339(epoch);
  const cache = new BlobCache(opts.cacheDir);
  if (opts.targets.length === 0) throw new UsageError('no package to build');
  const pkgs: BuildPackage[] = [];
  for (const t of opts.targets) {
    const pkg = await resolvePackage(t, opts.cwd, opts.env);
    const clash = pkgs.find((p) => p.name === pkg.name);
    if (clash) throw new UsageError(`${clash.importPath} and ${pkg.importPath} would both be ${APP_DIR}/${pkg.name}`);
    pkgs.push(pkg);
  }
  const bases = await openBases(opts, created);
  const builds: PlatformBuild[] = [];
  // Sequential: `go build` already uses every core, and the machine is shared.
  for (const [i, p] of opts.platforms.entries()) builds.push(await buildOne(pkgs, p, bases[i]!, opts, cache, created, epoch));
  let root: Image | ImageIndex;
  if (builds.length === 1) {
    root = builds[0]!.image;
  } else {
    const first = builds[0]!.image.manifest().annotations ?? {};
    const indexAnnotations: Record<string, string> = {};
    for (const k of [Annotation.created, Annotation.source, Annotation.revision, Annotation.baseName]) {
      if (first[k] !== undefined) indexAnnotations[k] = first[k]!;
    }
    root = new BuiltIndex(
      builds.map((b) => b.image),
      indexAnnotations,
    );
  }
  return { root, package: pkgs[0]!, packages: pkgs, builds, created };
}
