/** The I/O half of reference parsing: what is at a path (for bare-path auto-detection). */
import { stat } from 'node:fs/promises';
import { GoslimError } from '../../errors.js';
import { parseImageReference, type ImageReference, type PathKind } from '../reference.js';
import { indexTar } from './tar-index.js';

export async function probePath(path: string): Promise<PathKind> {
  let st;
  try {
    st = await stat(path);
  } catch {
    return 'missing';
  }
  if (st.isDirectory()) {
    try {
      return (await stat(`${path}/oci-layout`)).isFile() ? 'oci-dir' : 'dir';
    } catch {
      return 'dir';
    }
  }
  if (!st.isFile()) return 'file';
  try {
    // One pass over the headers only (data is skipped), so this is cheap even for GBs.
    const index = await indexTar(path);
    if (index.entries.has('manifest.json')) return 'docker-archive';
    if (index.entries.has('oci-layout')) return 'oci-archive';
  } catch (err) {
    // A gzip'd docker save: say so instead of "not an image".
    if (err instanceof GoslimError && err.code === 'E_UNSUPPORTED_FORMAT') throw err;
    /* otherwise not a tar */
  }
  return 'file';
}

/** parseImageReference with a real filesystem probe for bare paths. */
export async function resolveImageReference(text: string): Promise<ImageReference> {
  const trimmed = text.trim();
  const hasTransport = /^(docker-archive|oci-archive|oci|docker-daemon|containers-storage):/.test(trimmed) || trimmed.startsWith('docker://');
  const kind = hasTransport ? 'missing' : await probePath(trimmed);
  return parseImageReference(text, { probe: () => kind });
}
