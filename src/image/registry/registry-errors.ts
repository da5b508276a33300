/**
 * Mapping of registry HTTP failures to goslim's typed errors. distribution-spec errors are a JSON
 * body `{"errors":[{"code","message","detail"}]}`; the codes are kept in `details.errors` so
 * scripts can match on them. Every string passes through the SecretSet first.
 */
import { errorForCode, GoslimError, type ErrorCode } from '../../errors.js';
import type { SecretSet } from './redact.js';

export interface RegistryErrorEntry {
  code: string;
  message?: string;
  detail?: string;
}

export interface RequestContext {
  registry: string;
  repository?: string;
  /** What was being done, for the message: "GET manifest latest". */
  what: string;
}

const NOT_FOUND_CODES = new Set(['MANIFEST_UNKNOWN', 'BLOB_UNKNOWN', 'NAME_UNKNOWN', 'BLOB_UPLOAD_UNKNOWN']);

/** Parse a distribution error body; tolerant of non-JSON bodies (pure). */
export function parseErrorBody(text: string): RegistryErrorEntry[] {
  try {
    const parsed = JSON.parse(text) as { errors?: unknown };
    if (!Array.isArray(parsed.errors)) return [];
    return parsed.errors.flatMap((e: unknown): RegistryErrorEntry[] => {
      if (e === null || typeof e !== 'object') return [];
      const o = e as Record<string, unknown>;
      if (typeof o['code'] !== 'string') return [];
      const entry: RegistryErrorEntry = { code: o['code'] };
      if (typeof o['message'] === 'string') entry.message = o['message'];
      if (o['detail'] !== undefined && o['detail'] !== null) {
        const d = typeof o['detail'] === 'string' ? o['detail'] : JSON.stringify(o['detail']);
        entry.detail = d.length > 300 ? `${d.slice(0, 300)}…` : d;
      }
      return [entry];
    });
  } catch {
    return [];
  }
}

/** Choose the goslim code for an HTTP failure (pure). */
export function errorCodeFor(status: number, entries: RegistryErrorEntry[]): ErrorCode {
  if (status === 401 || status === 403) return 'E_AUTH';
  if (entries.some((e) => e.code === 'UNAUTHORIZED' || e.code === 'DENIED')) return 'E_AUTH';
  if (entries.some((e) => NOT_FOUND_CODES.has(e.code))) return 'E_NOT_FOUND';
  if (status === 404 && entries.length === 0) return 'E_NOT_FOUND';
  if (entries.some((e) => e.code === 'DIGEST_INVALID')) return 'E_DIGEST_MISMATCH';
  return 'E_REGISTRY';
}

export function registryError(
  status: number,
  bodyText: string,
  ctx: RequestContext,
  secrets: SecretSet,
): GoslimError {
  const entries = parseErrorBody(bodyText);
  const code = errorCodeFor(status, entries);
  const where = ctx.repository ? `${ctx.registry}/${ctx.repository}` : ctx.registry;
  const summary = entries.length > 0 ? entries.map((e) => `${e.code}${e.message ? ` (${e.message})` : ''}`).join(', ') : `HTTP ${status}`;
  let message: string;
  if (code === 'E_AUTH') {
    message = status === 403 || entries.some((e) => e.code === 'DENIED')
      ? `access denied by ${where} for ${ctx.what}: ${summary}`
      : `authentication failed for ${where} (${ctx.what}): ${summary}; check the credentials in your Docker config`;
  } else if (code === 'E_NOT_FOUND') {
    message = `not found on ${where}: ${ctx.what}: ${summary}`;
  } else {
    message = `registry ${where} failed ${ctx.what}: ${summary}`;
  }
  const details: Record<string, unknown> = { registry: ctx.registry, status };
  if (ctx.repository) details['repository'] = ctx.repository;
  if (entries.length > 0) details['errors'] = entries;
  return errorForCode(code, secrets.text(message), { details: secrets.value(details) as Record<string, unknown> });
}
