/**
 * docker-daemon source (skopeo's spelling): an image in a local Docker or Podman engine, read
 * through the Docker Engine API (engine-client.ts). `GET /images/{name}/json` names the layers
 * (RootFS diff_ids) and the config digest (Id); the layers are streamed from
 * `GET /images/{name}/get` (a docker-archive, in any of its shapes: legacy `<id>/layer.tar`,
 * Podman's `<diff_id>.tar`, Docker 25+'s OCI layout `blobs/sha256/<diff_id>`) straight into the
 * walk: the archive is parsed as it arrives, each layer's bytes are handed to whoever reads
 * that layer, nothing is written to disk. The body is read on a worker thread into a ring of
 * shared slots (export-worker.ts; at most SLOTS x SLOT_SIZE bytes are held), where the layers'
 * diff_ids are hashed too; the main thread parses the slots in place.
 *
 * An archive writes its layers before the config and manifest.json (moby image/tarexport,
 * containers/image docker/internal/tarfile), so until the walk has reached the end the
 * image's config() is the engine's account of it (inspect's Config, platform and RootFS);
 * once the last layer is read, the rest of the archive is read too, the real config is
 * checked against the image id and replaces it, and digest() / rawManifest() become
 * available (the Docker v2 manifest `docker push` would write for these uncompressed layers,
 * as for a legacy docker-archive). A layer read again (a targeted re-read) gets a new request
 * that skips to it; layers arriving out of order are E_UNSUPPORTED_FORMAT.
 */
import { Readable } from 'node:stream';
import {
  DigestMismatchError,
  GoslimError,
  InternalError,
  MalformedInputError,
  NotFoundError,
  PlatformError,
  TruncatedInputError,
  UnsupportedFormatError,
} from '../../errors.js';
import { limit } from '../../limits.js';
import { sha256Digest, verifyBuffer } from '../digest.js';
import { TarParser, type TarDataSink } from '../filesystem/tar-parser.js';
import { MediaType, platformString, type Image, type ImageConfig, type ImageManifest, type ImageSource, type Layer, type Platform, type TarChunks, type TarReadOptions } from '../model.js';
import { DescribedLayer, RawImage, tarChunksToStream } from '../partial.js';
import { checkConfig } from './oci-resolve.js';
import { parsePlatformOption, platformMatches } from './platform-select.js';
import { EngineClient, engineImageShape } from './engine-client.js';
import { openExport, type ExportBody } from './export-worker.js';
import type { ContainerConfig } from '../model.js';

export interface OpenDockerDaemonOptions {
  platform?: string;
  reference?: string;
  env?: NodeJS.ProcessEnv;
  /** An engine already connected (bare references probe first). */
  client?: EngineClient;
}


const HEX_RE = /([a-f0-9]{64})/;

/** The engine's inspect answer, for an image it has; undefined when it has none. */
export async function engineHasImage(client: EngineClient, name: string): Promise<boolean> {
  return (await client.json(`/images/${encodeURIComponent(name)}/json`, engineImageShape, `image ${name}`)) !== undefined;
}

export async function openDockerDaemon(name: string, options: OpenDockerDaemonOptions = {}): Promise<Image & { source(): ImageSource }> {
  const client = options.client ?? (await EngineClient.connect(options.env ?? process.env));
  const inspect = await client.json(`/images/${encodeURIComponent(name)}/json`, engineImageShape, `image ${name}`);
  if (inspect === undefined) {
    throw new NotFoundError(`${client.describe()} has no image ${name}`, { details: { engine: client.info.kind, image: name } });
  }
  if (!/^sha256:[a-f0-9]{64}$/.test(inspect.Id)) {
    throw new MalformedInputError(`${client.describe()}: image ${name} has id ${inspect.Id}, not a sha256 digest`);
  }
  const platform: Platform = { os: inspect.Os, architecture: inspect.Architecture, ...(inspect.Variant ? { variant: inspect.Variant } : {}) };
  if (options.platform !== undefined && !platformMatches(parsePlatformOption(options.platform), platform)) {
    throw new PlatformError(`${client.describe()}: image ${name} is ${platformString(platform)}, not ${options.platform}`, {
      details: { available: [platformString(platform)] },
    });
  }
  const diffIds = inspect.RootFS.Layers ?? [];
  const provisional: ImageConfig = {
    architecture: inspect.Architecture,
    os: inspect.Os,
    ...(inspect.Variant ? { variant: inspect.Variant } : {}),
    ...(inspect.Config !== undefined ? { config: inspect.Config as ContainerConfig } : {}),
    rootfs: { type: 'layers', diff_ids: diffIds },
  };
  return new DaemonImage(client, name, inspect.Id, diffIds, provisional, options.reference ?? `docker-daemon:${name}`);
}

