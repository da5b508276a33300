/**
 * Image references in skopeo's transport syntax (containers/image `transports`):
 *
 *   docker-archive:PATH[:REF]   a `docker save` tar (REF: a RepoTag, or `@N` for the Nth image)
 *   oci:DIR[:REF]               an OCI image layout directory (REF: org.opencontainers.image.ref.name)
 *   oci-archive:PATH[:REF]      a tar of an OCI image layout
 *   docker://NAME[:TAG|@DIGEST] a registry
 *   docker-daemon:NAME[:TAG]    an image in a local Docker or Podman engine (Engine API)
 *   containers-storage:[DRIVER@ROOT]NAME  an image in Podman's/Buildah's store, read from disk
 *
 * A bare name that is no path is `docker` with `bare`: a local engine's image when an engine answers and
 * has it, otherwise the registry (as dive does). A prefix that looks like a transport but is
 * none is E_REFERENCE with the nearest known one.
 *
 * A bare string that names an existing path is auto-detected (a directory with `oci-layout`
 * is `oci:`; a tar file is peeked for `manifest.json` / `oci-layout`); any other bare string
 * is a registry reference, normalised like the Docker CLI (distribution/reference
 * `ParseNormalizedNamed`): `golang:1.19` -> `docker.io/library/golang:1.19`.
 *
 * `parseImageReference` is pure: path facts come from the injected `probe`.
 * `resolveImageReference` (in open.ts' neighbour sources/probe.ts) supplies a real probe.
 */
import { GoslimError, InvalidReferenceError, NotFoundError, UnsupportedFormatError } from '../errors.js';
import { parseDigest } from './digest.js';

/** A normalised registry reference. When neither tag nor digest is given, tag is "latest". */
export interface RegistryReference {
  /** Registry host[:port], e.g. "docker.io", "localhost:5000", "ghcr.io". */
  registry: string;
  /** Repository path, e.g. "library/golang". */
  repository: string;
  tag?: string;
  digest?: string;
}

export type ImageReference =
  | { transport: 'docker-archive'; path: string; ref?: string }
  | { transport: 'oci'; path: string; ref?: string }
  | { transport: 'oci-archive'; path: string; ref?: string }
  /** `bare`: written without `docker://` (a local engine's image when one answers and has it). */
  | { transport: 'docker'; registry: RegistryReference; bare?: true }
  /** An image in a local Docker/Podman engine: `name` as the engine resolves it (a name, an id). */
  | { transport: 'docker-daemon'; name: string }
  /** An image in Podman's/Buildah's local store, read from disk (`[driver@root]` optional). */
  | { transport: 'containers-storage'; name: string; store?: { driver?: string; root: string } };

/** What a path on disk turned out to be (answered by an I/O probe, outside this module). */
export type PathKind = 'oci-dir' | 'dir' | 'docker-archive' | 'oci-archive' | 'file' | 'missing';

export interface ParseReferenceOptions {
  /** Tells what a path is; without it, bare strings are always registry references. */
  probe?: (path: string) => PathKind;
}

