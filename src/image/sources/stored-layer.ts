/**
 * A Layer backed by a file in a FileStore (OCI layout dir or a tar archive). Every stream
 * verifies as it flows: compressed() against the blob digest, uncompressed() against the
 * diff_id (one extra sha256 pass over the tar bytes, in the same pass that decompresses).
 */
import { pipeline, type Readable } from 'node:stream';
import type { Compression, Layer } from '../model.js';
import { VerifyingStream } from '../digest.js';
import { decompress } from './decompress.js';
import type { FileStore } from './file-store.js';

export interface StoredLayerInit {
  store: FileStore;
  path: string;
  digest: string;
  diffId: string;
  size: number;
  mediaType: string;
  compression: Compression;
}

function verified(source: Readable, expected: string, what: string, size?: number): Readable {
  const v = new VerifyingStream(expected, what, size);
  pipeline(source, v, () => {
    /* errors surface on `v` */
  });
  return v;
}

export class StoredLayer implements Layer {
  constructor(private readonly init: StoredLayerInit) {}

  digest(): string {
    return this.init.digest;
  }
  diffId(): string {
    return this.init.diffId;
  }
  size(): number {
    return this.init.size;
  }
  mediaType(): string {
    return this.init.mediaType;
  }
  compression(): Compression {
    return this.init.compression;
  }

  async compressed(): Promise<Readable> {
    const raw = await this.init.store.open(this.init.path);
    return verified(raw, this.init.digest, `layer blob ${this.init.digest}`, this.init.size);
  }

  async uncompressed(): Promise<Readable> {
    const blob = await this.compressed();
    const what = `layer ${this.init.digest}`;
    const tar = decompress(blob, this.init.compression, what);
    // An uncompressed blob's digest is its diff_id: compressed() already checks it.
    if (this.init.compression === 'none' && this.init.digest === this.init.diffId) return tar;
    return verified(tar, this.init.diffId, `layer ${this.init.digest} (diff_id)`);
  }
}
