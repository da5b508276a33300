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
import { imageReadProgress, mergeLayers } from '../image/filesystem/merge.js';
import { openLayerTar, walkLayer, type TarDataSink } from '../image/filesystem/walk.js';
import { releaseLayerReader } from '../image/sources/tar-worker.js';
import { collectSink, fanOut } from '../image/filesystem/data-sinks.js';
import type { LayerEntry, MergedFile } from '../image/filesystem/types.js';
import { imageSource, platformString, type Image } from '../image/model.js';
import { ESTIMATED_METHOD, MEASURED_METHOD } from '../image/gzip-size.js';
import { openImage } from '../image/open.js';
import { attributeCauses, goLocationsFromEnv, isAppLocation, isGoSourcePath } from './causes.js';
import { estimateAfterLevers, type AppFile } from './estimate.js';
import { buildFileTree } from './file-tree.js';
import { FsIndex } from './fs-index.js';
import { finalGoBinaries, finalPackedBinaries, GoBinaryCollector, isBinaryCandidate } from './go-binaries.js';
import { rankLevers } from './levers.js';
import { buildPackageDb, isPackageDbPath } from './package-db.js';
import { largestFirst } from './largest.js';
import { RatioProbe } from './ratio-probe.js';
import { createVerifyCapture, isImageIndependentCapture, MAX_CAPTURED_SMALL_FILE } from '../verify/collect.js';
import { verifyStatic } from '../verify/checks.js';
import type { VerifyReport } from '../verify/types.js';
import type { LayerRecord } from '../image/filesystem/record.js';
import type { GzipSize } from '../image/gzip-size.js';
import { ANALYSIS_VERSION, cacheKey } from './layer-cache.js';
import { cachedInspectReport, inspectCacheKeys, type InspectCacheKeys } from './inspect-cache.js';
import { checkFileEntry, checkLayerFacts, checkStartupEntry, type FileEntry, type LayerFacts, type StartupEntry } from './layer-facts.js';
import type { GoBinaryFacts } from './types.js';
import type { CompressedMeasure, InspectOptions, InspectReport } from './inspect-types.js';
export type { CompressedMeasure, InspectLayer, InspectOptions, InspectProgress, InspectReport } from './inspect-types.js';

/** Programs and libraries larger than this are not kept in the analysis cache (read again when needed). */
const MAX_CACHED_FILE = 64 * 1024 * 1024;

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

/** `all` as it goes by, keeping in `kept` the files that cost bytes. */
function* keepCharged(all: Iterable<MergedFile>, kept: MergedFile[]): Generator<MergedFile> {
  for (const f of all) {
    if (f.charged > 0) kept.push(f);
    yield f;
  }
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
  const keys = inspectCacheKeys(image, options);
  return (await cachedInspectReport(image, options, keys)) ?? inspectByLayers(image, options, keys);
}

/**
 * inspectImage once the cache's report entry did not answer (cachedInspectReport with these
 * `keys`): each layer read, or replayed from its cache entry, then the analysis.
 */
