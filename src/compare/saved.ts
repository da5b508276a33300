/**
 * Saved `--json` reports as compare inputs: which kind a document is (its `kind` field when it
 * has one, else its shape), and a check of every field compare reads, so a wrong or hand-edited
 * file is E_MALFORMED naming the field, and a document of another kind (a lint or compare
 * report, any other JSON) is E_UNSUPPORTED_FORMAT. Pure: text in.
 */
import { LimitExceededError, MalformedInputError, UnsupportedFormatError } from '../errors.js';
import { limit } from '../limits.js';
import { arr, bool, check, nullable, num, obj, opt, record, size, str, type Shape } from '../image/schema.js';
import { shapeError } from '../image/schema.js';
import { CAUSE_IDS, type CauseId } from '../vocabulary/causes.js';
import { isLeverId, type LeverId } from '../vocabulary/levers.js';
import type { BinaryInput } from './binaries.js';
import type { InspectInput } from './images.js';

const leverId: Shape<LeverId> = (v, path, doc) => {
  if (typeof v !== 'string' || !isLeverId(v)) throw shapeError(doc, path, 'a lever id', v);
  return v;
};

const causeId: Shape<CauseId> = (v, path, doc) => {
  if (typeof v !== 'string' || !(CAUSE_IDS as readonly string[]).includes(v)) throw shapeError(doc, path, 'a cause id', v);
  return v as CauseId;
};

const verdict: Shape<'pass' | 'warn' | 'fail'> = (v, path, doc) => {
  if (v !== 'pass' && v !== 'warn' && v !== 'fail') throw shapeError(doc, path, '"pass", "warn" or "fail"', v);
  return v;
};

const strip = obj({ symtab: size, dwarf: size, total: size });

/** An integer index into `list` (or -1 when `none` is allowed). */
function index(v: unknown, path: string, doc: string, length: number, none: boolean): void {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < (none ? -1 : 0) || v >= length) {
    throw shapeError(doc, path, `an index below ${length}${none ? ' (or -1)' : ''}`, v);
  }
}

/** Nesting below the limit of a path's depth: a tree deeper than any path is not a file tree. */
function depthCheck(depth: number, doc: string, path: string): void {
  const max = limit('tar.pathDepth');
  if (depth > max) throw new LimitExceededError('tar.pathDepth', max, `${doc}: ${path} nests deeper than ${max} levels`, { details: { document: doc, field: path } });
}

/**
 * The file tree `inspect --tree` saves (src/analysis/file-tree.ts): directories `{ n, d?, f?, s? }`,
 * files `[name, bytes, cause index, package index or -1, layer]`, small files `[count, bytes,
 * cause index, layer]`; indexes checked against the tree's own lists.
 */
const fileTree: Shape<unknown> = (v, path, doc) => {
  const t = obj({ causes: arr(causeId), packages: arr(str), smallFileBytes: size, smallFiles: obj({ files: size, bytes: size }), hidden: arr(arr(size)), root: obj({ n: str }) })(v, path, doc);
  const causes = t.causes.length;
  const packages = t.packages.length;
  t.hidden.forEach((h, i) => {
    if (h.length !== 2) throw shapeError(doc, `${path}.hidden[${i}]`, '[layer, bytes]', h);
  });
  const dir = (d: unknown, at: string, depth: number): void => {
    depthCheck(depth, doc, at);
    const o = obj({ n: str, d: opt(arr((x) => x)), f: opt(arr((x) => x)), s: opt(arr((x) => x)) })(d, at, doc);
    (o.f ?? []).forEach((f, i) => {
      const p = `${at}.f[${i}]`;
      if (!Array.isArray(f) || f.length !== 5) throw shapeError(doc, p, '[name, bytes, cause, package, layer]', f);
      str(f[0], `${p}[0]`, doc);
      size(f[1], `${p}[1]`, doc);
      index(f[2], `${p}[2]`, doc, causes, false);
      index(f[3], `${p}[3]`, doc, packages, true);
      size(f[4], `${p}[4]`, doc);
    });
    (o.s ?? []).forEach((x, i) => {
      const p = `${at}.s[${i}]`;
      if (!Array.isArray(x) || x.length !== 4) throw shapeError(doc, p, '[count, bytes, cause, layer]', x);
      size(x[0], `${p}[0]`, doc);
      size(x[1], `${p}[1]`, doc);
      index(x[2], `${p}[2]`, doc, causes, false);
      size(x[3], `${p}[3]`, doc);
    });
    (o.d ?? []).forEach((c, i) => dir(c, `${at}.d[${i}]`, depth + 1));
  };
  dir(t.root, `${path}.root`, 0);
  return t;
};

