/**
 * Gathers what the static checks need from an Image: one streaming pass over all layers
 * (the merged tree, plus the bytes of a few small files and of the programs the config
 * names), then, only when a program turned out to live behind a symlink or hardlink that
 * the first pass could not predict, one more pass over the single layer that holds it.
 */
import { imageSource, type Image } from '../image/model.js';
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
  /** See VerifyCaptureOptions (default: when a re-read costs a whole export). */
  lookbehind?: boolean;
}

/**
 * What verify needs from a layer walk, as a rider on someone else's pass (inspect's) or on
 * its own (collectImageView): which entries to read, a consumer that keeps their bytes, and a
 * finisher that, given the merged tree, reads any program that hid behind a link.
 */
export interface VerifyCapture {
  /** Every entry of a walk, in order (the lookbehind follows symlinks with it). */
  note(e: LayerEntry): void;
  wants(e: LayerEntry): boolean;
  /** A synchronous reader of a wanted entry (LayerVisitor.sink) that keeps its bytes. */
  sink(e: LayerEntry): TarDataSink;
  finish(files: ReadonlyMap<string, MergedFile>): Promise<ImageView>;
  /**
   * A layer was merged (mergeLayers' layerMerged): start reading now the programs the tree so
   * far reaches through links, from the layers that hold them, while the layers above are still
   * read; finish() uses what it reads when the final tree names the same file in the same layer.
   */
  merged(layer: number, files: ReadonlyMap<string, MergedFile>): void;
  /** The bytes of a file read elsewhere (the analysis cache's copy of layer `layer`'s small files). */
  add(path: string, bytes: Buffer, layer: number): void;
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

/** Lookbehind: largest file kept on speculation, and all of them together. */
const LOOKBEHIND_FILE = 4 * 1024 * 1024;
const LOOKBEHIND_BUDGET = 8 * 1024 * 1024;
/** The C runtime's libraries, which programs need symbol versions from (in a lib directory). */
const RUNTIME_LIB = /^(?:usr\/)?(?:lib|lib32|lib64|libx32)(?:\/[^/]+)?\/(?:ld-linux[^/]*\.so[^/]*|(?:libc|libm|libdl|libpthread|librt|libresolv|libutil|libgcc_s|libstdc\+\+)(?:[-.][^/]*)?\.so[^/]*)$/;

/** Where re-reading a layer costs a whole export of the image (an engine's `images/get`). */
function rereadIsExport(image: Image): boolean {
  return imageSource(image).transport === 'docker-daemon';
}

interface Kept {
  layer: number;
  bytes: Buffer;
}

/**
 * Keeps, as a walk goes by, the files a program reached through a symlink is likely to be,
 * for sources where finish()'s targeted re-read would cost a whole export (docker-daemon).
 * A sorted layer lists `usr/bin/dash` before `usr/bin/sh -> dash`: when the link arrives, the
 * data has passed. So the ELF files and scripts of the directories the program names are
 * looked up in (followed through directory symlinks seen so far) are kept while the walk is in
 * that directory, the smallest first within LOOKBEHIND_BUDGET; a link at a wanted path keeps
 * its target, or makes it wanted if it is still to come. The C runtime's libraries (RUNTIME_LIB)
 * are kept to the end, for the symbol-version check. Whatever this misses is re-read as before.
 */
class Lookbehind {
  private readonly links = new Map<string, string>();
  private canonProgramsAt = -1;
  /** The programs' count, the links' paths looked up and the links added, as of the last refresh. */
  private programsAt = -1;
  private looked = new Set<string>();
  private readonly newLinks: string[] = [];
  private canonPrograms = new Set<string>();
  private canonDirs = new Set<string>();
  private dirRun: string | undefined;
  private readonly nearby = new Map<string, Kept>();
  readonly libs = new Map<string, Kept>();
  private bytes = 0;

  constructor(
    private readonly programs: Set<string>,
    private readonly contents: Map<string, Buffer>,
    /** The layer each kept path's bytes came from (see viewOf). */
    private readonly layerOf: Map<string, number>,
  ) {}

