/**
 * What the per-layer analysis cache keeps of one layer: everything inspect's walk of that layer
 * produces that the analysis after the walk needs, and nothing that depends on the other layers
 * or on the image's config. Replaying it (layer-cache.ts, inspect.ts) gives the cross-layer
 * merge the same input as reading the layer.
 *
 *  - `record`: the walk's entries (path, type, size, mode, uid, gid, link target), whiteouts,
 *    opaque markers and anomalies, in order (src/image/filesystem/record.ts);
 *  - `gzip`: the measured gzip size of a layer stored uncompressed (measureCompressed);
 *  - `db`: the package database files the layer writes (text);
 *  - `files`: the small files the startup checks read whatever the command (passwd, group,
 *    ld.so.cache, the dpkg status, musl's path file), base64;
 *  - `go`: the Go binaries the layer writes, with their facts and stripped gzip size;
 *  - `packed`: the executables packed with UPX the layer writes (path, size, PackHeader);
 *  - `late`: ELF files whose Go markers showed too late to keep their bytes (re-read only when
 *    they survive in the final filesystem, as without the cache);
 *  - `probes`: [bytes fed, deflated bytes] of the layer's compressibility samples (app files,
 *    runtime data files).
 *
 * Keyed by the layer's diff_id (checked against the tar when the entry was written) plus the
 * variant of the analysis (Go size trees on or off; the gzip measuring mode for an
 * uncompressed layer), under ANALYSIS_VERSION.
 */
import { anyObject, arr, bool, check, nullable, num, obj, opt, record, size, str, type Shape } from '../image/schema.js';
import { shapeError } from '../image/schema.js';
import { checkLayerRecord, type LayerRecord } from '../image/filesystem/record.js';
import type { GzipSize } from '../image/gzip-size.js';
import type { SizeNode } from '../binary/size-tree.js';
import type { VerifyReport } from '../verify/types.js';
import type { GoBinaryFacts, PackedFacts } from './types.js';

export interface LayerFacts {
  diffId: string;
  variant: string;
  /** The blob the facts were read from (its digest always checked). */
  blob: string;
  /** True when the tar was checked against the diff_id too (then any blob of that diff_id may use the facts). */
  diffIdChecked: boolean;
  record: LayerRecord;
  gzip?: GzipSize;
  db: Array<[string, string]>;
  files: Array<[string, string]>;
  go: Array<GoBinaryFacts & { strippedCompressed?: number }>;
  packed: PackedFacts[];
  late: string[];
  probes: { app: [number, number] | null; runtime: [number, number] | null };
}

const pair: Shape<[string, string]> = (v, path, doc) => {
  if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'string' || typeof v[1] !== 'string') throw shapeError(doc, path, 'a [string, string] pair', v);
  return v as [string, string];
};

const counts: Shape<[number, number]> = (v, path, doc) => {
  if (!Array.isArray(v) || v.length !== 2) throw shapeError(doc, path, 'a [fed, out] pair', v);
  size(v[0], `${path}[0]`, doc);
  size(v[1], `${path}[1]`, doc);
  return v as [number, number];
};

const MAX_TREE_DEPTH = 64;
/** A Go binary's size tree (recursive), bounded in depth. */
const sizeNode: Shape<SizeNode> = (v, path, doc) => {
  const walk = (n: unknown, at: string, depth: number): void => {
    if (depth > MAX_TREE_DEPTH) throw shapeError(doc, at, `a tree at most ${MAX_TREE_DEPTH} deep`, n);
    obj({ n: str, b: opt(size), k: opt(str), t: opt(str), d: opt(arr((c) => c)) })(n, at, doc);
    const d = (n as SizeNode).d;
    if (d !== undefined) for (let i = 0; i < d.length; i++) walk(d[i], `${at}.d[${i}]`, depth + 1);
  };
  walk(v, path, 0);
  return v as SizeNode;
};

const goFacts = obj({
  path: str,
  size,
  linking: str,
  interpreter: nullable(str),
  needed: opt(arr(str)),
  go: nullable(obj({ version: opt(str), path: opt(str), settings: opt(record(str)) })),
  strip: obj({ symtab: size, dwarf: size, total: size }),
  trimpath: obj({ leakedPaths: size, examples: arr(str), estimatedBytes: opt(size) }),
  cgoBytes: opt(size),
  sizeTree: opt(sizeNode),
  strippedCompressed: opt(size),
});

const packedInfo = obj({
  packer: (v, path, doc) => {
    if (v !== 'upx') throw shapeError(doc, path, '"upx"', v);
    return v;
  },
  version: size,
  release: nullable(str),
  format: str,
  method: str,
  level: size,
  unpackedSize: size,
  compressedSize: size,
});
const packedFacts = obj({ path: str, size, packed: packedInfo });

const gzipShape = obj({
  size,
  method: (v, path, doc) => {
    if (v !== 'measured' && v !== 'estimated') throw shapeError(doc, path, '"measured" or "estimated"', v);
    return v;
  },
  bytes: size,
  deflatedBytes: size,
});