/** A Go binary's size tree (src/binary/size-tree.ts): `{ n, b?, k?, d?, t? }`, leaves with bytes. */
const sizeNode: Shape<unknown> = (v, path, doc) => {
  const node = (x: unknown, at: string, depth: number): void => {
    depthCheck(depth, doc, at);
    const o = obj({ n: str, b: opt(size), k: opt(str), t: opt(str), d: opt(arr((y) => y)) })(x, at, doc);
    (o.d ?? []).forEach((c, i) => node(c, `${at}.d[${i}]`, depth + 1));
  };
  node(v, path, 0);
  return v;
};

const INSPECT_SHAPE = obj({
  image: obj({ ref: str, digest: str, platform: str, compressedSize: size, size, files: size }),
  layers: arr(obj({ number: size, diffId: str, compressedSize: size, size, createdBy: nullable(str) }), 'image.layers'),
  causes: arr(obj({ id: causeId, bytes: size, files: size })),
  packages: arr(obj({ name: str, bytes: size })),
  goBinaries: arr(obj({
    path: str,
    size,
    linking: str,
    go: nullable(obj({ version: opt(str) })),
    strip,
    trimpath: obj({ leakedPaths: size }),
    cgoBytes: opt(size),
    willStart: bool,
    problem: opt(str),
    sizeTree: opt(sizeNode),
  })),
  // Absent from reports saved before packed executables were reported.
  packedBinaries: opt(arr(obj({ path: str, size, packed: obj({ packer: str, release: nullable(str) }) }))),
  levers: arr(obj({ id: leverId, bytes: size, verdict: opt(str) })),
  startup: opt(obj({ verdict, checks: arr(obj({ id: str, status: str, message: str })) })),
  // Saved with `inspect --json --tree`: the HTML compare page draws the image from it.
  tree: opt(fileTree),
  wasted: opt(obj({ bytes: size })),
});

const BINARY_SHAPE = obj({
  path: nullable(str),
  size,
  linking: str,
  go: nullable(obj({
    version: nullable(str),
    main: nullable(obj({ path: str })),
    deps: arr(obj({ path: str })),
    settings: record(str),
  })),
  sections: arr(obj({ name: str, size, compressed: opt(bool) })),
  strip,
  trimpath: obj({ leakedPaths: size, estimatedBytes: opt(size) }),
  packages: arr(obj({ name: str, size, sections: opt(record(size)) })),
  modules: opt(arr(obj({ path: str, size, packages: opt(arr(str)) }))),
  // Read by the HTML page's size treemap (src/binary/size-tree.ts) when present.
  layout: opt(obj({ headersAndPadding: size })),
  cgo: obj({ used: bool }),
  findings: arr(obj({ lever: leverId, bytes: num })),
});

export type SavedReport = { kind: 'inspect'; report: InspectInput } | { kind: 'binary'; report: BinaryInput };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parse and check a saved report; `name` is how the file is named in errors. */
export function parseSavedReport(text: string, name: string): SavedReport {
  let data: unknown;
  try {
    data = JSON.parse(text) as unknown;
  } catch (err) {
    throw new MalformedInputError(`${name}: not valid JSON: ${(err as Error).message}`, { details: { document: name } });
  }
  if (!isRecord(data)) throw shapeError(name, '', 'an object (a saved `goslim inspect --json` or `goslim binary --json` report)', data);
  const declared = typeof data.kind === 'string' ? data.kind : undefined;
  const kind = declared ?? ('image' in data && 'layers' in data ? 'inspect' : 'sections' in data && 'strip' in data ? 'binary' : undefined);
  if (kind === 'inspect') return { kind, report: check(INSPECT_SHAPE, data, name) as unknown as InspectInput };
  if (kind === 'binary') return { kind, report: check(BINARY_SHAPE, data, name) as unknown as BinaryInput };
  throw new UnsupportedFormatError(
    `${name}: ${declared !== undefined ? `a "${declared}" report` : 'a JSON document that is not a goslim report'}; compare reads saved \`goslim inspect --json\` and \`goslim binary --json\` reports`,
    { details: { document: name, kind: declared ?? null, accepted: ['inspect', 'binary'] } },
  );
}
