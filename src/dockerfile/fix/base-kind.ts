/**
 * What the fixer needs to know about a base image reference: is it a Go
 * toolchain image, does it have a shell, does it have libc. (The lint rules
 * classify bases in more detail; the fixer only needs these three answers.)
 */

export type BaseKind = 'go-toolchain' | 'distro' | 'alpine' | 'distroless-static' | 'distroless-libc' | 'scratch' | 'windows' | 'unknown';

function repoOf(ref: string): string {
  let r = ref.replace(/@sha256:[0-9a-f]+$/, '');
  const slash = r.lastIndexOf('/');
  const colon = r.lastIndexOf(':');
  if (colon > slash) r = r.slice(0, colon);
  return r.replace(/^(docker\.io\/|index\.docker\.io\/)/, '').replace(/^library\//, '');
}

export function classifyBase(ref: string): BaseKind {
  const r = ref.trim().toLowerCase();
  if (r === 'scratch') return 'scratch';
  const repo = repoOf(r);
  const tag = r.slice(r.lastIndexOf(':') + 1);
  if (/windows|nanoserver|servercore/.test(r)) return 'windows';
  if (repo === 'golang' || repo.endsWith('/golang') || /(^|\/)go-toolset$/.test(repo)) {
    return /windows|nanoserver/.test(tag) ? 'windows' : 'go-toolchain';
  }
  if (/distroless\/static|chainguard\/static|wolfi-base-static/.test(repo)) return 'distroless-static';
  if (/distroless\/(base|cc|java|python|nodejs)|chainguard\/glibc-dynamic/.test(repo)) return /debug/.test(tag) ? 'distro' : 'distroless-libc';
  if (repo === 'alpine' || repo.endsWith('/alpine') || /alpine/.test(tag)) return 'alpine';
  if (/(^|\/)(debian|ubuntu|centos|fedora|rockylinux|almalinux|amazonlinux|busybox|ubi\d*(-minimal|-micro)?|buildpack-deps)$/.test(repo)) return 'distro';
  return 'unknown';
}

export const hasShell = (k: BaseKind): boolean => k === 'go-toolchain' || k === 'distro' || k === 'alpine';
