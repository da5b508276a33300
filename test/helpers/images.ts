/**
 * Fixture images for tests: built offline from Debian packages by
 * test/fixtures/images/make-images.sh (see the README there), once, cached under
 * test/.work/. The script serialises concurrent runs with flock, so two vitest
 * workers calling ensureFixtureImages() at the same time build once and share.
 *
 *   const fx = await ensureFixtureImages();      // in beforeAll (hookTimeout is 10 min)
 *   fx.images['fat-greeter'].dockerArchive       // path of the legacy docker-archive tar
 *   fx.images['fat-greeter'].info.layers         // digests and sizes as written
 *   fx.json.fat.toolchain.installedSize          // bytes, from dpkg Installed-Size
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FIXTURE_TOOLS, requireTools } from './tools.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FIXTURE_SCRIPT = join(REPO_ROOT, 'test', 'fixtures', 'images', 'make-images.sh');

export const FIXTURE_IMAGE_NAMES = [
  'debian-bookworm',
  'golang-1.19',
  'static-debian12-latest',
  'static-debian12-nonroot',
  'base-debian12-nonroot',
  'fat-greeter',
  'slim-four-levers',
  'cgo-on-static',
] as const;
export type FixtureImageName = (typeof FIXTURE_IMAGE_NAMES)[number];

export type FixtureShape = 'oci' | 'ociArchive' | 'dockerArchive' | 'docker25' | 'containerd';
export const FIXTURE_SHAPES: readonly FixtureShape[] = ['oci', 'ociArchive', 'dockerArchive', 'docker25', 'containerd'];

export interface FixtureLayer {
  /** Digest of the gzip blob (what a registry and an OCI layout store). */
  digest: string;
  size: number;
  /** sha256 of the uncompressed tar (config rootfs.diff_ids). */
  diffId: string;
  uncompressedSize: number;
  createdBy: string;
}

export interface FixtureImageInfo {
  name: FixtureImageName;
  /** Repository name inside the archives (RepoTags `<repository>:latest`). */
  repository: string;
  /** Names real Dockerfiles use for this image, e.g. `library/golang:1.19` (registry-relative). */
  refs: string[];
  manifestDigest: string;
  manifestSize: number;
  configDigest: string;
  configSize: number;
  layers: FixtureLayer[];
  layerCount: number;
  /** Sum of the gzip layer blob sizes. */
  compressedSize: number;
  /** Sum of the uncompressed layer tar sizes. */
  uncompressedSize: number;
  config: Record<string, unknown>;
  history: Array<{ created?: string; created_by?: string; empty_layer?: boolean }>;
  /** Paths relative to the output directory (the bases have `oci` only; see BASE_ONLY_OCI). */
  paths: { oci: string } & Partial<Record<Exclude<FixtureShape, 'oci'>, string>>;
  /** Sizes in bytes of the tar-shaped exports present. */
  fileSizes: Partial<Record<Exclude<FixtureShape, 'oci'>, number>>;
}

export interface FixtureImagesJson {
  generatedBy: string;
  key: string;
  sourceDateEpoch: number;
  images: Record<FixtureImageName, FixtureImageInfo>;
  fat: {
    image: 'fat-greeter';
    binaryPath: string;
    toolchain: {
      packages: Array<{ name: string; version: string; installedSizeKiB: number }>;
      /** Sum of the toolchain packages' dpkg Installed-Size, in bytes. */
      installedSize: number;
      goroot: string;
      /** `du -sb` of the GOROOT (/usr/lib/go-1.19) in the toolchain layer. */
      gorootDiskUsage: number;
      srcRoot: string;
      srcDiskUsage: number;
    };
    moduleCache: { path: string; diskUsage: number; modules: string[] };
    buildCache: { path: string; diskUsage: number };
  };
  binaries: Record<'greeter-cgo' | 'greeter-static', { path: string; size: number; cgo: boolean; stripped: boolean }>;
}

/**
 * The two big bases are exported as OCI layouts only (fat-greeter holds all their
 * layers and comes in every shape); FIXTURE_ALL_SHAPES=1 exports them fully too.
 */
export type BaseOnlyOci = 'debian-bookworm' | 'golang-1.19';