export const DOCKER_HUB = 'docker.io';
/** The host Docker Hub's registry API actually answers on. */
export const DOCKER_HUB_API_HOST = 'registry-1.docker.io';

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG_RE = /^[\w][\w.-]{0,127}$/;
/** host (DNS labels or IPv4), or a bracketed IPv6 literal, with an optional port. */
const DOMAIN_RE =
  /^(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?$/;

function refError(text: string, why: string): GoslimError {
  return new InvalidReferenceError(`invalid image reference "${text}": ${why}`);
}

/** Parse a Docker-style name (no transport prefix) into a normalised RegistryReference. */
export function parseRegistryReference(text: string): RegistryReference {
  if (text.length === 0) throw refError(text, 'empty');
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    try {
      parseDigest(digest, 'reference digest');
    } catch {
      throw refError(text, `bad digest "${digest}"`);
    }
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG_RE.test(tag)) throw refError(text, `bad tag "${tag}"`);
  }
  // Docker's splitDockerDomain: the first component is a registry host only when it
  // looks like one (has "." or ":", is "localhost", or has upper case).
  let registry = DOCKER_HUB;
  let repository = rest;
  const slash = rest.indexOf('/');
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase()) {
      registry = first;
      repository = rest.slice(slash + 1);
      if (!DOMAIN_RE.test(registry)) throw refError(text, `bad registry host "${registry}"`);
    }
  }
  if (registry === 'index.docker.io' || registry === DOCKER_HUB_API_HOST) registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && !repository.includes('/')) repository = `library/${repository}`;
  if (repository.length === 0) throw refError(text, 'empty repository');
  for (const component of repository.split('/')) {
    if (!PATH_COMPONENT.test(component)) {
      throw refError(text, `bad repository component "${component}" (lower case letters, digits and separators only)`);
    }
  }
  if (`${registry}/${repository}`.length > 255) throw refError(text, 'name longer than 255 characters');
  const ref: RegistryReference = { registry, repository };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  if (tag === undefined && digest === undefined) ref.tag = 'latest';
  return ref;
}

/** Canonical text form: `registry/repository[:tag][@digest]`. */
export function formatRegistryReference(ref: RegistryReference): string {
  return `${ref.registry}/${ref.repository}${ref.tag !== undefined ? `:${ref.tag}` : ''}${
    ref.digest !== undefined ? `@${ref.digest}` : ''
  }`;
}

/** Split `PATH[:REF]` the way skopeo does for archive/layout transports (first colon). */
function splitPathRef(text: string, body: string, transport: string): { path: string; ref?: string } {
  const colon = body.indexOf(':');
  const path = colon >= 0 ? body.slice(0, colon) : body;
  const ref = colon >= 0 ? body.slice(colon + 1) : undefined;
  if (path.length === 0) throw refError(text, `${transport}: needs a path`);
  if (ref !== undefined && ref.length === 0) throw refError(text, `${transport}: empty reference after ":"`);
  return ref === undefined ? { path } : { path, ref };
}

/** The transports goslim reads, and skopeo's others (named in the error for a typo). */
export const TRANSPORTS = ['docker', 'docker-archive', 'docker-daemon', 'oci', 'oci-archive', 'containers-storage'] as const;
const OTHER_SKOPEO_TRANSPORTS = ['dir', 'ostree', 'sif', 'tarball'];

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/**
 * `xyz:rest` where xyz is no transport: E_REFERENCE when it looks like a mistyped one (close to
 * a known transport, or skopeo's others), undefined when it reads as a name:tag.
 */
function unknownTransport(text: string, trimmed: string): GoslimError | undefined {
  const m = /^([a-z][a-z0-9-]*):(.*)$/s.exec(trimmed);
  if (m === null) return undefined;
  const prefix = m[1]!;
  const rest = m[2]!;
  if (rest.startsWith('//') && prefix !== 'docker') return refError(text, `unknown transport "${prefix}://" (goslim reads ${TRANSPORTS.join(':, ')}:)`);
  if (OTHER_SKOPEO_TRANSPORTS.includes(prefix)) {
    return new InvalidReferenceError(`invalid image reference "${text}": transport "${prefix}:" is not supported (goslim reads ${TRANSPORTS.map((t) => `${t}:`).join(', ')})`);
  }
  const best = TRANSPORTS.map((t) => ({ t, d: editDistance(prefix, t) })).sort((a, b) => a.d - b.d)[0]!;
  // A valid tag after the colon reads as a name (`golang:1.19`), unless the prefix is clearly a typo.
  const looksLikeTag = /^[\w][\w.-]{0,127}$/.test(rest);
  if (best.d <= 2 && (prefix.includes('-') || !looksLikeTag || best.d === 1)) {
    return new InvalidReferenceError(`unknown transport "${prefix}:" (did you mean ${best.t}:?)`, { details: { transport: prefix, suggestion: `${best.t}:` } });
  }
  return undefined;
}