interface Delivery {
  /** Chunks of the layer's archive entry, in order; `undefined` at its end. */
  next(): Promise<Buffer | undefined>;
  /** Stop taking chunks (the rest of the entry is skipped). */
  abandon(): void;
  /** The entry's sha256 (hex) and size, once next() returned undefined. */
  digest(): Promise<{ hex: string; bytes: number }>;
}

/** One `GET /images/{name}/get`: parses the archive as it arrives, hands out layers in order. */
class ArchivePass {
  private readonly docs = new Map<string, Buffer>();
  /** The layer the stream delivers next (its index), for name-less layers. */
  private nextIndex: number;
  private waiters = new Map<number, { resolve: (d: Delivery | undefined) => void; reject: (e: Error) => void }>();
  private pendingEntry: { index: number; delivery: Delivery } | undefined;
  private failure: Error | undefined;
  private finished = false;
  /** A re-read: its layer's entry has been read to its end (the rest of the archive is not needed). */
  private onlyDone = false;
  private readonly done: Promise<void>;
  private body: ExportBody | undefined;
  /** Readers waiting for a chunk of their layer: woken when the pass fails. */
  private readonly sleepers = new Set<() => void>();

  constructor(
    private readonly image: DaemonImage,
    /** Only this layer is wanted (a re-read); undefined: every layer, then the config. */
    private readonly only: number | undefined,
  ) {
    // Counted from the start even for a re-read: legacy archives name layers by v1 id, by position only.
    this.nextIndex = 0;
    this.done = this.run();
    this.done.catch(() => {});
  }

  /** Wait for layer `index` to start arriving; undefined when this pass will not deliver it. */
  deliver(index: number): Promise<Delivery | undefined> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.pendingEntry?.index === index) {
      const d = this.pendingEntry.delivery;
      this.pendingEntry = undefined;
      return Promise.resolve(d);
    }
    if (this.finished || index < this.nextIndex) return Promise.resolve(undefined);
    // A layer nobody read (the reader skipped it): let the stream go past it.
    if (this.pendingEntry !== undefined && this.pendingEntry.index < index) {
      this.pendingEntry.delivery.abandon();
      this.pendingEntry = undefined;
    }
    return new Promise((resolve, reject) => this.waiters.set(index, { resolve, reject }));
  }

  /** Resolves when the whole archive was read (config checked). */
  complete(): Promise<void> {
    return this.done;
  }

  private layerIndexFor(name: string, isFile: boolean): number | undefined {
    const diffIds = this.image.diffIds;
    const hex = HEX_RE.exec(name)?.[1];
    if (hex !== undefined) {
      const at = diffIds.findIndex((d, i) => i >= this.nextIndex && d === `sha256:${hex}`);
      if (at >= 0) return at;
      if (/(^|\/)layer\.tar$/.test(name) && isFile) return this.nextIndex; // legacy: named by v1 id
    }
    return undefined;
  }

  private async run(): Promise<void> {
    const what = `image ${this.image.name}`;
    try {
      const body = await openExport(this.image.client, `/images/${encodeURIComponent(this.image.name)}/get`, `export of ${what}`, { idleMs: 120_000 });
      this.body = body;
      const parser = new TarParser((header) => this.onEntry(header.name, header.typeflag, header.size));
      for (;;) {
        const chunk = await body.read();
        if (chunk === undefined) break;
        await parser.feed(chunk);
        if (this.only !== undefined && this.onlyDone) {
          void body.close(); // the re-read layer is through
          this.finish();
          return;
        }
      }
      parser.endInput();
      // The reader's thread is gone before the walk's end is reported (and the analysis starts).
      await body.close();
      this.finish();
      if (this.only === undefined) this.image.complete(this.docs);
    } catch (err) {
      const e = wrap(err, `${this.image.client.describe()} export of ${what}`);
      this.failure = e;
      for (const w of this.waiters.values()) w.reject(e);
      this.waiters.clear();
      for (const wake of this.sleepers) wake();
      this.sleepers.clear();
      void this.body?.close();
      throw e;
    }
  }

  private finish(): void {
    this.finished = true;
    for (const w of this.waiters.values()) w.resolve(undefined);
    this.waiters.clear();
  }

  private onEntry(name: string, typeflag: string, size: number): TarDataSink | undefined {
    const isFile = typeflag === '0' || typeflag === '\0' || typeflag === '7';
    if (!isFile) return undefined;
    const index = this.layerIndexFor(name, isFile);
    if (index === undefined) {
      if (size > limit('json.documentSize')) {
        if (/^blobs\/sha256\//.test(name)) {
          throw new UnsupportedFormatError(
            `${this.image.client.describe()} sent ${name} (${size} bytes), which is no layer of the image as uncompressed: compressed layers (the containerd image store) are not read from an engine yet; use \`docker save\` and docker-archive:`,
          );
        }
        return undefined;
      }
      const parts: Buffer[] = [];
      return {
        write: (c) => void parts.push(Buffer.from(c)),
        end: () => void this.docs.set(name, Buffer.concat(parts)),
      };
    }
    if (index !== this.nextIndex) {
      throw new UnsupportedFormatError(`${this.image.client.describe()} sent layer ${index} of image ${this.image.name} before layer ${this.nextIndex}`);
    }
    this.nextIndex = index + 1;
    this.image.noteSize(index, size);
    if (this.only !== undefined && index !== this.only) return undefined;
    return this.handOut(index);
  }

  /** A sink that passes each chunk to the layer's reader and waits until it asks for more. */
  private handOut(index: number): TarDataSink {
    const queue: Array<Buffer | undefined> = [];
    let wake: (() => void) | undefined;
    let drained: (() => void) | undefined;
    let abandoned = false;
    let digest: Promise<{ hex: string; bytes: number }> | undefined;
    const delivery: Delivery = {
      next: async () => {
        drained?.();
        drained = undefined;
        while (queue.length === 0) {
          if (this.failure !== undefined) throw this.failure;
          await new Promise<void>((r) => {
            wake = r;
            this.sleepers.add(r);
          });
        }
        return queue.shift();
      },
      abandon: () => {
        abandoned = true;
        queue.length = 0;
        drained?.();
        drained = undefined;
      },
      digest: () => digest ?? Promise.reject(new InternalError(`layer ${index}: its digest was asked for before its end`)),
    };
    const waiter = this.waiters.get(index);
    if (waiter !== undefined) {
      this.waiters.delete(index);
      waiter.resolve(delivery);
    } else {
      this.pendingEntry = { index, delivery };
    }
    const push = (c: Buffer | undefined): void => {
      queue.push(c);
      const w = wake;
      wake = undefined;
      if (w !== undefined) {
        this.sleepers.delete(w);
        w();
      }
    };
    return {
      write: async (c) => {
        if (abandoned) return;
        // Hashed (on the export's thread) before the chunk's slot is handed back.
        this.body!.hash(index, c);
        push(c);
        // Wait until the reader has taken it (the chunk is a view of the export's buffer).
        await new Promise<void>((r) => (drained = r));
      },
      end: () => {
        if (!abandoned) {
          digest = this.body!.digest(index);
          digest.catch(() => {});
          push(undefined);
        }
        if (this.only === index) this.onlyDone = true;
      },
    };
  }
}

