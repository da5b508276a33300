/**
 * openImage: one entry point from a reference string to an Image, dispatching on the
 * transport (see reference.ts). Registry access lives in sources/registry.ts (owned by the
 * registry client); it is loaded lazily so that local sources never pay for it.
 *
 * A bare name (`goslim inspect app`, no transport) is looked up as dive does: in a local
 * Docker/Podman engine when one answers and has the image, otherwise in the registry.
 * GOSLIM_ENGINE=0 skips the engine (bare names go straight to the registry).
 */
import { GoslimError } from '../errors.js';
import type { Image, Platform } from './model.js';
import { formatImageReference, type ImageReference } from './reference.js';
import type { RegistrySourceOptions } from './sources/registry.js';
import type { EngineClient } from './sources/engine-client.js';
import { listOciLayoutPlatforms, openOciLayout } from './sources/oci-layout.js';
import { isAttestation } from './sources/platform-select.js';
import { resolveImageReference } from './sources/probe.js';

/**
 * Options for every source: `platform` (os/arch[/variant]; default the only platform, else
 * linux/amd64) plus the registry transport options (insecure, credentials, env, retries).
 */
export type OpenImageOptions = RegistrySourceOptions;

/** The engine that has `name`, for a bare reference; undefined when none answers or has it. */
async function localEngineWith(name: string, env: NodeJS.ProcessEnv): Promise<EngineClient | undefined> {
  if (env.GOSLIM_ENGINE === '0') return undefined;
  const [{ EngineClient }, { engineHasImage }] = await Promise.all([import('./sources/engine-client.js'), import('./sources/docker-daemon.js')]);
  let client: EngineClient;
  try {
    client = await EngineClient.connect(env, { connectMs: 1000 });
  } catch (err) {
    if (err instanceof GoslimError && err.code === 'E_NETWORK') return undefined;
    throw err;
  }
  try {
    return (await engineHasImage(client, name)) ? client : undefined;
  } catch (err) {
    if (err instanceof GoslimError && (err.code === 'E_NETWORK' || err.code === 'E_REGISTRY')) return undefined;
    throw err;
  }
}

export async function openParsedImage(ref: ImageReference, options: OpenImageOptions = {}): Promise<Image> {
  const reference = formatImageReference(ref);
  const platform = options.platform !== undefined ? { platform: options.platform } : {};
  const env = options.env ?? process.env;
  // Each source is loaded when asked for (but the layout's, the most common): a command that
  // reads one kind of source does not pay for the others' code (a push's memory budget, issue 17).
  switch (ref.transport) {
    case 'docker-archive':
      return (await import('./sources/docker-archive.js')).openDockerArchive(ref.path, { reference, ...platform, ...(ref.ref !== undefined ? { ref: ref.ref } : {}) });
    case 'oci':
      return openOciLayout(ref.path, { reference, ...platform, ...(ref.ref !== undefined ? { ref: ref.ref } : {}) });
    case 'oci-archive':
      return (await import('./sources/oci-archive.js')).openOciArchive(ref.path, { reference, ...platform, ...(ref.ref !== undefined ? { ref: ref.ref } : {}) });
    case 'docker-daemon':
      return (await import('./sources/docker-daemon.js')).openDockerDaemon(ref.name, { reference, env, ...platform });
    case 'containers-storage':
      return (await import('./sources/containers-storage.js')).openContainersStorage(ref.name, { reference, env, ...platform, ...(ref.store ? { store: ref.store } : {}) });
    case 'docker': {
      if (ref.bare === true) {
        const name = formatImageReference({ transport: 'docker', registry: ref.registry }).slice('docker://'.length);
        const client = await localEngineWith(name, env);
        if (client !== undefined) return (await import('./sources/docker-daemon.js')).openDockerDaemon(name, { reference: `docker-daemon:${name}`, env, client, ...platform });
      }
      // Loaded on demand: local sources never pay for the registry client.
      return (await import('./sources/registry.js')).openRegistryImage(ref.registry, options);
    }
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
      platforms = await (await import('./sources/oci-archive.js')).listOciArchivePlatforms(ref.path, refOpt);
      break;
    case 'docker-archive':
      platforms = await (await import('./sources/docker-archive.js')).listDockerArchivePlatforms(ref.path, refOpt);
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
