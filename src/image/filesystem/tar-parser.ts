/**
 * A streaming tar reader for the layer walk's hot path. tar-stream allocates a stream per
 * entry and moves every data chunk through it; on a layer of thousands of files that costs
 * more than gunzip itself. Here file data that nobody asked for is skipped by arithmetic
 * (no copy, no stream), and only requested entries get a Node stream with backpressure.
 *
 * Formats: POSIX.1-1988 ustar (prefix field), POSIX.1-2001 PAX `x` (path, linkpath, size,
 * uid, gid) and `g` headers, GNU `L`/`K` long names, GNU base-256 numbers; header
 * checksums are verified. Link, symlink, device, directory and FIFO headers carry no data
 * (Go archive/tar does the same).
 */
import { Writable } from 'node:stream';
import { LimitExceededError, MalformedInputError, TruncatedInputError } from '../../errors.js';
import { limit } from '../../limits.js';

export interface TarHeader {
  name: string;
  /** ustar typeflag character ('0' file, '1' link, '2' symlink, '5' dir, ...). */
  typeflag: string;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  linkname: string;
}

/** Receives one entry's data. Promises are awaited (backpressure); plain returns cost nothing. */
export interface TarDataSink {
  write(chunk: Buffer): void | Promise<void>;
  end(): void | Promise<void>;
}

/** Per entry: return a sink to receive its data, or undefined to skip it. */
export type TarEntryHandler = (header: TarHeader) => TarDataSink | undefined | Promise<TarDataSink | undefined>;

const BLOCK = 512;

/**
 * Refuse a PAX `x`/`g` or GNU `L`/`K` record over tar.paxHeaderSize before its bytes are kept
 * (its data is held until the entry it describes).
 */
export function checkMetaSize(typeflag: string, size: number): void {
  const max = limit('tar.paxHeaderSize');
  if (size > max) {
    throw new LimitExceededError('tar.paxHeaderSize', max, `tar: ${typeflag} header record of ${size} bytes, over the tar.paxHeaderSize limit of ${max}`, {
      actual: size,
      details: { typeflag },
    });
  }
}

/**
 * Refuse an entry name (or link target) longer than tar.pathLength bytes or deeper than
 * tar.pathDepth components: only hostile archives have them (10,000-deep directories, 70k PAX
 * paths, 1 MiB GNU long names), and what reads them (a map of paths, an unpacker) pays per byte.
 * Cheap on the hot path: short names (almost all) are let through by their length alone.
 */
export function checkEntryName(name: string, what: 'path' | 'linkpath'): void {
  const maxLength = limit('tar.pathLength');
  const maxDepth = limit('tar.pathDepth');
  // UTF-8 takes at most 3 bytes per UTF-16 unit; a component takes at least 2 characters with its slash.
  if (name.length * 3 <= maxLength && name.length < 2 * maxDepth) return;
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > maxLength) {
    throw new LimitExceededError('tar.pathLength', maxLength, `tar: an entry ${what} of ${bytes} bytes, over the tar.pathLength limit of ${maxLength}`, {
      actual: bytes,
      details: { field: what, start: name.slice(0, 100) },
    });
  }
  let depth = 1;
  for (let i = 0; i < name.length; i++) if (name.charCodeAt(i) === 0x2f && i + 1 < name.length && name.charCodeAt(i + 1) !== 0x2f) depth++;
  if (depth > maxDepth) {
    throw new LimitExceededError('tar.pathDepth', maxDepth, `tar: an entry ${what} ${depth} components deep, over the tar.pathDepth limit of ${maxDepth}`, {
      actual: depth,
      details: { field: what, start: name.slice(0, 100) },
    });
  }
}

/** Refuse an archive with more entries than tar.entries (counted without PAX/GNU meta headers). */
export function checkEntryCount(count: number): void {
  const max = limit('tar.entries');
  if (count > max) throw new LimitExceededError('tar.entries', max, `tar: more than ${max} entries`, { actual: count });
}

function cstr(buf: Buffer, start: number, end: number): string {
  let e = start;
  while (e < end && buf[e] !== 0) e++;
  return buf.toString('utf8', start, e);
}

function num(buf: Buffer, start: number, end: number, what: string): number {
  const first = buf[start] ?? 0;
  if ((first & 0x80) !== 0) {
    let v = BigInt(first & 0x7f);
    for (let i = start + 1; i < end; i++) v = (v << 8n) | BigInt(buf[i] ?? 0);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new MalformedInputError(`tar: ${what} out of range`);
    return Number(v);
  }
  let v = 0;
  let seen = false;
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (c === 0) break;
    if (c === 0x20) {
      if (seen) break;
      continue;
    }
    if (c < 0x30 || c > 0x37) throw new MalformedInputError(`tar: ${what} is not octal`);
    v = v * 8 + (c - 0x30);
    seen = true;
  }
  if (!Number.isSafeInteger(v)) throw new MalformedInputError(`tar: ${what} out of range`);
  return v;
}

