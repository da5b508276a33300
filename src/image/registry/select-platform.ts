/**
 * Choosing one image from an index or manifest list by platform (pure).
 * Default: linux/amd64, else the only runnable platform. Attestation manifests (BuildKit
 * writes them with platform unknown/unknown) are never candidates.
 */
import { GoslimError } from '../../errors.js';
import { parsePlatform, platformString, type Descriptor, type Platform } from '../model.js';

function isAttestation(d: Descriptor): boolean {
  return (
    (d.platform?.os === 'unknown' && d.platform.architecture === 'unknown') ||
    d.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest'
  );
}

/** arm64 entries usually say variant v8; a request without variant accepts any variant. */
function normVariant(p: Platform): string | undefined {
  if (p.variant !== undefined) return p.variant;
  if (p.architecture === 'arm64') return 'v8';
  return undefined;
}

export function selectPlatform(manifests: Descriptor[], wanted: string | undefined, where: string): Descriptor {
  const candidates = manifests.filter((d) => !isAttestation(d));
  const available = candidates.map((d) => (d.platform ? platformString(d.platform) : '(no platform)'));
  if (candidates.length === 0) {
    throw new GoslimError('E_PLATFORM', `${where} lists no runnable image`, { details: { platforms: [] } });
  }
  let want: Platform;
  if (wanted === undefined) {
    if (candidates.length === 1) return candidates[0]!;
    want = { os: 'linux', architecture: 'amd64' };
  } else {
    try {
      want = parsePlatform(wanted);
    } catch {
      throw new GoslimError('E_USAGE', `--platform must be os/arch[/variant], got "${wanted}"`);
    }
  }
  const matches = candidates.filter(
    (d) =>
      d.platform !== undefined &&
      d.platform.os === want.os &&
      d.platform.architecture === want.architecture &&
      (want.variant === undefined || normVariant(d.platform) === normVariant(want)),
  );
  // Prefer an exact variant match, then the first entry (index order is the publisher's preference).
  const exact = matches.find((d) => d.platform?.variant === want.variant);
  const chosen = exact ?? matches[0];
  if (chosen === undefined) {
    throw new GoslimError(
      'E_PLATFORM',
      `${where} has no image for ${platformString(want)}; available: ${available.join(', ')} (choose one with --platform)`,
      { details: { wanted: platformString(want), platforms: available } },
    );
  }
  return chosen;
}
