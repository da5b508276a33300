/**
 * Classification of a stage's base image and what it ships. The facts drive
 * the runtime rules (G003 libc, G005/G006/G007 shell, G018 certs/tzdata).
 * `null` means "not known": rules fire only on a known `false`, so an
 * unfamiliar base never produces a false alarm.
 *
 * Sources: GoogleContainerTools/distroless README (static: ca-certificates,
 * /etc/passwd, tzdata, no shell, no libc; base: + glibc, openssl; cc: + libgcc;
 * `:debug` tags add a busybox shell; `:nonroot` runs as 65532), Chainguard
 * static (nonroot 65532, no shell; `-dev` tags add busybox/apk), Alpine (musl,
 * busybox ash/wget, ca-certificates-bundle), golang official images
 * (buildpack-deps-scm: git, curl, wget, ca-certificates).
 */
import type { DockerfileModel, Instruction, Stage } from './parse/model.js';
import { healthcheckCommand } from './parse/parse-dockerfile.js';
import { isShellProgram } from './parse/shell-words.js';

export type BaseKind =
  | 'go-toolchain'
  | 'distro'
  | 'alpine'
  | 'busybox'
  | 'distroless-static'
  | 'distroless-base'
  | 'distroless-cc'
  | 'chainguard-static'
  | 'chainguard-glibc'
  | 'scratch'
  | 'windows'
  | 'unknown';

export interface BaseFacts {
  kind: BaseKind;
  /** The image reference the facts are about (after following `FROM <stage>`). */
  image: string;
  /** A `:debug` / `-dev` variant that adds a busybox shell. */
  debugVariant: boolean;
  hasShell: boolean | null;
  libc: 'glibc' | 'musl' | null;
  /** True when libc presence is known (false = known to have none). */
  hasLibc: boolean | null;
  hasCaCerts: boolean | null;
  hasTzdata: boolean | null;
  hasPasswd: boolean | null;
  hasCurl: boolean | null;
  hasWget: boolean | null;
  isNonRootDefault: boolean | null;
  /** The WORKDIR the image sets (`/go` in the official golang images: `WORKDIR $GOPATH`); null when unknown or none. */
  workdir: string | null;
}

export interface BaseImageReference {
  registry: string | null;
  /** Repository path without registry (`library/golang` is reported as `golang`). */
  repository: string;
  tag: string | null;
  digest: string | null;
}

