/**
 * inspectImage: the I/O edge of the analysis. One streaming pass over each layer (in order,
 * bottom first, through the filesystem module's mergeLayers) builds the merged tree while our
 * content visitors collect the package database files, hand executable ELF files to the Go
 * binary analyzer and sample content for compression ratios. Everything after the walk is the
 * pure core (causes, levers, estimate).
 */
import { analyzeBinary, readElf } from '../binary/index.js';
import type { BinaryReport } from '../binary/index.js';
import { sizeTree } from '../binary/size-tree.js';
import { GoslimError } from '../errors.js';
import { mergeLayers, type MergeProgress } from '../image/filesystem/merge.js';
import { openLayerTar, walkLayer, type TarDataSink } from '../image/filesystem/walk.js';
import { releaseLayerReader } from '../image/sources/tar-worker.js';
import { collectSink, fanOut } from '../image/filesystem/data-sinks.js';
import type { LayerEntry, MergedFile } from '../image/filesystem/types.js';
import { platformString, type Image } from '../image/model.js';
import { openImage, type OpenImageOptions } from '../image/open.js';
import { attributeCauses, canonicalOwners, goLocationsFromEnv, isAppLocation, isGoSourcePath } from './causes.js';
import { estimateAfterLevers, type AppFile } from './estimate.js';
import { buildFileTree, type FileTree } from './file-tree.js';
import { FsIndex } from './fs-index.js';
import { finalGoBinaries, GoBinaryCollector, isBinaryCandidate } from './go-binaries.js';
import { rankLevers } from './levers.js';
import { buildPackageDb, isPackageDbPath } from './package-db.js';
import { RatioProbe } from './ratio-probe.js';
import { createVerifyCapture } from '../verify/collect.js';
import { verifyStatic } from '../verify/checks.js';
import type { VerifyReport } from '../verify/types.js';
import type { CauseId, CauseTotal, Estimate, GoBinary, GoBinaryFacts, Lever, PackageTotal } from './types.js';

export interface InspectProgress {
  /** 0-based index of the layer being read. */
  layer: number;
  layers: number;
  /** Uncompressed bytes read so far, all layers. */
  bytes: number;
  /** Stored (compressed) bytes of all layers, for a rough fraction. */
  storedTotal: number;
  /** Stored bytes of the layers already finished. */
  storedDone: number;
}

export interface InspectOptions extends OpenImageOptions {
  onProgress?: (p: InspectProgress) => void;
  /** How many largest files to report (default 15). */
  largest?: number;
  /**
   * Also check each layer's tar against the config's diff_id (default false). Blob digests,
   * which the manifest pins, are always checked, so tampered layers fail either way; the
   * diff_id check finds a config that disagrees with its layers, which is what a runtime
   * checks when it unpacks (goslim verify --run does). It costs a SHA-256 pass over every
   * uncompressed byte: 0.5 s of CPU on the 1.08 GB fixture image.
   */
  verifyDiffIds?: boolean;
  /**
   * Add `tree`, the compact tree of every file for the HTML report's treemap (default false);
   * a number caps the files kept one by one (default 20000; smaller ones are aggregated).
   */
  fileTree?: boolean | number;
}

export interface InspectLayer {
  /** 1-based position in the manifest (bottom layer is 1), as the text and Markdown number it. */
  number: number;
  digest: string;
  diffId: string;
  /** Stored blob bytes (what a pull transfers; equals size for uncompressed archives). */
  compressedSize: number;
  /** Uncompressed tar bytes. */
  size: number;
  createdBy: string | null;
  files: number;
  added: number;
  modified: number;
  deleted: number;
  deletedBytes: number;
}

export interface InspectReport {
  image: {
    ref: string;
    digest: string;
    platform: string;
    compressedSize: number;
    size: number;
    /** Bytes of file data in the final filesystem (each inode once). */
    fileBytes: number;
    files: number;
  };
  layers: InspectLayer[];
  causes: CauseTotal[];
  packages: PackageTotal[];
  /** Absolute paths in the image; `layer` is the 1-based number of the layer that holds the file. */
  largestFiles: Array<{ path: string; bytes: number; cause: CauseId; package?: string; layer: number }>;
  /** Go binaries with absolute paths in the image (`/usr/local/bin/app`). */
  goBinaries: GoBinary[];
  wasted: { bytes: number; efficiency: number };
  levers: Lever[];
  headline: string;
  estimate: Estimate;
  anomalies: number;
  /** Will it start? The static checks of `goslim verify`, from the same pass. */
  startup: VerifyReport;
  /** Every file with its cause, package and layer, by directory (only with the fileTree option). */
  tree?: FileTree;
}

/** Database files bigger than this are ignored (no real dpkg status comes close). */
const MAX_DB_FILE = 64 * 1024 * 1024;