function wrap(err: unknown, what: string): Error {
  if (err instanceof GoslimError) return err;
  const e = err instanceof Error ? err : new InternalError(String(err));
  if ((e as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE' || /aborted|socket hang up/i.test(e.message)) {
    return new TruncatedInputError(`${what}: the engine closed the stream early`, { cause: e });
  }
  return new MalformedInputError(`${what}: ${e.message}`, { cause: e });
}

class DaemonLayer extends DescribedLayer {
  constructor(
    private readonly image: DaemonImage,
    private readonly index: number,
  ) {
    // The blob is the uncompressed tar: its digest is the diff_id; its size is known once it arrives.
    super({ digest: image.diffIds[index]!, diffId: image.diffIds[index]!, size: 0, mediaType: MediaType.DockerLayerTar, compression: 'none' });
  }
  /** The tar's size (known once the archive reached this layer; 0 before). */
  override size(): number {
    return this.image.sizes[this.index] ?? 0;
  }
  async compressed(): Promise<Readable> {
    return tarChunksToStream(await this.tarChunks());
  }
  async uncompressed(options?: TarReadOptions): Promise<Readable> {
    return tarChunksToStream(await this.tarChunks(options));
  }
  /** The layer's bytes as they arrive from the engine, hashed against the diff_id. */
  async tarChunks(_options: TarReadOptions = {}): Promise<TarChunks> {
    const delivery = await this.image.deliver(this.index);
    let bytes = 0;
    let ended = false;
    const last = this.index === this.image.diffIds.length - 1;
    const what = `layer ${this.index} (${this.diffId()}) from ${this.image.client.describe()}`;
    return {
      read: async () => {
        if (ended) return undefined;
        const c = await delivery.next();
        if (c !== undefined) {
          bytes += c.length;
          return c;
        }
        ended = true;
        const actual = `sha256:${(await delivery.digest()).hex}`;
        if (actual !== this.diffId()) {
          throw new DigestMismatchError(`${what}: content hashes to ${actual}`, { details: { expected: this.diffId(), actual, bytes } });
        }
        // The last layer's end waits for the rest of the archive: then the config is known.
        if (last) await this.image.settle();
        return undefined;
      },
      close: () => {
        if (!ended) delivery.abandon();
      },
    };
  }
}

export class DaemonImage extends RawImage {
  readonly sizes: number[] = [];
  private main: ArchivePass | undefined;
  private real: { rawConfig: Buffer; config: ImageConfig; rawManifest: Buffer; manifest: ImageManifest } | undefined;
  readonly client: EngineClient;
  readonly name: string;
  readonly id: string;
  readonly diffIds: string[];

  constructor(client: EngineClient, name: string, id: string, diffIds: string[], provisional: ImageConfig, ref: string) {
    // Until the stream's end the parts hold the engine's account (no manifest, no raw config yet).
    const layers: Layer[] = [];
    super({ mediaType: MediaType.DockerManifest, rawManifest: Buffer.alloc(0), rawConfig: Buffer.alloc(0), config: provisional, configDigest: id, layers, reference: ref });
    this.client = client;
    this.name = name;
    this.id = id;
    this.diffIds = diffIds;
    for (let i = 0; i < diffIds.length; i++) layers.push(new DaemonLayer(this, i));
  }

  source(): ImageSource {
    return { transport: 'docker-daemon', detail: this.client.describe() };
  }

  noteSize(index: number, size: number): void {
    this.sizes[index] = size;
  }

  /** Layer `index`'s bytes: from the main pass when it is still ahead, else a new request. */
  async deliver(index: number): Promise<Delivery> {
    this.main ??= new ArchivePass(this, undefined);
    const d = await this.main.deliver(index);
    if (d !== undefined) return d;
    const again = await new ArchivePass(this, index).deliver(index);
    if (again === undefined) throw new NotFoundError(`${this.client.describe()}: the export of ${this.name} has no layer ${this.diffIds[index]}`);
    return again;
  }

  /** Read the archive to its end (config, manifest.json), once. */
  async settle(): Promise<void> {
    if (this.real !== undefined) return;
    this.main ??= new ArchivePass(this, undefined);
    await this.main.complete();
  }

  /** The archive's documents, once it has been read through: check and adopt the real config. */
  complete(docs: Map<string, Buffer>): void {
    const hex = this.id.slice('sha256:'.length);
    const rawConfig = docs.get(`${hex}.json`) ?? docs.get(`blobs/sha256/${hex}`);
    if (rawConfig === undefined) throw new NotFoundError(`${this.client.describe()}: the export of ${this.name} has no config ${this.id}`);
    verifyBuffer(rawConfig, this.id, 'image config');
    const config = checkConfig(rawConfig, `${this.client.describe()} config ${this.id}`);
    if (config.rootfs.diff_ids.join() !== this.diffIds.join()) {
      throw new MalformedInputError(`${this.client.describe()}: the config of ${this.name} lists other layers than the engine's inspect`);
    }
    for (const [i, size] of this.diffIds.entries()) {
      if (this.sizes[i] === undefined) throw new NotFoundError(`${this.client.describe()}: the export of ${this.name} has no layer ${size}`);
    }
    const manifest: ImageManifest = {
      schemaVersion: 2,
      mediaType: MediaType.DockerManifest,
      config: { mediaType: MediaType.DockerConfig, digest: this.id, size: rawConfig.length },
      layers: this.diffIds.map((d, i) => ({ mediaType: MediaType.DockerLayerTar, digest: d, size: this.sizes[i]! })),
    };
    this.real = { rawConfig, config, rawManifest: Buffer.from(JSON.stringify(manifest)), manifest };
  }

  private settled(what: string): NonNullable<DaemonImage['real']> {
    if (this.real === undefined) {
      throw new InternalError(`${what} of ${this.reference()} is known only after its layers were read (the engine sends it last)`);
    }
    return this.real;
  }

  override digest(): string {
    return sha256Digest(this.settled('the manifest digest').rawManifest);
  }
  override rawManifest(): Buffer {
    return this.settled('the manifest').rawManifest;
  }
  override manifest(): ImageManifest {
    return this.settled('the manifest').manifest;
  }
  override rawConfig(): Buffer {
    return this.settled('the raw config').rawConfig;
  }
  /** The engine's account of the config until the stream's end, then the real one. */
  override config(): ImageConfig {
    return this.real?.config ?? super.config();
  }
}
