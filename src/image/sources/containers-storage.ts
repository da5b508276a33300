/**
 * containers-storage source: an image in Podman's / Buildah's local store (containers/storage),
 * read from disk without running podman.
 *
 * Where the store is: storage.conf from CONTAINERS_STORAGE_CONF, else /etc/containers/storage.conf
 * (then /usr/share/containers/storage.conf); rootless, $XDG_CONFIG_HOME/containers/storage.conf
 * first. `graphroot` (default /var/lib/containers/storage, rootless
 * $XDG_DATA_HOME/containers/storage) and `driver` (default: the one whose `<driver>-images/`
 * exists; overlay and vfs are read). A `containers-storage:[DRIVER@ROOT]NAME` reference names
 * the store directly.
 *
 * What is read: `<driver>-images/images.json` (the image: id, names, top layer),
 * `<driver>-layers/layers.json` (the parent chain, each layer's diff digest and size), the
 * image's big-data files in `<driver>-images/<id>/` (the config, named `=` + base64 of its
 * key `sha256:<id>`), and each layer's bytes.
 *
 * A layer is a directory (overlay: `overlay/<id>/diff`, holding the layer's own files, with
 * whiteouts as 0/0 character devices and opaque directories marked by an
 * `trusted.overlay.opaque`/`user.overlay.opaque` xattr; vfs: `vfs/dir/<id>`, the whole
 * filesystem up to that layer). Rather than turn those back into tar entries ourselves, the
 * layer's tar is rebuilt from containers/storage's own record of it, `<id>.tar-split.gz`
 * (vbatts/tar-split: every header and padding byte of the original tar as JSON lines, and the
 * file payloads by name), reading each file's bytes from the layer directory — what
 * containers/storage's Diff() does for `podman save`. Why: the result is the original tar byte
 * for byte (it hashes to the diff_id, which we check), whiteouts and opaque markers come out
 * as the `.wh.` entries they were, and the walk sees exactly the events a tar layer gives, for
 * both drivers, without reading xattrs (which Node cannot do without a native addon). A layer
 * without tar-split data (never seen for pulled, loaded or built images) is E_UNSUPPORTED_FORMAT.
 *
 * Safety: payload names are normalised and must stay inside the layer directory; files are
 * opened with O_NOFOLLOW and their parent directories resolved and checked, so a symlink in
 * the layer never leads out of it; each file must have exactly the size the record says.
 */
import { createHash } from 'node:crypto';
import { closeSync, constants, createReadStream, openSync, readSync, fstatSync, realpathSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, posix, resolve, sep } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import {
  ConfigError,
  DigestMismatchError,
  GoslimError,
  InvalidReferenceError,
  MalformedInputError,
  NotFoundError,
  PlatformError,
  TruncatedInputError,
  UnsafePathError,
  UnsupportedFormatError,
} from '../../errors.js';
import { limit } from '../../limits.js';
import { sha256Digest, verifyBuffer } from '../digest.js';
import { MediaType, platformString, type Compression, type Image, type ImageManifest, type ImageSource, type Layer, type TarChunks, type TarReadOptions } from '../model.js';
import { DescribedLayer, RawImage, tarChunksToStream } from '../partial.js';
import { formatRegistryReference, parseRegistryReference } from '../reference.js';
import { arr, check, nullable, num, obj, opt, str, size as sizeShape } from '../schema.js';
import { checkConfig } from './oci-resolve.js';
import { parsePlatformOption, platformMatches } from './platform-select.js';
import { openWorkerTar } from './tar-worker.js';

export interface StorageLocation {
  driver: string;
  root: string;
  /** The storage.conf it came from, for messages. */
  conf?: string;
}

export interface OpenContainersStorageOptions {
  platform?: string;
  reference?: string;
  env?: NodeJS.ProcessEnv;
  store?: { driver?: string; root: string };
}

const DRIVERS = ['overlay', 'vfs'] as const;

