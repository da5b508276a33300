/**
 * Parser for the HTTP `WWW-Authenticate` header (RFC 9110 section 11.6.1), as registries send it:
 *
 *   Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:a/b:pull"
 *   Basic realm="registry"
 *
 * A header may carry several challenges separated by commas ("Basic realm=x, Bearer realm=y"), and
 * auth-param values are tokens or quoted strings with backslash escapes. Scope values contain
 * commas and colons ("pull,push"), which is why a naive split on "," is wrong.
 * Pure: no I/O.
 */
export interface Challenge {
  /** Lower-cased scheme: "bearer", "basic", ... */
  scheme: string;
  /** Lower-cased parameter names. */
  params: Record<string, string>;
}

const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

export function parseWwwAuthenticate(header: string): Challenge[] {
  const out: Challenge[] = [];
  let i = 0;
  const n = header.length;
  const skipWs = (): void => {
    while (i < n && (header[i] === ' ' || header[i] === '\t')) i++;
  };
  const readToken = (): string => {
    const start = i;
    while (i < n && TOKEN_CHAR.test(header[i]!)) i++;
    return header.slice(start, i);
  };
  // Unquoted values should be tokens, but registries send bare URLs (realm=https://x/t): accept
  // anything up to the next comma or whitespace.
  const readBare = (): string => {
    const start = i;
    while (i < n && header[i] !== ',' && header[i] !== ' ' && header[i] !== '\t') i++;
    return header.slice(start, i);
  };
  const readQuoted = (): string => {
    // header[i] === '"'
    i++;
    let value = '';
    while (i < n && header[i] !== '"') {
      if (header[i] === '\\' && i + 1 < n) i++;
      value += header[i];
      i++;
    }
    i++; // closing quote (or end of input: tolerate an unterminated string)
    return value;
  };

  let current: Challenge | undefined;
  while (i < n) {
    skipWs();
    if (header[i] === ',') {
      i++;
      continue;
    }
    const word = readToken();
    if (word === '') {
      // Unknown character: skip it rather than loop forever.
      i++;
      continue;
    }
    skipWs();
    if (header[i] === '=') {
      i++;
      skipWs();
      const value = header[i] === '"' ? readQuoted() : readBare();
      // A parameter before any scheme is malformed; drop it.
      if (current !== undefined) current.params[word.toLowerCase()] = value;
      continue;
    }
    // A token not followed by "=" starts a new challenge. (token68 credentials such as
    // "Negotiate abc==" are not used by registries and are not supported.)
    current = { scheme: word.toLowerCase(), params: {} };
    out.push(current);
  }
  return out;
}

/** Scopes from a Bearer challenge's `scope` param: space-separated per the token spec. */
export function challengeScopes(challenge: Challenge): string[] {
  const scope = challenge.params['scope'];
  if (scope === undefined || scope === '') return [];
  return scope.split(' ').filter((s) => s !== '');
}
