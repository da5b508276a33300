/**
 * Random access into an uncompressed tar file (a docker-archive or an oci-archive) without
 * loading it: one pass over the 512-byte headers with positional reads (data is skipped,
 * never read), giving name -> (offset, size); blobs are then streamed by offset.
 *
 * Header layout: POSIX.1-1988 ustar (name 0..100, size 124..136, typeflag 156, linkname
 * 157..257, magic 257, prefix 345..500), with POSIX.1-2001 PAX `x`/`g` records and GNU
 * `L`/`K` long names. Sizes may use GNU base-256 encoding.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { posix } from 'node:path';
import { Readable } from 'node:stream';
import { errorForCode, GoslimError, MalformedInputError, TruncatedInputError, UnsafePathError, UnsupportedFormatError } from '../../errors.js';
import { checkedSafeInteger } from './checked.js';
import { openRegular } from '../../util/regular-file.js';
import { checkEntryCount, checkEntryName, checkMetaSize, paxNumber } from '../filesystem/tar-parser.js';

export interface TarIndexEntry {
  /** Normalised name (no leading "./" or "/"; directories without trailing "/"). */
  name: string;
  type: 'file' | 'dir' | 'symlink' | 'hardlink' | 'other';
  /** Byte offset of the entry's data in the archive. */
  offset: number;
  size: number;
  linkname?: string;
}

export interface TarIndex {
  path: string;
  entries: Map<string, TarIndexEntry>;
}

const BLOCK = 512;

export function normaliseArchiveName(name: string): string {
  let n = name.replace(/\\/g, '/');
  while (n.startsWith('./')) n = n.slice(2);
  n = n.replace(/^\/+/, '').replace(/\/+$/, '');
  return n === '.' ? '' : n;
}

function cstring(buf: Buffer, start: number, end: number): string {
  const slice = buf.subarray(start, end);
  const nul = slice.indexOf(0);
  return (nul >= 0 ? slice.subarray(0, nul) : slice).toString('utf8');
}

function parseOctalOrBase256(buf: Buffer, start: number, end: number, what: string): number {
  const field = buf.subarray(start, end);
  if (field[0] !== undefined && (field[0] & 0x80) !== 0) {
    // GNU base-256: big-endian two's complement, top bit of the first byte set.
    let v = BigInt(field[0] & 0x7f);
    for (let i = 1; i < field.length; i++) v = (v << 8n) | BigInt(field[i] ?? 0);
    return checkedSafeInteger(v, what);
  }
  const text = cstring(buf, start, end).trim();
  if (text.length === 0) return 0;
  if (!/^[0-7]+$/.test(text)) throw new MalformedInputError(`tar header: ${what} is not octal: ${JSON.stringify(text)}`);
  return checkedSafeInteger(BigInt(`0o${text}`), what);
}

function checksumOk(header: Buffer): boolean {
  const stored = parseOctalOrBase256(header, 148, 156, 'checksum');
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : (header[i] ?? 0);
  return sum === stored;
}

/** PAX extended header records: "LEN key=value\n". */
function parsePax(data: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  while (i < data.length) {
    const sp = data.indexOf(0x20, i);
    if (sp < 0) break;
    const len = Number.parseInt(data.subarray(i, sp).toString('ascii'), 10);
    if (!Number.isSafeInteger(len) || len <= 0 || i + len > data.length) {
      throw new MalformedInputError('tar: bad PAX record length');
    }
    const record = data.subarray(sp + 1, i + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    i += len;
  }
  return out;
}

async function readExactly(fh: FileHandle, length: number, position: number, fileSize: number, what: string): Promise<Buffer> {
  if (position + length > fileSize) {
    throw new TruncatedInputError(`tar: ${what} at offset ${position} runs past the end of the file (${fileSize} bytes)`);
  }
  const buf = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(buf, done, length - done, position + done);
    if (bytesRead === 0) throw new TruncatedInputError(`tar: unexpected end of file reading ${what}`);
    done += bytesRead;
  }
  return buf;
}

