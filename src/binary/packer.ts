/**
 * Executable packers: a UPX-packed program is a small loader plus the compressed program, which
 * it decompresses into memory at every start. Its sections, build info and pclntab are inside
 * the compressed part, so the analysis sees none of them; this says so, with what UPX records.
 *
 * UPX ends a packed file with its PackHeader (upx/upx src/packhead.cpp, putPackHeader): the
 * magic `UPX!`, version, format, method, level, then for version 10+ and the 32-byte layout of
 * every format but DOS: the uncompressed and compressed lengths and the original file's size,
 * and a checksum byte (the sum of bytes 4-30 modulo 251). Only a header whose checksum matches,
 * in the file's last KiB, counts, so a `UPX!` string elsewhere in a program is not a packer.
 *
 * UPX's release is not in the PackHeader (its `version` is the header's format, 14 for UPX 4): the
 * loader UPX appends carries an ident, `$Id: UPX 4.23 Copyright ...` (src/packer.cpp, getIdentstr;
 * UPX_VERSION_STRING4, "4.23" for 4.2.3), 2,427 bytes before the end of the fixture. Only looked
 * for in the last PACKER_TAIL bytes once the header is found; the short ident has no release.
 */
import type { PackedInfo } from './types.js';

const MAGIC = [0x55, 0x50, 0x58, 0x21]; // "UPX!"
const HEADER = 32;
/** UPX writes its header within the last bytes of the file (ELF: the last 36). */
const TAIL = 1024;
/** The bytes from the end of a file detectPacker reads (header and loader ident). */
export const PACKER_TAIL = 8 * 1024;
const IDENT = Buffer.from('$Id: UPX ', 'latin1');

/** UPX format numbers (src/conf.h) goslim names; others are reported by number. */
const FORMATS: Record<number, string> = {
  9: 'win32/pe',
  10: 'linux/i386',
  12: 'linux/elf-i386',
  22: 'linux/elf64-amd64',
  23: 'linux/elf32-arm',
  29: 'macho/i386',
  30: 'linux/elf32-mipsel',
  34: 'macho/amd64',
  36: 'win64/pe',
  37: 'macho/arm64',
  39: 'linux/elf64-ppc64le',
  42: 'linux/elf64-arm64',
  132: 'linux/elf32-ppc32',
  133: 'linux/elf32-armeb',
  137: 'linux/elf32-mips',
};

/** Compression methods (src/conf.h M_*) by number. */
const METHODS: Record<number, string> = { 2: 'nrv2b', 3: 'nrv2b', 4: 'nrv2b', 5: 'nrv2d', 6: 'nrv2d', 7: 'nrv2d', 8: 'nrv2e', 9: 'nrv2e', 10: 'nrv2e', 14: 'lzma', 15: 'deflate' };

function u32(b: Uint8Array, at: number, little: boolean): number {
  return little ? (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0 : ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

/** UPX's release from its loader's ident (`4.23`), or null. */
function upxRelease(bytes: Uint8Array): string | null {
  const tail = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).subarray(Math.max(0, bytes.length - PACKER_TAIL));
  const at = tail.lastIndexOf(IDENT);
  if (at < 0) return null;
  const release = tail.subarray(at + IDENT.length, at + IDENT.length + 4).toString('latin1');
  return /^\d\.\d\d$/.test(release) ? release : null;
}

/** What packed a file, as reports name it: `UPX 4.23`, or `UPX` when its loader names no release. */
export function packerName(p: Pick<PackedInfo, 'packer' | 'release'>): string {
  return `${p.packer.toUpperCase()}${p.release !== null ? ` ${p.release}` : ''}`;
}

/**
 * The packer a file's tail names, or null (not packed, or by nothing goslim knows). Only the last
 * PACKER_TAIL bytes are read: the file's tail is enough.
 */
export function detectPacker(bytes: Uint8Array): PackedInfo | null {
  const from = Math.max(0, bytes.length - TAIL);
  // The last header in the tail: UPX writes the PackHeader after everything else.
  for (let at = bytes.length - HEADER; at >= from; at--) {
    if (bytes[at] !== MAGIC[0] || bytes[at + 1] !== MAGIC[1] || bytes[at + 2] !== MAGIC[2] || bytes[at + 3] !== MAGIC[3]) continue;
    const version = bytes[at + 4]!;
    const format = bytes[at + 5]!;
    if (version < 10 || format <= 3 || format === 7) continue; // older or DOS layouts: not a 32-byte header
    let sum = 0;
    for (let k = 4; k < HEADER - 1; k++) sum += bytes[at + k]!;
    if (sum % 251 !== bytes[at + HEADER - 1]) continue;
    const little = format < 128;
    // Little-endian formats: u_adler 8, c_adler 12, u_len 16, c_len 20, u_file_size 24; big-endian:
    // u_len 8, c_len 12, u_adler 16, c_adler 20, u_file_size 24.
    const method = bytes[at + 6]!;
    return {
      packer: 'upx',
      version,
      release: upxRelease(bytes),
      format: FORMATS[format] ?? `format ${format}`,
      method: METHODS[method] ?? `method ${method}`,
      level: bytes[at + 7]!,
      unpackedSize: u32(bytes, at + 24, little),
      compressedSize: u32(bytes, at + (little ? 20 : 12), little),
    };
  }
  return null;
}
