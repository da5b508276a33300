import { describe, expect, it } from 'vitest';
import { isGoslimError } from '../../errors.js';
import type { Descriptor } from '../model.js';
import { selectPlatform } from './select-platform.js';

const d = (digit: string, os: string, architecture: string, variant?: string): Descriptor => ({
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest: `sha256:${digit.repeat(64)}`,
  size: 1,
  platform: variant ? { os, architecture, variant } : { os, architecture },
});

describe('selectPlatform', () => {
  const list = [d('1', 'linux', 'arm64', 'v8'), d('2', 'linux', 'amd64'), d('3', 'unknown', 'unknown'), d('4', 'linux', 'arm', 'v7')];

  it('defaults to linux/amd64', () => {
    expect(selectPlatform(list, undefined, 'x').digest).toBe(list[1]!.digest);
  });

  it('matches arm64 with or without the v8 variant, and arm/v7 exactly', () => {
    expect(selectPlatform(list, 'linux/arm64', 'x').digest).toBe(list[0]!.digest);
    expect(selectPlatform(list, 'linux/arm64/v8', 'x').digest).toBe(list[0]!.digest);
    expect(selectPlatform(list, 'linux/arm/v7', 'x').digest).toBe(list[3]!.digest);
  });

  it('takes the only runnable platform, ignoring attestations', () => {
    const only = [d('5', 'linux', 's390x'), d('6', 'unknown', 'unknown')];
    expect(selectPlatform(only, undefined, 'x').digest).toBe(only[0]!.digest);
  });

  it('lists what is available when nothing matches', () => {
    try {
      selectPlatform(list, 'linux/riscv64', 'img');
      expect.unreachable();
    } catch (err) {
      expect(isGoslimError(err, 'E_PLATFORM')).toBe(true);
      expect((err as { details: { platforms: string[] } }).details.platforms).toEqual(['linux/arm64/v8', 'linux/amd64', 'linux/arm/v7']);
    }
  });
});
