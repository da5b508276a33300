/**
 * Gathers what the static checks need from an Image: one streaming pass over all layers
 * (the merged tree, plus the bytes of a few small files and of the programs the config
 * names), then, only when a program turned out to live behind a symlink or hardlink that
 * the first pass could not predict, one more pass over the single layer that holds it.
 */
import type { Image } from '../image/model.js';
import {
  collectSink,
  mergeLayers,
  normaliseEntryPath,
  openLayerTar,
  resolveInTree,
  walkLayer,
  type LayerEntry,
  type MergeProgress,
  type MergedFile,
  type TarDataSink,
} from '../image/filesystem/index.js';
import { DEFAULT_PATH, envValue, resolveCommand } from './command-line.js';
import { readElf } from '../binary/index.js';
import { GoslimError } from '../errors.js';
import { DPKG_LIBC_PARAGRAPH, lookupProgram, resolveLibraries, SMALL_FILES, type ImageView } from './checks.js';
import { libcFamilyOfInterpreter } from './loader.js';

/** Largest program we read whole (the ELF reader needs the file). */
const MAX_PROGRAM_BYTES = 512 * 1024 * 1024;
const MAX_SMALL_FILE = 4 * 1024 * 1024; // MAX_CAPTURED_SMALL_FILE
/** Largest shared library read for its symbol versions (glibc's libc.so.6 is ~2 MB; libLLVM ~100 MB). */
const MAX_LIBRARY_BYTES = 128 * 1024 * 1024;

/** Paths (without leading "/") a program name may be found at, before symlinks are known. */
function candidatePaths(name: string, pathVar: string, workdir: string): string[] {
  const norm = (p: string): string => normaliseEntryPath(p).path;
  if (name.includes('/')) return [norm(name.startsWith('/') ? name : `${workdir}/${name}`)];
  return pathVar.split(':').filter(Boolean).map((d) => norm(`${d}/${name}`));
}

export interface CollectOptions {
  onProgress?: (p: MergeProgress) => void;
}

/**
 * What verify needs from a layer walk, as a rider on someone else's pass (inspect's) or on
 * its own (collectImageView): which entries to read, a consumer that keeps their bytes, and a
 * finisher that, given the merged tree, reads any program that hid behind a link.
 */
export interface VerifyCapture {
  wants(e: LayerEntry): boolean;
  /** A synchronous reader of a wanted entry (LayerVisitor.sink) that keeps its bytes. */
  sink(e: LayerEntry): TarDataSink;
  finish(files: ReadonlyMap<string, MergedFile>): Promise<ImageView>;
  /** The bytes of a file read elsewhere (the analysis cache's copy of a layer's small files). */
  add(path: string, bytes: Buffer): void;
}

/** Files the static checks read whatever the image's command: the same for every image holding the layer. */
export function isImageIndependentCapture(path: string): boolean {
  return (SMALL_FILES as readonly string[]).includes(path) || /^etc\/ld-musl-[^/]+\.path$/.test(path) || DPKG_LIBC_PARAGRAPH.test(path);
}

/** Largest such file kept (the capture's own bound for small files). */
export const MAX_CAPTURED_SMALL_FILE = 4 * 1024 * 1024;

/**
 * Files read from one layer, kept elsewhere (inspect's analysis cache): the targeted reads of
 * `finish` ask it first and hand it what they read, so a program that lives in a layer read
 * before is not read from that layer's blob again.
 */
export interface CapturedFiles {
  get(layer: number, path: string): Promise<Buffer | undefined>;
  put(layer: number, path: string, bytes: Buffer): Promise<void>;
  /**
   * True when this layer's blob was not read in full by this run (it came from the cache): then a
   * read whose files are kept goes through the whole layer, so that its digests are checked.
   */
  readWhole(layer: number): boolean;
}

