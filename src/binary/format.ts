/**
 * Executable format detection from the first bytes (magic numbers):
 * ELF `7F 45 4C 46`; Mach-O `FE ED FA CE/CF` in either byte order; fat Mach-O
 * `CA FE BA BE/BF` (also the Java class magic, so the arch count is validated);
 * PE `MZ` with a `PE\0\0` signature at the offset stored at 0x3C.
 */
export type ExecutableFormat = 'elf' | 'macho' | 'pe' | 'unknown';

export function detectExecutableFormat(bytes: Uint8Array): ExecutableFormat {
  const b = bytes;
  if (b.length >= 4 && b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46) return 'elf';
  if (b.length >= 4) {
    const le = ((b[0] as number) | ((b[1] as number) << 8) | ((b[2] as number) << 16) | ((b[3] as number) << 24)) >>> 0;
    if (le === 0xfeedface || le === 0xfeedfacf || le === 0xcefaedfe || le === 0xcffaedfe) return 'macho';
    if (b[0] === 0xca && b[1] === 0xfe && b[2] === 0xba && (b[3] === 0xbe || b[3] === 0xbf) && b.length >= 8) {
      // Fat header: big-endian nfat_arch. Java class files put the (>= 45) major version here.
      const n = (((b[4] as number) << 24) | ((b[5] as number) << 16) | ((b[6] as number) << 8) | (b[7] as number)) >>> 0;
      if (n > 0 && n < 20) return 'macho';
    }
  }
  if (b.length >= 0x40 && b[0] === 0x4d && b[1] === 0x5a) {
    const off = ((b[0x3c] as number) | ((b[0x3d] as number) << 8) | ((b[0x3e] as number) << 16) | ((b[0x3f] as number) << 24)) >>> 0;
    if (off + 4 <= b.length && b[off] === 0x50 && b[off + 1] === 0x45 && b[off + 2] === 0 && b[off + 3] === 0) return 'pe';
  }
  return 'unknown';
}

/** True when `bytes` is a strict prefix of an ELF magic (too short to decide). */
export function isShortElfPrefix(bytes: Uint8Array): boolean {
  const magic = [0x7f, 0x45, 0x4c, 0x46];
  return bytes.length < 4 && bytes.every((v, i) => v === magic[i]);
}
