/**
 * Test helper: write a small image, described declaratively, in any of the on-disk forms
 * goslim reads: an OCI layout directory, an oci-archive, and the three `docker save`
 * shapes (legacy, Docker 25+ hybrid, containerd store with nested index + attestations).
 * For unit tests only (never exported from the package root).
 */
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { sha256Digest, sha256Hex } from '../digest.js';
import {
  MediaType,
  type Compression,
  type ContainerConfig,
  type Descriptor,
  type HistoryEntry,
  type ImageConfig,
  type ImageManifest,
  type Platform,
} from '../model.js';
import { buildLayerTar, buildRawTar, type RawTarEntry, type TestEntry } from './layer-builder.js';
import { BuildError } from '../../errors.js';

export interface TestLayerSpec {
  entries: TestEntry[];
  /** Stored compression (OCI and containerd shapes; legacy and Docker 25 store plain tars). */
  compression?: Compression;
  createdBy?: string;
}

export interface TestImageSpec {
  layers: TestLayerSpec[];
  platform?: Platform;
  /** Replaces the generated history (one entry per layer, with an empty_layer ENV first). */
  history?: HistoryEntry[] | null;
  config?: ContainerConfig;
}

export type TestImageFormat =
  | 'oci'
  | 'oci-archive'
  | 'docker-archive-legacy'
  | 'docker-archive-docker25'
  | 'docker-archive-containerd';

export const ALL_TEST_FORMATS: TestImageFormat[] = [
  'oci',
  'oci-archive',
  'docker-archive-legacy',
  'docker-archive-docker25',
  'docker-archive-containerd',
];

export interface BuildTestImageOptions {
  /** Directory to write into (created). The image is `<dir>/<format>[.tar]`. */
  dir: string;
  format: TestImageFormat;
  /** Tag recorded in the archive (RepoTags / ref.name). Default "goslim-test:latest". */
  tag?: string;
  /** Add BuildKit attestation manifests (oci, oci-archive, containerd shapes). */
  attestations?: boolean;
}

export interface BuiltTestImage {
  /** Filesystem path of the layout directory or archive. */
  path: string;
  /** Reference with transport prefix, e.g. `oci:/tmp/x/oci`. */
  reference: string;
  images: Array<{ manifestDigest: string; configDigest: string; platform: Platform; diffIds: string[]; layerDigests: string[] }>;
}

interface Blob {
  digest: string;
  data: Buffer;
}

function compress(tar: Buffer, c: Compression): Buffer {
  if (c === 'gzip') return gzipSync(tar);
  if (c === 'zstd') {
    const r = spawnSync('zstd', ['-c', '-q'], { input: tar, maxBuffer: 1 << 30 });
    if (r.status !== 0) throw new BuildError(`zstd failed: ${r.stderr?.toString()}`);
    return r.stdout;
  }
  return tar;
}

const LAYER_TYPES: Record<Compression, string> = {
  none: MediaType.OciLayer,
  gzip: MediaType.OciLayerGzip,
  zstd: MediaType.OciLayerZstd,
};

interface MadeImage {
  manifest: Blob;
  config: Blob;
  layers: Array<{ blob: Blob; tar: Buffer; diffId: string; mediaType: string }>;
  platform: Platform;
}

async function makeImage(spec: TestImageSpec, forceCompression?: Compression): Promise<MadeImage> {
  const platform = spec.platform ?? { os: 'linux', architecture: 'amd64' };
  const layers: MadeImage['layers'] = [];
  for (const l of spec.layers) {
    const tar = await buildLayerTar(l.entries);
    const c = forceCompression ?? l.compression ?? 'gzip';
    const data = compress(tar, c);
    layers.push({ blob: { digest: sha256Digest(data), data }, tar, diffId: sha256Digest(tar), mediaType: LAYER_TYPES[c] });
  }
  const history: HistoryEntry[] = [{ created_by: 'ENV PATH=/usr/bin', empty_layer: true }];
  spec.layers.forEach((l, i) => history.push({ created_by: l.createdBy ?? `RUN layer ${i}` }));
  const config: ImageConfig = {
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    config: spec.config ?? { Cmd: ['/app'] },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
  };
  if (spec.history !== null) config.history = spec.history ?? history;
  const configData = Buffer.from(JSON.stringify(config));
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: { mediaType: MediaType.OciConfig, digest: sha256Digest(configData), size: configData.length },
    layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.blob.digest, size: l.blob.data.length })),
  };
  const manifestData = Buffer.from(JSON.stringify(manifest));
  return {
    manifest: { digest: sha256Digest(manifestData), data: manifestData },
    config: { digest: sha256Digest(configData), data: configData },
    layers,
    platform,
  };
}

