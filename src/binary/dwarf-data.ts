/**
 * A DWARF section's bytes, uncompressed: as stored, or inflated from a zlib SHF_COMPRESSED section
 * (after its Elf32/64_Chdr) or a legacy `.zdebug_*` (after "ZLIB" and the size). Bounded: a section
 * declaring more than MAX_DWARF_SECTION uncompressed bytes, or one that does not inflate, is undefined.
 */
import { zlibModule } from './builtins.js';
import type { ExeSection } from './exe.js';

export const MAX_DWARF_SECTION = 256 * 1024 * 1024;

/** `stored`: the section's bytes as stored in the file (its fileSize bytes from its offset). */
export function dwarfSectionData(stored: Uint8Array, s: ExeSection): Buffer | undefined {
  if (s.fileSize === 0 || stored.length !== s.fileSize) return undefined;
  const raw = Buffer.from(stored.buffer, stored.byteOffset, s.fileSize);
  if (!s.compressed) return raw;
  const c = s.compression;
  if (!c || (c.kind !== 'zlib' && c.kind !== 'zlib-gnu') || c.uncompressedSize === undefined || c.uncompressedSize > MAX_DWARF_SECTION) return undefined;
  try {
    return zlibModule().inflateSync(raw.subarray(c.headerSize), { maxOutputLength: c.uncompressedSize });
  } catch {
    return undefined;
  }
}