/** Index the entries of an uncompressed tar file. Throws E_TRUNCATED / E_MALFORMED / E_NOT_FOUND. */
export async function indexTar(path: string): Promise<TarIndex> {
  let fh: FileHandle;
  try {
    // Opened once, non-blocking, and checked through the descriptor: a FIFO or device would hang.
    ({ fh } = await openRegular(path, { what: 'image archive' }));
  } catch (err) {
    if (err instanceof GoslimError) throw err;
    throw errorForCode((err as NodeJS.ErrnoException).code === 'ENOENT' ? 'E_NOT_FOUND' : 'E_IO', `cannot open ${path}`, {
      cause: err,
    });
  }
  try {
    const fileSize = (await fh.stat()).size;
    const entries = new Map<string, TarIndexEntry>();
    let pos = 0;
    let longName: string | undefined;
    let longLink: string | undefined;
    let pax: Map<string, string> | undefined;
    for (let count = 0; ; count++) {
      checkEntryCount(count); // headers, meta headers included (a docker save has a handful per layer)
      if (pos + BLOCK > fileSize) {
        // A tar may end without its two zero blocks (some writers); a partial block is truncation.
        if (pos === fileSize && count > 0) break;
        throw new TruncatedInputError(`tar: ${path} ends inside a header at offset ${pos}`);
      }
      const header = await readExactly(fh, BLOCK, pos, fileSize, 'header');
      if (header.every((b) => b === 0)) break;
      if (pos === 0 && ((header[0] === 0x1f && header[1] === 0x8b) || header.readUInt32LE(0) === 0xfd2fb528)) {
        // `docker save | gzip` output: docker load accepts it, but random access needs a plain tar.
        throw new UnsupportedFormatError(`${path} is a compressed archive; decompress it first (gunzip / zstd -d)`);
      }
      if (!checksumOk(header)) throw new MalformedInputError(`tar: bad header checksum at offset ${pos} in ${path}`);
      const typeflag = String.fromCharCode(header[156] ?? 0);
      let size = parseOctalOrBase256(header, 124, 136, 'size');
      const dataOffset = pos + BLOCK;
      if (typeflag === 'x' || typeflag === 'g' || typeflag === 'L' || typeflag === 'K') {
        const next = dataOffset + Math.ceil(size / BLOCK) * BLOCK;
        checkMetaSize(typeflag, size);
        const data = await readExactly(fh, size, dataOffset, fileSize, 'extended header');
        if (typeflag === 'x') pax = parsePax(data);
        else if (typeflag === 'L') longName = cstring(data, 0, data.length);
        else if (typeflag === 'K') longLink = cstring(data, 0, data.length);
        // 'g' (global) records apply to later entries; none of the keys we use (path,
        // linkpath, size) are meaningful globally, so they are read and ignored.
        pos = next;
        continue;
      }
      let name = cstring(header, 0, 100);
      const magic = header.subarray(257, 263).toString('latin1');
      if (magic === 'ustar\0') {
        const prefix = cstring(header, 345, 500);
        if (prefix) name = `${prefix}/${name}`;
      }
      let linkname = cstring(header, 157, 257);
      if (longName !== undefined) name = longName;
      if (longLink !== undefined) linkname = longLink;
      if (pax?.has('path')) name = pax.get('path') ?? name;
      if (pax?.has('linkpath')) linkname = pax.get('linkpath') ?? linkname;
      const paxSize = pax?.get('size');
      if (paxSize !== undefined) size = paxNumber(paxSize, 'size');
      checkEntryName(name, 'path');
      if (linkname.length > 0) checkEntryName(linkname, 'linkpath');
      longName = longLink = pax = undefined;
      // Go's archive/tar: link, symlink, device, dir and fifo headers carry no data.
      if (['1', '2', '3', '4', '5', '6'].includes(typeflag)) size = 0;
      if (dataOffset + size > fileSize) {
        throw new TruncatedInputError(`tar: entry data at offset ${dataOffset} (${size} bytes) runs past the end of ${path}`);
      }
      const type: TarIndexEntry['type'] =
        typeflag === '0' || typeflag === '\0' || typeflag === '7'
          ? 'file'
          : typeflag === '5'
            ? 'dir'
            : typeflag === '2'
              ? 'symlink'
              : typeflag === '1'
                ? 'hardlink'
                : 'other';
      const normalised = normaliseArchiveName(name);
      const entry: TarIndexEntry = { name: normalised, type, offset: dataOffset, size: type === 'file' ? size : 0 };
      if (type === 'symlink' || type === 'hardlink') entry.linkname = linkname;
      entries.set(normalised, entry); // duplicates: last one wins, as when extracting
      pos = dataOffset + Math.ceil(size / BLOCK) * BLOCK;
    }
    return { path, entries };
  } finally {
    await fh.close();
  }
}

/**
 * A member name as asked for (manifest.json's Config and Layers, a link target), normalised and
 * kept inside the archive: `..` that climbs out of it is E_UNSAFE_PATH (moby's tarexport refuses
 * the same), an absolute name is read relative to the archive's root.
 */
function memberName(name: string, index: TarIndex, asked: string): string {
  const relative = normaliseArchiveName(name);
  const normal = relative === '' ? '' : posix.normalize(relative);
  if (normal === '..' || normal.startsWith('../')) {
    throw new UnsafePathError(`${index.path}: ${JSON.stringify(asked)} points outside the archive`, { details: { path: asked } });
  }
  return normaliseArchiveName(normal);
}

/**
 * Follow symlinks and hardlinks inside the archive to a regular file. docker save writes
 * repeated layers as `layer.tar -> ../<other>/layer.tar` (moby PR #24003). Names and link
 * targets are resolved in the archive's own member list only, never on the host; one that
 * climbs out of the archive is E_UNSAFE_PATH.
 */
export function resolveTarEntry(index: TarIndex, name: string): TarIndexEntry | undefined {
  let current = memberName(name, index, name);
  for (let hops = 0; hops < 16; hops++) {
    const entry = index.entries.get(current);
    if (entry === undefined) return undefined;
    if (entry.type === 'file') return entry;
    if (entry.type === 'hardlink' && entry.linkname !== undefined) {
      current = memberName(entry.linkname, index, name);
    } else if (entry.type === 'symlink' && entry.linkname !== undefined) {
      const target = entry.linkname.startsWith('/') ? entry.linkname : `${posix.dirname(current)}/${entry.linkname}`;
      current = memberName(target, index, name);
    } else {
      return undefined;
    }
  }
  throw new MalformedInputError(`tar: link loop resolving ${name} in ${index.path}`);
}

/** Stream `size` bytes at `offset` of the archive. */
export function streamTarRange(index: TarIndex, entry: TarIndexEntry): Readable {
  if (entry.size === 0) {
    // createReadStream with end < start reads to EOF; give an explicitly empty stream.
    return Readable.from([]);
  }
  return createReadStream(index.path, { start: entry.offset, end: entry.offset + entry.size - 1, highWaterMark: 1 << 20 });
}