function isZeroBlock(b: Buffer): boolean {
  for (let i = 0; i < BLOCK; i++) if (b[i] !== 0) return false;
  return true;
}

function checksum(b: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : b[i]!;
  return sum === num(b, 148, 156, 'checksum');
}

function parsePax(data: Buffer, into: Map<string, string>): void {
  let i = 0;
  while (i < data.length) {
    const sp = data.indexOf(0x20, i);
    if (sp < 0) break;
    const len = Number.parseInt(data.toString('ascii', i, sp), 10);
    if (!Number.isSafeInteger(len) || len <= 0 || i + len > data.length) throw new MalformedInputError('tar: bad PAX record');
    const rec = data.toString('utf8', sp + 1, i + len - 1);
    const eq = rec.indexOf('=');
    if (eq > 0) into.set(rec.slice(0, eq), rec.slice(eq + 1));
    i += len;
  }
}

type State = 'header' | 'data' | 'meta' | 'padding' | 'done';

export class TarParser extends Writable {
  private state: State = 'header';
  private carry: Buffer | undefined;
  /** Data bytes (then padding bytes) left in the current entry. */
  private remaining = 0;
  private padding = 0;
  private sink: TarDataSink | undefined;
  private metaType = '';
  private meta: Buffer[] = [];
  private paxLocal = new Map<string, string>();
  private readonly paxGlobal = new Map<string, string>();
  private longName: string | undefined;
  private longLink: string | undefined;
  private zeroBlocks = 0;
  entries = 0;
  private readonly maxEntries = limit('tar.entries');

  constructor(private readonly onEntry: TarEntryHandler) {
    super({ highWaterMark: 1 << 20 });
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.consume(chunk).then(() => cb(), (err: Error) => cb(err));
  }

  override _final(cb: (err?: Error | null) => void): void {
    try {
      this.endInput();
      cb();
    } catch (err) {
      cb(err as Error);
    }
  }

  /**
   * Without the stream machinery (for sources whose chunks live in reused buffers): parse one
   * chunk. The chunk is not referenced once the promise settles (headers are copied into
   * strings, partial blocks into `carry`, and sinks get subarrays they must copy to keep).
   */
  feed(chunk: Buffer): Promise<void> {
    return this.consume(chunk);
  }

  /** End of input: throws E_TRUNCATED when the archive stops inside a header or an entry. */
  endInput(): void {
    if (this.state === 'done' || (this.state === 'header' && (this.carry?.length ?? 0) === 0)) return;
    throw new TruncatedInputError(`tar stream ends inside ${this.state === 'header' ? 'a header' : 'an entry'}`);
  }

  private async consume(input: Buffer): Promise<void> {
    const chunk = input;
    let off = 0;
    while (off < chunk.length) {
      switch (this.state) {
        case 'done':
          return; // bytes after the end-of-archive marker are ignored
        case 'header': {
          let block: Buffer;
          if (this.carry !== undefined || chunk.length - off < BLOCK) {
            const need = BLOCK - (this.carry?.length ?? 0);
            const take = chunk.subarray(off, off + need);
            this.carry = this.carry ? Buffer.concat([this.carry, take]) : Buffer.from(take);
            off += take.length;
            if (this.carry.length < BLOCK) return;
            block = this.carry;
            this.carry = undefined;
          } else {
            block = chunk.subarray(off, off + BLOCK);
            off += BLOCK;
          }
          // Awaited only when something is asynchronous: a microtask per header adds up.
          const pending = this.header(block);
          if (pending !== undefined) await pending;
          break;
        }
        case 'meta':
        case 'data': {
          const n = Math.min(this.remaining, chunk.length - off);
          if (this.state === 'meta') {
            this.meta.push(Buffer.from(chunk.subarray(off, off + n)));
          } else if (this.sink !== undefined && n > 0) {
            const pending = this.sink.write(chunk.subarray(off, off + n));
            if (pending !== undefined) await pending;
          }
          off += n;
          this.remaining -= n;
          if (this.remaining === 0) {
            const pending = this.endData();
            if (pending !== undefined) await pending;
          }
          break;
        }
        case 'padding': {
          const n = Math.min(this.padding, chunk.length - off);
          off += n;
          this.padding -= n;
          if (this.padding === 0) this.state = 'header';
          break;
        }
      }
    }
  }