export function parseImageReference(text: string, options: ParseReferenceOptions = {}): ImageReference {
  const trimmed = text.trim();
  if (trimmed.length === 0) throw refError(text, 'empty');
  if (trimmed.startsWith('docker://')) {
    return { transport: 'docker', registry: parseRegistryReference(trimmed.slice('docker://'.length)) };
  }
  if (trimmed.startsWith('docker-daemon:')) {
    const name = trimmed.slice('docker-daemon:'.length);
    if (name.length === 0) throw refError(text, 'docker-daemon: needs an image name or id');
    if (!/^(sha256:)?[a-f0-9]{12,64}$/.test(name)) parseRegistryReference(name); // a name must parse
    return { transport: 'docker-daemon', name };
  }
  if (trimmed.startsWith('containers-storage:')) {
    let body = trimmed.slice('containers-storage:'.length);
    let store: { driver?: string; root: string } | undefined;
    const bracket = /^\[([^\]]*)\]/.exec(body);
    if (bracket) {
      const spec = bracket[1]!;
      const at = spec.indexOf('@');
      const root = (at >= 0 ? spec.slice(at + 1) : spec).split('+')[0]!;
      if (!root.startsWith('/')) throw refError(text, 'containers-storage: [DRIVER@ROOT] needs an absolute root');
      store = at >= 0 ? { driver: spec.slice(0, at), root } : { root };
      body = body.slice(bracket[0].length);
    }
    if (body.length === 0) throw refError(text, 'containers-storage: needs an image name or id');
    if (!/^(sha256:)?[a-f0-9]{12,64}$/.test(body)) parseRegistryReference(body);
    return store ? { transport: 'containers-storage', name: body, store } : { transport: 'containers-storage', name: body };
  }
  for (const transport of ['docker-archive', 'oci-archive', 'oci'] as const) {
    if (trimmed.startsWith(`${transport}:`)) {
      return { transport, ...splitPathRef(text, trimmed.slice(transport.length + 1), transport) };
    }
  }
  const kind = options.probe?.(trimmed) ?? 'missing';
  switch (kind) {
    case 'oci-dir':
      return { transport: 'oci', path: trimmed };
    case 'docker-archive':
      return { transport: 'docker-archive', path: trimmed };
    case 'oci-archive':
      return { transport: 'oci-archive', path: trimmed };
    case 'dir':
      throw new UnsupportedFormatError(`${trimmed} is a directory without an oci-layout file`);
    case 'file':
      throw new UnsupportedFormatError(
        `${trimmed} is neither a docker-archive nor an oci-archive (no manifest.json or oci-layout inside)`,
      );
    case 'missing':
      break;
  }
  const typo = unknownTransport(text, trimmed);
  if (typo !== undefined) throw typo;
  // Looks like a path but does not exist: say so rather than asking a registry for it.
  if (trimmed.startsWith('/') || trimmed.startsWith('./') || trimmed.startsWith('../') || /\.(tar|tgz)$/.test(trimmed)) {
    throw new NotFoundError(`no such file or directory: ${trimmed}`);
  }
  return { transport: 'docker', registry: parseRegistryReference(trimmed), bare: true };
}

/** Human, normalised form of a parsed reference (what Image.reference() returns). */
export function formatImageReference(ref: ImageReference): string {
  if (ref.transport === 'docker') return `docker://${formatRegistryReference(ref.registry)}`;
  if (ref.transport === 'docker-daemon') return `docker-daemon:${ref.name}`;
  if (ref.transport === 'containers-storage') {
    return `containers-storage:${ref.store ? `[${ref.store.driver ? `${ref.store.driver}@` : ''}${ref.store.root}]` : ''}${ref.name}`;
  }
  return `${ref.transport}:${ref.path}${ref.ref !== undefined ? `:${ref.ref}` : ''}`;
}
