import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { isGoslimError } from '../../errors.js';
import { mergeScopes, validateRealm } from './auth.js';
import { chunks, withDigest } from './client.js';
import { SecretSet } from './redact.js';
import { errorCodeFor, parseErrorBody, registryError } from './registry-errors.js';
import { apiHost, baseUrlFor, parseWarnings } from './transport.js';

describe('transport helpers', () => {
  it('uses https except for loopback hosts or insecure registries, and Hub API host', () => {
    expect(baseUrlFor('ghcr.io', false)).toBe('https://ghcr.io');
    expect(baseUrlFor('127.0.0.1:5000', false)).toBe('http://127.0.0.1:5000');
    expect(baseUrlFor('localhost:5000', false)).toBe('http://localhost:5000');
    expect(baseUrlFor('[::1]:5000', false)).toBe('http://[::1]:5000');
    expect(baseUrlFor('registry.lan:5000', false)).toBe('https://registry.lan:5000');
    expect(baseUrlFor('registry.lan:5000', true)).toBe('http://registry.lan:5000');
    expect(apiHost('docker.io')).toBe('registry-1.docker.io');
    expect(baseUrlFor('docker.io', false)).toBe('https://registry-1.docker.io');
  });

  it('parses Warning headers', () => {
    expect(parseWarnings('299 - "this repository is deprecated", 299 - "second \\"quoted\\""')).toEqual([
      'this repository is deprecated',
      'second "quoted"',
    ]);
    expect(parseWarnings(null)).toEqual([]);
  });
});

describe('auth helpers', () => {
  it('merges scopes per resource', () => {
    expect(mergeScopes(['repository:a:pull', 'repository:a:push', 'repository:b:pull', 'repository:a:pull'])).toEqual([
      'repository:a:pull,push',
      'repository:b:pull',
    ]);
  });

  it('refuses realms that would leak credentials', () => {
    expect(validateRealm('https://auth.example/token', false, 'r').host).toBe('auth.example');
    expect(validateRealm('http://127.0.0.1:9/token', false, 'r').port).toBe('9');
    for (const bad of ['http://auth.example/token', 'file:///etc/passwd', 'http://169.254.169.254/latest', 'not a url']) {
      expect(() => validateRealm(bad, false, 'r')).toThrow();
    }
    expect(validateRealm('http://auth.example/token', true, 'r').protocol).toBe('http:');
  });
});

describe('registry errors', () => {
  it('maps distribution codes to goslim codes', () => {
    expect(errorCodeFor(404, parseErrorBody('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}'))).toBe('E_NOT_FOUND');
    expect(errorCodeFor(404, [])).toBe('E_NOT_FOUND');
    expect(errorCodeFor(401, [])).toBe('E_AUTH');
    expect(errorCodeFor(403, parseErrorBody('{"errors":[{"code":"DENIED"}]}'))).toBe('E_AUTH');
    expect(errorCodeFor(400, parseErrorBody('{"errors":[{"code":"DIGEST_INVALID"}]}'))).toBe('E_DIGEST_MISMATCH');
    expect(errorCodeFor(400, parseErrorBody('{"errors":[{"code":"MANIFEST_INVALID","detail":{"x":1}}]}'))).toBe('E_REGISTRY');
    expect(parseErrorBody('<html>oops</html>')).toEqual([]);
  });

  it('redacts secrets in messages and details', () => {
    const secrets = new SecretSet();
    secrets.addBasic('bob', 'hunter22');
    const err = registryError(400, '{"errors":[{"code":"X","message":"got hunter22","detail":"Basic Ym9iOmh1bnRlcjIy"}]}', { registry: 'r', what: 'GET' }, secrets);
    expect(isGoslimError(err, 'E_REGISTRY')).toBe(true);
    expect(JSON.stringify(err)).not.toMatch(/hunter22|Ym9iOmh1bnRlcjIy/);
    expect(err.details?.['errors']).toEqual([{ code: 'X', message: 'got [REDACTED]', detail: 'Basic [REDACTED]' }]);
  });
});

describe('upload helpers', () => {
  it('appends the digest to an upload location, keeping its query', () => {
    expect(withDigest('http://r/v2/a/blobs/uploads/u?_state=abc', 'sha256:00')).toBe('http://r/v2/a/blobs/uploads/u?_state=abc&digest=sha256%3A00');
  });

  it('re-chunks a stream into exact sizes', async () => {
    const src = Readable.from([Buffer.alloc(3, 1), Buffer.alloc(10, 2), Buffer.alloc(1, 3)]);
    const sizes: number[] = [];
    const all: Buffer[] = [];
    for await (const c of chunks(src, 4)) {
      sizes.push(c.length);
      all.push(c);
    }
    expect(sizes).toEqual([4, 4, 4, 2]);
    expect(Buffer.concat(all)).toEqual(Buffer.concat([Buffer.alloc(3, 1), Buffer.alloc(10, 2), Buffer.alloc(1, 3)]));
  });
});
