/**
 * The causes `goslim inspect` attributes every byte of the final filesystem to, each with its one
 * copy of text: what it means, why it costs, what to do, and the lever that removes it.
 * The classification itself lives in src/analysis/causes.ts.
 */
import type { LeverId } from './levers.js';
import type { Reference } from './reference.js';

/** Every cause id, in report order (issue 3: every byte goes to exactly one). */
export const CAUSE_IDS = [
  'go-toolchain',
  'go-module-cache',
  'go-build-cache',
  'go-source',
  'go-binary',
  'os-packages',
  'package-manager',
  'shell',
  'libc',
  'runtime-essentials',
  'docs',
  'vcs',
  'other',
] as const;

export type CauseId = (typeof CAUSE_IDS)[number];

export interface CauseDoc {
  id: CauseId;
  /** Short label, as in the inspect report's cause table. */
  title: string;
  /** What the cause means: which files it covers. */
  summary: string;
  /** Why these bytes cost (or why they are needed). */
  why: string;
  /** What to do about them. */
  fix: string;
  /** The lever that removes these bytes, when one does. */
  lever?: LeverId;
  references: Reference[];
}

const INSPECT = { title: 'goslim docs: inspect (causes, levers, estimate)', url: 'https://unpkg.com/goslim/docs/inspect.md' };
const GO_ENV = { title: 'go command: environment variables (GOROOT, GOMODCACHE, GOCACHE)', url: 'https://pkg.go.dev/cmd/go#hdr-Environment_variables' };
const MULTI_STAGE = { title: 'Docker docs: multi-stage builds', url: 'https://docs.docker.com/build/building/multi-stage/' };
const DISTROLESS = { title: 'GoogleContainerTools/distroless README', url: 'https://github.com/GoogleContainerTools/distroless/blob/main/README.md' };

