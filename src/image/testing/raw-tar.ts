/**
 * Test helper: tar bytes written header by header, for archives no tar writer produces
 * (PAX `size=abcde`, 70k PAX paths, 1 MiB GNU long names, 10,000-deep paths, lying sizes).
 * Everything is in memory; callers keep inputs small or stream `rawTarChunks`.
 */
const BLOCK = 512;

export interface RawHeader {
  name: string;
  /** ustar typeflag: '0' file, '2' symlink, '5' dir, 'x' PAX, 'L' GNU long name, ... */
  typeflag?: string;
  /** The size field as written (a number is written in octal; a string verbatim). */
  size?: number | string;
  mode?: number;
  linkname?: string;
  prefix?: string;
}

function put(b: Buffer, text: string, at: number, len: number): void {
  b.write(text.slice(0, len), at, len, 'utf8');
}

/** One 512-byte ustar header with a correct checksum. */
export function tarHeader(h: RawHeader): Buffer {
  const b = Buffer.alloc(BLOCK);
  put(b, h.name, 0, 100);
  put(b, `${(h.mode ?? 0o644).toString(8).padStart(7, '0')}\0`, 100, 8);
  put(b, '0000000\0', 108, 8);
  put(b, '0000000\0', 116, 8);
  const size = h.size ?? 0;
  put(b, typeof size === 'number' ? `${size.toString(8).padStart(11, '0')}\0` : size, 124, 12);
  put(b, '00000000000\0', 136, 12);
  b[156] = (h.typeflag ?? '0').charCodeAt(0);
  put(b, h.linkname ?? '', 157, 100);
  put(b, 'ustar\u000000', 257, 8);
  put(b, h.prefix ?? '', 345, 155);
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += b[i]!;
  put(b, `${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  return b;
}

function padded(data: Buffer): Buffer {
  const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
  return pad === 0 ? data : Buffer.concat([data, Buffer.alloc(pad)]);
}

/** PAX records "LEN key=value\n" (LEN counts itself). */
export function paxData(records: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(records)) {
    const body = ` ${k}=${v}\n`;
    let len = Buffer.byteLength(body) + 1;
    while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
    parts.push(Buffer.from(`${len}${body}`));
  }
  return Buffer.concat(parts);
}

export type RawTarMember =
  | { header: RawHeader; data?: Buffer }
  /** A PAX `x` header (applies to the next member). */
  | { pax: Record<string, string> }
  /** A GNU `L` long-name record (applies to the next member). */
  | { longName: string };

/** The blocks of one member (header, data, padding). */
export function rawTarMember(m: RawTarMember): Buffer {
  if ('pax' in m) {
    const data = paxData(m.pax);
    return Buffer.concat([tarHeader({ name: 'PaxHeaders/x', typeflag: 'x', size: data.length }), padded(data)]);
  }
  if ('longName' in m) {
    const data = Buffer.from(`${m.longName}\0`);
    return Buffer.concat([tarHeader({ name: '././@LongLink', typeflag: 'L', size: data.length }), padded(data)]);
  }
  const data = m.data ?? Buffer.alloc(0);
  return Buffer.concat([tarHeader({ size: data.length, ...m.header }), padded(data)]);
}

/** A whole tar (members then two zero blocks). */
export function rawTar(members: RawTarMember[]): Buffer {
  return Buffer.concat([...members.map(rawTarMember), Buffer.alloc(2 * BLOCK)]);
}
