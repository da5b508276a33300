/**
 * The JSON contract (docs/json.md): every document goslim prints with `--format json` is an
 * object whose first two keys are `schemaVersion` and `kind`, validated in the tests against
 * `schemas/<kind>.schema.json` (shipped in the package). A field is added without a version
 * change; removing or changing the meaning of one bumps `schemaVersion`.
 */

/** The version of every document's shape. */
export const SCHEMA_VERSION = 1;

/** One kind per command that prints a report (the html and compare commands add theirs here). */
export const DOCUMENT_KINDS = ['inspect', 'verify', 'binary', 'lint', 'build', 'compare', 'fleet', 'error'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

export type JsonDocument<K extends DocumentKind, B extends object> = { schemaVersion: typeof SCHEMA_VERSION; kind: K } & B;

/** `{schemaVersion, kind, ...body}`: the body's own `schemaVersion`/`kind`, if any, are replaced. */
export function jsonDocument<K extends DocumentKind, B extends object>(kind: K, body: B): JsonDocument<K, B> {
  const { schemaVersion: _v, kind: _k, ...rest } = body as B & { schemaVersion?: unknown; kind?: unknown };
  return { schemaVersion: SCHEMA_VERSION, kind, ...rest } as unknown as JsonDocument<K, B>;
}

/** Pretty-printed with a final newline, as every command prints it. */
export function formatJsonDocument<K extends DocumentKind, B extends object>(kind: K, body: B): string {
  return `${JSON.stringify(jsonDocument(kind, body), null, 2)}\n`;
}
