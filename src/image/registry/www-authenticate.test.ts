import { describe, expect, it } from 'vitest';
import { challengeScopes, parseWwwAuthenticate } from './www-authenticate.js';

describe('parseWwwAuthenticate', () => {
  it('parses a Docker Hub style Bearer challenge with commas inside the scope', () => {
    const [c, ...rest] = parseWwwAuthenticate(
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push"',
    );
    expect(rest).toEqual([]);
    expect(c).toEqual({
      scheme: 'bearer',
      params: {
        realm: 'https://auth.docker.io/token',
        service: 'registry.docker.io',
        scope: 'repository:samalba/my-app:pull,push',
      },
    });
  });

  it('parses several challenges, unquoted values, odd spacing and escapes', () => {
    const cs = parseWwwAuthenticate('Basic realm="reg\\"istry" ,  BEARER realm=https://x/t , service = svc,error="invalid_token"');
    expect(cs).toEqual([
      { scheme: 'basic', params: { realm: 'reg"istry' } },
      { scheme: 'bearer', params: { realm: 'https://x/t', service: 'svc', error: 'invalid_token' } },
    ]);
  });

  it('splits multiple scopes on spaces', () => {
    const [c] = parseWwwAuthenticate('Bearer realm="r",scope="repository:a:pull repository:b:pull,push"');
    expect(challengeScopes(c!)).toEqual(['repository:a:pull', 'repository:b:pull,push']);
  });

  it('tolerates garbage without throwing or looping', () => {
    expect(parseWwwAuthenticate('')).toEqual([]);
    const junk = parseWwwAuthenticate('=x, ;;; "unterminated');
    expect(junk.every((c) => Object.keys(c.params).length === 0)).toBe(true);
    expect(parseWwwAuthenticate('Bearer realm="unterminated')).toEqual([
      { scheme: 'bearer', params: { realm: 'unterminated' } },
    ]);
  });
});
