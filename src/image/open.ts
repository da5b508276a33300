/**
 * openImage: one entry point from a reference string to an Image, dispatching on the
 * transport (see reference.ts). Registry access lives in sources/registry.ts (owned by the
 * registry client); it is loaded lazily so that local sources never pay for it.
 */
import type { Image, Platform } from './model.js';
import { formatImageReference, type ImageReference } from './reference.js';
import type { RegistrySourceOptions } from './sources/registry.js';
import { listDockerArchivePlatforms, openDockerArchive } from './sources/docker-archive.js';
import { listOciArchivePlatforms, openOciArchive } from './sources/oci-archive.js';
import { listOciLayoutPlatforms, openOciLayout } from './sources/oci-layout.js';
import { isAttestation } from './sources/platform-select.js';
import { resolveImageReference } from './sources/probe.js';

/**
 * Options for every source: `platform` (os/arch[/variant]; default the only platform, else
 * linux/amd64) plus the registry transport options (insecure, credentials, env, retries).
 */
export type OpenImageOptions = RegistrySourceOptions;

export async function openParsedImage(ref: ImageReference, options: OpenImageOptions = {}): Promise<Image> {
  const reference = formatImageReference(ref);
  const platform = options.platform !== undefined ? { platform: options.platform } : {};
  switch (ref.transport) {
    case 'docker-archive':
      return openDockerArchive(ref.path, { reference, ...platform, ...(ref.ref !== undefined ? { ref: ref.ref } : {}) });
    case 'oci':
      return openOciLayout(ref.path, { reference, ...platform, ...(ref.ref !== undefined ? { ref: ref.ref } : {}) });
    case 'oci-archive':
      return openOciArchive(ref.path, { reference, ...platform, ...(ref.ref !== undefined ? { ref: ref.ref } : {}) });
    case 'docker':
      // Loaded on demand: local sources never pay for the registry client.
      return (await import('./sources/registry.js')).openRegistryImage(ref.registry, options);
  }
}

/** Open an image from a reference string (skopeo syntax, bare path, or registry name). */
export async function openImage(text: string, options: OpenImageOptions = {}): Promise<Image> {
  return openParsedImage(await resolveImageReference(text), options);
}

/**
 * The platforms a reference offers (`--platform all`): every image of an index, attestation
 * manifests left out, in the index's order, each once; a single image gives its own platform.
 * Open each with `openImage(text, { platform: platformString(p) })`.
 */
export async function listImagePlatforms(text: string, options: OpenImageOptions = {}): Promise<Platform[]> {
  const ref = await resolveImageReference(text);
  const refOpt = 'ref' in ref && ref.ref !== undefined ? { ref: ref.ref } : {};
  let platforms: Platform[];
  switch (ref.transport) {
    case 'oci':
      platforms = await listOciLayoutPlatforms(ref.path, refOpt);
      break;
    case 'oci-archive':
      platforms = await listOciArchivePlatforms(ref.path, refOpt);
      break;
    case 'docker-archive':
      platforms = await listDockerArchivePlatforms(ref.path, refOpt);
      break;
    case 'docker': {
      const registry = await import('./sources/registry.js');
      const opened = await registry.openRegistry(ref.registry, options);
      platforms = opened instanceof registry.RegistryIndex
        ? opened.indexManifest().manifests.filter((d) => d.platform !== undefined && !isAttestation(d)).map((d) => d.platform!)
        : [opened.platform()];
      break;
    }
    default: {
      // A source of single images.
      const { platform: _ignored, ...rest } = options;
      platforms = [(await openParsedImage(ref, rest)).platform()];
    }
  }
  const seen = new Set<string>();
  return platforms.filter((p) => {
    const key = `${p.os}/${p.architecture}/${p.variant ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
