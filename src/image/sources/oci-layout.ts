/** OCI image layout directory source (image-spec `image-layout.md`). */
import { GoslimError, UnsupportedFormatError } from '../../errors.js';
import type { Image, Platform } from '../model.js';
import { dirStore, type FileStore } from './file-store.js';
import { parseDocument } from '../documents.js';
import { listPlatforms, resolveImage } from './oci-resolve.js';

export interface OpenLayoutOptions {
  ref?: string;
  platform?: string;
  /** Reference text recorded on the Image (defaults to oci:PATH[:REF]). */
  reference?: string;
}

/** Check the `oci-layout` marker file (required; imageLayoutVersion "1.0.0"). */
export async function checkLayoutMarker(store: FileStore): Promise<void> {
  let raw: Buffer;
  try {
    raw = await store.readSmall('oci-layout', 64 * 1024);
  } catch (err) {
    if (err instanceof GoslimError && err.code === 'E_NOT_FOUND') {
      throw new UnsupportedFormatError(`${store.location} is not an OCI image layout (no oci-layout file)`, { cause: err });
    }
    throw err;
  }
  const marker = parseDocument('oci-layout', raw, `${store.location} oci-layout`);
  if (!marker.imageLayoutVersion.startsWith('1.')) {
    throw new UnsupportedFormatError(
      `${store.location}: unsupported imageLayoutVersion ${JSON.stringify(marker?.imageLayoutVersion)}`,
    );
  }
}

export async function openOciLayout(dir: string, options: OpenLayoutOptions = {}): Promise<Image> {
  const store = dirStore(dir);
  await checkLayoutMarker(store);
  const resolveOptions = {
    reference: options.reference ?? `oci:${dir}${options.ref !== undefined ? `:${options.ref}` : ''}`,
    ...(options.ref !== undefined ? { ref: options.ref } : {}),
    ...(options.platform !== undefined ? { platform: options.platform } : {}),
  };
  return resolveImage(store, resolveOptions);
}

/** The platforms of the images in a layout (for `--platform all`). */
export async function listOciLayoutPlatforms(dir: string, options: { ref?: string } = {}): Promise<Platform[]> {
  const store = dirStore(dir);
  await checkLayoutMarker(store);
  return listPlatforms(store, options);
}
