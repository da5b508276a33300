/** The five size levers (ids shared with findings and the image inspector). */
import type { Topic } from './topic.js';

const GO_BUILD = { title: 'go command: build flags (go help build)', url: 'https://pkg.go.dev/cmd/go#hdr-Compile_packages_and_dependencies' };
const GO_LINK = { title: 'cmd/link: linker flags (-s, -w, -linkmode)', url: 'https://pkg.go.dev/cmd/link' };
const CGO = { title: 'cmd/cgo: CGO_ENABLED and when cgo is used', url: 'https://pkg.go.dev/cmd/cgo' };
const NET = { title: 'net package: name resolution (pure Go vs cgo resolver)', url: 'https://pkg.go.dev/net#hdr-Name_Resolution' };
const DISTROLESS = { title: 'GoogleContainerTools/distroless README', url: 'https://github.com/GoogleContainerTools/distroless/blob/main/README.md' };
const DISTROLESS_STATIC = { title: 'distroless base images: static vs base', url: 'https://github.com/GoogleContainerTools/distroless/blob/main/base/README.md' };
const MULTI_STAGE = { title: 'Docker docs: multi-stage builds', url: 'https://docs.docker.com/build/building/multi-stage/' };
const DEBUG_BUILDINFO = { title: 'runtime/debug.BuildInfo (what `go version -m` prints)', url: 'https://pkg.go.dev/runtime/debug#BuildInfo' };
const GO122 = { title: 'Go 1.22 release notes: -s now implies -w on all platforms', url: 'https://go.dev/doc/go1.22#linker' };

export const LEVER_TOPICS: readonly Topic[] = [
  {
    id: 'multi-stage',
    kind: 'lever',
    title: 'Build in one stage, ship from another',
    summary:
      'A single-stage image FROM golang ships the whole Go toolchain, the standard library sources, the module cache and the build cache next to your binary. A multi-stage Dockerfile builds in a golang stage and copies only the binary into a small final stage.',
    removes: 'The compiler and linker, GOROOT (the standard library source), /go/pkg/mod, /root/.cache/go-build, and the distro layers of the golang image: typically 300-800 MB.',
    lose: 'The ability to run `go` commands inside the running container (you should not need them in production).',
    keep: 'The binary itself is byte-for-byte the same; build-time caching still works with BuildKit cache mounts.',
    check:
      'docker history <image> shows the golang layers; after the change, `docker image ls` shows the new size and `docker run --rm <image>` still starts. `goslim inspect <image>` attributes the bytes per layer.',
    references: [MULTI_STAGE, DISTROLESS],
  },
  {
    id: 'static-base',
    kind: 'lever',
    title: 'Use a static, shell-less runtime base',
    summary:
      'A static Go binary needs no libc, shell or package manager. gcr.io/distroless/static-debian12 (about 2 MB) carries only CA certificates, tzdata and /etc/passwd entries (including a nonroot user); scratch carries nothing.',
    removes: 'The distro runtime: shell, coreutils, package manager and its database, libc and other shared libraries (Debian slim about 75 MB, Alpine about 8 MB).',
    lose: 'A shell for `docker exec` debugging (use `kubectl debug` with an ephemeral container or the :debug distroless tag), and any C library a cgo binary needed.',
    keep: 'TLS to public endpoints (CA certificates), time zones (tzdata), running as a non-root user (the :nonroot tag, uid 65532).',
    check:
      'readelf -lW <binary> | grep -i interp must print nothing (static); `goslim binary <binary>` reports linking: static. Then run the image and hit its health endpoint.',
    references: [DISTROLESS, DISTROLESS_STATIC],
  },
  {
    id: 'cgo-off',
    kind: 'lever',
    title: 'Turn cgo off (CGO_ENABLED=0)',
    summary:
      'With cgo on (the default when a C compiler is present), packages such as net and os/user link C code and the binary becomes dynamically linked against libc. Such a binary does not start on scratch or distroless/static: `exec /server: no such file or directory` because the ELF interpreter is missing.',
    removes: 'The dynamic interpreter requirement (PT_INTERP), DT_NEEDED libraries such as libc.so.6, runtime/cgo and the cgo resolver glue (tens of kB).',
    lose: 'Any real C dependency (sqlite via mattn/go-sqlite3, librdkafka, ...). The cgo DNS resolver (glibc NSS modules such as LDAP or mDNS) is replaced by the pure-Go resolver.',
    keep: 'Everything written in Go. The pure-Go resolver reads /etc/resolv.conf, /etc/hosts and /etc/nsswitch.conf; os/user reads /etc/passwd and /etc/group.',
    check:
      '`go version -m <binary>` shows build CGO_ENABLED=0; `readelf -lW <binary>` has no INTERP line and `readelf -dW` no NEEDED entries; `goslim binary <binary>` reports linking: static.',
    references: [CGO, NET, GO_BUILD],
  },
  {
    id: 'strip-symbols',
    kind: 'lever',
    title: 'Strip the symbol table and DWARF (-ldflags="-s -w")',
    summary:
      '-s omits the ELF symbol table (.symtab, .strtab) and -w the DWARF debug information (.debug_* / .zdebug_*). Together they typically remove 25-35 % of a Go binary. Since Go 1.22, -s alone also implies -w.',
    removes: 'The .symtab and .strtab sections and every .debug_* / .zdebug_* section: exactly the sum of their sizes on disk.',
    lose: 'Source-level debugging with dlv or gdb, and symbol names for nm, perf, bloaty and other tools that read ELF symbols or DWARF.',
    keep: 'Panic and runtime stack traces with function names, files and line numbers: they come from .gopclntab, which the runtime needs and the linker always keeps. pprof profiles still symbolize. `go version -m` still works.',
    check:
      'readelf -SW <binary> | grep -E "symtab|strtab|debug" lists what will go; build both ways and compare `stat -c %s`. `goslim binary <binary>` prints the exact figure as strip.total.',
    references: [GO_LINK, GO122],
  },
  {
    id: 'trimpath',
    kind: 'lever',
    title: 'Remove build-machine paths (-trimpath)',
    summary:
      'Without -trimpath every source file name in the binary is an absolute path of the build machine: GOROOT, the CI workspace, the user name, the module cache. -trimpath rewrites them to module paths (net/http/server.go, example.com/app/main.go).',
    removes: 'The directory prefixes of all file names in the pclntab file table (a few kB to tens of kB) and in DWARF; also makes the build reproducible across machines.',
    lose: 'Absolute paths in stack traces; a debugger needs a path substitution (dlv config substitute-path) to find sources.',
    keep: 'File names and line numbers in stack traces. Note that with -trimpath the build info no longer records -ldflags, so read stripping from the sections, not from `go version -m`.',
    check:
      '`go version -m <binary>` shows build -trimpath=true; `strings <binary> | grep "$HOME"` finds nothing; `goslim binary <binary>` reports trimpath.leakedPaths: 0.',
    references: [GO_BUILD, DEBUG_BUILDINFO],
  },
];
