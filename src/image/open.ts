/**
 * openImage: one entry point from a reference string to an Image, dispatching on the
 * transport (see reference.ts). Registry access lives in sources/registry.ts (owned by the
 * registry client); it is loaded lazily so that local sources never pay for it.
 */
import type { Image } from './model.js';
import { formatImageReference, type ImageReference } from './reference.js';
import type { RegistrySourceOptions } from './sources/registry.js';
import { openDockerArchive } from './sources/docker-archive.js';
import { openOciArchive } from './sources/oci-archive.js';
import { openOciLayout } from './sources/oci-layout.js';
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
