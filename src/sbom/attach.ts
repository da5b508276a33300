/**
 * An SBOM as an OCI 1.1 artifact that refers to the image it describes
 * (image-spec manifest.md: `artifactType`, the empty config descriptor, and
 * `subject`), and pushing it so clients can find it:
 *
 * - registries with the referrers API (distribution-spec v1.1 `GET
 *   /v2/<name>/referrers/<digest>`) index the artifact by its subject on push;
 * - registries without it (distribution 2.8.2, Debian's docker-registry) get the
 *   artifact under the tag `sha256-<hex>.sbom` as well, the name cosign and ko use
 *   (`cosign download sbom`), so it stays discoverable.
 */
import { Readable } from 'node:stream';
import { sha256Digest } from '../image/digest.js';
import type { Descriptor, ImageConfig, ImageManifest, Platform } from '../image/model.js';
import { DescribedLayer, RawImage } from '../image/partial.js';
import { MediaType } from '../image/model.js';
import type { RegistryReference } from '../image/reference.js';
import { RegistryClient } from '../image/registry/client.js';
import { pushImage, type PushOptions } from '../image/sinks/registry.js';

/** image-spec "Guidance for an Empty Descriptor": the two bytes `{}`. */
export const EMPTY_JSON = Buffer.from('{}');
export const EMPTY_MEDIA_TYPE = 'application/vnd.oci.empty.v1+json';

class BufferLayer extends DescribedLayer {
  constructor(
    private readonly bytes: Buffer,
    type: string,
  ) {
    const digest = sha256Digest(bytes);
    super({ digest, diffId: digest, size: bytes.length, mediaType: type, compression: 'none' });
  }
  async compressed(): Promise<Readable> {
    return Readable.from([this.bytes]);
  }
  async uncompressed(): Promise<Readable> {
    return Readable.from([this.bytes]);
  }
}

/** An artifact manifest carrying one SBOM blob, with `subject` = the described image. */
export class SbomArtifact extends RawImage {
  constructor(
    sbom: Buffer,
    readonly artifactType: string,
    readonly subject: Descriptor,
    created: string,
  ) {
    const layer = new BufferLayer(sbom, artifactType);
    const manifest: ImageManifest = {
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      artifactType,
      config: { mediaType: EMPTY_MEDIA_TYPE, digest: sha256Digest(EMPTY_JSON), size: EMPTY_JSON.length },
      layers: [{ mediaType: artifactType, digest: layer.digest(), size: layer.size() }],
      subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
      annotations: { 'org.opencontainers.image.created': created },
    };
    super({
      rawManifest: Buffer.from(JSON.stringify(manifest)),
      rawConfig: EMPTY_JSON,
      layers: [layer],
      mediaType: MediaType.OciManifest,
      reference: `sbom-for-${subject.digest}`,
    });
  }
  override config(): ImageConfig {
    // Not an image: there is no runnable config. Callers use rawConfig().
    return { architecture: 'unknown', os: 'unknown', rootfs: { type: 'layers', diff_ids: [] } };
  }
  override platform(): Platform {
    return { os: 'unknown', architecture: 'unknown' };
  }
}

/** The fallback tag for an SBOM of `digest` (cosign's naming). Pure. */
export function sbomTag(subjectDigest: string): string {
  return `${subjectDigest.replace(':', '-')}.sbom`;
}

export interface AttachResult {
  digest: string;
  /** "referrers" when the registry indexed it by subject; "tag" when we also tagged it. */
  discoverableBy: 'referrers' | 'tag';
  tag?: string;
}

/** Does the registry answer the referrers API for `subjectDigest`? */
async function supportsReferrers(client: RegistryClient, repository: string, subjectDigest: string): Promise<boolean> {
  const res = await client.transport.request({
    method: 'GET',
    url: `/v2/${repository.split('/').map(encodeURIComponent).join('/')}/referrers/${subjectDigest}`,
    headers: { Accept: MediaType.OciIndex },
    scopes: [`repository:${repository}:pull`],
    ok: [200],
    passThrough: [400, 404, 405],
    context: { repository, what: 'GET referrers' },
  });
  const ct = res.header('content-type') ?? '';
  await res.discard();
  return res.status === 200 && ct.startsWith(MediaType.OciIndex);
}

export async function pushSbomArtifact(artifact: SbomArtifact, dest: RegistryReference, options: PushOptions = {}): Promise<AttachResult> {
  const client = options.client ?? new RegistryClient(dest.registry, options);
  const opts = { ...options, client };
  await pushImage(artifact, { registry: dest.registry, repository: dest.repository, digest: artifact.digest() }, opts);
  if (await supportsReferrers(client, dest.repository, artifact.subject.digest)) {
    return { digest: artifact.digest(), discoverableBy: 'referrers' };
  }
  const tag = sbomTag(artifact.subject.digest);
  await pushImage(artifact, { registry: dest.registry, repository: dest.repository, tag }, opts);
  return { digest: artifact.digest(), discoverableBy: 'tag', tag };
}
