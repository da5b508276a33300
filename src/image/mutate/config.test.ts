import { describe, expect, it } from 'vitest';
import type { ImageConfig } from '../model.js';
import { applyConfigChanges, normalisePort, parseEnv } from './config.js';
import { ociLayerMediaType } from './mutate.js';
import { MediaType } from '../model.js';

const distroless: ImageConfig = {
  architecture: 'amd64',
  os: 'linux',
  config: {
    User: '65532',
    Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt'],
    WorkingDir: '/home/nonroot',
    Cmd: ['/bin/sh'],
  },
  rootfs: { type: 'layers', diff_ids: ['sha256:' + 'a'.repeat(64), 'sha256:' + 'b'.repeat(64)] },
};

describe('applyConfigChanges', () => {
  it('keeps the base Env, appends to PATH, replaces by key, clears an inherited Cmd', () => {
    const out = applyConfigChanges(
      distroless,
      { entrypoint: ['/ko-app/app'], pathAppend: ['/ko-app'], env: ['SSL_CERT_FILE=/x', 'A=b=c'], ports: ['8080', '53/UDP', '8080/tcp'], labels: { z: '1', a: '2' } },
      [{ diffId: 'sha256:' + 'c'.repeat(64), history: { created_by: 'x' } }],
    );
    expect(out.config?.Env).toEqual([
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/ko-app',
      'SSL_CERT_FILE=/x',
      'A=b=c',
    ]);
    expect(out.config?.Entrypoint).toEqual(['/ko-app/app']);
    expect(out.config?.Cmd).toBeNull();
    expect(Object.keys(out.config?.ExposedPorts ?? {})).toEqual(['53/udp', '8080/tcp']);
    expect(Object.keys(out.config?.Labels ?? {})).toEqual(['a', 'z']);
    expect(out.config?.WorkingDir).toBe('/home/nonroot');
    expect(out.rootfs.diff_ids).toHaveLength(3);
    // The base had no history: placeholders keep history and layers paired.
    expect(out.history?.map((h) => h.created_by ?? h.comment)).toEqual(['base layer', 'base layer', 'x']);
    expect(distroless.config?.Env).toHaveLength(2); // input untouched
  });

  it('rejects malformed env entries and ports with E_USAGE', () => {
    expect(() => parseEnv('=x')).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
    expect(() => parseEnv('NOVALUE')).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
    expect(() => normalisePort('0')).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
    expect(() => normalisePort('70000')).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
    expect(() => normalisePort('80/icmp')).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
    expect(normalisePort(' 443/TCP ')).toBe('443/tcp');
  });

  it('maps Docker layer media types to their OCI twins', () => {
    expect(ociLayerMediaType(MediaType.DockerLayerGzip)).toBe(MediaType.OciLayerGzip);
    expect(ociLayerMediaType(MediaType.DockerLayerTar)).toBe(MediaType.OciLayer);
    expect(ociLayerMediaType(MediaType.OciLayerZstd)).toBe(MediaType.OciLayerZstd);
  });
});
