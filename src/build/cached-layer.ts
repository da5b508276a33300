/**
 * A base layer served from the on-disk blob cache. The first read streams the
 * layer from its source into the cache (through a temp file, verified against the
 * digest, then renamed); every later read, in this build or the next, comes from
 * disk, so a rebuild with nothing changed never refetches the base.
 */
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { DigestMismatchError, GoslimError, IoError } from '../errors.js';
import { HashingStream } from '../image/digest.js';
import type { Layer, TarChunks } from '../image/model.js';
import { DelegatingLayer } from '../image/partial.js';
import { openWorkerTar } from '../image/sources/tar-worker.js';
import type { BlobCache } from './cache.js';
import { verifiedFile } from './layer.js';

export class CachedLayer extends DelegatingLayer {
  private fetching: Promise<string> | undefined;

  constructor(
    inner: Layer,
    private readonly cache: BlobCache,
  ) {
    super(inner);
  }

  /** Path of the cached blob, fetching it once if needed. */
  ensure(): Promise<string> {
    this.fetching ??= this.fetch();
    return this.fetching;
  }

  private async fetch(): Promise<string> {
    const digest = this.inner.digest();
    const have = await this.cache.has(digest);
    if (have === this.inner.size()) return this.cache.blobPath(digest);
    const tmp = await this.cache.tmpPath('base');
    const hash = new HashingStream();
    try {
      await pipeline(await this.inner.compressed(), hash, createWriteStream(tmp));
    } catch (err) {
      await rm(tmp, { force: true });
      this.fetching = undefined;
      throw err instanceof GoslimError ? err : new IoError(`caching base layer ${digest} failed`, { cause: err });
    }
    if (hash.digest() !== digest) {
      await rm(tmp, { force: true });
      this.fetching = undefined;
      throw new DigestMismatchError(`base layer hashes to ${hash.digest()}, expected ${digest}`);
    }
    return this.cache.commit(tmp, digest);
  }

  override async compressed(): Promise<Readable> {
    const file = await this.ensure();
    return verifiedFile(file, this.inner.digest(), this.inner.size());
  }

  /** The cached blob, read on the worker thread; verified as compressed() verifies it. */
  override async tarChunks(): Promise<TarChunks | undefined> {
    const compression = this.compression();
    if (compression === 'zstd') return undefined;
    const file = await this.ensure();
    const digest = this.inner.digest();
    return openWorkerTar({ file, start: 0, length: this.inner.size(), gzip: compression === 'gzip', blob: { digest, size: this.inner.size() }, what: `base layer ${digest}` });
  }

  override async uncompressed(): Promise<Readable> {
    if (this.compression() === 'gzip') return (await this.compressed()).pipe(createGunzip());
    if (this.compression() === 'none') return this.compressed();
    return this.inner.uncompressed();
  }
}