export const CAUSE_DOCS: Readonly<Record<CauseId, CauseDoc>> = {
  'go-toolchain': {
    id: 'go-toolchain',
    title: 'Go toolchain (GOROOT, golang packages)',
    summary: 'Files under a GOROOT (/usr/local/go, /usr/lib/go-*, $GOROOT) or owned by a Go toolchain package (golang-go, golang-1.x-src, ...).',
    why: 'The compiler, linker and standard library sources are needed to build, never to run: a Go binary carries all the Go code it uses.',
    fix: 'Build in a golang stage and copy only the binary into the final stage.',
    lever: 'multi-stage',
    references: [MULTI_STAGE, GO_ENV],
  },
  'go-module-cache': {
    id: 'go-module-cache',
    title: 'Go module cache',
    summary: 'Files under the module cache ($GOMODCACHE, $GOPATH/pkg/mod, /go/pkg/mod): the downloaded sources of every dependency.',
    why: 'The dependencies are compiled into the binary; their sources are only needed to build it.',
    fix: 'Build in a separate stage; keep the cache between builds with RUN --mount=type=cache,target=/go/pkg/mod.',
    lever: 'multi-stage',
    references: [MULTI_STAGE, GO_ENV],
  },
  'go-build-cache': {
    id: 'go-build-cache',
    title: 'Go build cache',
    summary: 'Files under the build cache ($GOCACHE, ~/.cache/go-build): compiled packages go build reuses.',
    why: 'It only speeds up the next build; the running service never reads it.',
    fix: 'Build in a separate stage; keep the cache between builds with RUN --mount=type=cache,target=/root/.cache/go-build.',
    lever: 'multi-stage',
    references: [MULTI_STAGE, GO_ENV],
  },
  'go-source': {
    id: 'go-source',
    title: 'Go source files',
    summary: '*.go, go.mod, go.sum and go.work files outside the Go trees: usually the project copied in with COPY . .',
    why: 'The source is compiled into the binary; shipping it costs bytes and discloses the code.',
    fix: 'Build in a separate stage and copy only the binary (and the data files it reads) into the final stage.',
    lever: 'multi-stage',
    references: [MULTI_STAGE],
  },
  'go-binary': {
    id: 'go-binary',
    title: 'Go binaries',
    summary: 'Go executables the binary analyzer recognised and no OS package installed: your service.',
    why: 'The service itself; its size can still shrink by stripping symbols and DWARF, trimming paths and turning cgo off.',
    fix: 'Build with -ldflags="-s -w" -trimpath and CGO_ENABLED=0; `goslim binary <file>` shows what each would remove.',
    lever: 'strip-symbols',
    references: [{ title: 'cmd/link: linker flags (-s, -w)', url: 'https://pkg.go.dev/cmd/link' }],
  },
  'os-packages': {
    id: 'os-packages',
    title: 'OS packages',
    summary: 'Files owned by a distro package (dpkg or apk database) that is not the shell, libc, the package manager or a runtime essential.',
    why: 'A static Go service rarely uses any of them; build-only packages (compilers, headers, git) are counted with the build environment.',
    fix: 'Use a static base (distroless/static or scratch); install only what the service runs, in the final stage.',
    lever: 'static-base',
    references: [DISTROLESS],
  },
  'package-manager': {
    id: 'package-manager',
    title: 'package manager state and caches',
    summary: 'apt, dpkg, apk and debconf and their state: package databases, indexes (/var/lib/apt/lists) and download caches.',
    why: 'Only needed to install more packages, which a running service does not do.',
    fix: 'Use a static base; on a distro base, remove indexes and caches in the RUN that created them.',
    lever: 'static-base',
    references: [DISTROLESS, { title: 'Docker docs: Dockerfile best practices, apt-get', url: 'https://docs.docker.com/build/building/best-practices/#apt-get' }],
  },
  shell: {
    id: 'shell',
    title: 'shell and coreutils/busybox',
    summary: 'sh, bash, dash, busybox and coreutils: the shell and the programs a shell script calls.',
    why: 'A Go service started in exec form needs no shell; a shell in the image is also what an attacker uses first.',
    fix: 'Use exec-form ENTRYPOINT/CMD and a shell-less base (distroless/static); debug with an ephemeral container (kubectl debug).',
    lever: 'static-base',
    references: [DISTROLESS],
  },
  libc: {
    id: 'libc',
    title: 'libc and dynamic loader',
    summary: 'The C library and the dynamic loader (libc6, musl, ld-linux*.so, ld.so.cache).',
    why: 'Only dynamically linked programs need them; a Go binary built with CGO_ENABLED=0 is static.',
    fix: 'Build with CGO_ENABLED=0 and use a static base; keep libc (distroless/base) only for a real C dependency.',
    lever: 'cgo-off',
    references: [{ title: 'cmd/cgo: CGO_ENABLED and when cgo is used', url: 'https://pkg.go.dev/cmd/cgo' }],
  },
  'runtime-essentials': {
    id: 'runtime-essentials',
    title: 'runtime essentials (CA certs, tzdata, passwd)',
    summary: 'CA certificates, the time zone database, /etc/passwd and /etc/group, /etc/nsswitch.conf and similar small files.',
    why: 'What a Go service does read at run time: TLS roots, time zones, its user. These bytes are the floor, not waste.',
    fix: 'Keep them; distroless/static ships exactly these.',
    references: [DISTROLESS],
  },
  docs: {
    id: 'docs',
    title: 'docs, man pages, locales',
    summary: 'Documentation, man and info pages and locales (/usr/share/doc, /usr/share/man, /usr/share/locale, ...).',
    why: 'Nothing in a container reads them.',
    fix: 'Use a static base; on Debian, dpkg path-excludes as debian:*-slim uses.',
    lever: 'docs',
    references: [{ title: 'dpkg(1): --path-exclude', url: 'https://manpages.debian.org/bookworm/dpkg/dpkg.1.en.html' }],
  },
  vcs: {
    id: 'vcs',
    title: 'VCS metadata (.git)',
    summary: 'Files under .git, .hg, .svn or .bzr directories: repository history copied in with the build context.',
    why: 'Never needed at run time, often larger than the source, and it discloses the project history.',
    fix: 'Add .git to .dockerignore and copy only the binary into the final stage.',
    lever: 'vcs-metadata',
    references: [{ title: 'Docker docs: build context and .dockerignore files', url: 'https://docs.docker.com/build/concepts/context/#dockerignore-files' }],
  },
  other: {
    id: 'other',
    title: 'other',
    summary: 'Files no package owns and no rule above recognises: usually the application\'s own data files, or system files a base added by hand.',
    why: 'Unowned system files go with a static base; files in the application\'s own directories are kept.',
    fix: 'Look at the largest files in `goslim inspect`; keep what the service reads.',
    references: [INSPECT],
  },
};

export function causeDoc(id: CauseId): CauseDoc {
  return CAUSE_DOCS[id];
}
