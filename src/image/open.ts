/**
 * openImage: one entry point from a reference string to an Image, dispatching on the
 * transport (see reference.ts). Registry access lives in sources/registry.ts (owned by the
 * registry client); it is loaded lazily so that local sources never pay for it.
 */
import { GoslimError } from '../errors.js';
import type { Image } from './model.js';
import { formatImageReference, type ImageReference, type RegistryReference } from './reference.js';
import { openDockerArchive } from './sources/docker-archive.js';
import { openOciArchive } from './sources/oci-archive.js';
import { openOciLayout } from './sources/oci-layout.js';
import { resolveImageReference } from './sources/probe.js';

export interface OpenImageOptions {
  /** os/arch[/variant]; default: the only platform, else linux/amd64. */
  platform?: string;
  /** Allow plain http / unverified TLS for a registry that is not localhost. */
  insecure?: boolean;
  /** Environment for credential lookup (DOCKER_CONFIG, HOME); defaults to process.env. */
  env?: NodeJS.ProcessEnv;
}

interface RegistrySourceModule {
  openRegistryImage(ref: RegistryReference, options: OpenImageOptions): Promise<Image>;
}

async function loadRegistrySource(): Promise<RegistrySourceModule> {
  // A computed specifier keeps this module compiling before the registry source exists.
  const specifier = './sources/registry.js';
  try {
    return (await import(specifier)) as RegistrySourceModule;
  } catch (err) {
    throw new GoslimError('E_UNSUPPORTED_FORMAT', 'registry sources are not available in this build', { cause: err });
  }
}

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
      return (await loadRegistrySource()).openRegistryImage(ref.registry, options);
  }
}

/** Open an image from a reference string (skopeo syntax, bare path, or registry name). */
export async function openImage(text: string, options: OpenImageOptions = {}): Promise<Image> {
  return openParsedImage(await resolveImageReference(text), options);
}