  /** `p` with the directory symlinks seen so far followed (bounded); `looked` gets the paths looked up. */
  private canon(p: string, looked?: Set<string>): string {
    let parts = p.split('/');
    for (let hops = 0, i = 1; i <= parts.length && hops < 40; i++) {
      const head = parts.slice(0, i).join('/');
      if (i < parts.length) looked?.add(head);
      const to = i < parts.length ? this.links.get(head) : undefined;
      if (to === undefined) continue;
      parts = [...to.split('/').filter(Boolean), ...parts.slice(i)];
      i = 0;
      hops++;
    }
    return parts.join('/');
  }

  private refresh(): void {
    if (this.canonProgramsAt === this.links.size + this.programs.size) return;
    this.canonProgramsAt = this.links.size + this.programs.size;
    // A link at a path no program's canonicalization looked up changes none of them (a layer
    // has thousands of links, each would recompute every program's path).
    const unchanged = this.programsAt === this.programs.size && this.newLinks.every((l) => !this.looked.has(l));
    this.newLinks.length = 0;
    if (unchanged) return;
    this.programsAt = this.programs.size;
    const looked = new Set<string>();
    this.canonPrograms = new Set([...this.programs].map((p) => this.canon(p, looked)));
    this.looked = looked;
    this.canonDirs = new Set([...this.canonPrograms].map((p) => p.slice(0, Math.max(0, p.lastIndexOf('/')))));
  }

  note(e: LayerEntry): void {
    const slash = e.path.lastIndexOf('/');
    const dir = slash < 0 ? '' : e.path.slice(0, slash);
    if (dir !== this.dirRun) {
      this.dirRun = dir;
      for (const k of this.nearby.values()) this.bytes -= k.bytes.length;
      this.nearby.clear();
    }
    if ((e.type !== 'symlink' && e.type !== 'hardlink') || e.linkname === undefined) return;
    // A hardlink's name is already a path in the image; a symlink's is relative to its directory.
    const target = e.type === 'hardlink' ? e.linkname : normaliseEntryPath(e.linkname.startsWith('/') ? e.linkname : `${dir}/${e.linkname}`).path;
    if (e.type === 'symlink') {
      this.links.set(e.path, target);
      this.newLinks.push(e.path);
    }
    this.refresh();
    if (!this.canonPrograms.has(this.canon(e.path))) return;
    const to = this.canon(target);
    const near = this.nearby.get(to);
    if (near !== undefined && near.layer === e.layer) {
      this.contents.set(to, near.bytes);
      this.layerOf.set(to, near.layer);
    }
    else this.programs.add(to);
  }

  wants(e: LayerEntry): boolean {
    if (e.size > LOOKBEHIND_FILE) return false;
    if (RUNTIME_LIB.test(e.path)) return true;
    this.refresh();
    const slash = e.path.lastIndexOf('/');
    return this.canonDirs.has(slash < 0 ? '' : e.path.slice(0, slash));
  }