const FACTS_SHAPE = obj({
  diffId: str,
  variant: str,
  blob: str,
  diffIdChecked: bool,
  record: (v, _path, doc) => checkLayerRecord(v, doc),
  gzip: opt(gzipShape),
  db: arr(pair),
  files: arr(pair),
  go: arr(goFacts),
  packed: arr(packedFacts),
  late: arr(str),
  probes: obj({ app: nullable(counts), runtime: nullable(counts) }),
});

/**
 * Check a cache entry's body; it must be the entry for this diff_id and variant (E_MALFORMED
 * otherwise). Undefined when it may not be used for this layer: it was read from another blob and
 * its diff_id was not checked (a config may name any diff_id; only a checked one, or the same
 * blob, vouches for the content).
 */
export function checkLayerFacts(v: unknown, diffId: string, variant: string, blob: string): LayerFacts | undefined {
  const doc = `analysis cache entry for ${diffId}`;
  const f = check(FACTS_SHAPE, v, doc) as unknown as LayerFacts;
  if (f.diffId !== diffId || f.variant !== variant) throw shapeError(doc, 'diffId', `${diffId} (${variant})`, f.diffId);
  return f.diffIdChecked || f.blob === blob ? f : undefined;
}

const STARTUP_REPORT = obj({
    image: obj({ ref: str, digest: str, platform: str }),
    command: arr(str),
    verdict: (v, path, doc) => {
      if (v !== 'pass' && v !== 'warn' && v !== 'fail') throw shapeError(doc, path, '"pass", "warn" or "fail"', v);
      return v;
    },
    checks: arr(obj({ id: str, status: str, message: str, runtimeMessage: opt(str), fix: opt(str) })),
});

const STARTUP_SHAPE = obj({
  configDigest: str,
  platform: str,
  report: STARTUP_REPORT,
});

export interface StartupEntry {
  configDigest: string;
  platform: string;
  report: VerifyReport;
}

/** Check an image-level startup entry (the static checks' report, keyed by config digest and platform). */
export function checkStartupEntry(v: unknown, configDigest: string, platform: string): StartupEntry {
  const doc = `analysis cache startup entry for ${configDigest}`;
  const e = check(STARTUP_SHAPE, v, doc) as unknown as StartupEntry;
  if (e.configDigest !== configDigest || e.platform !== platform) throw shapeError(doc, 'configDigest', configDigest, e.configDigest);
  return e;
}

/** An inspect report as the cache keeps it (without `image.ref` and `image.source`, which belong to the run). */
const REPORT_SHAPE = obj({
  image: obj({ digest: str, platform: str, compressedSize: size, compressed: obj({ method: str }), size, fileBytes: size, files: size }),
  layers: arr(
    obj({
      number: size,
      digest: str,
      diffId: str,
      compressedSize: size,
      compressedMethod: str,
      size,
      createdBy: nullable(str),
      files: size,
      added: size,
      modified: size,
      deleted: size,
      deletedBytes: size,
    }),
    'image.layers',
  ),
  causes: arr(obj({ id: str, bytes: size, files: size })),
  packages: arr(obj({ name: str, bytes: size })),
  largestFiles: arr(obj({ path: str, bytes: size, cause: str, layer: size, package: opt(str) })),
  goBinaries: arr(goFacts),
  packedBinaries: arr(obj({ path: str, size, packed: packedInfo, hint: str, title: str, fix: str, lose: str, keep: str, explain: str, package: opt(str) })),
  wasted: obj({ bytes: size, efficiency: num }),
  levers: arr(obj({ id: str, bytes: size, title: str, fix: str, lose: str, keep: str })),
  headline: str,
  estimate: anyObject,
  anomalies: size,
  startup: STARTUP_REPORT,
  tree: opt(anyObject),
});

/** Check a cached report; it must be the report of this manifest and platform (E_MALFORMED otherwise). */
export function checkReportEntry(v: unknown, manifestDigest: string, platform: string): Record<string, unknown> {
  const doc = `analysis cache report entry for ${manifestDigest}`;
  const r = check(REPORT_SHAPE, v, doc);
  if (r.image.digest !== manifestDigest || r.image.platform !== platform) throw shapeError(doc, 'image.digest', manifestDigest, r.image.digest);
  return r as unknown as Record<string, unknown>;
}

/** A file the startup checks read from a layer (base64), kept for other images holding the layer. */
export interface FileEntry {
  diffId: string;
  path: string;
  blob: string;
  diffIdChecked: boolean;
  data: string;
}

const FILE_SHAPE = obj({ diffId: str, path: str, blob: str, diffIdChecked: bool, data: str });

/** The bytes of a file entry for this layer and path, or undefined when it may not be used for this blob (as checkLayerFacts). */
export function checkFileEntry(v: unknown, diffId: string, path: string, blob: string): Buffer | undefined {
  const doc = `analysis cache file entry for ${diffId} ${path}`;
  const e = check(FILE_SHAPE, v, doc);
  if (e.diffId !== diffId || e.path !== path) throw shapeError(doc, 'path', path, e.path);
  if (!e.diffIdChecked && e.blob !== blob) return undefined;
  return Buffer.from(e.data, 'base64');
}
