/**
 * /etc/ld.so.cache (glibc elf/cache.c, dl-cache.h): the loader's map from soname to path.
 * Only the "new" format is read (glibc >= 2.32 writes only it; older glibc appends it after
 * the old "ld.so-1.7.0" table, so we look for its magic). String offsets in the new format
 * are relative to the start of the new header. Returns soname -> paths; malformed input
 * gives an empty map (the loader would ignore such a cache too, and fall back to its dirs).
 */
const NEW_MAGIC = 'glibc-ld.so.cache1.1';
const HEADER = 48;
const ENTRY = 24;

export function parseLdSoCache(bytes: Uint8Array): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const start = buf.indexOf(NEW_MAGIC, 0, 'latin1');
  if (start < 0 || start + HEADER > buf.length) return out;
  // Byte order is the target's; pick the one that gives a plausible count.
  for (const le of [true, false]) {
    const u32 = (o: number): number => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
    const nlibs = u32(start + 20);
    if (nlibs > (buf.length - start - HEADER) / ENTRY) continue;
    const str = (off: number): string | undefined => {
      const at = start + off;
      if (off === 0 || at >= buf.length) return undefined;
      const end = buf.indexOf(0, at);
      return buf.toString('utf8', at, end < 0 ? buf.length : end);
    };
    let ok = true;
    for (let i = 0; i < nlibs; i++) {
      const e = start + HEADER + i * ENTRY;
      const key = str(u32(e + 4));
      const value = str(u32(e + 8));
      if (key === undefined || value === undefined || !value.startsWith('/')) {
        ok = false;
        break;
      }
      const list = out.get(key) ?? [];
      list.push(value);
      out.set(key, list);
    }
    if (ok) return out;
    out.clear();
  }
  return out;
}