/** Split `registry/repo:tag@digest`. Lenient: analysis, not validation. */
export function parseBaseImageReference(ref: string): BaseImageReference {
  let rest = ref.trim();
  let digest: string | null = null;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let registry: string | null = null;
  const slash = rest.indexOf('/');
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    // docker/distribution reference grammar: a first component with '.', ':' or 'localhost' is a registry.
    if (first.includes('.') || first.includes(':') || first === 'localhost') {
      registry = first;
      rest = rest.slice(slash + 1);
    }
  }
  let tag: string | null = null;
  const colon = rest.lastIndexOf(':');
  if (colon >= 0 && !rest.slice(colon).includes('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const repository = rest.replace(/^library\//, '');
  return { registry, repository, tag, digest };
}

function facts(kind: BaseKind, image: string, f: Partial<BaseFacts>): BaseFacts {
  return {
    kind,
    image,
    debugVariant: false,
    hasShell: null,
    libc: null,
    hasLibc: null,
    hasCaCerts: null,
    hasTzdata: null,
    hasPasswd: null,
    hasCurl: null,
    hasWget: null,
    isNonRootDefault: null,
    workdir: null,
    ...f,
  };
}

const DISTRO_REPOS =
  /^(debian|ubuntu|centos|fedora|amazonlinux|rockylinux|almalinux|oraclelinux|opensuse\/[^/]+|archlinux|photon|redhat\/ubi\d*(-[a-z]+)?|ubi\d*\/ubi(-[a-z]+)?|ubi\d*(-[a-z]+)?|buildpack-deps)$/;

/** Facts by image reference: lint, go-build's WORKDIRs and fix ask for the same few images again and again. */
const CLASSIFIED = new Map<string, BaseFacts>();
const CLASSIFIED_MAX = 512;

/** Classify an image reference (already variable-expanded). The facts are shared and frozen. */
export function classifyImage(image: string): BaseFacts {
  let f = CLASSIFIED.get(image);
  if (f === undefined) {
    if (CLASSIFIED.size >= CLASSIFIED_MAX) CLASSIFIED.clear();
    f = Object.freeze(classify(image));
    CLASSIFIED.set(image, f);
  }
  return f;
}

function classify(image: string): BaseFacts {
  const lower = image.trim().toLowerCase();
  if (lower === 'scratch') {
    return facts('scratch', image, {
      hasShell: false,
      libc: null,
      hasLibc: false,
      hasCaCerts: false,
      hasTzdata: false,
      hasPasswd: false,
      hasCurl: false,
      hasWget: false,
      isNonRootDefault: false,
    });
  }
  const ref = parseBaseImageReference(lower);
  const repo = ref.repository;
  const tag = ref.tag ?? 'latest';
  const full = ref.registry ? `${ref.registry}/${repo}` : repo;

  if (ref.registry === 'mcr.microsoft.com' && /^(windows|powershell|dotnet)/.test(repo)) {
    if (repo.startsWith('windows') || /nanoserver|servercore|windowsservercore/.test(tag + repo)) {
      return facts('windows', image, { hasShell: true, libc: null, hasLibc: null, hasCurl: null, hasWget: false });
    }
  }
  if (/(^|\/)(nanoserver|servercore|windowsservercore)$/.test(repo) || /nanoserver|windowsservercore|ltsc\d{4}/.test(tag)) {
    return facts('windows', image, { hasShell: true, hasLibc: null, hasWget: false });
  }
  if (/^(golang|[^/]+\/golang|docker\.io\/library\/golang)$/.test(repo) || repo === 'golang') {
    const alpine = tag.includes('alpine');
    return facts('go-toolchain', image, {
      hasShell: true,
      libc: alpine ? 'musl' : 'glibc',
      hasLibc: true,
      hasCaCerts: true,
      hasTzdata: alpine ? false : true,
      hasPasswd: true,
      hasCurl: !alpine,
      hasWget: true,
      isNonRootDefault: false,
      workdir: '/go',
    });
  }
  if (ref.registry === 'gcr.io' && repo.startsWith('distroless/')) {
    const name = repo.slice('distroless/'.length);
    const debug = tag.includes('debug');
    const nonroot = tag.includes('nonroot');
    const common = {
      debugVariant: debug,
      hasShell: debug,
      hasCaCerts: true,
      hasTzdata: true,
      hasPasswd: true,
      hasCurl: false,
      hasWget: debug, // busybox wget in :debug
      isNonRootDefault: nonroot,
    };
    if (name.startsWith('static')) return facts('distroless-static', image, { ...common, libc: null, hasLibc: false });
    if (name.startsWith('cc')) return facts('distroless-cc', image, { ...common, libc: 'glibc', hasLibc: true });
    return facts('distroless-base', image, { ...common, libc: 'glibc', hasLibc: true });
  }
  if (full.startsWith('cgr.dev/chainguard/')) {
    const name = full.slice('cgr.dev/chainguard/'.length);
    const dev = tag.includes('-dev');
    const common = {
      debugVariant: dev,
      hasShell: dev,
      hasCaCerts: true,
      hasTzdata: true,
      hasPasswd: true,
      hasCurl: false,
      hasWget: dev,
      isNonRootDefault: true,
    };
    if (name === 'static') return facts('chainguard-static', image, { ...common, libc: null, hasLibc: false });
    if (name === 'glibc-dynamic') return facts('chainguard-glibc', image, { ...common, libc: 'glibc', hasLibc: true });
    if (name === 'go') {
      return facts('go-toolchain', image, { ...common, hasShell: true, libc: 'glibc', hasLibc: true, isNonRootDefault: false });
    }
  }
  if (repo === 'alpine' || repo.endsWith('/alpine')) {
    return facts('alpine', image, {
      hasShell: true,
      libc: 'musl',
      hasLibc: true,
      hasCaCerts: true,
      hasTzdata: false,
      hasPasswd: true,
      hasCurl: false,
      hasWget: true,
      isNonRootDefault: false,
    });
  }
  if (repo === 'busybox') {
    return facts('busybox', image, {
      hasShell: true,
      hasLibc: null,
      hasCaCerts: false,
      hasTzdata: false,
      hasPasswd: true,
      hasCurl: false,
      hasWget: true,
      isNonRootDefault: false,
    });
  }
  if (DISTRO_REPOS.test(repo) || (ref.registry?.endsWith('redhat.io') ?? false) || (ref.registry === 'public.ecr.aws' && /amazonlinux/.test(repo))) {
    const debianLike = /^(debian|ubuntu|buildpack-deps)/.test(repo);
    return facts('distro', image, {
      hasShell: true,
      libc: 'glibc',
      hasLibc: true,
      // debian/ubuntu base images ship without ca-certificates; the RPM distros include them.
      hasCaCerts: repo.startsWith('buildpack-deps') ? true : !debianLike,
      hasTzdata: null,
      hasPasswd: true,
      hasCurl: debianLike ? repo.startsWith('buildpack-deps') : null,
      hasWget: debianLike ? repo.startsWith('buildpack-deps') : null,
      isNonRootDefault: false,
    });
  }
  return facts('unknown', image, {});
}

/** Facts for a stage's base, following `FROM <stage>` chains to the first external image. */
export function classifyStageBase(model: DockerfileModel, stage: Stage): BaseFacts {
  let s: Stage | undefined = stage;
  for (let hops = 0; s && s.base.stageIndex !== null && hops < model.stages.length; hops++) {
    s = model.stages[s.base.stageIndex];
  }
  return classifyImage(s ? s.base.expanded : stage.base.expanded);
}

/** Distroless, Chainguard and scratch bases (any variant): no package manager; `nonroot` is uid 65532. */
export function isDistrolessFamily(kind: BaseKind): boolean {
  return kind === 'distroless-static' || kind === 'distroless-base' || kind === 'distroless-cc' || kind === 'chainguard-static' || kind === 'chainguard-glibc' || kind === 'scratch';
}

/** True when the kind has no libc at all (a dynamically linked binary cannot start). */
export function isLibcLess(f: BaseFacts): boolean {
  return f.hasLibc === false;
}

/**
 * Is `program` (a name or a path) known to be missing from the base? A shell: `hasShell` false;
 * curl, wget: `hasCurl`/`hasWget` false; nc: a base without a shell has no busybox either. False
 * when not known, so an unfamiliar base never produces a false alarm.
 */
export function lacksProgram(f: BaseFacts, program: string): boolean {
  const name = program.split('/').pop() ?? '';
  if (isShellProgram(program)) return f.hasShell === false;
  if (name === 'curl') return f.hasCurl === false;
  if (name === 'wget') return f.hasWget === false;
  if (name === 'nc') return f.hasShell === false;
  return false;
}

/**
 * What a HEALTHCHECK runs that the base is known not to have: `/bin/sh` for a shell-form check on a
 * base without a shell, else its program when `lacksProgram` (null: nothing known to be missing).
 * Lint G006 reports it; fix keeps a base that has it, or leaves a TODO.
 */
export function healthcheckMissing(f: BaseFacts, instr: Instruction): string | null {
  const c = healthcheckCommand(instr);
  if (c === null) return null;
  if (c.exec === null && f.hasShell === false) return '/bin/sh';
  const program = c.exec !== null ? (c.exec[0] ?? '') : (c.shell.split(/\s+/)[0] ?? '');
  return program !== '' && lacksProgram(f, program) ? program : null;
}

/**
 * What `COPY --from=<build stage> <path>` carries out of a Go toolchain image: the whole filesystem
 * (`/`), the toolchain or module tree (`/go`, `/root/go`, `/usr/local/go`, `/usr/lib/go`), or null for
 * anything else (a binary, a config file). Lint G002 reports it; fix keeps such a final stage off the
 * static base and leaves a TODO.
 */
export function toolchainTreeOf(path: string): 'filesystem' | 'toolchain' | null {
  const p = path.replace(/\/+$/, '').replace(/\/\.$/, '') || '/';
  if (p === '/') return 'filesystem';
  return p === '/go' || p === '/root/go' || p === '/usr/local/go' || p === '/usr/lib/go' ? 'toolchain' : null;
}
