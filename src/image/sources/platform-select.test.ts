import { describe, expect, it } from 'vitest';
import { isGoslimError } from '../../errors.js';
import type { Descriptor, Platform } from '../model.js';
import { isAttestation, selectPlatform } from './platform-select.js';

const d = (digit: string, os: string, architecture: string, variant?: string): Descriptor => ({
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest: `sha256:${digit.repeat(64)}`,
  size: 1,
  platform: variant ? { os, architecture, variant } : { os, architecture },
});
/** What every source does with an index: attestations out, then choose. */
const pick = (list: Descriptor[], wanted: string | undefined): Descriptor =>
  selectPlatform(
    list.filter((x) => !isAttestation(x)).map((x) => ({ platform: x.platform as Platform, item: x })),
    wanted,
    'img',
  );

describe('selectPlatform (all sources: archives, layouts, registries)', () => {
  const list = [d('1', 'linux', 'arm64', 'v8'), d('2', 'linux', 'amd64'), d('3', 'unknown', 'unknown'), d('4', 'linux', 'arm', 'v7')];

  it('defaults to linux/amd64', () => {
    expect(pick(list, undefined).digest).toBe(list[1]!.digest);
  });

  it('matches arm64 with or without the v8 variant, and arm/v7 exactly', () => {
    expect(pick(list, 'linux/arm64').digest).toBe(list[0]!.digest);
    expect(pick(list, 'linux/arm64/v8').digest).toBe(list[0]!.digest);
    expect(pick(list, 'linux/arm/v7').digest).toBe(list[3]!.digest);
  });

  it('takes the only runnable platform, ignoring attestations', () => {
    const only = [d('5', 'linux', 's390x'), d('6', 'unknown', 'unknown')];
    expect(pick(only, undefined).digest).toBe(only[0]!.digest);
  });

  it('lists what is available when nothing matches', () => {
    try {
      pick(list, 'linux/riscv64');
      expect.unreachable();
    } catch (err) {
      expect(isGoslimError(err, 'E_PLATFORM')).toBe(true);
      expect((err as { details: { available: string[] } }).details.available).toEqual(['linux/arm64/v8', 'linux/amd64', 'linux/arm/v7']);
    }
  });

  it('rejects a malformed --platform as a usage error', () => {
    expect(() => pick(list, 'linux')).toThrowError(expect.objectContaining({ code: 'E_USAGE' }));
  });
});
