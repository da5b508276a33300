/**
 * Path hygiene for layer tar entries. Analysis never touches the host filesystem, so a
 * hostile name is neutralised (normalised inside the image root) and reported; code that
 * extracts uses `safeJoin`, which refuses escapes with E_UNSAFE_PATH.
 * (image-spec `layer.md`: paths are relative to the root; dive applies path.Clean.)
 */
import { resolve, sep } from 'node:path';
import { UnsafePathError } from '../../errors.js';

export type PathIssue = 'parent-escape' | 'absolute';

export interface NormalisedPath {
  /** Relative to the image root, no leading "./" or "/", no "." or ".." components; "" is the root. */
  path: string;
  /** Set when the raw name tried to leave the root or was absolute. */
  issue?: PathIssue;
}

const NEEDS_WORK = /(^|\/)\.{1,2}(\/|$)|\/\/|^\/|\/$/;

/** Lexical normalisation; ".." above the root is clamped at the root and flagged. */
export function normaliseEntryPath(raw: string): NormalisedPath {
  if (!NEEDS_WORK.test(raw)) return { path: raw };
  const out: string[] = [];
  let escaped = false;
  for (const part of raw.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === 0) escaped = true;
      else out.pop();
      continue;
    }
    out.push(part);
  }
  const result: NormalisedPath = { path: out.join('/') };
  if (escaped) result.issue = 'parent-escape';
  else if (raw.startsWith('/')) result.issue = 'absolute';
  return result;
}

export function parentPath(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/**
 * Where a symlink at `linkPath` pointing at `target` lands, resolved lexically inside the
 * image (absolute targets are relative to the image root, as in a container). `escapes`
 * is true when a relative target climbs above the root: harmless in the image (the kernel
 * clamps at /) but the classic extraction exploit, so it is reported.
 */
export function symlinkTarget(linkPath: string, target: string): { path: string; escapes: boolean } {
  const joined = target.startsWith('/') ? target : `${parentPath(linkPath)}/${target}`;
  const n = normaliseEntryPath(joined);
  return { path: n.path, escapes: n.issue === 'parent-escape' };
}

/** Join an entry name under an extraction root, refusing anything that would escape it. */
export function safeJoin(root: string, rawName: string): string {
  const n = normaliseEntryPath(rawName);
  if (n.issue === 'parent-escape') throw new UnsafePathError(`entry ${JSON.stringify(rawName)} escapes the extraction root`);
  const base = resolve(root);
  const full = resolve(base, n.path);
  if (full !== base && !full.startsWith(base + sep)) {
    throw new UnsafePathError(`entry ${JSON.stringify(rawName)} escapes the extraction root`);
  }
  return full;
}