/** A BuildKit-style attestation manifest for `subject` (platform unknown/unknown). */
function attestationFor(subject: MadeImage): { descriptor: Descriptor; blobs: Blob[] } {
  const statement = Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v0.1', subject: [] }));
  const config = Buffer.from(JSON.stringify({ architecture: 'unknown', os: 'unknown', config: {}, rootfs: { type: 'layers', diff_ids: [] } }));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      config: { mediaType: MediaType.OciConfig, digest: sha256Digest(config), size: config.length },
      layers: [{ mediaType: 'application/vnd.in-toto+json', digest: sha256Digest(statement), size: statement.length }],
    }),
  );
  return {
    descriptor: {
      mediaType: MediaType.OciManifest,
      digest: sha256Digest(manifest),
      size: manifest.length,
      platform: { os: 'unknown', architecture: 'unknown' },
      annotations: {
        'vnd.docker.reference.type': 'attestation-manifest',
        'vnd.docker.reference.digest': subject.manifest.digest,
      },
    },
    // The statement layer itself is left out, as containerd does for content never pulled.
    blobs: [{ digest: sha256Digest(manifest), data: manifest }, { digest: sha256Digest(config), data: config }],
  };
}

function manifestDescriptor(img: MadeImage, annotations?: Record<string, string>): Descriptor {
  return {
    mediaType: MediaType.OciManifest,
    digest: img.manifest.digest,
    size: img.manifest.data.length,
    platform: img.platform,
    ...(annotations ? { annotations } : {}),
  };
}

/** The file tree of an OCI layout (relative path -> bytes / symlink). */
type Tree = RawTarEntry[];

function blobEntries(blobs: Blob[]): Tree {
  const seen = new Set<string>();
  const out: Tree = [];
  for (const b of blobs) {
    if (seen.has(b.digest)) continue;
    seen.add(b.digest);
    out.push({ name: `blobs/sha256/${b.digest.slice(7)}`, data: b.data });
  }
  return out;
}

function imageBlobs(img: MadeImage): Blob[] {
  return [img.manifest, img.config, ...img.layers.map((l) => l.blob)];
}

const LAYOUT_MARKER: RawTarEntry = { name: 'oci-layout', data: Buffer.from('{"imageLayoutVersion":"1.0.0"}') };

function json(name: string, value: unknown): RawTarEntry {
  return { name, data: Buffer.from(JSON.stringify(value)) };
}

/** OCI layout tree: one image -> index.json points at its manifest; several -> a nested index. */
function ociTree(images: MadeImage[], tag: string, attestations: boolean): Tree {
  const blobs: Blob[] = images.flatMap(imageBlobs);
  const refAnn = { 'org.opencontainers.image.ref.name': tag.includes(':') ? tag.slice(tag.lastIndexOf(':') + 1) : tag };
  let top: Descriptor;
  if (images.length === 1 && !attestations) {
    top = manifestDescriptor(images[0]!, refAnn);
  } else {
    const manifests: Descriptor[] = images.map((i) => manifestDescriptor(i));
    if (attestations) {
      for (const img of images) {
        const a = attestationFor(img);
        manifests.push(a.descriptor);
        blobs.push(...a.blobs);
      }
    }
    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests }));
    blobs.push({ digest: sha256Digest(index), data: index });
    top = { mediaType: MediaType.OciIndex, digest: sha256Digest(index), size: index.length, annotations: refAnn };
  }
  return [
    LAYOUT_MARKER,
    json('index.json', { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [top] }),
    ...blobEntries(blobs),
  ];
}

async function writeTree(root: string, tree: Tree): Promise<void> {
  for (const e of tree) {
    const p = join(root, e.name);
    await mkdir(join(p, '..'), { recursive: true });
    await writeFile(p, e.data ?? Buffer.alloc(0));
  }
}

function legacyTree(img: MadeImage, tag: string): Tree {
  const tree: Tree = [];
  const configName = `${img.config.digest.slice(7)}.json`;
  tree.push({ name: configName, data: img.config.data });
  const layerPaths: string[] = [];
  const firstById = new Map<string, string>();
  let parent = '';
  for (const l of img.layers) {
    // v1 layer ids are a chain over the diff_ids, so a repeated layer gets its own directory.
    const id = sha256Hex(`${parent} ${l.diffId}`);
    parent = id;
    tree.push({ name: `${id}/`, type: 'directory' });
    tree.push({ name: `${id}/VERSION`, data: Buffer.from('1.0') });
    tree.push(json(`${id}/json`, { id }));
    const first = firstById.get(l.diffId);
    if (first !== undefined) {
      // moby PR #24003: a repeated layer is a symlink to the first copy.
      tree.push({ name: `${id}/layer.tar`, type: 'symlink', linkname: `../${first}/layer.tar` });
    } else {
      tree.push({ name: `${id}/layer.tar`, data: l.tar });
      firstById.set(l.diffId, id);
    }
    layerPaths.push(`${id}/layer.tar`);
  }
  tree.push(json('manifest.json', [{ Config: configName, RepoTags: [tag], Layers: layerPaths }]));
  tree.push(json('repositories', { [tag.split(':')[0]!]: { [tag.split(':')[1] ?? 'latest']: parent } }));
  return tree;
}

