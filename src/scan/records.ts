/**
 * The scan's JSON Lines records (each valid against schemas/<kind>.schema.json): one line per reference, either
 * the versioned inspect document of the image with `scan.ref` (the reference as the scan listed
 * it), or an error record `{schemaVersion, kind: "error", ref, code, message}` for a reference that
 * could not be read. Records carry no timings, so a sharded run's records equal a single run's.
 */
import type { InspectReport } from '../analysis/inspect.js';
import { GoslimError, type ErrorCode } from '../errors.js';
import { jsonDocument, SCHEMA_VERSION } from '../report/document.js';
import { arr, check, literal, num, obj, opt, size, str, anyObject } from '../image/schema.js';

export interface ErrorRecord {
  schemaVersion: typeof SCHEMA_VERSION;
  kind: 'error';
  ref: string;
  code: ErrorCode;
  message: string;
}

/** An inspect document as a scan writes it: the report plus the listed reference. */
export type ImageRecord = { schemaVersion: typeof SCHEMA_VERSION; kind: 'inspect'; scan: { ref: string } } & InspectReport;

export type ScanRecord = ImageRecord | ErrorRecord;

/** The line for an inspected image (with its newline). */
export function imageRecordLine(ref: string, report: InspectReport): string {
  // \`image\` in inspect's own key order whatever produced the report (a report served from the
  // analysis cache has its ref and source last), so that the same image gives the same bytes.
  const { ref: imageRef, source, ...image } = report.image;
  return `${JSON.stringify(jsonDocument('inspect', { scan: { ref }, ...report, image: { ref: imageRef, source, ...image } }))}\n`;
}

/** The line for a reference that could not be read; messages of goslim errors are already free of credentials. */
export function errorRecordLine(ref: string, err: unknown): string {
  const record: ErrorRecord =
    err instanceof GoslimError
      ? { schemaVersion: SCHEMA_VERSION, kind: 'error', ref, code: err.code, message: err.message }
      : { schemaVersion: SCHEMA_VERSION, kind: 'error', ref, code: 'E_INTERNAL', message: err instanceof Error ? err.message : String(err) };
  return `${JSON.stringify(record)}\n`;
}

const errorShape = obj({ schemaVersion: literal(SCHEMA_VERSION), kind: literal('error'), ref: str, code: str, message: str });

/** The fields of an inspect record the fleet summary and the budgets read, checked. */
const imageShape = obj({
  schemaVersion: literal(SCHEMA_VERSION),
  kind: literal('inspect'),
  scan: obj({ ref: str }),
  image: obj({ digest: str, size, compressedSize: size, platform: str }),
  layers: arr(obj({ digest: str, diffId: str, size, compressedSize: size })),
  causes: arr(obj({ id: str, bytes: size })),
  levers: arr(obj({ id: str, bytes: size, title: str, verdict: opt(str) })),
  wasted: obj({ bytes: size, efficiency: num }),
  estimate: obj({ size, compressedSize: size }),
  startup: obj({ verdict: str, command: arr(str), checks: arr(obj({ id: str, status: str, message: str })) }),
});

/** Parse one line; E_MALFORMED naming the file, line and field for anything else. */
export function parseRecord(text: string, doc: string): ScanRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return check(anyObject, text, doc) as never; // E_MALFORMED: "(document) must be an object"
  }
  const kind = (value as { kind?: unknown } | null)?.kind;
  if (kind === 'error') return check(errorShape, value, doc) as ErrorRecord;
  return check(imageShape, value, doc) as unknown as ImageRecord;
}

/** The reference a record is for. */
export function recordRef(r: ScanRecord): string {
  return r.kind === 'error' ? r.ref : r.scan.ref;
}