  sink(e: LayerEntry): TarDataSink {
    return collectSink(LOOKBEHIND_FILE, e.size, (bytes) => {
      if (bytes === undefined || bytes.length < 4) return;
      const elf = bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
      if (!elf && !(bytes[0] === 0x23 && bytes[1] === 0x21)) return; // ELF or #! only
      const into = RUNTIME_LIB.test(e.path) ? this.libs : this.nearby;
      const before = into.get(e.path);
      if (before !== undefined) this.bytes -= before.bytes.length;
      into.set(e.path, { layer: e.layer, bytes });
      this.bytes += bytes.length;
      // Over budget: drop the largest files near the walk, then (libraries alone over it) this one.
      while (this.bytes > LOOKBEHIND_BUDGET && this.nearby.size > 0) {
        let big: string | undefined;
        for (const [p, k] of this.nearby) if (big === undefined || k.bytes.length > this.nearby.get(big)!.bytes.length) big = p;
        this.bytes -= this.nearby.get(big!)!.bytes.length;
        this.nearby.delete(big!);
      }
      if (this.bytes > LOOKBEHIND_BUDGET && into.get(e.path)?.bytes === bytes) {
        into.delete(e.path);
        this.bytes -= bytes.length;
      }
    });
  }
}

export interface VerifyCaptureOptions {
  /** Keep likely link targets as they pass (default: when a re-read costs a whole export). */
  lookbehind?: boolean;
}

export function createVerifyCapture(image: Image, kept?: CapturedFiles, options: VerifyCaptureOptions = {}): VerifyCapture {
  const config = image.config().config;
  const pathVar = envValue(config?.Env, 'PATH') ?? DEFAULT_PATH;
  const workdir = config?.WorkingDir || '/';
  const cmd = resolveCommand(config);
  const programs = new Set<string>();
  const names = [cmd.argv[0], cmd.shell, cmd.shellProgram].filter((x): x is string => x !== undefined);
  for (const n of names) for (const p of candidatePaths(n, pathVar, workdir)) programs.add(p);
  const small = new Set(SMALL_FILES);
  const contents = new Map<string, Buffer>();
  // Layers may be read side by side (mergeLayers' lookahead): a path's copy from the highest
  // layer wins, as it would in a walk bottom to top.
  const layerOf = new Map<string, number>();
  const keep = (path: string, layer: number, bytes: Buffer): void => {
    if ((layerOf.get(path) ?? -1) > layer) return;
    layerOf.set(path, layer);
    contents.set(path, bytes);
  };
  const behind = (options.lookbehind ?? rereadIsExport(image)) ? new Lookbehind(programs, contents, layerOf) : undefined;
  const wanted = (e: LayerEntry): boolean => small.has(e.path) || programs.has(e.path) || /^etc\/ld-musl-[^/]+\.path$/.test(e.path) || DPKG_LIBC_PARAGRAPH.test(e.path);
  // The C runtime's libraries, kept as they pass (the symbol-version check reads them after the
  // walk: a second read of their layer otherwise). With the lookbehind, it keeps them itself.
  const runtimeLib = (e: LayerEntry): boolean => behind === undefined && e.size <= LOOKBEHIND_FILE && RUNTIME_LIB.test(e.path);
  // Programs read from a layer while the layers above it were still being read (merged()).
  const early = new Map<number, { paths: Set<string>; got: Map<string, Buffer>; done: Promise<void>; cancelled: boolean }>();
  /** The files the programs resolve to in `files` (through links) that no walk has kept, by layer. */
  const programTargets = (files: ReadonlyMap<string, MergedFile>): Map<number, Set<string>> => {
    const out = new Map<number, Set<string>>();
    for (const n of names) {
      const found = lookupProgram({ files, read: () => undefined }, n, pathVar, workdir).resolved;
      if (!found) continue;
      const target = dataPath(files, found.path, found.file);
      if (target === undefined || contents.has(target.path)) continue;
      const set = out.get(target.file.layer) ?? new Set<string>();
      set.add(target.path);
      out.set(target.file.layer, set);
    }
    return out;
  };

  return {
    note: (e) => behind?.note(e),
    wants: (e) => wanted(e) || runtimeLib(e) || behind?.wants(e) === true,
    sink: (e) =>
      wanted(e) || runtimeLib(e)
        ? collectSink(programs.has(e.path) ? MAX_PROGRAM_BYTES : MAX_SMALL_FILE, e.size, (bytes) => {
            if (bytes) keep(e.path, e.layer, bytes);
          })
        : behind!.sink(e),
    merged: (layer, files) => {
      if (behind !== undefined) return; // a re-read is a whole export: the lookbehind keeps them instead
      for (const [index, paths] of programTargets(files)) {
        if (index > layer || early.has(index)) continue;
        const got = new Map<string, Buffer>();
        const entry = { paths, got, done: Promise.resolve(), cancelled: false };
        entry.done = readFromLayers(image, new Map([[index, paths]]), MAX_PROGRAM_BYTES, got, kept, undefined, () => entry.cancelled);
        entry.done.catch(() => {}); // awaited by finish() when it uses the read
        early.set(index, entry);
      }
    },
    add: (path, bytes, layer) => keep(path, layer, bytes),
    finish: async (files) => {
      // Programs reached through links: read the data from the layer that holds it, or take
      // what merged() read early from that layer.
      const wanted = programTargets(files);
      for (const [index, e] of early) {
        const paths = wanted.get(index);
        if (paths === undefined || ![...paths].some((p) => e.paths.has(p))) {
          e.cancelled = true; // the final tree names other files: not needed
          continue;
        }
        await e.done;
        for (const [p, bytes] of e.got) {
          if (!paths.has(p)) continue;
          contents.set(p, bytes);
          layerOf.set(p, index);
          paths.delete(p);
        }
        if (paths.size === 0) wanted.delete(index);
      }
      early.clear();
      await readFromLayers(image, wanted, MAX_PROGRAM_BYTES, contents, kept, undefined, undefined, layerOf);
      const view = viewOf(files, contents, layerOf);
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
      await readFromLayers(image, libs, MAX_LIBRARY_BYTES, contents, kept, behind?.libs, undefined, layerOf);
      return viewOf(files, contents, layerOf);
    },
  };
}

/** Reads the given paths from the given layers (one walk per layer, stopping once all are read). */
async function readFromLayers(
  image: Image,
  wanted: Map<number, Set<string>>,
  max: number,
  contents: Map<string, Buffer>,
  files?: CapturedFiles,
  behind?: ReadonlyMap<string, Kept>,
  /** True once the reads are no longer wanted: the walk stops there and nothing is kept. */
  cancelled?: () => boolean,
  /** The layer each path's bytes in `contents` came from (see viewOf). */
  layerOf?: Map<string, number>,
): Promise<void> {
  const layers = image.layers();
  for (const [index, all] of wanted) {
    const layer = layers[index];
    if (!layer) continue;
    const paths = new Set<string>();
    for (const p of all) {
      const near = behind?.get(p);
      if (near !== undefined && near.layer === index) {
        contents.set(p, near.bytes);
        layerOf?.set(p, index);
        continue;
      }
      const kept = await files?.get(index, p);
      if (kept !== undefined) {
        contents.set(p, kept);
        layerOf?.set(p, index);
      }
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
                layerOf?.set(e.path, index);
                read.push([e.path, bytes]);
              }
              left.delete(e.path);
            })
          : undefined,
      done: () => cancelled?.() === true || (!whole && left.size === 0),
    });
    if (cancelled?.() === true) return;
    for (const [p, bytes] of read) await files?.put(index, p, bytes);
  }
}

