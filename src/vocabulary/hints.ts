/**
 * Binary hints (issue 15, "levers beyond the four"): what `goslim binary` points at once the four
 * levers are applied and the binary is the image. Unlike levers they are never applied
 * automatically: each one is a code or deployment decision. `exe-compression` is emitted for an
 * executable packed with UPX (src/binary/packer.ts), by `goslim binary` and for each packed
 * executable of an image by `goslim inspect`, and otherwise only explains why goslim does not
 * recommend packing.
 */
import type { Reference } from './reference.js';

export const HINT_IDS = ['embedded-assets', 'debug-endpoints', 'heavy-dependencies', 'cgo-libraries', 'exe-compression'] as const;

export type HintId = (typeof HINT_IDS)[number];

export interface HintDoc {
  id: HintId;
  title: string;
  summary: string;
  /** What acting on it removes. */
  removes: string;
  lose: string;
  keep: string;
  check: string;
  fix: string;
  references: Reference[];
}

const EMBED = { title: 'embed package: //go:embed and embed.FS', url: 'https://pkg.go.dev/embed' };
const PPROF = { title: 'net/http/pprof: importing it registers /debug/pprof/ handlers on http.DefaultServeMux', url: 'https://pkg.go.dev/net/http/pprof' };
const EXPVAR = { title: 'expvar: importing it registers /debug/vars on http.DefaultServeMux', url: 'https://pkg.go.dev/expvar' };
const BUILD_TAGS = { title: 'go command: build constraints (//go:build tags)', url: 'https://pkg.go.dev/cmd/go#hdr-Build_constraints' };
const GO_WHY = { title: 'go mod why: why a module is needed', url: 'https://go.dev/ref/mod#go-mod-why' };
const BINARY_SIZE = { title: 'go-size-analyzer: attributing a Go binary to packages and modules', url: 'https://github.com/Zxilly/go-size-analyzer' };
const DISTROLESS_CC = { title: 'distroless cc and base images (glibc, libssl, libgcc)', url: 'https://github.com/GoogleContainerTools/distroless/blob/main/cc/README.md' };
const CGO = { title: 'cmd/cgo: CGO_ENABLED and when cgo is used', url: 'https://pkg.go.dev/cmd/cgo' };
const LDD = { title: 'ld.so(8): how the dynamic loader finds DT_NEEDED libraries', url: 'https://man7.org/linux/man-pages/man8/ld.so.8.html' };
const UPX = { title: 'UPX README: an executable packer that decompresses the program in memory at start-up', url: 'https://github.com/upx/upx/blob/devel/README' };
const UPX_AV = { title: 'upx/upx issue 437 (pinned): anti-virus false positives on UPX-packed files', url: 'https://github.com/upx/upx/issues/437' };
const MMAP = { title: 'mmap(2): file-backed MAP_PRIVATE pages are shared until written; anonymous memory is per process', url: 'https://man7.org/linux/man-pages/man2/mmap.2.html' };

