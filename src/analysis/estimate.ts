/**
 * The estimate of the image after all levers: what must remain for the service to run. Pure.
 *
 *   size = Σ (Go binary size − strip.total)       your own (not package-installed) Go binaries
 *        + Σ application data files                unclaimed files outside the system hierarchy
 *        + min(STATIC_BASE_BYTES, the image's own base)   a distroless/static-like base
 *
 * The static base is what supplies CA certificates, tzdata and /etc/passwd, so the image's own
 * copies of those are not added again. An image whose base is already smaller than a static base
 * (scratch, or scratch plus a few certificates) keeps its own: levers never add bytes, so the
 * estimate is never larger than the image (issue 14: a scratch image got 6.6 MB "after" for
 * 4.5 MB "now" when 2 MB of distroless base was added to it unconditionally). The cgo-off and trimpath effects on the binary's size are
 * taken from the binary analyzer's estimates (cgo glue and dynamic tables; shortened pclntab paths)
 * when it gives them; a rebuild would be the only exact measure.
 *
 * Compressed: binaries use the measured gzip size of their bytes with the strippable sections
 * cut out (level 6, what Docker and Go's compress/gzip use by default); application files use the
 * compression ratio of the layer they are in (its blob size / its tar size); the static base uses
 * the ratio measured by deflating the image's own runtime-essential files (CA certs, tzdata) as
 * they streamed, which is the same kind of content, or the image's overall ratio when it has none.
 */
import type { Estimate, GoBinary } from './types.js';

/**
 * gcr.io/distroless/static-debian12 is about 2 MB uncompressed (its README: "~2 MiB"); it holds
 * ca-certificates, tzdata, netbase, base-files, /etc/passwd and /etc/group, and nothing else.
 */
export const STATIC_BASE_BYTES = 2 * 1024 * 1024;

export interface AppFile {
  path: string;
  bytes: number;
  /** Compressed/uncompressed ratio of the layer holding the file. */
  ratio: number;
}

export interface EstimateInput {
  /** The image's own Go binaries (package-owned ones excluded by the caller). */
  goBinaries: readonly GoBinary[];
  appFiles: readonly AppFile[];
  /** Measured deflate ratio of the image's runtime-essential files, if it has any. */
  runtimeRatio?: number;
  /** Σ compressed layer bytes / Σ uncompressed layer bytes of the whole image. */
  imageRatio: number;
  /**
   * The image as it is now: bytes of file data in its final filesystem and its stored (compressed)
   * size. The estimate never exceeds them. Absent (unit tests of the formula): no bound.
   */
  now?: { fileBytes: number; compressedSize: number };
}

export function estimateAfterLevers(input: EstimateInput): Estimate {
  const parts: Estimate['parts'] = [];
  for (const b of input.goBinaries) {
    // The analyzer's estimates of what CGO_ENABLED=0 and -trimpath remove, when it has them.
    const other = (b.linking === 'dynamic' ? (b.cgoBytes ?? 0) : 0) + (b.trimpath.estimatedBytes ?? 0);
    const stripped = Math.max(0, b.size - b.strip.total);
    const size = Math.max(0, stripped - other);
    const measured = b.strippedCompressed !== undefined && stripped > 0 ? b.strippedCompressed * (size / stripped) : undefined;
    const compressedSize = Math.round(measured ?? size * input.imageRatio);
    parts.push({ what: `/${b.path} (stripped${other > 0 ? ', CGO off, trimpath' : ''})`, size, compressedSize });
  }
  const appBytes = input.appFiles.reduce((s, f) => s + f.bytes, 0);
  if (appBytes > 0) {
    const compressedSize = Math.round(input.appFiles.reduce((s, f) => s + f.bytes * f.ratio, 0));
    parts.push({ what: `application files (${input.appFiles.length})`, size: appBytes, compressedSize });
  }
  const baseRatio = input.runtimeRatio ?? input.imageRatio;
  // What the image has besides its own binaries and application files is its base today.
  const kept = parts.reduce((s, p) => s + p.size, 0);
  const ownBase = input.now !== undefined ? Math.max(0, input.now.fileBytes - kept) : Number.POSITIVE_INFINITY;
  if (ownBase < STATIC_BASE_BYTES) {
    if (ownBase > 0) parts.push({ what: 'the image’s own base files (already smaller than a static base)', size: ownBase, compressedSize: Math.round(ownBase * baseRatio) });
  } else {
    parts.push({ what: 'static base (CA certificates, tzdata, passwd)', size: STATIC_BASE_BYTES, compressedSize: Math.round(STATIC_BASE_BYTES * baseRatio) });
  }
  const size = parts.reduce((s, p) => s + p.size, 0);
  const compressed = parts.reduce((s, p) => s + p.compressedSize, 0);
  return {
    size,
    // gzip of the stripped bytes alone can come out a few bytes above the layer that holds them
    // (tar headers compress to almost nothing): the image as it is stays the upper bound.
    compressedSize: input.now !== undefined ? Math.min(compressed, input.now.compressedSize) : compressed,
    parts,
    method:
      'binaries: gzip -6 of the bytes kept by -s -w, measured; application files: deflate ratio measured on a sample of them' +
      (ownBase === 0
        ? '; no base files (the image has none)'
        : `; ${ownBase < STATIC_BASE_BYTES ? 'the image’s own base files' : 'static base'}: ` +
          (input.runtimeRatio !== undefined ? 'deflate ratio measured on this image’s CA certificates and tzdata' : 'this image’s overall compression ratio')),
  };
}
