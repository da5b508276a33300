/**
 * The size levers: every lever id goslim emits or accepts, with the one copy of its text (what it
 * removes, what you lose, what still works, how to check it, the fix) and its primary sources.
 * Analysis computes bytes and refers to levers by id; findings, reports, budgets and `explain`
 * take the words from here.
 */
import type { Reference } from './reference.js';

/** Every lever id, in the order a user applies them (the order `explain` lists them). */
export const LEVER_IDS = ['multi-stage', 'static-base', 'cgo-off', 'strip-symbols', 'trimpath', 'vcs-metadata', 'apt-lists', 'docs'] as const;

export type LeverId = (typeof LEVER_IDS)[number];

export interface LeverDoc {
  id: LeverId;
  title: string;
  /** One or two sentences. */
  summary: string;
  /** What the change removes from the image or binary. */
  removes: string;
  /** What you lose. */
  lose: string;
  /** What still works. */
  keep: string;
  /** How to verify it yourself, with real commands. */
  check: string;
  /** The change to make. */
  fix: string;
  /** Levers that must be applied first when a condition holds in the image (reports say so). */
  needs?: LeverDependency[];
  references: Reference[];
}

/** Conditions the image analysis evaluates for `needs` (src/analysis/levers.ts). */
export const LEVER_CONDITIONS = ['dynamic-go-binary'] as const;
export type LeverCondition = (typeof LEVER_CONDITIONS)[number];
/** Each condition in words ("Apply cgo-off first when …"). */
export const LEVER_CONDITION_TEXT: Readonly<Record<LeverCondition, string>> = {
  'dynamic-go-binary': 'the image has a dynamically linked (cgo) Go binary',
};

export interface LeverDependency {
  lever: LeverId;
  when: LeverCondition;
  /** One sentence: what goes wrong when the order is reversed. */
  why: string;
}

const GO_BUILD = { title: 'go command: build flags (go help build)', url: 'https://pkg.go.dev/cmd/go#hdr-Compile_packages_and_dependencies' };
const GO_LINK = { title: 'cmd/link: linker flags (-s, -w, -linkmode)', url: 'https://pkg.go.dev/cmd/link' };
const CGO = { title: 'cmd/cgo: CGO_ENABLED and when cgo is used', url: 'https://pkg.go.dev/cmd/cgo' };
const NET = { title: 'net package: name resolution (pure Go vs cgo resolver)', url: 'https://pkg.go.dev/net#hdr-Name_Resolution' };
const DISTROLESS = { title: 'GoogleContainerTools/distroless README', url: 'https://github.com/GoogleContainerTools/distroless/blob/main/README.md' };
const DISTROLESS_STATIC = { title: 'distroless base images: static vs base', url: 'https://github.com/GoogleContainerTools/distroless/blob/main/base/README.md' };
const MULTI_STAGE = { title: 'Docker docs: multi-stage builds', url: 'https://docs.docker.com/build/building/multi-stage/' };
const DEBUG_BUILDINFO = { title: 'runtime/debug.BuildInfo (what `go version -m` prints)', url: 'https://pkg.go.dev/runtime/debug#BuildInfo' };
const GO122 = { title: 'Go 1.22 release notes: -s now implies -w on all platforms', url: 'https://go.dev/doc/go1.22#linker' };
const DOCKERIGNORE = { title: 'Docker docs: build context and .dockerignore files', url: 'https://docs.docker.com/build/concepts/context/#dockerignore-files' };
const BEST_PRACTICES_APT = { title: 'Docker docs: Dockerfile best practices, apt-get', url: 'https://docs.docker.com/build/building/best-practices/#apt-get' };
const DPKG = { title: 'dpkg(1): --path-exclude and --path-include', url: 'https://manpages.debian.org/bookworm/dpkg/dpkg.1.en.html' };
const SLIMIFY = { title: 'debuerreotype: the paths debian:*-slim images exclude', url: 'https://github.com/debuerreotype/debuerreotype/blob/master/scripts/.slimify-excludes' };

