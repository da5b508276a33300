/**
 * Where a scan's references come from, as async iterables (streamed: a list of any length is never
 * held whole): a `--from` file, or a registry's catalog and tag lists.
 */
import { UsageError } from '../errors.js';
import { openImage } from '../image/open.js';
import { RegistryClient } from '../image/registry/client.js';
import type { TransportOptions } from '../image/registry/transport.js';
import { readLines } from './lines.js';

/**
 * References listed in a file, one a line (any source goslim reads: `docker://`, `oci:`, archives,
 * bare names). `#` starts a comment (no reference contains one); blank lines are skipped.
 */
export async function* referencesFromFile(path: string): AsyncGenerator<string> {
  for await (const line of readLines(path)) {
    const hash = line.text.indexOf('#');
    const ref = (hash >= 0 ? line.text.slice(0, hash) : line.text).trim();
    if (ref !== '') yield ref;
  }
}

/** `--tags`: which tags of each repository a registry scan inspects. */
export type TagSelection = { kind: 'latest' } | { kind: 'all' } | { kind: 'newest'; count: number };

export function parseTagSelection(text: string): TagSelection {
  if (text === 'latest') return { kind: 'latest' };
  if (text === 'all') return { kind: 'all' };
  const m = /^(\d+)-newest$/.exec(text);
  if (m !== null && Number(m[1]) >= 1 && Number(m[1]) <= 10_000) return { kind: 'newest', count: Number(m[1]) };
  throw new UsageError(`--tags must be latest, all or N-newest (e.g. 3-newest), got "${text}"`);
}

export interface RegistryTarget {
  registry: string;
  /** Repositories named exactly this or below it (`team` matches `team` and `team/api`). */
  prefix?: string;
}

/** `REGISTRY[/PREFIX]`: the registry part must look like a host (a dot, a port, or localhost). */
export function parseRegistryTarget(text: string): RegistryTarget {
  const t = text.replace(/^docker:\/\//, '').replace(/\/+$/, '');
  const slash = t.indexOf('/');
  const registry = slash >= 0 ? t.slice(0, slash) : t;
  const prefix = slash >= 0 ? t.slice(slash + 1) : '';
  if (!/^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:]+\])(?::\d+)?$/.test(registry) || !(registry.includes('.') || registry.includes(':') || registry === 'localhost')) {
    throw new UsageError(`scan: "${text}" is not REGISTRY[/PREFIX] (a registry host such as registry.example.com or localhost:5000)`);
  }
  if (prefix !== '' && !/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/.test(prefix)) {
    throw new UsageError(`scan: "${prefix}" is not a repository prefix (lower case path components)`);
  }
  return prefix === '' ? { registry } : { registry, prefix };
}

export interface RegistryListOptions extends TransportOptions {
  /** The platform whose config N-newest reads in a multi-platform image (default linux/amd64 or the only one). */
  platform?: string;
  tags: TagSelection;
  /** Reuse this client (its tokens) for the listing and the N-newest config reads. */
  client?: RegistryClient;
  /** Names per catalog or tags page asked for (default 1000; the registry may send fewer). */
  pageSize?: number;
  /** A repository whose tags could not be listed, or a tag whose config could not be read. */
  onSkip?: (what: string, err: unknown) => void;
}

function inPrefix(repository: string, prefix: string | undefined): boolean {
  return prefix === undefined || repository === prefix || repository.startsWith(`${prefix}/`);
}

/** A tag's image config `created` time (ms), read with the manifest and config only (no layer). */
async function createdOf(ref: string, client: RegistryClient, options: TransportOptions & { platform?: string }): Promise<{ created: number | undefined; digest: string }> {
  const image = await openImage(ref, { ...options, client });
  const created = image.config().created;
  const t = created !== undefined ? Date.parse(created) : NaN;
  return { created: Number.isFinite(t) ? t : undefined, digest: image.digest() };
}

/**
 * `docker://REGISTRY/REPO:TAG` for every repository of the catalog under the prefix and the tags
 * chosen: `latest` (repositories without it give nothing), `all`, or `N-newest`: the N tags whose
 * image config says it was created last. The tags API has no dates, so N-newest reads each tag's
 * manifest and config (two small requests, no layer); tags without a `created` sort last, ties by
 * tag name, and tags naming an image already chosen are passed over (N images, one tag each). A repository that cannot be listed is reported to `onSkip` and left out.
 */
export async function* referencesFromRegistry(target: RegistryTarget, options: RegistryListOptions): AsyncGenerator<string> {
  const { tags: selection, client: given, onSkip, pageSize, ...transport } = options;
  const client = given ?? new RegistryClient(target.registry, transport);
  const base = `docker://${target.registry}`;
  for await (const page of client.listRepositories(pageSize)) {
    for (const repository of page) {
      if (!inPrefix(repository, target.prefix)) continue;
      let tags: string[] = [];
      try {
        for await (const t of client.listTags(repository, pageSize)) tags.push(...t);
      } catch (err) {
        onSkip?.(`${base}/${repository}`, err);
        continue;
      }
      tags = [...new Set(tags)].sort();
      if (selection.kind === 'latest') {
        if (tags.includes('latest')) yield `${base}/${repository}:latest`;
        continue;
      }
      if (selection.kind === 'all') {
        for (const t of tags) yield `${base}/${repository}:${t}`;
        continue;
      }
      const dated: Array<{ tag: string; created: number | undefined; digest: string | undefined }> = [];
      for (const tag of tags) {
        const ref = `${base}/${repository}:${tag}`;
        try {
          dated.push({ tag, ...(await createdOf(ref, client, transport)) });
        } catch (err) {
          onSkip?.(ref, err);
          dated.push({ tag, created: undefined, digest: undefined });
        }
      }
      dated.sort((a, b) => (b.created ?? -Infinity) - (a.created ?? -Infinity) || (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
      // One tag per image: the first by name of the tags naming the same digest.
      const images = new Set<string>();
      let n = 0;
      for (const d of dated) {
        if (n >= selection.count) break;
        if (d.digest !== undefined) {
          if (images.has(d.digest)) continue;
          images.add(d.digest);
        }
        n++;
        yield `${base}/${repository}:${d.tag}`;
      }
    }
  }
}
