/**
 * Test helper: hand-made layer tars from a declarative entry list (tar-stream pack, held in
 * memory: these layers are a few KB). Names are written verbatim, so tests can also make
 * hostile archives (`../x`, `/abs`, `.wh.` markers).
 */
import { pack, type Header } from 'tar-stream';
/** tar-stream fills defaults for omitted fields. */
type Headers = Partial<Header> & { name: string };

export type TestEntry =
  | { kind: 'file'; path: string; content: Buffer; mode?: number; uid?: number; gid?: number }
  | { kind: 'dir'; path: string; mode?: number }
  | { kind: 'symlink'; path: string; target: string }
  | { kind: 'hardlink'; path: string; target: string }
  | { kind: 'whiteout'; path: string }
  | { kind: 'opaque'; path: string }
  | { kind: 'fifo'; path: string };

/** Deterministic filler bytes so sizes are exact and content differs by seed. */
export function filler(size: number, seed = 1): Buffer {
  const b = Buffer.alloc(size);
  let x = seed * 2654435761;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

export function file(path: string, content: string | Buffer | number, opts: { mode?: number; seed?: number } = {}): TestEntry {
  const data = typeof content === 'number' ? filler(content, opts.seed ?? path.length) : Buffer.from(content);
  return { kind: 'file', path, content: data, ...(opts.mode !== undefined ? { mode: opts.mode } : {}) };
}
export const dir = (path: string): TestEntry => ({ kind: 'dir', path });
export const symlink = (path: string, target: string): TestEntry => ({ kind: 'symlink', path, target });
export const hardlink = (path: string, target: string): TestEntry => ({ kind: 'hardlink', path, target });
/** `dir/.wh.name`: deletes `path` from lower layers. */
export const whiteout = (path: string): TestEntry => ({ kind: 'whiteout', path });
/** `dir/.wh..wh..opq`: hides everything lower layers put in `dir`. */
export const opaque = (path: string): TestEntry => ({ kind: 'opaque', path });
export const fifo = (path: string): TestEntry => ({ kind: 'fifo', path });

function splitDir(path: string): [string, string] {
  const trimmed = path.replace(/\/+$/, '');
  const i = trimmed.lastIndexOf('/');
  return i < 0 ? ['', trimmed] : [trimmed.slice(0, i + 1), trimmed.slice(i + 1)];
}

function header(e: TestEntry): { header: Headers; data?: Buffer } {
  const base = { mtime: new Date(0), uid: 0, gid: 0 };
  switch (e.kind) {
    case 'file':
      return {
        header: { ...base, name: e.path, type: 'file', size: e.content.length, mode: e.mode ?? 0o644, uid: e.uid ?? 0, gid: e.gid ?? 0 },
        data: e.content,
      };
    case 'dir':
      return { header: { ...base, name: e.path.endsWith('/') ? e.path : `${e.path}/`, type: 'directory', mode: e.mode ?? 0o755 } };
    case 'symlink':
      return { header: { ...base, name: e.path, type: 'symlink', linkname: e.target, mode: 0o777 } };
    case 'hardlink':
      return { header: { ...base, name: e.path, type: 'link', linkname: e.target, mode: 0o644, size: 0 } };
    case 'whiteout': {
      const [d, name] = splitDir(e.path);
      return { header: { ...base, name: `${d}.wh.${name}`, type: 'file', size: 0, mode: 0o644 }, data: Buffer.alloc(0) };
    }
    case 'opaque':
      return {
        header: { ...base, name: `${e.path.replace(/\/+$/, '')}/.wh..wh..opq`, type: 'file', size: 0, mode: 0o644 },
        data: Buffer.alloc(0),
      };
    case 'fifo':
      return { header: { ...base, name: e.path, type: 'fifo', mode: 0o644 } };
  }
}

/** Raw tar entries (for archives rather than layers). */
export interface RawTarEntry {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link';
  data?: Buffer;
  linkname?: string;
}

async function packToBuffer(add: (p: ReturnType<typeof pack>) => void): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    p.on('data', (c) => void chunks.push(c as Buffer));
    p.on('end', () => resolve(Buffer.concat(chunks)));
    p.on('error', reject);
  });
  add(p);
  p.finalize();
  return done;
}

export function buildLayerTar(entries: TestEntry[]): Promise<Buffer> {
  return packToBuffer((p) => {
    for (const e of entries) {
      const { header: h, data } = header(e);
      if (data !== undefined) p.entry(h as Header, data);
      else p.entry(h as Header);
    }
  });
}

export function buildRawTar(entries: RawTarEntry[]): Promise<Buffer> {
  return packToBuffer((p) => {
    for (const e of entries) {
      const type = e.type ?? 'file';
      const h: Headers = { name: e.name, type, mtime: new Date(0), mode: type === 'directory' ? 0o755 : 0o644 };
      if (e.linkname !== undefined) h.linkname = e.linkname;
      if (type === 'file') p.entry({ ...h, size: e.data?.length ?? 0 } as Header, e.data ?? Buffer.alloc(0));
      else p.entry(h as Header);
    }
  });
}