export function factsFromReport(r: BinaryReport, path: string, withSizeTree = false): GoBinaryFacts | undefined {
  if (r.go === null) return undefined;
  const cgo = r.findings.find((f) => f.lever === 'cgo-off');
  const go: GoBinaryFacts['go'] = { settings: r.go.settings };
  if (r.go.version !== null) go.version = r.go.version;
  if (r.go.path !== null) go.path = r.go.path;
  const facts: GoBinaryFacts = {
    path,
    size: r.size,
    linking: r.linking,
    interpreter: r.interpreter,
    needed: r.needed,
    go,
    strip: r.strip,
    trimpath: { leakedPaths: r.trimpath.leakedPaths, examples: r.trimpath.examples, estimatedBytes: r.trimpath.estimatedBytes },
  };
  if (cgo) facts.cgoBytes = cgo.bytes;
  if (withSizeTree) facts.sizeTree = sizeTree(r);
  return facts;
}

function analyzeGo(bytes: Uint8Array, path: string, withSizeTree: boolean): GoBinaryFacts | undefined {
  try {
    return factsFromReport(analyzeBinary(bytes, { path: `/${path}`, attribution: false }), path, withSizeTree);
  } catch (err) {
    // A damaged or exotic ELF is not a reason to fail the whole image: it is just not a Go binary we can read.
    if (err instanceof GoslimError) return undefined;
    throw err;
  }
}

function elfSections(bytes: Uint8Array): Array<{ name: string; offset: number; fileSize: number }> {
  return readElf(bytes).sections.map((s) => ({ name: s.name, offset: s.offset, fileSize: s.fileSize }));
}

/** Paths whose content samples the compressibility of a static base's files. */
function isRuntimeSample(path: string): boolean {
  return path.startsWith('usr/share/zoneinfo/') || path.startsWith('etc/ssl/certs/') || path.startsWith('usr/share/ca-certificates/');
}

export async function inspectImageRef(ref: string, options: InspectOptions = {}): Promise<InspectReport> {
  const image = await openImage(ref, options);
  return inspectImage(image, options);
}