function docker25Tree(img: MadeImage, tag: string): Tree {
  const v1 = Buffer.from(JSON.stringify({ id: 'legacy-v1-json', created: '1970-01-01T00:00:00Z' }));
  const blobs = [...imageBlobs(img), { digest: sha256Digest(v1), data: v1 }];
  const fullName = tag.includes('/') ? tag : `docker.io/library/${tag}`;
  return [
    LAYOUT_MARKER,
    json('index.json', {
      schemaVersion: 2,
      mediaType: MediaType.OciIndex,
      manifests: [
        manifestDescriptor(img, {
          'io.containerd.image.name': fullName,
          'org.opencontainers.image.ref.name': tag.split(':')[1] ?? 'latest',
        }),
      ],
    }),
    json('manifest.json', [
      {
        Config: `blobs/sha256/${img.config.digest.slice(7)}`,
        RepoTags: [tag],
        Layers: img.layers.map((l) => `blobs/sha256/${l.blob.digest.slice(7)}`),
      },
    ]),
    json('repositories', { [tag.split(':')[0]!]: { [tag.split(':')[1] ?? 'latest']: img.layers.at(-1)?.diffId.slice(7) } }),
    ...blobEntries(blobs),
  ];
}

function containerdTree(images: MadeImage[], tag: string, attestations: boolean): Tree {
  const tree = ociTree(images, tag, attestations);
  const main = images.find((i) => i.platform.os === 'linux' && i.platform.architecture === 'amd64') ?? images[0]!;
  tree.push(
    json('manifest.json', [
      {
        Config: `blobs/sha256/${main.config.digest.slice(7)}`,
        RepoTags: [tag],
        Layers: main.layers.map((l) => `blobs/sha256/${l.blob.digest.slice(7)}`),
      },
    ]),
  );
  return tree;
}

/** Write a tar of `tree` to `path` (directories first, as docker save does). */
export async function writeTarFile(path: string, tree: RawTarEntry[]): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, await buildRawTar(tree));
}

export async function buildTestImage(spec: TestImageSpec | TestImageSpec[], options: BuildTestImageOptions): Promise<BuiltTestImage> {
  const specs = Array.isArray(spec) ? spec : [spec];
  const tag = options.tag ?? 'goslim-test:latest';
  const attest = options.attestations ?? false;
  const plain = options.format === 'docker-archive-legacy' || options.format === 'docker-archive-docker25';
  const images: MadeImage[] = [];
  for (const s of plain ? specs.slice(0, 1) : specs) images.push(await makeImage(s, plain ? 'none' : undefined));
  let path: string;
  let reference: string;
  switch (options.format) {
    case 'oci':
      path = join(options.dir, 'oci');
      await writeTree(path, ociTree(images, tag, attest));
      reference = `oci:${path}`;
      break;
    case 'oci-archive':
      path = join(options.dir, 'oci-archive.tar');
      await writeTarFile(path, ociTree(images, tag, attest));
      reference = `oci-archive:${path}`;
      break;
    case 'docker-archive-legacy':
      path = join(options.dir, 'docker-legacy.tar');
      await writeTarFile(path, legacyTree(images[0]!, tag));
      reference = `docker-archive:${path}`;
      break;
    case 'docker-archive-docker25':
      path = join(options.dir, 'docker25.tar');
      await writeTarFile(path, docker25Tree(images[0]!, tag));
      reference = `docker-archive:${path}`;
      break;
    case 'docker-archive-containerd':
      path = join(options.dir, 'docker-containerd.tar');
      await writeTarFile(path, containerdTree(images, tag, attest));
      reference = `docker-archive:${path}`;
      break;
  }
  return {
    path,
    reference,
    images: images.map((i) => ({
      manifestDigest: i.manifest.digest,
      configDigest: i.config.digest,
      platform: i.platform,
      diffIds: i.layers.map((l) => l.diffId),
      layerDigests: i.layers.map((l) => l.blob.digest),
    })),
  };
}
