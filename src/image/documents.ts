/**
 * The one validation layer for every JSON document goslim reads from an image: each source
 * parses a document only through `parseDocument(kind, bytes, what)`, which caps its size
 * (json.documentSize), parses it, and checks it against the shape of its kind (schema.ts).
 * Errors: E_LIMIT (too big, too many entries), E_MALFORMED with `details.document` and
 * `details.field` (the path of the first wrong field, e.g. `config.Entrypoint[0]`).
 *
 * Shapes follow image-spec (manifest.md, image-index.md, config.md, descriptor.md,
 * image-layout.md) and moby's docker save format: unknown fields are ignored; optional fields
 * may be absent (or null where Docker writes null); wrong types are errors.
 */
import { LimitExceededError, MalformedInputError } from '../errors.js';
import { limit } from '../limits.js';
import type { ImageConfig, ImageIndexManifest, ImageManifest } from './model.js';
import { anyObject, arr, bool, check, literal, nullable, num, obj, opt, pattern, record, size, str, type Shape } from './schema.js';

const SHA256 = /^sha256:[a-f0-9]{64}$/;
const digest = pattern(SHA256, 'a sha256 digest (sha256:<64 hex>)');
const strings = arr(str);
const stringMap = record(str);

export const platformShape = obj({
  os: str,
  architecture: str,
  variant: opt(str),
  'os.version': opt(str),
  'os.features': opt(strings),
});

export const descriptorShape = obj({
  mediaType: opt(str),
  digest,
  size,
  urls: opt(strings),
  annotations: opt(stringMap),
  platform: opt(platformShape),
  artifactType: opt(str),
});

export const manifestShape = obj({
  schemaVersion: literal(2),
  mediaType: opt(str),
  artifactType: opt(str),
  config: descriptorShape,
  layers: opt(arr(descriptorShape, 'image.layers')),
  subject: opt(descriptorShape),
  annotations: opt(stringMap),
});

export const indexShape = obj({
  schemaVersion: literal(2),
  mediaType: opt(str),
  manifests: arr(descriptorShape, 'image.manifests'),
  annotations: opt(stringMap),
});

const entries = arr(str, 'image.envEntries');

export const containerConfigShape = obj({
  User: opt(str),
  ExposedPorts: opt(record(opt(anyObject))),
  Env: opt(entries),
  Entrypoint: nullable(entries),
  Cmd: nullable(entries),
  Volumes: opt(record(opt(anyObject))),
  WorkingDir: opt(str),
  Labels: opt(stringMap),
  StopSignal: opt(str),
  Healthcheck: opt(
    obj({
      Test: opt(strings),
      Interval: opt(num),
      Timeout: opt(num),
      StartPeriod: opt(num),
      StartInterval: opt(num),
      Retries: opt(num),
    }),
  ),
  Shell: opt(strings),
});

export const historyShape = obj({
  created: opt(str),
  created_by: opt(str),
  author: opt(str),
  comment: opt(str),
  empty_layer: opt(bool),
});

export const configShape = obj({
  created: opt(str),
  author: opt(str),
  architecture: str,
  os: str,
  variant: opt(str),
  'os.version': opt(str),
  config: opt(containerConfigShape),
  rootfs: opt(obj({ type: opt(str), diff_ids: opt(arr(digest, 'image.layers')) })),
  history: opt(arr(historyShape, 'image.historyEntries')),
});

/** docker save's manifest.json: [{Config, RepoTags, Layers}] (moby image/tarexport). */
export const dockerArchiveManifestShape = arr(
  obj({
    Config: str,
    RepoTags: opt(strings),
    Layers: opt(arr(str, 'image.layers')),
    Parent: opt(str),
    LayerSources: opt(record(descriptorShape)),
  }),
  'image.manifests',
);

export const ociLayoutShape = obj({ imageLayoutVersion: str });

/**
 * index.json of a layout goslim adds an image to: its entries are kept as they are and only
 * need to be descriptors (any algorithm: another tool may have written sha512 ones).
 */
export const writableIndexShape = obj({
  schemaVersion: literal(2),
  mediaType: opt(str),
  manifests: arr(obj({ mediaType: opt(str), digest: pattern(/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/, 'a digest'), size, annotations: opt(stringMap) }), 'image.manifests'),
});

export interface DockerArchiveManifestEntry {
  Config: string;
  RepoTags?: string[];
  Layers?: string[];
}

interface Documents {
  manifest: ImageManifest;
  index: ImageIndexManifest;
  config: ImageConfig;
  'docker-archive manifest.json': DockerArchiveManifestEntry[] | null;
  'oci-layout': { imageLayoutVersion: string };
  'writable index': ImageIndexManifest;
  /** Parsed and size-capped only: the caller decides which shape applies (registry sniffing). */
  json: unknown;
}

export type DocumentKind = keyof Documents;

const SHAPES: { [K in DocumentKind]: Shape<unknown> } = {
  manifest: (v, p, d) => {
    const m = manifestShape(v, p, d) as unknown as ImageManifest;
    if (m.layers === undefined) m.layers = [];
    return m;
  },
  index: indexShape,
  config: (v, p, d) => {
    const c = configShape(v, p, d) as unknown as ImageConfig;
    const rootfs = c.rootfs as { type?: string; diff_ids?: string[] } | undefined;
    if (rootfs === undefined) c.rootfs = { type: 'layers', diff_ids: [] };
    else if (rootfs.diff_ids === undefined) rootfs.diff_ids = [];
    return c;
  },
  'docker-archive manifest.json': (v, p, d) => (v === null ? null : dockerArchiveManifestShape(v, p, d)),
  'oci-layout': ociLayoutShape,
  'writable index': writableIndexShape,
  json: (v) => v,
};

/** Reject a document over json.documentSize before reading or parsing it. */
export function checkDocumentSize(bytes: number, what: string): void {
  const max = limit('json.documentSize');
  if (bytes > max) {
    throw new LimitExceededError('json.documentSize', max, `${what} is ${bytes} bytes, over the json.documentSize limit of ${max}`, {
      actual: bytes,
      details: { document: what },
    });
  }
}

/** Parse and check one external JSON document (see the module comment). */
export function parseDocument<K extends DocumentKind>(kind: K, data: Buffer, what: string): Documents[K] {
  checkDocumentSize(data.length, what);
  let value: unknown;
  try {
    value = JSON.parse(data.toString('utf8'));
  } catch (err) {
    throw new MalformedInputError(`${what} is not valid JSON`, { cause: err, details: { document: what } });
  }
  return check(SHAPES[kind], value, what) as Documents[K];
}