export function createVerifyCapture(image: Image, kept?: CapturedFiles): VerifyCapture {
  const config = image.config().config;
  const pathVar = envValue(config?.Env, 'PATH') ?? DEFAULT_PATH;
  const workdir = config?.WorkingDir || '/';
  const cmd = resolveCommand(config);
  const programs = new Set<string>();
  const names = [cmd.argv[0], cmd.shell, cmd.shellProgram].filter((x): x is string => x !== undefined);
  for (const n of names) for (const p of candidatePaths(n, pathVar, workdir)) programs.add(p);
  const small = new Set(SMALL_FILES);
  const contents = new Map<string, Buffer>();

  return {
    wants: (e) => small.has(e.path) || programs.has(e.path) || /^etc\/ld-musl-[^/]+\.path$/.test(e.path) || DPKG_LIBC_PARAGRAPH.test(e.path),
    sink: (e) =>
      collectSink(programs.has(e.path) ? MAX_PROGRAM_BYTES : MAX_SMALL_FILE, e.size, (bytes) => {
        if (bytes) contents.set(e.path, bytes);
      }),
    add: (path, bytes) => {
      contents.set(path, bytes);
    },
    finish: async (files) => {
      // Programs reached through links: read the data from the layer that holds it.
      const wanted = new Map<number, Set<string>>();
      for (const n of names) {
        const found = lookupProgram({ files, read: () => undefined }, n, pathVar, workdir).resolved;
        if (!found) continue;
        const target = dataPath(files, found.path, found.file);
        if (target === undefined || contents.has(target.path)) continue;
        const set = wanted.get(target.file.layer) ?? new Set<string>();
        set.add(target.path);
        wanted.set(target.file.layer, set);
      }
      await readFromLayers(image, wanted, MAX_PROGRAM_BYTES, contents, kept);
      const view = viewOf(files, contents);
      // The libraries a dynamic program needs symbol versions from (.gnu.version_r): their
      // .gnu.version_d says whether the image's copy is new enough. One more pass over the
      // layers that hold them, only for such programs.
      const libs = new Map<number, Set<string>>();
      for (const n of names) {
        const found = lookupProgram(view, n, pathVar, workdir).resolved;
        const bytes = found ? view.read(found.path) : undefined;
        if (!found || !bytes) continue;
        let elf;
        try {
          elf = readElf(bytes);
        } catch (err) {
          if (err instanceof GoslimError) continue;
          throw err;
        }
        if (elf.versionsNeeded.length === 0 || elf.interpreter === undefined) continue;
        const family = libcFamilyOfInterpreter(elf.interpreter) ?? 'glibc';
        if (family === 'musl') continue;
        const where = resolveLibraries(view, config?.Env, elf, `/${found.path}`, family);
        for (const need of elf.versionsNeeded) {
          const path = where.get(need.file);
          const hit = path === undefined ? undefined : resolveInTree(files, path.replace(/^\/+/, ''));
          const target = hit ? dataPath(files, hit.path, hit.file) : undefined;
          if (target === undefined || contents.has(target.path) || target.file.size > MAX_LIBRARY_BYTES) continue;
          const set = libs.get(target.file.layer) ?? new Set<string>();
          set.add(target.path);
          libs.set(target.file.layer, set);
        }
      }
      await readFromLayers(image, libs, MAX_LIBRARY_BYTES, contents, kept);
      return viewOf(files, contents);
    },
  };
}

/** Reads the given paths from the given layers (one walk per layer, stopping once all are read). */
async function readFromLayers(image: Image, wanted: Map<number, Set<string>>, max: number, contents: Map<string, Buffer>, files?: CapturedFiles): Promise<void> {
  const layers = image.layers();
  for (const [index, all] of wanted) {
    const layer = layers[index];
    if (!layer) continue;
    const paths = new Set<string>();
    for (const p of all) {
      const kept = await files?.get(index, p);
      if (kept !== undefined) contents.set(p, kept);
      else paths.add(p);
    }
    if (paths.size === 0) continue;
    const read: Array<[string, Buffer]> = [];
    // Stops once every wanted file was read: a program (e.g. usr/bin/dash behind the
    // usrmerge bin -> usr/bin link and sh -> dash) sits early in a sorted layer. Not when the
    // files are kept for other runs and this run has not read the layer in full: then the whole
    // layer is read, so that its digests are checked before anything read from it is kept.
    const left = new Set(paths);
    const whole = files?.readWhole(index) === true;
    await walkLayer(await openLayerTar(layer), index, {
      sink: (e) =>
        paths.has(e.path)
          ? collectSink(max, e.size, (bytes) => {
              if (bytes) {
                contents.set(e.path, bytes);
                read.push([e.path, bytes]);
              }
              left.delete(e.path);
            })
          : undefined,
      ...(whole ? {} : { done: () => left.size === 0 }),
    });
    for (const [p, bytes] of read) await files?.put(index, p, bytes);
  }
}

function viewOf(files: ReadonlyMap<string, MergedFile>, contents: Map<string, Buffer>): ImageView {
  return {
    files,
    read: (path: string) => {
      const direct = contents.get(path);
      if (direct) return direct;
      const f = files.get(path);
      if (f === undefined) return undefined;
      const target = dataPath(files, path, f);
      return target ? contents.get(target.path) : undefined;
    },
  };
}

/** One pass of its own over the image: the merged tree plus what the checks read. */
export async function collectImageView(image: Image, options: CollectOptions = {}): Promise<ImageView> {
  const capture = createVerifyCapture(image);
  const merged = await mergeLayers(image, {
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    visitor: {
      sink: (e) => (capture.wants(e) ? capture.sink(e) : undefined),
    },
  });
  return capture.finish(merged.files);
}

/** Where a regular file's data lives: itself, or the target of a hardlink. */
function dataPath(files: ReadonlyMap<string, MergedFile>, path: string, file: MergedFile): { path: string; file: MergedFile } | undefined {
  if (file.type === 'file') return { path, file };
  if (file.type === 'hardlink' && file.linkname !== undefined) {
    const t = resolveInTree(files, file.linkname);
    return t && t.file.type === 'file' ? t : undefined;
  }
  return undefined;
}
