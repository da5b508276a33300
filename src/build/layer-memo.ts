/**
 * Skip re-creating a layer whose inputs have not changed: the memo maps a key over
 * everything that determines the layer bytes (entry metadata, file contents, mtime,
 * gzip level, media type, and this writer's version) to the digests of the blob
 * already in the cache. Hashing the inputs reads them once; tar+gzip is the part
 * skipped (it dominates for a multi-megabyte binary).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { MediaType } from '../image/model.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { FileLayer, writeLayer, type LayerFile, type WriteLayerOptions } from './layer.js';

/** Bump when the tar/gzip writer changes its output for the same inputs. */
const WRITER_VERSION = 'goslim-layer-v1';

async function fileSha256(path: string): Promise<string> {
  const h = createHash('sha256');
  await pipeline(createReadStream(path), h);
  return h.digest('hex');
}

export async function layerKey(files: LayerFile[], opts: WriteLayerOptions): Promise<string> {
  const h = createHash('sha256');
  h.update(JSON.stringify([WRITER_VERSION, opts.mtime ?? 0, opts.gzipLevel ?? 6, opts.mediaType ?? MediaType.OciLayerGzip]));
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const f of sorted) {
    const content = f.type === 'file' && f.source !== undefined ? await fileSha256(f.source) : '';
    h.update(JSON.stringify([f.path, f.type, f.mode ?? null, f.uid ?? 0, f.gid ?? 0, f.linkname ?? '', content]));
  }
  return h.digest('hex');
}

interface Memo {
  digest: string;
  diffId: string;
  size: number;
  mediaType: string;
}

/** writeLayer, or the cached result of an identical earlier call. */
export async function writeLayerMemo(files: LayerFile[], opts: WriteLayerOptions): Promise<{ layer: FileLayer; cached: boolean }> {
  const key = await layerKey(files, opts);
  const memoFile = join(opts.cache.root, 'layers', `${key}.json`);
  try {
    const memo = JSON.parse(await readFile(memoFile, 'utf8')) as Memo;
    if ((await opts.cache.has(memo.digest)) === memo.size) {
      return { layer: new FileLayer(opts.cache.blobPath(memo.digest), memo), cached: true };
    }
  } catch {
    /* no memo yet */
  }
  const layer = await writeLayer(files, opts);
  const memo: Memo = { digest: layer.digest(), diffId: layer.diffId(), size: layer.size(), mediaType: layer.mediaType() };
  await mkdir(join(opts.cache.root, 'layers'), { recursive: true });
  await writeFileAtomic(memoFile, JSON.stringify(memo), { inPlace: false });
  return { layer, cached: false };
}