/** The `[storage]` keys we read from a storage.conf (a TOML subset: `key = "value"` lines). */
export function parseStorageConf(text: string): { driver?: string; graphroot?: string; rootlessStoragePath?: string } {
  const out: { driver?: string; graphroot?: string; rootlessStoragePath?: string } = {};
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') continue;
    const sec = /^\[([^\]]+)\]$/.exec(line);
    if (sec) {
      section = sec[1]!.trim();
      continue;
    }
    if (section !== 'storage') continue;
    const kv = /^([A-Za-z_]+)\s*=\s*(?:"([^"]*)"|'([^']*)')\s*$/.exec(line);
    if (!kv) continue;
    const value = kv[2] ?? kv[3] ?? '';
    if (kv[1] === 'driver') out.driver = value;
    else if (kv[1] === 'graphroot') out.graphroot = value;
    else if (kv[1] === 'rootless_storage_path') out.rootlessStoragePath = value;
  }
  return out;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Find the store as containers/storage does (see the module comment). */
export async function locateStorage(env: NodeJS.ProcessEnv = process.env, given?: { driver?: string; root: string }): Promise<StorageLocation> {
  const rootless = typeof process.getuid === 'function' && process.getuid() !== 0;
  let conf: string | undefined;
  let settings: ReturnType<typeof parseStorageConf> = {};
  if (given === undefined) {
    const home = env.HOME ?? homedir();
    const candidates = env.CONTAINERS_STORAGE_CONF
      ? [env.CONTAINERS_STORAGE_CONF]
      : [...(rootless ? [join(env.XDG_CONFIG_HOME ?? join(home, '.config'), 'containers', 'storage.conf')] : []), '/etc/containers/storage.conf', '/usr/share/containers/storage.conf'];
    for (const c of candidates) {
      try {
        settings = parseStorageConf(await readFile(c, 'utf8'));
        conf = c;
        break;
      } catch {
        if (c === env.CONTAINERS_STORAGE_CONF) throw new ConfigError(`CONTAINERS_STORAGE_CONF=${c} cannot be read`);
      }
    }
    const dataHome = env.XDG_DATA_HOME ?? join(home, '.local', 'share');
    const root = rootless
      ? (settings.rootlessStoragePath ?? join(dataHome, 'containers', 'storage'))
      : (settings.graphroot ?? '/var/lib/containers/storage');
    given = settings.driver ? { root, driver: settings.driver } : { root };
  }
  let driver = given.driver;
  if (driver === undefined || driver === '') {
    for (const d of DRIVERS) if (await exists(join(given.root, `${d}-images`, 'images.json'))) driver = d;
  }
  if (driver === undefined || driver === '') {
    throw new NotFoundError(`no container storage at ${given.root}${conf ? ` (from ${conf})` : ''}: no overlay-images/ or vfs-images/`, {
      details: { root: given.root },
    });
  }
  if (!(DRIVERS as readonly string[]).includes(driver)) {
    throw new UnsupportedFormatError(`container storage driver "${driver}" is not read (overlay and vfs are)`);
  }
  return { driver, root: given.root, ...(conf ? { conf } : {}) };
}

const imagesShape = arr(
  obj({
    id: str,
    digest: opt(str),
    names: opt(arr(str)),
    layer: opt(str),
    'big-data-names': opt(arr(str)),
  }),
);
const layersShape = arr(
  obj({
    id: str,
    parent: opt(str),
    'diff-digest': opt(str),
    'diff-size': opt(num),
    'compressed-diff-digest': opt(str),
  }),
);

async function readJson<T>(path: string, shape: (v: unknown, p: string, d: string) => T, what: string): Promise<T> {
  let raw: Buffer;
  try {
    raw = await readFile(path);
  } catch (err) {
    throw new NotFoundError(`${what} (${path}) cannot be read`, { cause: err });
  }
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw new MalformedInputError(`${what} (${path}) is not JSON`, { cause: err });
  }
  return check(shape, value, what);
}

