/**
 * The invariants every Image and ImageIndex must hold, checked from what the objects report
 * (no layer bytes are read): the manifest digest is the hash of its bytes; the config
 * descriptor matches the config bytes; each layer's digest, size and media type match its
 * manifest descriptor; the config lists one diff_id per layer and each equals the layer's.
 * Run by the tests on every source, sink round trip and mutation.
 */
import { MalformedInputError } from '../errors.js';
import { sha256Digest } from './digest.js';
import type { Image, ImageIndex } from './model.js';

/** The OCI empty config (`{}`) an artifact manifest carries instead of an image config. */
const EMPTY_CONFIG = 'application/vnd.oci.empty.v1+json';

export interface ValidateOptions {
  /**
   * Layer descriptor sizes may differ from the stored blob (moby#47072: some Docker 25
   * release candidates wrote wrong sizes into docker-archives); default false.
   */
  allowLayerSizeDrift?: boolean;
}

/** What is wrong with `image`, one sentence per problem (empty when it is consistent). Pure. */
export function imageProblems(image: Image, options: ValidateOptions = {}): string[] {
  const problems: string[] = [];
  const raw = image.rawManifest();
  const manifest = image.manifest();
  if (sha256Digest(raw) !== image.digest()) problems.push(`digest ${image.digest()} is not the hash of the manifest bytes`);
  if (manifest.mediaType !== undefined && manifest.mediaType !== image.mediaType()) {
    problems.push(`mediaType ${image.mediaType()} differs from the manifest's ${manifest.mediaType}`);
  }
  const rawConfig = image.rawConfig();
  const configDigest = sha256Digest(rawConfig);
  if (manifest.config.digest !== configDigest) problems.push(`config descriptor digest ${manifest.config.digest} is not the hash of the config (${configDigest})`);
  if (manifest.config.size !== rawConfig.length) problems.push(`config descriptor size ${manifest.config.size} is not the config's ${rawConfig.length} bytes`);
  if (image.configDigest() !== manifest.config.digest) problems.push(`configDigest() ${image.configDigest()} differs from the manifest's`);
  const layers = image.layers();
  if (layers.length !== manifest.layers.length) problems.push(`${layers.length} layers for ${manifest.layers.length} manifest descriptors`);
  layers.forEach((l, i) => {
    const d = manifest.layers[i];
    if (d === undefined) return;
    if (l.digest() !== d.digest) problems.push(`layer ${i} digest ${l.digest()} differs from its descriptor's ${d.digest}`);
    if (l.size() !== d.size && !options.allowLayerSizeDrift) problems.push(`layer ${i} size ${l.size()} differs from its descriptor's ${d.size}`);
    if (d.mediaType !== undefined && l.mediaType() !== d.mediaType) problems.push(`layer ${i} media type ${l.mediaType()} differs from its descriptor's ${d.mediaType}`);
  });
  if (manifest.config.mediaType === EMPTY_CONFIG) return problems; // an artifact: no image config
  const config = image.config();
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== layers.length) problems.push(`config lists ${diffIds.length} diff_ids for ${layers.length} layers`);
  layers.forEach((l, i) => {
    if (diffIds[i] !== undefined && l.diffId() !== diffIds[i]) problems.push(`layer ${i} diff_id ${l.diffId()} differs from the config's ${diffIds[i]}`);
  });
  const p = image.platform();
  if (p.os !== config.os || p.architecture !== config.architecture) problems.push(`platform ${p.os}/${p.architecture} differs from the config's ${config.os}/${config.architecture}`);
  return problems;
}

/** E_MALFORMED (details.problems) unless `image` holds together (see the module comment). */
export function assertValidImage(image: Image, options: ValidateOptions = {}): void {
  const problems = imageProblems(image, options);
  if (problems.length > 0) {
    throw new MalformedInputError(`image ${image.reference()} is inconsistent: ${problems.join('; ')}`, { details: { problems } });
  }
}

/**
 * E_MALFORMED unless the index digest is the hash of its bytes and every child opens to an
 * image whose digest, size and media type match its descriptor and which is itself valid.
 */
export async function assertValidIndex(index: ImageIndex, options: ValidateOptions = {}): Promise<void> {
  const problems: string[] = [];
  const raw = index.rawManifest();
  const parsed = index.indexManifest();
  if (sha256Digest(raw) !== index.digest()) problems.push(`digest ${index.digest()} is not the hash of the index bytes`);
  if (parsed.mediaType !== undefined && parsed.mediaType !== index.mediaType()) problems.push(`mediaType ${index.mediaType()} differs from the index's ${parsed.mediaType}`);
  for (const [i, d] of parsed.manifests.entries()) {
    const child = await index.image(d);
    if (child.digest() !== d.digest) problems.push(`manifests[${i}] opens to ${child.digest()}, not ${d.digest}`);
    if (child.rawManifest().length !== d.size) problems.push(`manifests[${i}] size ${d.size} is not the manifest's ${child.rawManifest().length} bytes`);
    if (child.mediaType() !== d.mediaType) problems.push(`manifests[${i}] media type ${d.mediaType} differs from the image's ${child.mediaType()}`);
    problems.push(...imageProblems(child, options).map((p) => `manifests[${i}]: ${p}`));
  }
  if (problems.length > 0) {
    throw new MalformedInputError(`index ${index.digest()} is inconsistent: ${problems.join('; ')}`, { details: { problems } });
  }
}