/** Absolute paths of one image in every shape, plus what images.json says about it. */
export interface FixtureImage extends Record<FixtureShape, string> {
  info: FixtureImageInfo;
}
export interface FixtureBaseImage {
  info: FixtureImageInfo;
  oci: string;
}
export type FixtureImageMap = { [K in FixtureImageName]: K extends BaseOnlyOci ? FixtureBaseImage : FixtureImage };

export interface FixtureImages {
  dir: string;
  json: FixtureImagesJson;
  images: FixtureImageMap;
  binaries: { cgo: string; static: string };
  /** The Dockerfiles the images imitate (OUTDIR/dockerfiles/NAME.Dockerfile). */
  dockerfiles: string;
}

export interface EnsureOptions {
  /** Output directory (default: $GOSLIM_FIXTURE_DIR or test/.work/images). */
  outDir?: string;
  /** Cache directory (default: $FIXTURE_CACHE or test/.work/cache). */
  cacheDir?: string;
  /** Bound on the whole build (default 20 minutes; a cold build takes a few minutes). */
  timeoutMs?: number;
}

/**
 * Tools the fixture script needs that are missing (FIXTURE_TOOLS in test/helpers/tools.ts).
 * Tests declare them with `describeWithTools(FIXTURE_TOOLS, ...)`, which skips or, with CI=true, fails.
 */
export function missingFixtureTools(): string[] {
  return requireTools(...FIXTURE_TOOLS).missing.map((m) => m.tool);
}

const memo = new Map<string, Promise<FixtureImages>>();

/** Builds the fixture images if needed (cached; a warm call costs well under 2 s) and describes them. */
export function ensureFixtureImages(options: EnsureOptions = {}): Promise<FixtureImages> {
  const outDir = resolve(options.outDir ?? process.env.GOSLIM_FIXTURE_DIR ?? join(REPO_ROOT, 'test', '.work', 'images'));
  let pending = memo.get(outDir);
  if (pending === undefined) {
    pending = build(outDir, options);
    memo.set(outDir, pending);
    pending.catch(() => memo.delete(outDir));
  }
  return pending;
}

async function build(outDir: string, options: EnsureOptions): Promise<FixtureImages> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  const cache = options.cacheDir ?? process.env.FIXTURE_CACHE;
  if (cache !== undefined) env.FIXTURE_CACHE = resolve(cache);
  await new Promise<void>((resolvePromise, reject) => {
    execFile(
      'bash',
      [FIXTURE_SCRIPT, outDir],
      { env, timeout: options.timeoutMs ?? 20 * 60_000, killSignal: 'SIGTERM', maxBuffer: 64 * 1024 * 1024 },
      (err, _stdout, stderr) => {
        if (err) {
          const tail = stderr.split('\n').slice(-25).join('\n');
          reject(new Error(`make-images.sh failed (${err.message.split('\n')[0]}):\n${tail}`));
        } else {
          resolvePromise();
        }
      },
    );
  });
  return describeFixtures(outDir);
}

/** Reads images.json of an existing output directory (no build). */
export async function describeFixtures(outDir: string): Promise<FixtureImages> {
  const json = JSON.parse(await readFile(join(outDir, 'images.json'), 'utf8')) as FixtureImagesJson;
  const images: Record<string, FixtureBaseImage | FixtureImage> = {};
  for (const name of FIXTURE_IMAGE_NAMES) {
    const info = json.images[name];
    if (info === undefined) throw new Error(`images.json in ${outDir} has no image ${name}`);
    const entry: Record<string, unknown> = { info, oci: join(outDir, info.paths.oci) };
    for (const shape of FIXTURE_SHAPES) {
      const rel = info.paths[shape];
      if (rel !== undefined) entry[shape] = join(outDir, rel);
      else if (name !== 'debian-bookworm' && name !== 'golang-1.19') throw new Error(`images.json: ${name} has no ${shape} export`);
    }
    images[name] = entry as unknown as FixtureBaseImage | FixtureImage;
  }
  return {
    dir: outDir,
    json,
    images: images as FixtureImageMap,
    binaries: { cgo: join(outDir, json.binaries['greeter-cgo'].path), static: join(outDir, json.binaries['greeter-static'].path) },
    dockerfiles: join(outDir, 'dockerfiles'),
  };
}
