/**
 * Collecting the files that go into the build's extra layers: `--add SRC:DST`
 * mappings and the package's `kodata/` folder (ko's convention: it lands at
 * /var/run/ko and KO_DATA_PATH points there). Symlinks are followed, but only to
 * targets inside the allowed root, so a link cannot smuggle host files into the
 * image (ko: KO_DATA_PATH_ALLOWED_ROOT).
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { NotFoundError, NotRegularFileError, UnsafePathError, UsageError } from '../errors.js';
import type { LayerFile } from './layer.js';

export const KO_DATA_PATH = '/var/run/ko';

export interface AddSpec {
  src: string;
  dst: string;
}

/** `SRC:DST` (DST absolute in the image). Pure. */
export function parseAdd(text: string): AddSpec {
  const i = text.lastIndexOf(':');
  if (i <= 0 || i === text.length - 1) throw new UsageError(`--add must be SRC:DST, got "${text}"`);
  const src = text.slice(0, i);
  const dst = text.slice(i + 1);
  if (!dst.startsWith('/')) throw new UsageError(`--add destination must be an absolute path in the image, got "${dst}"`);
  return { src, dst };
}

function inside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** Mode for a copied file: 0755 when the owner may execute it, else 0644 (owners and times are fixed anyway). */
function fileMode(mode: number): number {
  return mode & 0o100 ? 0o755 : 0o644;
}

/** Files of a host path (file or directory, recursively) mapped under `dst`. Bounded by `maxEntries`. */
export async function collectTree(src: string, dst: string, allowedRoot: string, maxEntries = 100_000): Promise<LayerFile[]> {
  const rootReal = await realpath(allowedRoot);
  const out: LayerFile[] = [];
  const visit = async (hostPath: string, imagePath: string, depth: number): Promise<void> => {
    if (depth > 64) throw new UsageError(`${hostPath}: directories nested too deeply (symlink loop?)`);
    let real: string;
    try {
      real = await realpath(hostPath);
    } catch (err) {
      throw new NotFoundError(`cannot read ${hostPath}`, { cause: err });
    }
    if (!inside(rootReal, real)) {
      throw new UnsafePathError(`${hostPath} resolves to ${real}, outside ${rootReal}`);
    }
    const st = await stat(real);
    if (out.length >= maxEntries) throw new UsageError(`more than ${maxEntries} files under ${src}`);
    if (st.isDirectory()) {
      out.push({ path: imagePath, type: 'dir', mode: 0o755 });
      const names = (await readdir(hostPath)).sort();
      for (const n of names) await visit(join(hostPath, n), `${imagePath}/${n}`, depth + 1);
    } else if (st.isFile()) {
      out.push({ path: imagePath, type: 'file', source: real, mode: fileMode(st.mode) });
    } else {
      // A FIFO or device would hang the layer write (or never end): refuse it up front.
      throw new NotRegularFileError(`${hostPath} is neither a regular file nor a directory (--add / kodata)`, { details: { path: hostPath } });
    }
  };
  await visit(src, dst.replace(/\/+$/, '') || '/', 0);
  return out;
}

/** Files for one `--add`, relative to `cwd`; a trailing "/" on DST puts a file inside that directory. */
export async function collectAdd(spec: AddSpec, cwd: string): Promise<LayerFile[]> {
  const src = resolve(cwd, spec.src);
  let st;
  try {
    st = await stat(src);
  } catch (err) {
    throw new NotFoundError(`--add source ${spec.src} does not exist`, { cause: err });
  }
  const dst = st.isFile() && spec.dst.endsWith('/') ? `${spec.dst}${src.split(sep).pop()}` : spec.dst;
  // An explicit --add may name any host path the user can read; the root bounds symlinks inside a directory.
  return collectTree(src, dst, st.isDirectory() ? src : resolve(src, '..'));
}

/** The kodata folder of a package, if present, mapped to /var/run/ko. */
export async function collectKodata(pkgDir: string, allowedRoot: string): Promise<LayerFile[] | undefined> {
  const dir = join(pkgDir, 'kodata');
  try {
    if (!(await stat(dir)).isDirectory()) return undefined;
  } catch {
    return undefined;
  }
  return collectTree(dir, KO_DATA_PATH, allowedRoot);
}
