/**
 * The "will it start?" checks of `goslim verify` (and the startup section of `goslim inspect`),
 * each with its one copy of text: what it checks, why a failure stops (or hurts) the container,
 * and what to do. A check result's own message and fix, with the image's names and paths in them,
 * are computed by src/verify/checks.ts.
 */
import type { Reference } from './reference.js';

/** Every check id, in the order verify runs them. */
export const CHECK_IDS = [
  'command',
  'shell',
  'program',
  'executable',
  'architecture',
  'interpreter',
  'libraries',
  'symbol-versions',
  'libc-family',
  'user',
  'workdir',
  'healthcheck',
  'ports',
  'ca-certificates',
  'tzdata',
  'run',
] as const;

export type CheckId = (typeof CHECK_IDS)[number];

export interface CheckDoc {
  id: CheckId;
  title: string;
  /** What the check looks at. */
  summary: string;
  /** Why a failure (or warning) matters: what the runtime does. */
  why: string;
  /** What to do when it fails (the check result's own `fix` when nothing about the image changes it). */
  fix: string;
  references: Reference[];
}

const OCI_CONFIG = { title: 'OCI image spec: config (Entrypoint, Cmd, User, WorkingDir, ExposedPorts)', url: 'https://github.com/opencontainers/image-spec/blob/main/config.md' };
const ENTRYPOINT = { title: 'Dockerfile reference: ENTRYPOINT (exec and shell form)', url: 'https://docs.docker.com/reference/dockerfile/#entrypoint' };
const LD_SO = { title: 'ld.so(8): the dynamic linker and its search order', url: 'https://man7.org/linux/man-pages/man8/ld.so.8.html' };
const CGO = { title: 'cmd/cgo: CGO_ENABLED and when cgo is used', url: 'https://pkg.go.dev/cmd/cgo' };
const DISTROLESS = { title: 'GoogleContainerTools/distroless README', url: 'https://github.com/GoogleContainerTools/distroless/blob/main/README.md' };
const HEALTHCHECK = { title: 'Dockerfile reference: HEALTHCHECK', url: 'https://docs.docker.com/reference/dockerfile/#healthcheck' };