function canonicalName(name: string): string | undefined {
  try {
    return formatRegistryReference(parseRegistryReference(name));
  } catch {
    return undefined;
  }
}

type StoredImageEntry = ReturnType<typeof imagesShape>[number];

/** Find `name` as podman does: an id (or unique prefix), an exact name, the normalised name, then localhost/NAME. */
export function findStoredImage(images: StoredImageEntry[], name: string): StoredImageEntry | undefined {
  const id = name.replace(/^sha256:/, '');
  if (/^[a-f0-9]{12,64}$/.test(id)) {
    const hits = images.filter((i) => i.id.startsWith(id));
    if (hits.length === 1) return hits[0];
  }
  const exact = images.find((i) => (i.names ?? []).includes(name));
  if (exact) return exact;
  const wanted = [canonicalName(name)];
  if (!name.includes('/') || !/[.:]|^localhost$/.test(name.split('/')[0]!)) wanted.push(canonicalName(`localhost/${name}`));
  for (const w of wanted) {
    if (w === undefined) continue;
    const hit = images.find((i) => (i.names ?? []).some((n) => canonicalName(n) === w));
    if (hit) return hit;
  }
  return undefined;
}

function bigDataPath(imagesDir: string, id: string, key: string): string {
  return join(imagesDir, id, `=${Buffer.from(key).toString('base64')}`);
}

export async function openContainersStorage(name: string, options: OpenContainersStorageOptions = {}): Promise<Image> {
  const where = await locateStorage(options.env ?? process.env, options.store);
  const imagesDir = join(where.root, `${where.driver}-images`);
  const layersDir = join(where.root, `${where.driver}-layers`);
  const images = await readJson(join(imagesDir, 'images.json'), imagesShape, 'containers-storage images.json');
  const entry = findStoredImage(images, name);
  if (entry === undefined) {
    throw new NotFoundError(`container storage at ${where.root} (${where.driver}) has no image ${name}`, { details: { root: where.root, image: name } });
  }
  if (!/^[a-f0-9]{64}$/.test(entry.id)) throw new MalformedInputError(`containers-storage images.json: image id ${entry.id} is not 64 hex digits`);
  const configDigest = `sha256:${entry.id}`;
  const rawConfig = await readFile(bigDataPath(imagesDir, entry.id, configDigest)).catch((err: unknown) => {
    throw new NotFoundError(`container storage at ${where.root}: image ${entry.id} has no config`, { cause: err });
  });
  if (rawConfig.length > limit('json.documentSize')) throw new MalformedInputError(`image ${entry.id}: config over ${limit('json.documentSize')} bytes`);
  verifyBuffer(rawConfig, configDigest, 'image config');
  const config = checkConfig(rawConfig, `containers-storage config ${configDigest}`);
  const have = { os: config.os, architecture: config.architecture, ...(config.variant ? { variant: config.variant } : {}) };
  if (options.platform !== undefined && !platformMatches(parsePlatformOption(options.platform), have)) {
    throw new PlatformError(`image ${name} in ${where.root} is ${platformString(have)}, not ${options.platform}`, { details: { available: [platformString(have)] } });
  }
  // The layer chain, top to bottom, then reversed.
  const allLayers = await readJson(join(layersDir, 'layers.json'), layersShape, 'containers-storage layers.json');
  const byId = new Map(allLayers.map((l) => [l.id, l]));
  const chain: typeof allLayers = [];
  for (let id = entry.layer; id !== undefined && id !== ''; ) {
    const l = byId.get(id);
    if (l === undefined) throw new NotFoundError(`container storage at ${where.root}: layer ${id} of image ${entry.id} is missing`);
    chain.push(l);
    if (chain.length > limit('image.layers')) throw new MalformedInputError(`image ${entry.id}: layer chain longer than ${limit('image.layers')} (a loop?)`);
    id = l.parent;
  }
  chain.reverse();
  const diffIds = config.rootfs.diff_ids;
  if (chain.length !== diffIds.length || chain.some((l, i) => l['diff-digest'] !== diffIds[i])) {
    throw new MalformedInputError(`container storage at ${where.root}: the layers of image ${entry.id} do not match its config's diff_ids`);
  }
  const layers: Layer[] = chain.map((l, i) => {
    const dir = where.driver === 'overlay' ? join(where.root, 'overlay', l.id, 'diff') : join(where.root, 'vfs', 'dir', l.id);
    return new StorageLayer({
      id: l.id,
      dir,
      tarSplit: join(layersDir, `${l.id}.tar-split.gz`),
      diffId: diffIds[i]!,
      size: l['diff-size'] ?? 0,
    });
  });
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.DockerManifest,
    config: { mediaType: MediaType.DockerConfig, digest: configDigest, size: rawConfig.length },
    layers: layers.map((l) => ({ mediaType: MediaType.DockerLayerTar, digest: l.digest(), size: l.size() })),
  };
  const rawManifest = Buffer.from(JSON.stringify(manifest));
  const image = new RawImage({
    digest: sha256Digest(rawManifest),
    mediaType: MediaType.DockerManifest,
    rawManifest,
    manifest,
    rawConfig,
    config,
    configDigest,
    layers,
    reference: options.reference ?? `containers-storage:${name}`,
  });
  const source: ImageSource = { transport: 'containers-storage', detail: `${where.driver} at ${where.root}` };
  return Object.assign(image, { source: () => source });
}

