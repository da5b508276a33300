/**
 * goslim's resource limits, in one table: every count, depth, size and time bound that
 * protects goslim (and the machine it runs on) from hostile or broken input. Code refers to a
 * limit by its key and raises `LimitExceededError(key, max, …)` when input crosses it, so the
 * error names the limit. Defaults are generous for real images and Dockerfiles (each entry
 * says what real input reaches) and small enough that memory and time stay bounded.
 */
export interface LimitSpec {
  /** The default value (bytes, counts, levels or milliseconds, as `unit` says). */
  readonly value: number;
  readonly unit: 'bytes' | 'count' | 'levels' | 'ms' | 'bytes/s';
  /** What it bounds, and why this value. */
  readonly doc: string;
}

export const LIMITS = {
  // ---- JSON documents (manifests, indexes, configs, docker-archive manifest.json) ----
  'json.documentSize': { value: 8 * 1024 * 1024, unit: 'bytes', doc: 'largest manifest, index or config read (real configs with long histories are < 1 MiB)' },
  'image.indexDepth': { value: 4, unit: 'levels', doc: 'nesting of image indexes (real images use 1, attestation layouts 2)' },
  'image.manifests': { value: 1024, unit: 'count', doc: 'manifests listed by one index, and manifests visited while resolving one reference' },
  'image.layers': { value: 1024, unit: 'count', doc: 'layers in one image (Docker caps at 127 for overlay; OCI has no cap)' },
  'image.historyEntries': { value: 10_000, unit: 'count', doc: 'history entries in one image config' },
  'image.envEntries': { value: 10_000, unit: 'count', doc: 'Env, Entrypoint, Cmd entries in one image config' },
  'image.binaryBytes': { value: 256 * 1024 * 1024, unit: 'bytes', doc: 'largest executable in an image kept whole for Go binary analysis (the largest real Go binaries are ~200 MB; larger ones are not analyzed)' },
  // ---- tar layers ----
  'tar.pathLength': { value: 4096, unit: 'bytes', doc: 'longest entry path (Linux PATH_MAX); longer names come only from hostile archives' },
  'tar.pathDepth': { value: 256, unit: 'levels', doc: 'deepest entry path, in components' },
  'tar.paxHeaderSize': { value: 1024 * 1024, unit: 'bytes', doc: 'largest PAX extended header or GNU long name/link record' },
  'tar.entries': { value: 5_000_000, unit: 'count', doc: 'entries in one layer (the largest real layers hold a few hundred thousand)' },
  // ---- binaries ----
  'binary.versionEntries': { value: 0x7fff, unit: 'count', doc: 'symbol-version entries in one ELF .gnu.version_r or .gnu.version_d table (the versym index is 15 bits; glibc\'s libc.so.6 defines about 45)' },
  'binary.fileSize': { value: 2 * 1024 * 1024 * 1024, unit: 'bytes', doc: 'largest executable read whole by `goslim binary`' },
  // ---- the per-layer analysis cache (src/analysis/layer-cache.ts) ----
  'merge.aheadEvents': { value: 50_000, unit: 'count', doc: 'entries, whiteouts and anomalies a layer read ahead (beside a lower layer still merging) holds until its turn; past it, its read waits (bounds memory on a hostile layer of millions of entries)' },
  'cache.layerEvents': { value: 1_000_000, unit: 'count', doc: 'entries, whiteouts and anomalies of one layer kept in the analysis cache (larger layers are analyzed every time, not cached; the fat fixture image\'s largest layer has about 25 000)' },
  'cache.entrySize': { value: 256 * 1024 * 1024, unit: 'bytes', doc: 'largest analysis-cache entry written or read back (the fat fixture image\'s largest entry, 25 000 paths and its package database, is 3.2 MB)' },
  // ---- saved reports ----
  'report.fileSize': { value: 256 * 1024 * 1024, unit: 'bytes', doc: 'largest saved `--json` report `goslim compare` reads (the 1 GB fixture image\'s inspect report is well under 1 MB)' },
  // ---- Dockerfiles ----
  'dockerfile.size': { value: 16 * 1024 * 1024, unit: 'bytes', doc: 'largest Dockerfile read (real ones are a few kB)' },
  'dockerfile.stages': { value: 1024, unit: 'count', doc: 'FROM instructions in one Dockerfile' },
  'dockerfile.expansionDepth': { value: 64, unit: 'levels', doc: 'nesting of ${…} variable expansions' },
  'dockerfile.expansionSize': { value: 1024 * 1024, unit: 'bytes', doc: 'length of one expanded word or variable value' },
  'dockerfile.expansionTotal': { value: 32 * 1024 * 1024, unit: 'bytes', doc: 'all variable values and words expanded while parsing one Dockerfile (a chain of doubling ARGs stays under the per-word cap until the end)' },
  'dockerfile.patternWork': { value: 20_000_000, unit: 'count', doc: 'character comparisons spent on one word\'s `${VAR#pat}` / `%` / `/` patterns (real patterns need a few hundred)' },
  // ---- finding Dockerfiles (`lint DIR`, `lint 'GLOB'`: src/context/discover.ts) ----
  'discover.entries': { value: 200_000, unit: 'count', doc: 'directory entries looked at while searching one directory or glob for Dockerfiles (a large monorepo has tens of thousands outside .git, node_modules and vendor)' },
  'discover.depth': { value: 32, unit: 'levels', doc: 'directories descended below the named one while searching for Dockerfiles' },
  'discover.files': { value: 10_000, unit: 'count', doc: 'Dockerfiles one lint call finds in directories and globs' },
  'glob.alternatives': { value: 256, unit: 'count', doc: 'patterns one glob expands to through {a,b} braces' },
  // ---- config files ----
  'credentials.fileSize': { value: 8 * 1024 * 1024, unit: 'bytes', doc: 'largest Docker config.json (credentials) read' },
  'config.aliases': { value: 100, unit: 'count', doc: 'YAML aliases resolved in one config file (stops alias bombs)' },
  'config.size': { value: 1024 * 1024, unit: 'bytes', doc: 'largest config file read (real ones are a few hundred bytes)' },
  // ---- network ----
  'scan.listPages': { value: 100_000, unit: 'count', doc: 'pages of a registry catalog or of one repository\'s tag list followed through `Link` headers by `goslim scan` (a page holds up to 1000 names)' },
  'scan.lineSize': { value: 64 * 1024 * 1024, unit: 'bytes', doc: 'longest line read from a `goslim scan --from` list or a scan\'s JSON Lines output (an inspect report of a real image is well under 1 MB)' },
  'network.requestTimeout': { value: 10 * 60 * 1000, unit: 'ms', doc: 'overall deadline for one registry request, body included' },
  'network.minRate': { value: 1024, unit: 'bytes/s', doc: 'slowest transfer rate tolerated (averaged over 30 s) before a download is abandoned' },
  // ---- verify --run (src/verify/unpack.ts, run.ts) ----
  'verify.unpackBytes': { value: 16 * 1024 * 1024 * 1024, unit: 'bytes', doc: 'file data one `verify --run` unpacks to disk (the largest fixture image, a Go toolchain, is ~1 GiB)' },
  'sandbox.memory': { value: 4 * 1024 * 1024 * 1024, unit: 'bytes', doc: 'address space of each process in the `verify --run` sandbox (RLIMIT_AS; Go services start in far less)' },
  'sandbox.processes': { value: 256, unit: 'count', doc: 'processes and threads of the sandbox user (RLIMIT_NPROC; stops fork bombs)' },
  'sandbox.cpuTime': { value: 60_000, unit: 'ms', doc: 'CPU time of each process in the sandbox (RLIMIT_CPU, whole seconds)' },
  'sandbox.fileSize': { value: 1024 * 1024 * 1024, unit: 'bytes', doc: 'largest file a sandboxed process may write (RLIMIT_FSIZE)' },
  'sandbox.openFiles': { value: 1024, unit: 'count', doc: 'open files per sandboxed process (RLIMIT_NOFILE)' },
  'sandbox.wallTime': { value: 10 * 60 * 1000, unit: 'ms', doc: 'longest --timeout accepted for one sandboxed run; the process group is killed then' },
} as const satisfies Record<string, LimitSpec>;

export type LimitKey = keyof typeof LIMITS;

/** The value of a limit, with an optional override (a flag or config value). */
export function limit(key: LimitKey, override?: number): number {
  return override ?? LIMITS[key].value;
}