export const HINT_DOCS: Readonly<Record<HintId, HintDoc>> = {
  'embedded-assets': {
    id: 'embedded-assets',
    title: 'Embedded assets: serve them from a volume or compress them',
    summary:
      'Files embedded with //go:embed live in the binary\'s read-only data, uncompressed: every image rebuild ships them again and every replica maps them. When they dominate the binary, keep them out of it.',
    removes: 'The embedded files\' bytes (named with their sizes when goslim finds the embed.FS file table).',
    lose: 'A single self-contained file: the assets must be deployed next to the binary (a volume, a ConfigMap, an image layer that changes less often) or decompressed at start-up.',
    keep: 'Everything the assets serve: http.FileServer works on os.DirFS as on embed.FS (both are fs.FS); pre-compressed assets (gzip/brotli) can be served as-is with Content-Encoding.',
    check: '`goslim binary --by file <binary>` and `goslim binary --json <binary> | jq .embedded` list the files; compare `ls -l` of the binary before and after.',
    fix: 'Serve large, rarely-changing assets from a volume or a separate image layer (os.DirFS), or embed them pre-compressed (assets.tar.gz, decompress on first use).',
    references: [EMBED],
  },
  'debug-endpoints': {
    id: 'debug-endpoints',
    title: 'Debug and profiling endpoints linked in: guard them with a build tag',
    summary:
      'Importing net/http/pprof or expvar links the profiler and metric handlers and registers them on http.DefaultServeMux: code in every production binary, and an exposed /debug endpoint if the default mux is served.',
    removes: 'net/http/pprof and expvar (and the runtime/pprof, text/tabwriter and compression code only they pull in).',
    lose: 'On-demand profiling of production builds (keep a `debug` build, or expose pprof on a separate, internal listener only in that build).',
    keep: 'runtime metrics, logs, and profiling in builds made with the tag.',
    check: '`go list -deps ./... | grep -E "net/http/pprof|expvar"`; after the change `goslim binary <binary>` no longer lists them, and `curl :port/debug/pprof/` returns 404.',
    fix: 'Move the `import _ "net/http/pprof"` (and expvar) into a file with `//go:build debug`, and build production images without `-tags debug`.',
    references: [PPROF, EXPVAR, BUILD_TAGS],
  },
  'heavy-dependencies': {
    id: 'heavy-dependencies',
    title: 'Heaviest dependencies: which module costs what',
    summary:
      'The modules that take the largest share of the binary, with every section counted (code, pc-line tables, data), and for each dependency the packages of the main module it is pulled in through (its import sites, read from the binary: direct calls and inlined code placed by the pc-line tables\' file tables). A module pulled in only through one package is a candidate for a lighter replacement or a build tag; goslim shows it as a hint, never as an automatic fix.',
    removes: 'Whatever a lighter replacement or a removed feature no longer links (only the linked part counts: dead code is already gone).',
    lose: 'The features that module provides, or the time to replace it.',
    keep: 'Everything else: the Go linker already drops unreachable functions, so the figure is what the program really uses.',
    check: '`go mod why -m <module>` shows the import path (goslim\'s `modules[].via` names the main-module packages whose code reaches the module; calls through interfaces and blank imports are not seen); `goslim binary --by module <binary>` before and after.',
    fix: 'Look at the largest modules first; for one used from a single package, consider a smaller library, a narrower import (a subpackage), or a build tag for an optional feature.',
    references: [GO_WHY, BINARY_SIZE],
  },
  'cgo-libraries': {
    id: 'cgo-libraries',
    title: 'cgo that is really needed: ship the C libraries, not CGO_ENABLED=0',
    summary:
      'The binary needs shared C libraries beyond the C library itself (for example libgpgme, libseccomp, libdevmapper). Turning cgo off would not build or would lose those features: the fix is a runtime base that has the loader, glibc and exactly those libraries.',
    removes: 'Nothing from the binary: it keeps the runtime image to glibc plus the listed libraries instead of a full distribution.',
    lose: 'The static-binary options (scratch, distroless/static).',
    keep: 'Every feature that needs the C libraries.',
    check: '`readelf -d <binary> | grep NEEDED` lists them; `goslim verify <image>` checks that the image provides each one.',
    fix: 'Use gcr.io/distroless/cc-debian12 (glibc, libgcc, libstdc++) or distroless/base-debian12 (adds libssl) and copy in the extra libraries from the build stage (or install them in a slim Debian base); keep CGO_ENABLED=1.',
    references: [DISTROLESS_CC, CGO, LDD],
  },
  'exe-compression': {
    id: 'exe-compression',
    title: 'Executable compression (UPX and the like): why goslim does not recommend it',
    summary:
      'A packed executable is smaller on disk, but it decompresses itself into anonymous memory at every start: start-up is slower, every process holds a private copy of the whole program (no page sharing, no lazy paging from the image), and anti-virus scanners flag packed binaries. Measured on goslim\'s test fixtures, stripped and static, packed with UPX 4.2.3 (scripts/measure-exe-compression.mjs, docs/binary.md): the net/http server\'s file shrank from 4.46 MB to 1.89 MB but its gzipped layer bytes only from 1.95 MB to 1.84 MB (-6 %), each of two running replicas held 5.2 MB of private memory instead of 0.7 MB private plus 3.9 MB shared (proportional set 2.7 MB -> 5.2 MB), and hello took 19.6 ms instead of 5.2 ms from spawn to exit. `goslim binary` names a UPX-packed file (its PackHeader) and says its contents are hidden; `goslim inspect` lists the packed executables of an image (packedBinaries) for the same reason.',
    removes: 'Disk and registry bytes of the binary; image layers are already compressed (gzip/zstd), so the wire saving is much smaller than the file saving.',
    lose: 'Start-up time (every start decompresses the whole binary); memory: each replica holds the decompressed program as private memory instead of sharing clean file-backed pages; introspection (`go version -m`, pclntab-based tools and profilers read the packed file); trust (anti-virus and malware scanners flag UPX-packed binaries).',
    keep: 'Program behaviour.',
    check: 'Compare start-up time and RSS of the packed and unpacked binary (`/usr/bin/time -v`), and the compressed layer sizes (`goslim inspect`) rather than the file sizes.',
    fix: 'Do not pack; apply the four levers (-s -w, -trimpath, CGO_ENABLED=0, a static base) and the hints `goslim binary` lists, and let the registry compress the layers.',
    references: [UPX, MMAP, UPX_AV],
  },
};

export function hintDoc(id: HintId): HintDoc {
  return HINT_DOCS[id];
}