interface StorageLayerInit {
  id: string;
  dir: string;
  tarSplit: string;
  diffId: string;
  size: number;
}

const entryShape = obj({
  type: num,
  name: opt(str),
  size: opt(num),
  payload: opt(nullable(str)),
  position: opt(sizeShape),
});

const CHUNK = 1 << 20;

/** A layer kept as a directory plus its tar-split record (see the module comment). */
export class StorageLayer extends DescribedLayer {
  constructor(private readonly init: StorageLayerInit) {
    super({ digest: init.diffId, diffId: init.diffId, size: init.size, mediaType: MediaType.DockerLayerTar, compression: 'none' });
  }
  async compressed(): Promise<Readable> {
    return this.uncompressed();
  }
  async uncompressed(options?: TarReadOptions): Promise<Readable> {
    return tarChunksToStream(await this.tarChunks(options));
  }

  async tarChunks(options: TarReadOptions = {}): Promise<TarChunks> {
    const { dir, tarSplit, diffId, id } = this.init;
    if (!(await exists(tarSplit))) {
      throw new UnsupportedFormatError(`layer ${id}: no tar-split record (${tarSplit}); goslim rebuilds a stored layer's tar from it`);
    }
    const what = `layer ${id}`;
    // On the layer-reading thread when there is one: the rebuild (record, file reads) there,
    // the diff_id and the walk here, in 1 MiB slots (measured: this thread doing all of it, one
    // chunk per tar header, took 1.8x a `tar -c` of the same directories; the hash on that
    // thread too made it the bottleneck).
    const onWorker = openWorkerTar({
      tarSplit: { path: tarSplit, dir },
      gzip: false,
      ...(options.verifyDiffId === false ? {} : { diffId }),
      ...(options.lead !== undefined ? { lead: options.lead } : {}),
      what,
    });
    if (onWorker !== undefined) return onWorker;
    const realDir = realpathSync(dir);
    const hash = options.verifyDiffId === false ? undefined : createHash('sha256');
    let bytes = 0;
    const input = createReadStream(tarSplit);
    const gunzip = createGunzip();
    input.pipe(gunzip);
    input.on('error', (e) => gunzip.destroy(e));
    const lines = createInterface({ input: gunzip, crlfDelay: Infinity })[Symbol.asyncIterator]();
    const parentOk = new Map<string, boolean>();
    let file: { fd: number; left: number; name: string } | undefined;
    const buf = Buffer.allocUnsafe(CHUNK);
    let done = false;

    const openPayload = (rawName: string, size: number): { fd: number; left: number; name: string } => {
      const name = posix.normalize(rawName.replace(/^\/+/, ''));
      if (name === '..' || name.startsWith('../') || posix.isAbsolute(name)) throw new UnsafePathError(`${what}: tar-split names ${rawName}, outside the layer`);
      const full = resolve(dir, name);
      const parent = resolve(full, '..');
      let ok = parentOk.get(parent);
      if (ok === undefined) {
        let real: string;
        try {
          real = realpathSync(parent);
        } catch (err) {
          throw new NotFoundError(`${what}: ${name} is missing from ${dir}`, { cause: err });
        }
        ok = real === realDir || real.startsWith(realDir + sep);
        parentOk.set(parent, ok);
      }
      if (!ok) throw new UnsafePathError(`${what}: ${name} lies behind a symlink out of ${dir}`);
      let fd: number;
      try {
        fd = openSync(full, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK); // a FIFO does not block the open
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ELOOP') throw new UnsafePathError(`${what}: ${name} is a symlink where the layer has a file`);
        throw new NotFoundError(`${what}: ${name} is missing from ${dir}`, { cause: err });
      }
      const st = fstatSync(fd);
      if (!st.isFile() || st.size !== size) {
        closeSync(fd);
        throw new MalformedInputError(`${what}: ${name} in ${dir} is ${st.isFile() ? `${st.size} bytes` : 'not a file'}, its record says ${size}`);
      }
      return { fd, left: size, name };
    };
    const closeFile = (): void => {
      if (file) closeSync(file.fd);
      file = undefined;
    };
    const emit = (c: Buffer): Buffer => {
      hash?.update(c);
      bytes += c.length;
      return c;
    };
    return {
      read: async () => {
        for (;;) {
          if (done) return undefined;
          if (file !== undefined) {
            const n = readSync(file.fd, buf, 0, Math.min(CHUNK, file.left), null);
            if (n === 0) throw new TruncatedInputError(`${what}: ${file.name} shrank while read`);
            file.left -= n;
            if (file.left === 0) closeFile();
            return emit(buf.subarray(0, n));
          }
          let line: IteratorResult<string>;
          try {
            line = await lines.next();
          } catch (err) {
            throw err instanceof GoslimError ? err : new MalformedInputError(`${what}: ${tarSplit} cannot be read (${(err as Error).message})`, { cause: err });
          }
          if (line.done === true) {
            done = true;
            if (hash !== undefined) {
              const actual = `sha256:${hash.digest('hex')}`;
              if (actual !== diffId) {
                throw new DigestMismatchError(`${what}: the rebuilt tar hashes to ${actual}, expected ${diffId}`, { details: { expected: diffId, actual, bytes } });
              }
            }
            return undefined;
          }
          if (line.value === '') continue;
          let value: unknown;
          try {
            value = JSON.parse(line.value);
          } catch (err) {
            throw new MalformedInputError(`${what}: ${tarSplit} has a line that is not JSON`, { cause: err });
          }
          const e = check(entryShape, value, `${what} tar-split`);
          if (e.type === 2) {
            if (e.payload) return emit(Buffer.from(e.payload, 'base64'));
            continue;
          }
          if (e.type === 1) {
            const size = e.size ?? 0;
            if (size > 0 && e.name !== undefined) file = openPayload(e.name, size);
            continue;
          }
          throw new MalformedInputError(`${what}: tar-split entry type ${e.type} is unknown`);
        }
      },
      close: () => {
        done = true;
        closeFile();
        input.destroy();
        gunzip.destroy();
      },
    };
  }
}

