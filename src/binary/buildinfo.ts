/**
 * Go build info (golang/go src/debug/buildinfo/buildinfo.go): a 32-byte header
 *   0  14  magic "\xff Go buildinf:"
 *   14  1  pointer size (4 or 8)
 *   15  1  flags: bit 0 big-endian, bit 1 inline strings (Go >= 1.18)
 *   16 ..  pre-1.18 only: two pointers to Go string headers (version, modinfo)
 * followed, in the inline format, by two uvarint-length-prefixed strings.
 * The header sits at a 16-byte-aligned offset of the search range.
 *
 * When the header is missing but the framed modinfo is still present (seen in
 * the esbuild binaries shipped on npm) we recover it heuristically and say so.
 */
import { MalformedInputError } from '../errors.js';
import { ByteView, Cursor } from './bytes.js';
import { INFO_END, INFO_START, parseModInfo, unframeModinfo, type ModInfo } from './modinfo.js';

export const BUILDINFO_MAGIC = Uint8Array.from([0xff, 0x20, 0x47, 0x6f, 0x20, 0x62, 0x75, 0x69, 0x6c, 0x64, 0x69, 0x6e, 0x66, 0x3a]);

/** Largest string we accept through a pre-1.18 pointer (the stdlib has no cap; syft-style bound). */
const MAX_POINTER_STRING = 4 << 20;

export interface Range {
  offset: number;
  size: number;
}

/** What the build-info reader needs from a container format. */
export interface BuildInfoSource {
  file: ByteView;
  /** Ranges to scan for the header, best first (the dedicated section, then the fallback segment). */
  ranges: Range[];
  /** File offset of [va, va+size), or undefined when unmapped. */
  vaToOffset(va: number, size: number): number | undefined;
  /** Where to look for a version string when recovering (read-only data), best first. */
  rodata: Range[];
}

export interface GoBuildInfo {
  version: string | null;
  modinfo: ModInfo | null;
  /** True when the header was missing and the data was found by scanning for sentinels. */
  recovered: boolean;
  format: 'inline' | 'pointer' | 'recovered';
  ptrSize?: 4 | 8;
  bigEndian?: boolean;
  /** File offset of the header (absent when recovered). */
  offset?: number;
}

/** Locate the header in the ranges; returns its file offset or -1. */
export function findBuildInfoHeader(src: BuildInfoSource): number {
  for (const r of src.ranges) {
    const end = r.offset + r.size;
    let from = r.offset;
    // Bounded: each iteration moves `from` forward by at least one byte inside the range.
    while (from < end) {
      const hit = src.file.indexOf(BUILDINFO_MAGIC, from);
      if (hit < 0 || hit + 32 > end) break;
      if ((hit - r.offset) % 16 === 0) return hit;
      from = hit + 1;
    }
  }
  return -1;
}

export function decodeBuildInfoAt(src: BuildInfoSource, offset: number, limit: number): GoBuildInfo {
  const f = src.file;
  f.check(offset, 32);
  const ptrSize = f.u8(offset + 14);
  const flags = f.u8(offset + 15);
  const bigEndian = (flags & 1) !== 0;
  if ((flags & 2) !== 0) {
    // Inline strings: varint length + bytes, twice; bounded by the end of the search range.
    const region = f.sub(offset, Math.max(32, limit - offset), 'malformed', '.go.buildinfo');
    const c = new Cursor(region, 32);
    const vlen = c.uvarint();
    const version = decodeText(c.bytes(vlen));
    const mlen = c.uvarint();
    const mod = c.bytes(mlen);
    return finish(version, mod, 'inline', ptrSize === 4 || ptrSize === 8 ? ptrSize : undefined, bigEndian, offset);
  }
  if (ptrSize !== 4 && ptrSize !== 8) throw new MalformedInputError(`build info: pointer size ${ptrSize}`);
  const v = f.withEndian(!bigEndian);
  const versionVa = v.word(offset + 16, ptrSize, 'build info version pointer');
  const modVa = v.word(offset + 16 + ptrSize, ptrSize, 'build info modinfo pointer');
  const readString = (va: number, what: string): Uint8Array => {
    const hdr = src.vaToOffset(va, 2 * ptrSize);
    if (hdr === undefined) throw new MalformedInputError(`build info: ${what} string header at 0x${va.toString(16)} is not mapped`);
    const data = v.word(hdr, ptrSize, 'string data');
    const len = v.word(hdr + ptrSize, ptrSize, 'string length');
    if (len === 0) return new Uint8Array(0);
    if (len > MAX_POINTER_STRING) throw new MalformedInputError(`build info: ${what} length ${len} is implausible`);
    const at = src.vaToOffset(data, len);
    if (at === undefined) throw new MalformedInputError(`build info: ${what} data at 0x${data.toString(16)} is not mapped`);
    return f.slice(at, len);
  };
  const version = decodeText(readString(versionVa, 'version'));
  const mod = readString(modVa, 'modinfo');
  return finish(version, mod, 'pointer', ptrSize, bigEndian, offset);
}