  private header(block: Buffer): Promise<void> | undefined {
    if (isZeroBlock(block)) {
      // Two zero blocks end the archive; tolerate one (some writers) at the very end.
      if (++this.zeroBlocks >= 2) this.state = 'done';
      return undefined;
    }
    this.zeroBlocks = 0;
    if (!checksum(block)) throw new MalformedInputError(`tar: bad header checksum (entry ${this.entries + 1})`);
    const typeflag = String.fromCharCode(block[156]!);
    let size = num(block, 124, 136, 'size');
    if (typeflag === 'x' || typeflag === 'g' || typeflag === 'L' || typeflag === 'K') {
      checkMetaSize(typeflag, size);
      this.metaType = typeflag;
      this.meta = [];
      this.startData(size, 'meta');
      return undefined;
    }
    if (++this.entries > this.maxEntries) checkEntryCount(this.entries);
    let name = cstr(block, 0, 100);
    if (block.toString('latin1', 257, 263) === 'ustar\0') {
      const prefix = cstr(block, 345, 500);
      if (prefix) name = `${prefix}/${name}`;
    }
    let linkname = cstr(block, 157, 257);
    let uid = num(block, 108, 116, 'uid');
    let gid = num(block, 116, 124, 'gid');
    const pax = this.paxLocal.size > 0 || this.paxGlobal.size > 0 ? new Map([...this.paxGlobal, ...this.paxLocal]) : undefined;
    if (this.longName !== undefined) name = this.longName;
    if (this.longLink !== undefined) linkname = this.longLink;
    if (pax !== undefined) {
      name = pax.get('path') ?? name;
      linkname = pax.get('linkpath') ?? linkname;
      const s = pax.get('size');
      if (s !== undefined) size = paxNumber(s, 'size');
      const u = pax.get('uid');
      if (u !== undefined) uid = paxNumber(u, 'uid');
      const g = pax.get('gid');
      if (g !== undefined) gid = paxNumber(g, 'gid');
    }
    this.longName = this.longLink = undefined;
    if (this.paxLocal.size > 0) this.paxLocal = new Map();
    checkEntryName(name, 'path');
    if (linkname.length > 0) checkEntryName(linkname, 'linkpath');
    if ('123456'.includes(typeflag)) size = 0;
    const header: TarHeader = { name, typeflag, size, mode: num(block, 100, 108, 'mode'), uid, gid, linkname };
    const sink = this.onEntry(header);
    if (sink instanceof Promise) return sink.then((s) => this.startEntry(s, size));
    return this.startEntry(sink, size);
  }

  private startEntry(sink: TarDataSink | undefined, size: number): Promise<void> | undefined {
    this.sink = sink;
    this.startData(size, 'data');
    return size === 0 ? this.endData() : undefined;
  }

  private startData(size: number, state: 'data' | 'meta'): void {
    this.remaining = size;
    this.padding = (BLOCK - (size % BLOCK)) % BLOCK;
    this.state = size === 0 ? (this.padding > 0 ? 'padding' : 'header') : state;
    if (size === 0 && state === 'meta') this.finishMeta();
  }

  private finishMeta(): void {
    const data = Buffer.concat(this.meta);
    this.meta = [];
    if (this.metaType === 'x') parsePax(data, this.paxLocal);
    else if (this.metaType === 'g') parsePax(data, this.paxGlobal);
    else if (this.metaType === 'L') this.longName = cstr(data, 0, data.length);
    else this.longLink = cstr(data, 0, data.length);
  }

  private endData(): Promise<void> | undefined {
    let pending: void | Promise<void> = undefined;
    if (this.state === 'meta') {
      this.finishMeta();
    } else if (this.sink !== undefined) {
      const sink = this.sink;
      this.sink = undefined;
      pending = sink.end();
    }
    const next = (): void => {
      this.state = this.padding > 0 ? 'padding' : 'header';
    };
    if (pending instanceof Promise) return pending.then(next);
    next();
    return undefined;
  }
}

/**
 * A PAX decimal field (size, uid, gid): digits only, as Go's archive/tar reads them
 * (strconv.ParseInt); "abcde", "1.5", "-1", "" and values past 2^53 are malformed.
 */
export function paxNumber(text: string, what: string): number {
  if (!/^[0-9]{1,16}$/.test(text)) {
    throw new MalformedInputError(`tar: PAX ${what} is not a decimal number: ${JSON.stringify(text.slice(0, 40))}`, { details: { field: `pax ${what}` } });
  }
  const v = Number(text);
  if (!Number.isSafeInteger(v)) throw new MalformedInputError(`tar: PAX ${what} out of range: ${text}`, { details: { field: `pax ${what}` } });
  return v;
}
