/**
 * Choosing one image from a multi-platform index (pure). Attestation manifests (BuildKit
 * `vnd.docker.reference.type: attestation-manifest`, platform unknown/unknown) are never
 * candidates. Default: the only platform, else linux/amd64.
 */
import { PlatformError, UsageError } from '../../errors.js';
import { parsePlatform, platformString, type Descriptor, type Platform } from '../model.js';

export const DEFAULT_PLATFORM: Platform = { os: 'linux', architecture: 'amd64' };

export function isAttestation(d: Descriptor): boolean {
  return (
    d.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest' ||
    (d.platform?.os === 'unknown' && d.platform.architecture === 'unknown')
  );
}

export function platformMatches(want: Platform, have: Platform): boolean {
  if (want.os !== have.os || want.architecture !== have.architecture) return false;
  if (want.variant === undefined) return true;
  // arm64 images usually omit the (only) variant v8.
  if (have.variant === undefined) return want.architecture === 'arm64' && want.variant === 'v8';
  return want.variant === have.variant;
}

/** Parse a --platform value with a typed error. */
export function parsePlatformOption(text: string): Platform {
  try {
    return parsePlatform(text);
  } catch {
    throw new UsageError(`--platform must be os/arch[/variant], got "${text}"`);
  }
}

/**
 * Pick one of `candidates` (each with a known platform). Throws E_PLATFORM listing the
 * available platforms when none matches or the choice is ambiguous.
 */
export function selectPlatform<T>(
  candidates: Array<{ platform: Platform; item: T }>,
  wanted: string | undefined,
  where: string,
): T {
  const available = [...new Set(candidates.map((c) => platformString(c.platform)))];
  const fail = (why: string): never => {
    throw new PlatformError(`${where}: ${why}; available: ${available.join(', ') || '(none)'}`, {
      details: { available },
    });
  };
  if (candidates.length === 0) return fail('no image manifests');
  if (wanted === undefined) {
    if (candidates.length === 1) return candidates[0]!.item;
    const amd64 = candidates.filter((c) => platformMatches(DEFAULT_PLATFORM, c.platform));
    if (amd64.length === 1) return amd64[0]!.item;
    return fail(amd64.length > 1 ? 'several linux/amd64 images' : 'several platforms and none is linux/amd64 (use --platform)');
  }
  const want = parsePlatformOption(wanted);
  const matches = candidates.filter((c) => platformMatches(want, c.platform));
  if (matches.length === 1) return matches[0]!.item;
  if (matches.length === 0) return fail(`no image for platform ${wanted}`);
  // Several variants of one arch and no variant asked for: prefer the one without a variant.
  const plain = matches.filter((c) => c.platform.variant === undefined);
  if (plain.length === 1) return plain[0]!.item;
  return fail(`several images match platform ${wanted}`);
}
