/**
 * Saved `--json` reports as compare inputs: which kind a document is (its `kind` field when it
 * has one, else its shape), and a check of every field compare reads, so a wrong or hand-edited
 * file is E_MALFORMED naming the field, and a document of another kind (a lint or compare
 * report, any other JSON) is E_UNSUPPORTED_FORMAT. Pure: text in.
 */
import { MalformedInputError, UnsupportedFormatError } from '../errors.js';
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
  })),
  levers: arr(obj({ id: leverId, bytes: size, verdict: opt(str) })),
  startup: opt(obj({ verdict, checks: arr(obj({ id: str, status: str, message: str })) })),
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
