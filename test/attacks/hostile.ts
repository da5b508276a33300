/**
 * The attack suite's tools: raw tar entries of any shape (devices, setuid bits, huge declared
 * sizes, non-UTF-8 names, PAX paths of any length), OCI layouts around arbitrary layer bytes
 * (truncated, bombs), canaries planted outside every root and a check that nothing outside
 * changed, and the one-line outcome of a goslim call (a result or a typed error's code).
 */
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync, chmodSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { GoslimError } from '../../src/errors.js';

export interface RawEntry {
  /** The name as bytes or text; longer than 100 bytes goes into a PAX `path` record. */
  name: string | Buffer;
  /** ustar typeflag: '0' file, '1' hardlink, '2' symlink, '3' char, '4' block, '5' dir, '6' fifo. */
  type?: '0' | '1' | '2' | '3' | '4' | '5' | '6';
  mode?: number;
  uid?: number;
  gid?: number;
  data?: Buffer | string;
  /** Size written in the header (default: the data's length). */
  declaredSize?: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
}

function octal(n: number, width: number): string {
  return `${n.toString(8).padStart(width - 1, '0')}\0`;
}

function headerBlock(name: Buffer, e: RawEntry, size: number, typeflag: string, linkname: Buffer): Buffer {
  const h = Buffer.alloc(512);
  name.copy(h, 0, 0, Math.min(100, name.length));
  h.write(octal(e.mode ?? (typeflag === '5' ? 0o755 : 0o644), 8), 100, 'ascii');
  h.write(octal(e.uid ?? 0, 8), 108, 'ascii');
  h.write(octal(e.gid ?? 0, 8), 116, 'ascii');
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(0, 12), 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write(typeflag, 156, 'ascii');
  linkname.copy(h, 157, 0, Math.min(100, linkname.length));
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  h.write(octal(e.devmajor ?? 0, 8), 329, 'ascii');
  h.write(octal(e.devminor ?? 0, 8), 337, 'ascii');
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += h[i]!;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return h;
}

function pad(b: Buffer): Buffer {
  const rest = b.length % 512;
  return rest === 0 ? b : Buffer.concat([b, Buffer.alloc(512 - rest)]);
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = body.length + 1;
  while (`${len}${body}`.length !== len) len = `${len}${body}`.length;
  return `${len}${body}`;
}

/** One tar entry (with a PAX header first when the name or link is longer than 100 bytes). */
export function tarEntry(e: RawEntry): Buffer {
  const name = typeof e.name === 'string' ? Buffer.from(e.name) : e.name;
  const link = Buffer.from(e.linkname ?? '');
  const data = e.data === undefined ? Buffer.alloc(0) : Buffer.from(e.data);
  const parts: Buffer[] = [];
  const pax: string[] = [];
  if (name.length > 100) pax.push(paxRecord('path', name.toString('utf8')));
  if (link.length > 100) pax.push(paxRecord('linkpath', link.toString('utf8')));
  if (pax.length > 0) {
    const body = Buffer.from(pax.join(''));
    parts.push(headerBlock(Buffer.from('PaxHeader'), { name: 'PaxHeader' }, body.length, 'x', Buffer.alloc(0)), pad(body));
  }
  parts.push(headerBlock(name, e, e.declaredSize ?? data.length, e.type ?? '0', link), pad(data));
  return Buffer.concat(parts);
}

export const END_OF_ARCHIVE = Buffer.alloc(1024);

/** A complete tar of raw entries. */
export function rawTar(entries: RawEntry[]): Buffer {
  return Buffer.concat([...entries.map(tarEntry), END_OF_ARCHIVE]);
}

export interface RawLayer {
  /** The layer blob exactly as stored. */
  blob: Buffer;
  mediaType: string;
  /** diff_id to record (any digest: a wrong one must be a typed error, never a crash). */
  diffId: string;
}

export const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export function plainLayer(tar: Buffer): RawLayer {
  return { blob: tar, mediaType: 'application/vnd.oci.image.layer.v1.tar', diffId: sha256(tar) };
}

export function gzipLayer(tar: Buffer): RawLayer {
  return { blob: gzipSync(tar), mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', diffId: sha256(tar) };
}

/** Write an OCI layout holding one image of these layers; returns its `oci:` reference. */
export function writeOciImage(dir: string, layers: RawLayer[], config: Record<string, unknown> = { Cmd: ['/app'] }, architecture: string = process.arch === 'arm64' ? 'arm64' : 'amd64'): string {
  const blobs = join(dir, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const put = (b: Buffer): string => {
    const d = sha256(b);
    writeFileSync(join(blobs, d.slice(7)), b);
    return d;
  };
  const cfg = Buffer.from(
    JSON.stringify({ architecture, os: 'linux', config, rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) } }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: put(cfg), size: cfg.length },
      layers: layers.map((l) => ({ mediaType: l.mediaType, digest: put(l.blob), size: l.blob.length })),
    }),
  );
  const md = put(manifest);
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: md, size: manifest.length }] }),
  );
  return `oci:${dir}`;
}

/** What a goslim call ended with: a result, or a typed error's code. Anything else is a bug. */
export type Outcome = { ok: true; value: unknown } | { ok: false; code: string };

export async function outcome(call: () => Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: true, value: await call() };
  } catch (err) {
    if (err instanceof GoslimError && err.code !== 'E_INTERNAL') return { ok: false, code: err.code };
    throw err;
  }
}

/**
 * Canaries outside every root: files with known modes and contents, a directory with a
 * known listing, a read-only directory, a setuid-looking target. `snapshot()` records
 * everything below `dir` (type, mode, owner, size, content hash, link target, listing).
 */
export function plantCanaries(dir: string): void {
  mkdirSync(join(dir, 'host-dir', 'sub'), { recursive: true });
  writeFileSync(join(dir, 'host-file'), 'host file: must not change\n');
  chmodSync(join(dir, 'host-file'), 0o644);
  writeFileSync(join(dir, 'host-secret'), 'secret\n');
  chmodSync(join(dir, 'host-secret'), 0o600);
  writeFileSync(join(dir, 'host-dir', 'a'), 'a\n');
  writeFileSync(join(dir, 'host-dir', 'b'), 'b\n');
  writeFileSync(join(dir, 'host-dir', 'sub', 'c'), 'c\n');
  mkdirSync(join(dir, 'host-ro'));
  writeFileSync(join(dir, 'host-ro', 'r'), 'r\n');
  chmodSync(join(dir, 'host-ro'), 0o555);
  symlinkSync('host-file', join(dir, 'host-link'));
}

export function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (p: string, rel: string): void => {
    const st = lstatSync(p);
    let what = `${st.mode.toString(8)} ${st.uid}:${st.gid}`;
    if (st.isSymbolicLink()) what += ` -> ${readlinkSync(p)}`;
    else if (st.isFile()) what += ` ${st.size} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`;
    else if (st.isDirectory()) {
      const names = readdirSync(p).sort();
      what += ` [${names.join(',')}]`;
      for (const n of names) walk(join(p, n), `${rel}/${n}`);
    }
    out.set(rel || '/', what);
  };
  walk(dir, '');
  return out;
}