/**
 * The checks' view: the final tree, and the bytes kept of the files it reads. A path's bytes count
 * only if the final tree still has that file and they come from the layer that wrote its final
 * version (when that layer is known): a file captured from a lower layer and then deleted, or
 * replaced by a later layer whose copy was not kept (too big), reads as absent, not as its old
 * content.
 */
function viewOf(files: ReadonlyMap<string, MergedFile>, contents: Map<string, Buffer>, layerOf: ReadonlyMap<string, number>): ImageView {
  return {
    files,
    read: (path: string) => {
      const f = files.get(path);
      if (f === undefined) return undefined;
      const target = dataPath(files, path, f);
      if (target === undefined) return undefined;
      const bytes = contents.get(target.path);
      const layer = layerOf.get(target.path);
      return bytes !== undefined && (layer === undefined || layer === target.file.layer) ? bytes : undefined;
    },
  };
}

/** One pass of its own over the image: the merged tree plus what the checks read. */
export async function collectImageView(image: Image, options: CollectOptions = {}): Promise<ImageView> {
  const capture = createVerifyCapture(image, undefined, options.lookbehind !== undefined ? { lookbehind: options.lookbehind } : {});
  const merged = await mergeLayers(image, {
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    visitor: {
      entry: (e) => capture.note(e),
      sink: (e) => (capture.wants(e) ? capture.sink(e) : undefined),
    },
    layerMerged: (i, files) => capture.merged(i, files),
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
