import { describe, expect, it } from 'vitest';
import { validateConfig } from '../config/index.js';
import { insecureFor, networkOptions, registryHostOf } from './config.js';

const cfg = (raw: unknown) => validateConfig(raw, { knownRules: [] }).config;

describe('CLI config merging', () => {
  it('registry hosts of references; none for archives and layouts', () => {
    expect(registryHostOf('registry.internal:5000/app:1')).toBe('registry.internal:5000');
    expect(registryHostOf('docker://golang:1.19')).toBe('docker.io');
    expect(registryHostOf('oci:/tmp/layout')).toBeNull();
    expect(registryHostOf('./app.tar')).toBeNull();
  });

  it('registries.insecure allows plain HTTP only when every registry of the run is listed; --insecure always', () => {
    const c = cfg({ registries: { insecure: ['registry.internal:5000'] } });
    expect(insecureFor(undefined, ['registry.internal:5000/app:1'], c)).toBe(true);
    expect(insecureFor(undefined, ['registry.internal:5000/app:1', 'ghcr.io/x/y:1'], c)).toBe(false);
    expect(insecureFor(undefined, ['oci:/tmp/x'], c)).toBe(false);
    expect(insecureFor(true, ['ghcr.io/x/y:1'], c)).toBe(true);
    expect(insecureFor(undefined, ['registry.internal:5000/app:1'], cfg({}))).toBe(false);
  });

  it('--request-timeout and --min-rate override registries.*', () => {
    const c = cfg({ registries: { 'request-timeout': '90s', 'min-rate': '10KB/s' } });
    expect(networkOptions({}, c)).toEqual({ requestTimeout: '90s', minRate: '10KB/s' });
    expect(networkOptions({ requestTimeout: '5m' }, c)).toEqual({ requestTimeout: '5m', minRate: '10KB/s' });
    expect(networkOptions({}, cfg({}))).toEqual({});
  });
});