export const LEVER_DOCS: Readonly<Record<LeverId, LeverDoc>> = {
  'multi-stage': {
    id: 'multi-stage',
    title: 'Build in one stage, ship from another',
    summary:
      'A single-stage image FROM golang ships the whole Go toolchain, the standard library sources, the module cache and the build cache next to your binary. A multi-stage Dockerfile builds in a golang stage and copies only the binary into a small final stage.',
    removes: 'The compiler and linker, GOROOT (the standard library source), /go/pkg/mod, /root/.cache/go-build, and the distro layers of the golang image: typically 300-800 MB.',
    lose: 'The ability to run go build, go test or git inside the running container.',
    keep: 'The binary itself is byte-for-byte the same; build-time caching still works with BuildKit cache mounts.',
    check:
      'docker history <image> shows the golang layers; after the change, `docker image ls` shows the new size and `docker run --rm <image>` still starts. `goslim inspect <image>` attributes the bytes per layer.',
    fix: 'Build in a first stage (FROM golang AS build … RUN go build -o /out/app) and COPY --from=build only the binary into the final stage.',
    references: [MULTI_STAGE, DISTROLESS],
  },
  'static-base': {
    id: 'static-base',
    title: 'Use a static, shell-less runtime base',
    summary:
      'A static Go binary needs no libc, shell or package manager. gcr.io/distroless/static-debian12 (about 2 MB) carries only CA certificates, tzdata and /etc/passwd entries (including a nonroot user); scratch carries nothing.',
    removes: 'The distro runtime: shell, coreutils, package manager and its database, libc and other shared libraries (Debian slim about 75 MB, Alpine about 8 MB).',
    lose: 'A shell for `docker exec` debugging (use `kubectl debug` with an ephemeral container or the :debug distroless tag), and any C library a cgo binary needed.',
    keep: 'TLS to public endpoints (CA certificates), time zones (tzdata), running as a non-root user (the :nonroot tag, uid 65532).',
    check:
      'readelf -lW <binary> | grep -i interp must print nothing (static); `goslim binary <binary>` reports linking: static. Then run the image and hit its health endpoint.',
    fix: 'Use gcr.io/distroless/static-debian12:nonroot (or scratch plus CA certificates and tzdata) as the final stage.',
    needs: [
      {
        lever: 'cgo-off',
        when: 'dynamic-go-binary',
        why: 'a Go binary built with cgo is dynamically linked against libc; on a static base it has no loader and does not start (exec: no such file or directory), so build it with CGO_ENABLED=0 first',
      },
    ],
    references: [DISTROLESS, DISTROLESS_STATIC],
  },
  'cgo-off': {
    id: 'cgo-off',
    title: 'Turn cgo off (CGO_ENABLED=0)',
    summary:
      'With cgo on (the default when a C compiler is present), packages such as net and os/user link C code and the binary becomes dynamically linked against libc. Such a binary does not start on scratch or distroless/static: `exec /server: no such file or directory` because the ELF interpreter is missing.',
    removes: 'The dynamic interpreter requirement (PT_INTERP), DT_NEEDED libraries such as libc.so.6, runtime/cgo and the cgo resolver glue (tens of kB).',
    lose: 'Any real C dependency (sqlite via mattn/go-sqlite3: modernc.org/sqlite is a pure-Go alternative; librdkafka, ...). The cgo DNS resolver (glibc NSS modules such as LDAP or mDNS) is replaced by the pure-Go resolver.',
    keep: 'Everything written in Go. The pure-Go resolver reads /etc/resolv.conf, /etc/hosts and /etc/nsswitch.conf; os/user reads /etc/passwd and /etc/group.',
    check:
      '`go version -m <binary>` shows build CGO_ENABLED=0; `readelf -lW <binary>` has no INTERP line and `readelf -dW` no NEEDED entries; `goslim binary <binary>` reports linking: static.',
    fix: 'Build with CGO_ENABLED=0 (add -tags netgo,osusergo on old toolchains) so the binary is static and runs on any base. If the program really needs a C library, keep cgo and use a base that ships that libc (gcr.io/distroless/base-debian12).',
    references: [CGO, NET, GO_BUILD],
  },
  'strip-symbols': {
    id: 'strip-symbols',
    title: 'Strip the symbol table and DWARF (-ldflags="-s -w")',
    summary:
      '-s omits the ELF symbol table (.symtab, .strtab) and -w the DWARF debug information (.debug_* / .zdebug_*). Together they typically remove 25-35 % of a Go binary. Since Go 1.22, -s alone also implies -w.',
    removes: 'The .symtab and .strtab sections and every .debug_* / .zdebug_* section: exactly the sum of their sizes on disk.',
    lose: 'Source-level debugging with dlv or gdb, and symbol names for nm, perf, bloaty and other tools that read ELF symbols or DWARF.',
    keep: 'Panic and runtime stack traces with function names, files and line numbers: they come from .gopclntab, which the runtime needs and the linker always keeps. pprof profiles still symbolize. `go version -m` still works.',
    check:
      'readelf -SW <binary> | grep -E "symtab|strtab|debug" lists what will go; build both ways and compare `stat -c %s`. `goslim binary <binary>` prints the exact figure as strip.total.',
    fix: 'go build -ldflags="-s -w" (since Go 1.22 -s alone also drops DWARF)',
    references: [GO_LINK, GO122],
  },
  trimpath: {
    id: 'trimpath',
    title: 'Remove build-machine paths (-trimpath)',
    summary:
      'Without -trimpath every source file name in the binary is an absolute path of the build machine: GOROOT, the CI workspace, the user name, the module cache. -trimpath rewrites them to module paths (net/http/server.go, example.com/app/main.go).',
    removes: 'The directory prefixes of all file names in the pclntab file table (a few kB to tens of kB) and in DWARF; also makes the build reproducible across machines.',
    lose: 'Absolute paths in stack traces; a debugger needs a path substitution (dlv config substitute-path) to find sources.',
    keep: 'File names and line numbers in stack traces. Note that with -trimpath the build info no longer records -ldflags, so read stripping from the sections, not from `go version -m`.',
    check:
      '`go version -m <binary>` shows build -trimpath=true; `strings <binary> | grep "$HOME"` finds nothing; `goslim binary <binary>` reports trimpath.leakedPaths: 0.',
    fix: 'go build -trimpath',
    references: [GO_BUILD, DEBUG_BUILDINFO],
  },
  'vcs-metadata': {
    id: 'vcs-metadata',
    title: 'Keep VCS metadata (.git) out of the image',
    summary:
      'A `COPY . .` into the final stage without a .dockerignore copies the repository metadata (.git, .hg, .svn) into the image: the whole history of the project, often larger than its source.',
    removes: 'The .git / .hg / .svn / .bzr directories in the final filesystem: every object of the repository history.',
    lose: 'Nothing the service uses. With .git in .dockerignore, a go build inside the image build no longer sees the repository, so the binary carries no vcs.revision: pass the commit as a build argument (-ldflags "-X main.commit=$GIT_COMMIT") if you want it.',
    keep: 'Every file the service reads; builds get faster because the build context is smaller.',
    check:
      '`goslim inspect <image>` lists the bytes of the vcs cause; `docker export $(docker create <image>) | tar -t | grep -E "(^|/)\\.git/"` prints nothing after the change.',
    fix: 'Add .git (and .hg, .svn) to .dockerignore, and COPY only the binary into the final stage.',
    references: [DOCKERIGNORE, GO_BUILD],
  },
  'apt-lists': {
    id: 'apt-lists',
    title: 'Remove package indexes and caches in the layer that made them',
    summary:
      'apt-get update downloads the package indexes into /var/lib/apt/lists, and apt and apk keep downloaded archives under /var/cache. Deleted in a later RUN, they still ship in the lower layer.',
    removes: '/var/lib/apt/lists/*, /var/cache/apt/* and /var/cache/apk/*: package indexes and downloaded archives (tens of MB on Debian).',
    lose: 'apt-get install without apt-get update first.',
    keep: 'Every installed package.',
    check:
      '`goslim inspect <image>` shows the package-manager cause and the apt-lists lever; `docker history <image>` shows the size of the RUN layer before and after.',
    fix: 'rm -rf /var/lib/apt/lists/* in the same RUN as apt-get install (or apk add --no-cache).',
    references: [BEST_PRACTICES_APT],
  },
  docs: {
    id: 'docs',
    title: 'Leave out documentation, man pages and locales',
    summary:
      'OS packages install documentation, man pages, info pages and locales that nothing in a container reads. Debian slim images exclude them with dpkg path-excludes; a static base has none. (The inspector counts these bytes under static-base when it applies.)',
    removes: '/usr/share/doc, /usr/share/man, /usr/share/info, /usr/share/locale and similar trees: a few MB to tens of MB.',
    lose: 'man pages and translated program messages inside the container.',
    keep: 'Every program and library the packages install.',
    check:
      '`goslim inspect <image>` shows the bytes of the docs cause; `docker run --rm <image> du -sh /usr/share/doc /usr/share/man` (on a base with a shell).',
    fix: 'Use a static base (the static-base lever); on Debian, add dpkg path-excludes under /etc/dpkg/dpkg.cfg.d/ before installing packages, as debian:*-slim does; on Alpine, do not install *-doc packages.',
    references: [DPKG, SLIMIFY],
  },
};

export function leverDoc(id: LeverId): LeverDoc {
  return LEVER_DOCS[id];
}

export function isLeverId(id: string): id is LeverId {
  return (LEVER_IDS as readonly string[]).includes(id);
}