export const CHECK_DOCS: Readonly<Record<CheckId, CheckDoc>> = {
  command: {
    id: 'command',
    title: 'The image has a command to run',
    summary: 'Entrypoint and Cmd of the image config: together they are the command the runtime execs.',
    why: 'With neither set, docker run fails with "No command specified" unless the caller passes one.',
    fix: 'add ENTRYPOINT ["/path/to/binary"] to the final stage',
    references: [OCI_CONFIG, ENTRYPOINT],
  },
  shell: {
    id: 'shell',
    title: 'A shell-form command has its shell',
    summary: 'A shell-form ENTRYPOINT or CMD (a plain string) runs through /bin/sh -c; the check looks for that shell in the image.',
    why: 'On distroless or scratch there is no /bin/sh, so the container fails at exec: "stat /bin/sh: no such file or directory".',
    fix: 'use exec form: ENTRYPOINT ["/path/to/binary", "arg"] (JSON array), which needs no shell',
    references: [ENTRYPOINT],
  },
  program: {
    id: 'program',
    title: 'The program exists',
    summary: 'The command\'s program, looked up the way runc does: a name with a slash is a path (relative to WorkingDir), anything else is searched in PATH.',
    why: 'A missing program fails at exec: "no such file or directory" or "executable file not found in $PATH".',
    fix: 'COPY the binary into the final stage and name it by its absolute path in ENTRYPOINT',
    references: [OCI_CONFIG],
  },
  executable: {
    id: 'executable',
    title: 'The program is an executable file',
    summary: 'The program is a regular file with an execute bit, and an ELF executable or a #! script.',
    why: 'A directory, a file without the execute bit or a non-executable format fails at exec with "permission denied" or "exec format error".',
    fix: 'COPY --chmod=0755 the binary (or chmod +x it in the build stage), build it for Linux (GOOS=linux), and point ENTRYPOINT at the binary itself',
    references: [OCI_CONFIG],
  },
  architecture: {
    id: 'architecture',
    title: 'The binary matches the image platform',
    summary: 'The ELF machine of the program against the image config\'s architecture.',
    why: 'A binary for another architecture fails at exec with "exec format error" (or runs slowly under emulation when binfmt is set up).',
    fix: 'build with GOARCH set to the image architecture (in a Dockerfile: ARG TARGETARCH and GOARCH=$TARGETARCH)',
    references: [{ title: 'Docker docs: multi-platform builds (TARGETARCH)', url: 'https://docs.docker.com/build/building/multi-platform/' }],
  },
  interpreter: {
    id: 'interpreter',
    title: 'The loader or script interpreter is present',
    summary: 'For a dynamically linked ELF, its PT_INTERP loader (e.g. /lib64/ld-linux-x86-64.so.2); for a script, the #! interpreter.',
    why: 'When the loader is missing the kernel reports ENOENT for the program itself: "exec /app: no such file or directory", although /app exists.',
    fix: 'build with CGO_ENABLED=0 so the binary is static, or use a base with libc (gcr.io/distroless/base-debian12:nonroot) if cgo is really needed',
    references: [LD_SO, CGO],
  },
  libraries: {
    id: 'libraries',
    title: 'Needed shared libraries resolve',
    summary: 'Every DT_NEEDED library of the program, searched as the loader does: RPATH, LD_LIBRARY_PATH, RUNPATH, ld.so.cache, the default directories.',
    why: 'A missing library stops the program before main: "error while loading shared libraries: ... cannot open shared object file".',
    fix: 'build with CGO_ENABLED=0, or add the libraries to the final stage (or use a base that has them)',
    references: [LD_SO, CGO],
  },
  'symbol-versions': {
    id: 'symbol-versions',
    title: 'The image\'s libraries define the symbol versions the binary needs',
    summary: 'Every version the program requires from a library in .gnu.version_r (GLIBC_2.34 from libc.so.6, …), against the versions that library defines in .gnu.version_d; when the library cannot be read, against the glibc version in the package database (glibc X.Y defines GLIBC_ versions up to X.Y).',
    why: 'A cgo binary is linked against the build machine\'s glibc and needs the newest symbol versions it used (Go 1.19 cgo binaries built on glibc >= 2.34 need GLIBC_2.34). An older glibc in the runtime image stops it before main: "/lib/x86_64-linux-gnu/libc.so.6: version `GLIBC_2.34\' not found (required by /app)". glibc is backward compatible only: old binaries run on new glibc, never the other way round.',
    fix: 'build the cgo binary on the runtime\'s distribution release (golang:1.19-bullseye for a Debian 11 base, the same release as the final stage), or use a runtime base with a glibc at least as new as the build\'s (gcr.io/distroless/base-debian12 for a bookworm build); CGO_ENABLED=0 avoids the question when cgo is not needed',
    references: [
      LD_SO,
      CGO,
      { title: 'Ulrich Drepper: How To Write Shared Libraries, section 3.3 "ABI Versioning" (symbol versions)', url: 'https://www.akkadia.org/drepper/dsohowto.pdf' },
      { title: 'glibc elf/dl-version.c: the loader\'s version check and its message', url: 'https://sourceware.org/git/?p=glibc.git;a=blob;f=elf/dl-version.c' },
    ],
  },
  'libc-family': {
    id: 'libc-family',
    title: 'The binary and the image use the same libc',
    summary: 'A glibc-linked program on a musl image (alpine) or the other way round.',
    why: 'The loader the binary names does not exist on the other libc, so exec fails with "no such file or directory".',
    fix: 'build with CGO_ENABLED=0 (a static binary runs on any base), or build on the same libc as the final base (golang:*-alpine for alpine)',
    references: [LD_SO, CGO],
  },
  user: {
    id: 'user',
    title: 'The USER exists and is not root',
    summary: 'The config\'s User, resolved against /etc/passwd and /etc/group of the image.',
    why: 'A user name missing from /etc/passwd stops the container ("unable to find user"); running as root is allowed but rejected by Kubernetes runAsNonRoot and widens any compromise.',
    fix: 'use a numeric USER (USER 65532:65532), which needs no passwd entry',
    references: [OCI_CONFIG, DISTROLESS],
  },
  workdir: {
    id: 'workdir',
    title: 'The working directory exists',
    summary: 'The config\'s WorkingDir in the image filesystem.',
    why: 'A WorkingDir that is a file stops the container ("not a directory"); a missing one is created empty and owned by root, which a non-root service cannot write to.',
    fix: 'create it in the image (WORKDIR in the final stage) or drop it',
    references: [OCI_CONFIG],
  },
  healthcheck: {
    id: 'healthcheck',
    title: 'The HEALTHCHECK program is present',
    summary: 'The program a HEALTHCHECK runs: /bin/sh for CMD-SHELL, the named program for CMD, and curl or wget inside a shell command.',
    why: 'When it is missing the container starts but is always reported unhealthy, and orchestrators that honour the health check restart it.',
    fix: 'HEALTHCHECK CMD ["/app", "-healthcheck"] (a probe flag in the binary itself), or rely on the orchestrator\'s HTTP probes',
    references: [HEALTHCHECK],
  },
  ports: {
    id: 'ports',
    title: 'A non-root service does not expose a privileged port',
    summary: 'ExposedPorts below 1024 while the process runs as a non-root user.',
    why: 'A non-root process gets "bind: permission denied" on a port below 1024 unless it has CAP_NET_BIND_SERVICE or the runtime lowers net.ipv4.ip_unprivileged_port_start.',
    fix: 'listen on a port >= 1024 (e.g. 8080) and map it outside',
    references: [{ title: 'ip-sysctl: ip_unprivileged_port_start', url: 'https://docs.kernel.org/networking/ip-sysctl.html' }],
  },
  'ca-certificates': {
    id: 'ca-certificates',
    title: 'TLS roots are present',
    summary: 'When the binary links crypto/x509, a CA bundle at one of the paths Go reads (or SSL_CERT_FILE / SSL_CERT_DIR).',
    why: 'Without roots every outgoing TLS connection fails: "x509: certificate signed by unknown authority".',
    fix: 'use gcr.io/distroless/static-debian12 (it carries ca-certificates), or COPY /etc/ssl/certs/ca-certificates.crt from the build stage',
    references: [{ title: 'crypto/x509: SystemCertPool and the Linux root locations', url: 'https://pkg.go.dev/crypto/x509#SystemCertPool' }, DISTROLESS],
  },
  tzdata: {
    id: 'tzdata',
    title: 'Time zones are available',
    summary: 'When the binary calls time.LoadLocation: /usr/share/zoneinfo (or $ZONEINFO) in the image, or time/tzdata embedded in the binary.',
    why: 'Without a zone database time.LoadLocation fails: "unknown time zone Europe/Berlin".',
    fix: 'import _ "time/tzdata" (adds ~450 kB), build with -tags timetzdata, or use a base with tzdata (distroless static has it)',
    references: [{ title: 'time/tzdata: embedded time zone database', url: 'https://pkg.go.dev/time/tzdata' }, DISTROLESS],
  },
  run: {
    id: 'run',
    title: 'The image starts when run (verify --run)',
    summary: 'The image\'s command started in the sandbox (bubblewrap, or podman for --probe): still running at the timeout, exited 0, or answered the probe. An image for another architecture runs under QEMU user-mode emulation: through the host\'s binfmt_misc handler when one is registered, else by starting the program with qemu-<arch>-static (Debian\'s qemu-user-static) bound read-only into the sandbox. When neither is there the run is skipped, not failed: the host cannot run it, which says nothing about the image.',
    why: 'A failed run is what `docker run` would show: the process exited non-zero before the timeout or never started. A skipped run leaves only the static checks; under direct QEMU only the image\'s own program is emulated, so a program it execs for another architecture fails with "exec format error" (binfmt_misc has no such gap).',
    fix: 'read the run\'s output lines and the failing checks above; to run foreign images, install qemu-user-static (apt-get install qemu-user-static) or register binfmt_misc handlers (docker run --privileged tonistiigi/binfmt --install all)',
    references: [
      { title: 'QEMU user space emulator', url: 'https://www.qemu.org/docs/master/user/main.html' },
      { title: 'Kernel admin guide: binfmt_misc', url: 'https://docs.kernel.org/admin-guide/binfmt-misc.html' },
      { title: 'Docker docs: multi-platform builds (QEMU emulation)', url: 'https://docs.docker.com/build/building/multi-platform/' },
    ],
  },
};

export function checkDoc(id: CheckId): CheckDoc {
  return CHECK_DOCS[id];
}
