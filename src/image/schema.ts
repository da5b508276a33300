/**
 * A tiny shape checker for the JSON documents goslim reads from images (manifests, indexes,
 * configs, docker-archive manifest.json, oci-layout). Each document type has one shape
 * (src/image/documents.ts) checked once, where the document is parsed; code past that point
 * can trust the types in model.ts.
 *
 * Why our own (about 150 lines) rather than zod/ajv/valibot: we need four things — wrong types
 * are errors, unknown fields are ignored, `null` where real producers write it is read as
 * absent, and the error names the field path (`config.Entrypoint[0]`) as a stable detail —
 * plus count limits from src/limits.ts on arrays. Each library does the first three with
 * options, none the last, and each would be goslim's largest dependency for ~15 shapes.
 *
 * Rules: `obj` checks only the fields it lists and keeps the others untouched; an `opt` field
 * may be absent, and a `null` there is deleted (Docker writes `"Env": null`) unless the shape
 * is `nullable`; arrays can carry a limit key (E_LIMIT past it).
 */
import { LimitExceededError, MalformedInputError } from '../errors.js';
import { limit, type LimitKey } from '../limits.js';

export type Shape<T> = (value: unknown, path: string, doc: string) => T;

/** The type of a shape's output. */
export type Infer<S> = S extends Shape<infer T> ? T : never;

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** E_MALFORMED naming the document and the field path. */
export function shapeError(doc: string, path: string, expected: string, value: unknown): MalformedInputError {
  const field = path === '' ? '(document)' : path;
  return new MalformedInputError(`${doc}: ${field} must be ${expected}, not ${kind(value)}`, {
    details: { document: doc, field, expected, actual: kind(value) },
  });
}

function join(path: string, key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? (path === '' ? key : `${path}.${key}`) : `${path}[${JSON.stringify(key)}]`;
}

export const str: Shape<string> = (v, path, doc) => {
  if (typeof v !== 'string') throw shapeError(doc, path, 'a string', v);
  return v;
};

export const bool: Shape<boolean> = (v, path, doc) => {
  if (typeof v !== 'boolean') throw shapeError(doc, path, 'a boolean', v);
  return v;
};

/** A finite number. */
export const num: Shape<number> = (v, path, doc) => {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw shapeError(doc, path, 'a number', v);
  return v;
};

/** A non-negative safe integer (sizes, counts). */
export const size: Shape<number> = (v, path, doc) => {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw shapeError(doc, path, 'a non-negative integer', v);
  return v;
};

export function literal<const T extends string | number>(want: T): Shape<T> {
  return (v, path, doc) => {
    if (v !== want) throw shapeError(doc, path, JSON.stringify(want), v);
    return want;
  };
}

/** A string matching `re` (described as `what`). */
export function pattern(re: RegExp, what: string): Shape<string> {
  return (v, path, doc) => {
    if (typeof v !== 'string' || !re.test(v)) throw shapeError(doc, path, what, v);
    return v;
  };
}

/** Any JSON object (values not checked). */
export const anyObject: Shape<Record<string, unknown>> = (v, path, doc) => {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw shapeError(doc, path, 'an object', v);
  return v as Record<string, unknown>;
};

export function arr<T>(item: Shape<T>, max?: LimitKey): Shape<T[]> {
  return (v, path, doc) => {
    if (!Array.isArray(v)) throw shapeError(doc, path, 'an array', v);
    if (max !== undefined) {
      const cap = limit(max);
      if (v.length > cap) {
        throw new LimitExceededError(max, cap, `${doc}: ${path || '(document)'} has ${v.length} entries, over the ${max} limit of ${cap}`, {
          actual: v.length,
          details: { document: doc, field: path || '(document)' },
        });
      }
    }
    for (let i = 0; i < v.length; i++) item(v[i], `${path}[${i}]`, doc);
    return v as T[];
  };
}

/** An object used as a map: every value has shape `value`. */
export function record<T>(value: Shape<T>): Shape<Record<string, T>> {
  return (v, path, doc) => {
    const o = anyObject(v, path, doc);
    for (const k of Object.keys(o)) value(o[k], join(path, k), doc);
    return o as Record<string, T>;
  };
}

/** A field shape that may be absent (`nullable`: or null, kept as null). */
export type Optional<T> = Shape<T> & { optional: true; nullable?: true };

/** A field that may be absent (a `null` is deleted, i.e. read as absent). */
export function opt<T>(shape: Shape<T>): Optional<T> {
  const s = ((v, path, doc) => shape(v, path, doc)) as Optional<T>;
  s.optional = true;
  return s;
}

/** A field that may be absent or `null` (kept: Entrypoint/Cmd null means "reset"). */
export function nullable<T>(shape: Shape<T>): Optional<T | null> {
  const s = opt(shape) as Optional<T | null>;
  s.nullable = true;
  return s;
}

export type Fields = Record<string, Shape<unknown>>;
export type OptionalKeys<F extends Fields> = { [K in keyof F]: F[K] extends { optional: true } ? K : never }[keyof F];
export type RequiredKeys<F extends Fields> = Exclude<keyof F, OptionalKeys<F>>;
export type ObjOf<F extends Fields> = { [K in RequiredKeys<F>]: Infer<F[K]> } & { [K in OptionalKeys<F>]?: Infer<F[K]> };

/**
 * An object with these fields checked (required unless `opt`/`nullable`); other fields are
 * left as they are.
 */
export function obj<F extends Fields>(fields: F): Shape<ObjOf<F>> {
  const entries = Object.entries(fields) as Array<[string, Shape<unknown> & { optional?: true; nullable?: true }]>;
  return (v, path, doc) => {
    const o = anyObject(v, path, doc);
    for (const [k, shape] of entries) {
      const value = o[k];
      const at = join(path, k);
      if (value === undefined || (value === null && shape.optional === true && shape.nullable !== true)) {
        if (shape.optional !== true) throw shapeError(doc, at, 'present', value);
        if (value === null) delete o[k];
        continue;
      }
      if (value === null && shape.nullable === true) continue;
      shape(value, at, doc);
    }
    return o as ObjOf<F>;
  };
}

/** Check `value` against `shape` as the whole document `doc`. */
export function check<T>(shape: Shape<T>, value: unknown, doc: string): T {
  return shape(value, '', doc);
}
