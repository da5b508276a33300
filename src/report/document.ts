/**
 * The JSON contract (docs/json.md): every document goslim prints with `--format json` is an
 * object whose first two keys are `schemaVersion` and `kind`, validated in the tests against
 * `schemas/<kind>.schema.json` (shipped in the package). A field is added without a version
 * change; removing or changing the meaning of one bumps `schemaVersion`.
 */

import { randomUUID } from 'node:crypto';

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

/**
 * Pretty-printed JSON (two spaces, final newline) whose values under the keys `compact` are
 * written on one line: the file tree and Go binaries' size trees of `inspect --json --tree`
 * hold tens of thousands of small tuples, which indentation would make several times larger.
 * The same value as JSON.parse reads it back.
 */
export function prettyJsonCompact(value: unknown, compact: readonly string[]): string {
  const nonce = randomUUID();
  const held: string[] = [];
  const text = JSON.stringify(
    value,
    function (this: unknown, key: string, v: unknown) {
      if (key !== '' && compact.includes(key) && v !== undefined && typeof this === 'object' && this !== null && !Array.isArray(this)) {
        held.push(JSON.stringify(v));
        return `${nonce}:${held.length - 1}`;
      }
      return v;
    },
    2,
  );
  return `${text.replace(new RegExp(`"${nonce}:(\\d+)"`, 'g'), (_m, i: string) => held[Number(i)] ?? 'null')}\n`;
}