function finish(
  version: string,
  framed: Uint8Array,
  format: 'inline' | 'pointer',
  ptrSize: 4 | 8 | undefined,
  bigEndian: boolean,
  offset: number,
): GoBuildInfo {
  const body = unframeModinfo(framed);
  const info: GoBuildInfo = {
    version: version === '' ? null : version,
    modinfo: body.length > 0 ? parseModInfo(decodeText(body)) : null,
    recovered: false,
    format,
    bigEndian,
    offset,
  };
  if (ptrSize !== undefined) info.ptrSize = ptrSize;
  return info;
}

/**
 * Heuristic recovery when no header exists: the runtime keeps a second copy of the
 * framed modinfo (runtime.modinfo) in read-only data, and runtime.buildVersion is a
 * "go1.N[.P]" string there too. Returns null when not even the sentinels are present.
 */
export function recoverBuildInfo(src: BuildInfoSource): GoBuildInfo | null {
  const f = src.file;
  const start = f.indexOf(INFO_START, 0);
  if (start < 0) return null;
  const end = f.indexOf(INFO_END, start + 16);
  if (end < 0 || end - start > MAX_POINTER_STRING) return null;
  const body = unframeModinfo(f.slice(start, end + 16 - start));
  if (body.length === 0) return null;
  const modinfo = parseModInfo(decodeText(body));
  return { version: findVersionString(src), modinfo, recovered: true, format: 'recovered' };
}

const GO1 = Uint8Array.from([0x67, 0x6f, 0x31, 0x2e]); // "go1."

/** First plausible "go1.N[.P][rcN|betaN]" in read-only data (bounded number of candidates). */
export function findVersionString(src: BuildInfoSource): string | null {
  const f = src.file;
  for (const r of src.rodata) {
    const end = r.offset + r.size;
    let from = r.offset;
    for (let n = 0; n < 100_000 && from < end; n++) {
      const hit = f.indexOf(GO1, from);
      if (hit < 0 || hit >= end) break;
      const text = decodeText(f.slice(hit, Math.min(24, end - hit)));
      const m = /^go1\.\d{1,3}(?:\.\d{1,3})?(?:(?:rc|beta)\d{1,2})?/.exec(text);
      // Go packs string data without separators, so whatever follows may be any byte.
      if (m) return m[0];
      from = hit + 1;
    }
  }
  return null;
}

const decoder = new TextDecoder('utf-8');
function decodeText(b: Uint8Array): string {
  return decoder.decode(b);
}

/** Read build info: header in the preferred ranges, else heuristic recovery, else null. */
export function readBuildInfo(src: BuildInfoSource): GoBuildInfo | null {
  const at = findBuildInfoHeader(src);
  if (at >= 0) {
    const range = src.ranges.find((r) => at >= r.offset && at < r.offset + r.size) as Range;
    return decodeBuildInfoAt(src, at, range.offset + range.size);
  }
  return recoverBuildInfo(src);
}
