/**
 * Validators for goslim's JSON contract (schemas/*.schema.json, shipped in the package) and for
 * SARIF 2.1.0 (test/fixtures/sarif/sarif-schema-2.1.0.json: where it came from is in that folder's README).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { REPO_ROOT } from './images.js';

export const SCHEMA_DIR = join(REPO_ROOT, 'schemas');

export function loadSchemas(): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  for (const f of readdirSync(SCHEMA_DIR).filter((n) => n.endsWith('.schema.json')).sort()) {
    out.set(f.replace(/\.schema\.json$/, ''), JSON.parse(readFileSync(join(SCHEMA_DIR, f), 'utf8')) as Record<string, unknown>);
  }
  return out;
}

/** One Ajv holding every goslim schema (they refer to each other by `$id`), strict mode. */
export function contractValidator(): (doc: unknown) => { ok: boolean; errors: ErrorObject[] } {
  const ajv = new Ajv({ allErrors: true, strict: true });
  const schemas = loadSchemas();
  for (const s of schemas.values()) ajv.addSchema(s);
  return (doc: unknown) => {
    const kind = (doc as { kind?: unknown }).kind;
    if (typeof kind !== 'string' || !schemas.has(kind)) return { ok: false, errors: [{ message: `no schema for kind ${String(kind)}` } as ErrorObject] };
    const validate = ajv.getSchema(`urn:goslim:schema:${kind}`)!;
    const ok = validate(doc) as boolean;
    return { ok, errors: validate.errors ?? [] };
  };
}

/** The SARIF 2.1.0 schema with RFC 3986 shape checks for the formats it uses. */
export function sarifValidator(): ValidateFunction {
  const schema = JSON.parse(readFileSync(join(REPO_ROOT, 'test/fixtures/sarif/sarif-schema-2.1.0.json'), 'utf8')) as Record<string, unknown>;
  const ajv = new Ajv({ allErrors: true, strict: false });
  ajv.addFormat('uri', /^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$/);
  ajv.addFormat('uri-reference', /^[^\s]*$/);
  ajv.addFormat('date-time', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
  return ajv.compile(schema);
}