export async function inspectByLayers(image: Image, options: InspectOptions, keys: InspectCacheKeys): Promise<InspectReport> {
  const layers = image.layers();
  const { cache, withTree, measureCompressed, verifyDiffId, platformText, variantOf, keyOf, reportKey } = keys;
  const collector = new GoBinaryCollector((bytes, path) => analyzeGo(bytes, path, withTree), elfSections);
  const dbFiles = new Map<string, { layer: number; text: string }>();
  // Compressibility samples, one pair of probes per layer (so a layer's samples are its own, and
  // the analysis cache can keep them): the image's ratios are the layers' sums.
  const layerProbes = new Map<number, { app: [number, number] | null; runtime: [number, number] | null }>();
  // Open probes by layer (layers may be read side by side: mergeLayers' lookahead), closed after the walk.
  const openProbes = new Map<number, { app: RatioProbe; runtime: RatioProbe }>();
  const probeJobs: Array<Promise<void>> = [];
  const closeProbes = (): void => {
    for (const [layer, open] of openProbes) {
      probeJobs.push(
        Promise.all([open.app.totals(), open.runtime.totals()]).then(([app, runtime]) => {
          layerProbes.set(layer, { app: app ? [app.fed, app.out] : null, runtime: runtime ? [runtime.fed, runtime.out] : null });
        }),
      );
    }
    openProbes.clear();
  };
  const probesOf = (layer: number): { app: RatioProbe; runtime: RatioProbe } => {
    let open = openProbes.get(layer);
    if (open === undefined) {
      open = { app: new RatioProbe(), runtime: new RatioProbe() };
      openProbes.set(layer, open);
    }
    return open;
  };
  // A file's version from the highest layer that has it wins (layers may finish in any order).
  const keepDb = (path: string, layer: number, text: string): void => {
    const had = dbFiles.get(path);
    if (had === undefined || had.layer <= layer) dbFiles.set(path, { layer, text });
  };
  // Progress counts stored sizes as known before the walk (a streamed source learns them as it goes).
  const storedTotal = layers.reduce((s, l) => s + l.size(), 0);
  // With --verify-diff-ids, only facts whose diff_id was checked when they were written.
  const usable = (f: LayerFacts | undefined): LayerFacts | undefined => (f !== undefined && (!verifyDiffId || f.diffIdChecked) ? f : undefined);
  const cached: Array<LayerFacts | undefined> = cache
    ? await Promise.all(layers.map((l, i) => cache.read('layer', keyOf(i), (b) => usable(checkLayerFacts(b, l.diffId(), variantOf(i), l.digest())))))
    : [];
  const startupKey = cache ? cacheKey([`analysis-v${ANALYSIS_VERSION}`, 'startup', image.configDigest(), platformText]) : '';
  const cachedStartup = cache ? await cache.read('startup', startupKey, (b) => checkStartupEntry(b, image.configDigest(), platformText)) : undefined;
  // What a walked layer yields for the cache (filled during the walk, written at the end).
  const records = new Map<number, { record: LayerRecord; gzip: GzipSize | undefined }>();
  const smallFiles = new Map<number, Array<[string, string]>>();
  const dbOf = new Map<number, Map<string, string>>();

  const sample = (probe: RatioProbe): TarDataSink => ({ write: (c) => probe.feed(c), end: () => {} });
  const isCandidate = (e: LayerEntry): boolean => (e.mode & 0o111) !== 0 && isBinaryCandidate(e); // the cheap test first
  // verify's readers (passwd, ld.so.cache, the entrypoint program) ride on the same pass.
  // Programs and libraries the checks read from a layer after the walk: kept per diff_id and path.
  const fileKey = (i: number, path: string): string => cacheKey([`analysis-v${ANALYSIS_VERSION}`, 'file', layers[i]!.diffId(), path]);
  const startupCapture = createVerifyCapture(
    image,
    cache
      ? {
          get: async (i, path) => {
            const l = layers[i]!;
            return cache.read('file', fileKey(i, path), (b) => checkFileEntry(b, l.diffId(), path, l.digest()));
          },
          put: async (i, path, bytes) => {
            if (bytes.length > MAX_CACHED_FILE) return;
            const l = layers[i]!;
            // A replayed layer was read whole for this (blob digest and diff_id checked); a walked
            // one was checked by its walk in this run, its diff_id only as for its layer entry.
            const checked = cached[i] !== undefined || verifyDiffId || l.digest() === l.diffId();
            const entry: FileEntry = { diffId: l.diffId(), path, blob: l.digest(), diffIdChecked: checked, data: bytes.toString('base64') };
            await cache.write('file', fileKey(i, path), entry);
          },
          readWhole: (i) => cached[i] !== undefined,
        }
      : undefined,
  );
  const wantsStartup = (e: LayerEntry): boolean => cachedStartup === undefined && startupCapture.wants(e);

  // One streaming pass (the filesystem module's walk + merge); our readers ride along.
  const merged = await mergeLayers(image, {
    verifyDiffIds: verifyDiffId,
    measureCompressed,
    ...(cache
      ? {
          replay: (i: number) => {
            const f = cached[i];
            if (f === undefined) return undefined;
            // The layer's facts join the analysis in layer order, as its walk would have.
            for (const [path, text] of f.db) keepDb(path, i, text);
            if (cachedStartup === undefined) for (const [path, b64] of f.files) startupCapture.add(path, Buffer.from(b64, 'base64'), i);
            for (const g of f.go) collector.add(i, g);
            for (const p of f.packed) collector.addPacked(i, p);
            for (const path of f.late) collector.late.push({ layer: i, path });
            layerProbes.set(i, f.probes);
            return { record: f.record, ...(f.gzip ? { gzip: f.gzip } : {}) };
          },
          record: (i: number) => cached[i] === undefined,
          recorded: (i: number, record: LayerRecord | undefined, gzip: GzipSize | undefined) => {
            if (record !== undefined) records.set(i, { record, gzip });
          },
        }
      : {}),
    visitor: {
      entry: (e: LayerEntry) => {
        if (cachedStartup === undefined) startupCapture.note(e);
      },
      // Synchronous readers (no stream per file): each copies only what it keeps.
      sink: (e: LayerEntry) => {
        const readers: TarDataSink[] = [];
        if (wantsStartup(e)) readers.push(startupCapture.sink(e));
        if (cache && isImageIndependentCapture(e.path)) {
          readers.push(
            collectSink(MAX_CAPTURED_SMALL_FILE, e.size, (bytes) => {
              if (bytes === undefined) return;
              const list = smallFiles.get(e.layer) ?? [];
              list.push([e.path, bytes.toString('base64')]);
              smallFiles.set(e.layer, list);
            }),
          );
        }
        if (isPackageDbPath(e.path)) {
          readers.push(
            collectSink(MAX_DB_FILE, e.size, (bytes) => {
              if (bytes === undefined) return;
              const text = bytes.toString('utf8');
              keepDb(e.path, e.layer, text);
              if (cache) {
                // Per layer too: a layer above may overwrite the path in dbFiles, not in this layer's facts.
                const m = dbOf.get(e.layer) ?? new Map<string, string>();
                m.set(e.path, text);
                dbOf.set(e.layer, m);
              }
            }),
          );
        } else if (isCandidate(e)) {
          readers.push(collector.sink(e));
        } else if (isRuntimeSample(e.path)) {
          const probe = probesOf(e.layer).runtime;
          if (!probe.full) readers.push(sample(probe));
        } else if (isAppLocation(e.path) && !isGoSourcePath(e.path)) {
          const probe = probesOf(e.layer).app;
          if (!probe.full) readers.push(sample(probe));
        }
        return readers.length === 0 ? undefined : readers.length === 1 ? readers[0] : fanOut(readers);
      },
    },
    ...(options.onProgress ? { onProgress: imageReadProgress(layers.map((l) => l.size()), options.onProgress) } : {}),
    ...(cachedStartup === undefined ? { layerMerged: (i: number, files: ReadonlyMap<string, MergedFile>) => startupCapture.merged(i, files) } : {}),
  });
  closeProbes();
  // What the cache keeps of each walked layer is what its first pass found: the late pass below
  // depends on the layers above (it reads only binaries that survive), so it is not kept.
  const lateOf = new Map<number, string[]>();
  for (const l of collector.late) lateOf.set(l.layer, [...(lateOf.get(l.layer) ?? []), l.path]);

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
  const startupView = cachedStartup === undefined ? await startupCapture.finish(merged.files) : undefined;
  // Read after the walk: a streamed source (docker-daemon) has its real config only then.
  const config = image.config();
  const go = goLocationsFromEnv(config.config?.Env);
  const compressedTotal = merged.totals.compressedSize;
  const measured = merged.layers.filter((l) => l.compressedMethod !== 'blob');
  const measuredLayers = measured.length;
  const estimated = measured.some((l) => l.compressedMethod === 'estimated');
  const measuredBytes = measured.reduce((a, l) => a + l.tarSize, 0);
  const deflatedBytes = measured.reduce((a, l) => a + (l.deflatedBytes ?? 0), 0);
  const compressed: CompressedMeasure =
    measuredLayers > 0
      ? estimated
        ? { method: 'estimated', how: ESTIMATED_METHOD, measuredLayers, sampleFraction: Math.round((deflatedBytes / measuredBytes) * 10000) / 10000 }
        : { method: 'measured', how: MEASURED_METHOD, measuredLayers }
      : measureCompressed === false && layers.some((l) => l.compression() === 'none')
        ? { method: 'stored-uncompressed' }
        : { method: 'blob' };
  releaseLayerReader(); // every layer read is done: free the reader thread before the analysis
  const startup: VerifyReport =
    startupView === undefined && cachedStartup !== undefined
      ? { ...cachedStartup.report, image: { ...cachedStartup.report.image, ref: image.reference(), digest: image.digest() } }
      : verifyStatic({
          ref: image.reference(),
          digest: image.digest(),
          platform: image.platform(),
          config: config.config,
          fs: startupView!,
        });
  const fs = new FsIndex(merged.files);
  // Only the versions of the db files that survive in the final filesystem count.
  const finalDb = new Map<string, string>();
  for (const [p, v] of dbFiles) if (merged.files.get(p)?.layer === v.layer) finalDb.set(p, v.text);
  dbFiles.clear();
  // Ownership keyed by each listed path's real location in the image (see canonicalOwners).
  const db = buildPackageDb(finalDb, (p) => fs.canonical(p) ?? p);
  finalDb.clear();
  const owners = db.owners;
  // The stripped sizes were measured on the thread pool while the work above ran.
  await collector.settle();
  const goBinaries = finalGoBinaries(collector, fs, (p) => owners.get(p));
  const packedBinaries = finalPackedBinaries(collector, fs, (p) => owners.get(p));
  // One pass over the final tree: each step builds a MergedFile and its path string, so the
  // attribution and the list of files share that pass and its strings. Only the files that cost
  // bytes are kept as objects (all of them in a real image; none of the millions of empty files
  // of a hostile layer).
  const files: MergedFile[] = [];
  const attribution = attributeCauses(keepCharged(merged.files.values(), files), {
    db,
    fs,
    go,
    owners,
    goBinaryPaths: new Set(goBinaries.filter((b) => b.package === undefined).map((b) => b.path)),
  });
  const { levers, headline, claims } = rankLevers({ files, attribution, db, goBinaries });

  const size = merged.totals.tarSize;
  const imageRatio = size > 0 ? compressedTotal / size : 1;
  await Promise.all(probeJobs);
  // Deflated / fed bytes over every layer's sample; undefined when no layer had any.
  const sumRatio = (pick: (p: { app: [number, number] | null; runtime: [number, number] | null }) => [number, number] | null): number | undefined => {
    let fed = 0;
    let out = 0;
    for (const p of layerProbes.values()) {
      const c = pick(p);
      if (c === null) continue;
      fed += c[0];
      out += c[1];
    }
    return fed > 0 ? out / fed : undefined;
  };
  const appRatio = sumRatio((p) => p.app) ?? imageRatio;
  // A packed executable is compressed already (gzip takes 2-3 % off UPX's output, docs/binary.md):
  // not the ratio of the application files sampled (executables are not sampled).
  const packedPaths = new Set(packedBinaries.map((b) => b.path));
  const runtimeRatio = sumRatio((p) => p.runtime);
  // Unclaimed files of no known cause outside the system hierarchy (the location test first: it rules out most files).
  const appFiles: AppFile[] = [];
  for (const f of files) {
    if (!isAppLocation(f.path) || (f.type !== 'file' && f.type !== 'hardlink') || claims.has(f.path)) continue;
    if (attribution.fileCauses.get(f.path)?.cause === 'other') appFiles.push({ path: f.path, bytes: f.charged, ratio: packedPaths.has(f.path) ? 1 : appRatio });
  }
  const estimate = estimateAfterLevers({
    goBinaries: goBinaries.filter((b) => b.package === undefined),
    appFiles,
    imageRatio,
    now: { fileBytes: merged.totals.visibleBytes, compressedSize: storedTotal },
    ...(runtimeRatio !== undefined ? { runtimeRatio } : {}),
  });

  const largest = largestFirst(files, options.largest ?? 15).map((f) => {
    const fc = attribution.fileCauses.get(f.path);
    const row: InspectReport['largestFiles'][number] = { path: `/${f.path}`, bytes: f.charged, cause: fc?.cause ?? 'other', layer: f.layer + 1 };
    if (fc?.package !== undefined) row.package = fc.package;
    return row;
  });

  const report: InspectReport = {
    image: {
      ref: image.reference(),
      source: imageSource(image),
      digest: image.digest(),
      platform: platformString(image.platform()),
      compressedSize: compressedTotal,
      compressed,
      size,
      fileBytes: merged.totals.visibleBytes,
      files: attribution.files,
    },
    layers: merged.layers.map((l) => ({
      number: l.index + 1,
      digest: l.digest,
      diffId: l.diffId,
      compressedSize: l.compressedSize,
      compressedMethod: l.compressedMethod,
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
    packedBinaries: packedBinaries.map((b) => ({ ...b, path: `/${b.path}` })),
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
  if (cache) await saveToCache();
  return report;

  /** Write what this run learnt (walked layers, the startup report), then keep the cache within its size. */
  async function saveToCache(): Promise<void> {
    if (!cache) return;
    let wrote = 0;
    for (const [i, { record, gzip }] of records) {
      const late = lateOf.get(i) ?? [];
      const layer = layers[i]!;
      const facts: LayerFacts = {
        diffId: layer.diffId(),
        variant: variantOf(i),
        blob: layer.digest(),
        // The blob digest is always checked; the diff_id when asked, or when it is the blob's digest.
        diffIdChecked: verifyDiffId || layer.digest() === layer.diffId(),
        record,
        ...(gzip ? { gzip } : {}),
        db: [...(dbOf.get(i) ?? new Map<string, string>())],
        files: smallFiles.get(i) ?? [],
        // Found by the first pass only (a late binary read by the second pass is not in it).
        go: collector.ofLayer(i).filter((g) => !late.includes(g.path)),
        packed: collector.packedOfLayer(i).filter((p) => !late.includes(p.path)),
        late,
        probes: layerProbes.get(i) ?? { app: null, runtime: null },
      };
      if (await cache.write('layer', keyOf(i), facts)) wrote++;
    }
    if (!verifyDiffId) {
      const { ref: _ref, source: _source, ...rest } = report.image;
      if (await cache.write('report', reportKey, { ...report, image: rest })) wrote++;
    }
    if (cachedStartup === undefined) {
      const entry: StartupEntry = { configDigest: image.configDigest(), platform: platformText, report: startup };
      if (await cache.write('startup', startupKey, entry)) wrote++;
    }
    if (wrote > 0) await cache.evict();
  }
}
