/**
 * One entry point from a destination string to a written image, mirroring
 * openImage for sources: `oci:DIR[:REF]`, `docker-archive:PATH[:NAME:TAG]`,
 * `oci-archive:PATH[:REF]`, `docker://NAME[:TAG]` (or a bare registry name).
 */
import { UsageError } from '../../errors.js';
import type { Image, ImageIndex } from '../model.js';
import { formatImageReference, parseImageReference, type ImageReference } from '../reference.js';
import { writeOciLayout } from './oci-layout.js';
import { pushToRegistry, type PushOptions } from './registry.js';

export { writeOciLayout, type WriteOciLayoutOptions, type WrittenImage } from './oci-layout.js';
export { pushToRegistry, pushImage, pushIndex, type PushOptions, type PushResult } from './registry.js';

export interface SinkResult {
  /** Normalised destination, e.g. "oci:/out/img:latest" or "docker://127.0.0.1:5000/a/b:1". */
  destination: string;
  transport: ImageReference['transport'];
  digest: string;
  mediaType: string;
  /** Blob bytes actually transferred or written (existing blobs are skipped). */
  bytesWritten: number;
}

/** Parse a destination; bare strings are registry names (a sink never auto-detects paths). */
export function parseSinkReference(text: string): ImageReference {
  return parseImageReference(text);
}

export async function writeToSink(root: Image | ImageIndex, dest: string | ImageReference, options: PushOptions = {}): Promise<SinkResult> {
  const ref = typeof dest === 'string' ? parseSinkReference(dest) : dest;
  const destination = formatImageReference(ref);
  switch (ref.transport) {
    case 'oci': {
      const w = await writeOciLayout(root, ref.path, ref.ref !== undefined ? { refName: ref.ref } : {});
      return { destination, transport: ref.transport, digest: w.digest, mediaType: w.mediaType, bytesWritten: w.bytesWritten };
    }
    case 'docker-archive': {
      // Loaded when needed: the archive writer's tar library costs a push to a registry ~5 MB of its budget (issue 17).
      const { writeDockerArchive } = await import('./docker-archive.js');
      const w = await writeDockerArchive(root, ref.path, ref.ref !== undefined ? { tags: [ref.ref] } : {});
      return { destination, transport: ref.transport, digest: w.digest, mediaType: w.mediaType, bytesWritten: w.bytesWritten };
    }
    case 'oci-archive': {
      const { writeOciArchive } = await import('./docker-archive.js');
      const w = await writeOciArchive(root, ref.path, ref.ref !== undefined ? { refName: ref.ref } : {});
      return { destination, transport: ref.transport, digest: w.digest, mediaType: w.mediaType, bytesWritten: w.bytesWritten };
    }
    case 'docker': {
      const r = await pushToRegistry(root, ref.registry, options);
      return { destination, transport: ref.transport, digest: r.digest, mediaType: r.mediaType, bytesWritten: r.blobs.bytesUploaded };
    }
    default:
      throw new UsageError(`unsupported destination ${String(dest)}`);
  }
}
