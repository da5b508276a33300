/** oci-archive source: a tar of an OCI image layout, read in place by offset. */
import type { Image, Platform } from '../model.js';
import { tarStore } from './file-store.js';
import { checkLayoutMarker, type OpenLayoutOptions } from './oci-layout.js';
import { listPlatforms, resolveImage } from './oci-resolve.js';

export async function openOciArchive(path: string, options: OpenLayoutOptions = {}): Promise<Image> {
  const store = await tarStore(path);
  await checkLayoutMarker(store);
  return resolveImage(store, {
    reference: options.reference ?? `oci-archive:${path}${options.ref !== undefined ? `:${options.ref}` : ''}`,
    ...(options.ref !== undefined ? { ref: options.ref } : {}),
    ...(options.platform !== undefined ? { platform: options.platform } : {}),
  });
}

/** The platforms of the images in an oci-archive (for `--platform all`). */
export async function listOciArchivePlatforms(path: string, options: { ref?: string } = {}): Promise<Platform[]> {
  const store = await tarStore(path);
  await checkLayoutMarker(store);
  return listPlatforms(store, options);
}