export async function inspectImage(image: Image, options: InspectOptions = {}): Promise<InspectReport> {
  const layers = image.layers();
  const config = image.config();
  const withTree = options.fileTree !== undefined && options.fileTree !== false;
  const collector = new GoBinaryCollector((bytes, path) => analyzeGo(bytes, path, withTree), elfSections);
  const dbFiles = new Map<string, { layer: number; text: string }>();
  const runtimeProbe = new RatioProbe();
  const appProbe = new RatioProbe();
  const go = goLocationsFromEnv(config.config?.Env);
  const storedTotal = layers.reduce((s, l) => s + l.size(), 0);
  let storedDone = 0;
  let bytesBefore = 0;

  const sample = (probe: RatioProbe): TarDataSink => ({ write: (c) => probe.feed(c), end: () => {} });
  const isCandidate = (e: LayerEntry): boolean => (e.mode & 0o111) !== 0 && isBinaryCandidate(e); // the cheap test first
  // verify's readers (passwd, ld.so.cache, the entrypoint program) ride on the same pass.
  const startupCapture = createVerifyCapture(image);

  // One streaming pass (the filesystem module's walk + merge); our readers ride along.
  const verifyDiffId = options.verifyDiffIds ?? false;
  const merged = await mergeLayers(image, {
    verifyDiffIds: verifyDiffId,
    visitor: {
      // Synchronous readers (no stream per file): each copies only what it keeps.
      sink: (e: LayerEntry) => {
        const readers: TarDataSink[] = [];
        if (startupCapture.wants(e)) readers.push(startupCapture.sink(e));
        if (isPackageDbPath(e.path)) {
          readers.push(
            collectSink(MAX_DB_FILE, e.size, (bytes) => {
              if (bytes !== undefined) dbFiles.set(e.path, { layer: e.layer, text: bytes.toString('utf8') });
            }),
          );
        } else if (isCandidate(e)) {
          readers.push(collector.sink(e));
        } else if (isRuntimeSample(e.path)) {
          if (!runtimeProbe.full) readers.push(sample(runtimeProbe));
        } else if (isAppLocation(e.path) && !isGoSourcePath(e.path) && !appProbe.full) {
          readers.push(sample(appProbe));
        }
        return readers.length === 0 ? undefined : readers.length === 1 ? readers[0] : fanOut(readers);
      },
    },
    ...(options.onProgress
      ? {
          onProgress: (p: MergeProgress) => {
            if (p.done) {
              bytesBefore += p.bytes;
              storedDone += layers[p.layer]?.size() ?? 0;
            }
            options.onProgress?.({ layer: p.layer, layers: p.layers, bytes: bytesBefore + (p.done ? 0 : p.bytes), storedTotal, storedDone });
          },
        }
      : {}),
  });

  // Second, targeted pass for Go binaries recognised too late to keep their bytes (rare).
  const lateByLayer = new Map<number, Set<string>>();
  for (const l of collector.late) {
    if (merged.files.get(l.path)?.layer !== l.layer) continue; // hidden later: not worth a re-read
    const set = lateByLayer.get(l.layer) ?? new Set<string>();
    set.add(l.path);
    lateByLayer.set(l.layer, set);
  }
  for (const [i, paths] of lateByLayer) {
    const layer = layers[i];
    if (!layer) continue;
    const left = new Set(paths);
    await walkLayer(await openLayerTar(layer, { verifyDiffId }), i, {
      wantContent: (e) => paths.has(e.path),
      content: async (e, data) => {
        await collector.consume(e, data, true);
        left.delete(e.path);
      },
      done: () => left.size === 0,
    });
  }
  const startupView = await startupCapture.finish(merged.files);
  releaseLayerReader(); // every layer read is done: free the reader thread before the analysis
  const startup = verifyStatic({
    ref: image.reference(),
    digest: image.digest(),
    platform: image.platform(),
    config: config.config,
    fs: startupView,
  });
  // Only the files that cost bytes are kept as objects (all of them in a real image; none of
  // the millions of empty files of a hostile layer); passes over every path stream the tree.
  const files: MergedFile[] = [];
  for (const f of merged.files.values()) if (f.charged > 0) files.push(f);
  const fs = new FsIndex(merged.files);
  // Only the versions of the db files that survive in the final filesystem count.
  const finalDb = new Map<string, string>();
  for (const [p, v] of dbFiles) if (merged.files.get(p)?.layer === v.layer) finalDb.set(p, v.text);
  dbFiles.clear();
  const db = buildPackageDb(finalDb);
  finalDb.clear();
  const owners = canonicalOwners(db, fs);
  db.owners.clear(); // superseded by `owners` (keyed by real location); frees the memory early
  // The stripped sizes were measured on the thread pool while the work above ran.
  await collector.settle();
  const goBinaries = finalGoBinaries(collector, files, fs, (p) => owners.get(p)); // a Go binary is a file that costs bytes
  const attribution = attributeCauses(merged.files.values(), {
    db,
    fs,
    go,
    owners,
    goBinaryPaths: new Set(goBinaries.filter((b) => b.package === undefined).map((b) => b.path)),
  });
  const { levers, headline, claims } = rankLevers({ files, attribution, db, goBinaries });

  const size = merged.totals.tarSize;
  const imageRatio = size > 0 ? storedTotal / size : 1;
  const appRatio = (await appProbe.ratio()) ?? imageRatio;
  const runtimeRatio = await runtimeProbe.ratio();
  const appFiles: AppFile[] = files
    .filter((f) => (f.type === 'file' || f.type === 'hardlink') && f.charged > 0 && !claims.has(f.path))
    .filter((f) => attribution.fileCauses.get(f.path)?.cause === 'other' && isAppLocation(f.path))
    .map((f) => ({ path: f.path, bytes: f.charged, ratio: appRatio }));
  const estimate = estimateAfterLevers({
    goBinaries: goBinaries.filter((b) => b.package === undefined),
    appFiles,
    imageRatio,
    now: { fileBytes: merged.totals.visibleBytes, compressedSize: storedTotal },
    ...(runtimeRatio !== undefined ? { runtimeRatio } : {}),
  });

  const largest = files
    .filter((f) => f.charged > 0)
    .sort((a, b) => b.charged - a.charged || a.path.localeCompare(b.path))
    .slice(0, options.largest ?? 15)
    .map((f) => {
      const fc = attribution.fileCauses.get(f.path);
      const row: InspectReport['largestFiles'][number] = { path: `/${f.path}`, bytes: f.charged, cause: fc?.cause ?? 'other', layer: f.layer + 1 };
      if (fc?.package !== undefined) row.package = fc.package;
      return row;
    });

  const report: InspectReport = {
    image: {
      ref: image.reference(),
      digest: image.digest(),
      platform: platformString(image.platform()),
      compressedSize: storedTotal,
      size,
      fileBytes: merged.totals.visibleBytes,
      files: attribution.files,
    },
    layers: merged.layers.map((l) => ({
      number: l.index + 1,
      digest: l.digest,
      diffId: l.diffId,
      compressedSize: l.compressedSize,
      size: l.tarSize,
      createdBy: l.createdBy ?? null,
      files: l.files,
      added: l.added,
      modified: l.modified,
      deleted: l.deleted,
      deletedBytes: l.deletedBytes,
    })),
    causes: [...attribution.causes].sort((a, b) => b.bytes - a.bytes),
    packages: attribution.packages,
    largestFiles: largest,
    // The analysis keys files by their path in the layer tar (no leading slash); reports say the path in the image.
    goBinaries: goBinaries.map((b) => ({ ...b, path: `/${b.path}` })),
    wasted: merged.wasted,
    levers,
    headline,
    estimate,
    anomalies: merged.anomalyCount,
    startup,
  };
  if (withTree) {
    report.tree = buildFileTree(files, {
      ...(typeof options.fileTree === 'number' ? { maxFiles: options.fileTree } : {}),
      causeOf: (p) => attribution.fileCauses.get(p),
      // Layers are numbered from 1 in the report (layers[].number) and so in the tree.
      layerBase: 1,
      layerWritten: merged.layers.map((l) => ({ index: l.index, written: l.added + l.modified })),
    });
  }
  return report;
}
