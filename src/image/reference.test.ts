import { describe, expect, it } from 'vitest';
import { formatImageReference, parseImageReference, parseRegistryReference, type PathKind } from './reference.js';
import { isGoslimError } from '../errors.js';

const D = `sha256:${'a'.repeat(64)}`;

describe('parseRegistryReference (docker normalisation)', () => {
  const cases: Array<[string, object]> = [
    ['golang:1.19', { registry: 'docker.io', repository: 'library/golang', tag: '1.19' }],
    ['golang', { registry: 'docker.io', repository: 'library/golang', tag: 'latest' }],
    ['user/app', { registry: 'docker.io', repository: 'user/app', tag: 'latest' }],
    ['index.docker.io/library/alpine:3', { registry: 'docker.io', repository: 'library/alpine', tag: '3' }],
    ['localhost/app:v1', { registry: 'localhost', repository: 'app', tag: 'v1' }],
    ['localhost:5000/team/app', { registry: 'localhost:5000', repository: 'team/app', tag: 'latest' }],
    ['127.0.0.1:5000/app:v1', { registry: '127.0.0.1:5000', repository: 'app', tag: 'v1' }],
    ['gcr.io/distroless/static-debian12:nonroot', { registry: 'gcr.io', repository: 'distroless/static-debian12', tag: 'nonroot' }],
    [`alpine@${D}`, { registry: 'docker.io', repository: 'library/alpine', digest: D }],
    [`ghcr.io/o/r:t@${D}`, { registry: 'ghcr.io', repository: 'o/r', tag: 't', digest: D }],
    ['[::1]:5000/app', { registry: '[::1]:5000', repository: 'app', tag: 'latest' }],
  ];
  for (const [text, want] of cases) {
    it(text, () => expect(parseRegistryReference(text)).toEqual(want));
  }
  for (const bad of ['', 'UPPER', 'a//b', 'app:', 'app@sha256:xyz', 'app:-bad', `app@sha256:${'A'.repeat(64)}`, 'a/b_/c']) {
    it(`rejects ${JSON.stringify(bad)} with E_REFERENCE`, () => {
      let err: unknown;
      try {
        parseRegistryReference(bad);
      } catch (e) {
        err = e;
      }
      expect(isGoslimError(err, 'E_REFERENCE')).toBe(true);
    });
  }
});

describe('parseImageReference (transports)', () => {
  it('parses skopeo transports', () => {
    expect(parseImageReference('docker-archive:/tmp/a.tar')).toEqual({ transport: 'docker-archive', path: '/tmp/a.tar' });
    expect(parseImageReference('docker-archive:/tmp/a.tar:app:v1')).toEqual({
      transport: 'docker-archive',
      path: '/tmp/a.tar',
      ref: 'app:v1',
    });
    expect(parseImageReference('oci:/tmp/l:v2')).toEqual({ transport: 'oci', path: '/tmp/l', ref: 'v2' });
    expect(parseImageReference('oci-archive:x.tar')).toEqual({ transport: 'oci-archive', path: 'x.tar' });
    expect(parseImageReference('docker://golang:1.19')).toEqual({
      transport: 'docker',
      registry: { registry: 'docker.io', repository: 'library/golang', tag: '1.19' },
    });
    expect(formatImageReference(parseImageReference('docker://golang:1.19'))).toBe('docker://docker.io/library/golang:1.19');
  });

  it('auto-detects bare paths through the probe', () => {
    const kinds: Record<string, PathKind> = { '/l': 'oci-dir', '/d.tar': 'docker-archive', '/o.tar': 'oci-archive' };
    const probe = (p: string): PathKind => kinds[p] ?? 'missing';
    expect(parseImageReference('/l', { probe })).toEqual({ transport: 'oci', path: '/l' });
    expect(parseImageReference('/d.tar', { probe })).toEqual({ transport: 'docker-archive', path: '/d.tar' });
    expect(parseImageReference('/o.tar', { probe })).toEqual({ transport: 'oci-archive', path: '/o.tar' });
    expect(parseImageReference('alpine:3', { probe }).transport).toBe('docker');
  });

  it('gives typed errors for paths that are not images', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return isGoslimError(e) ? e.code : 'untyped';
      }
      return undefined;
    };
    expect(code(() => parseImageReference('./missing.tar', { probe: () => 'missing' }))).toBe('E_NOT_FOUND');
    expect(code(() => parseImageReference('/some/dir', { probe: () => 'dir' }))).toBe('E_UNSUPPORTED_FORMAT');
    expect(code(() => parseImageReference('/f', { probe: () => 'file' }))).toBe('E_UNSUPPORTED_FORMAT');
    expect(code(() => parseImageReference('oci:'))).toBe('E_REFERENCE');
    expect(code(() => parseImageReference('   '))).toBe('E_REFERENCE');
  });
});

describe('local engine transports and unknown transports (#18)', () => {
  it('docker-daemon: and containers-storage: parse, with skopeo\'s [DRIVER@ROOT]', () => {
    expect(parseImageReference('docker-daemon:app:v1')).toEqual({ transport: 'docker-daemon', name: 'app:v1' });
    expect(parseImageReference(`docker-daemon:${'b'.repeat(64)}`)).toEqual({ transport: 'docker-daemon', name: 'b'.repeat(64) });
    expect(parseImageReference('containers-storage:localhost/app:1')).toEqual({ transport: 'containers-storage', name: 'localhost/app:1' });
    const r = parseImageReference('containers-storage:[overlay@/var/lib/x+/run/x]app');
    expect(r).toEqual({ transport: 'containers-storage', name: 'app', store: { driver: 'overlay', root: '/var/lib/x' } });
    expect(formatImageReference(r)).toBe('containers-storage:[overlay@/var/lib/x]app');
  });
  it('a bare name is a registry reference marked bare (an engine is asked first)', () => {
    expect(parseImageReference('app')).toMatchObject({ transport: 'docker', bare: true });
    expect(parseImageReference('docker://app')).not.toHaveProperty('bare');
  });
  it('a mistyped transport is E_REFERENCE with the nearest one', () => {
    for (const [text, want] of [
      ['docker-archve:/tmp/x.tar', 'docker-archive:'],
      ['docker-deamon:app', 'docker-daemon:'],
      ['oci-archiv:x.tar', 'oci-archive:'],
      ['containers-storag:app', 'containers-storage:'],
      ['ocl:/tmp/layout', 'oci:'],
    ] as const) {
      let err: unknown;
      try {
        parseImageReference(text);
      } catch (e) {
        err = e;
      }
      expect(isGoslimError(err, 'E_REFERENCE'), text).toBe(true);
      expect((err as Error).message).toContain(`did you mean ${want}?`);
    }
    expect(() => parseImageReference('dir:/tmp/x')).toThrow(/not supported/);
    // Names with tags stay names.
    expect(parseImageReference('golang:1.19')).toMatchObject({ transport: 'docker' });
    expect(parseImageReference('oci:1')).toMatchObject({ transport: 'oci', path: '1' });
    expect(parseImageReference('docker:24')).toMatchObject({ transport: 'docker' });
  });
});
