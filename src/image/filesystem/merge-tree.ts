/**
 * The merged (union) filesystem of an image, fed layer by layer with entries and
 * whiteouts. Pure: no I/O. Memory is proportional to the number of paths, and small per path.
 *
 * Byte accounting works on *data units*: every regular file's data written by a layer is
 * one unit; hardlinks in the same layer share their target's unit. A unit is visible while
 * at least one surviving path refers to it. Then:
 *   written = sum of all units' sizes (every byte any layer stored),
 *   visible = sum of visible units' sizes (the final filesystem, each inode once),
 *   wasted  = written - visible, efficiency = visible / written.
 * So the surviving copy of a path is never waste (unlike dive#684), opaque whiteouts hide
 * lower data (dive ignores them), and a hardlink to a file from a lower layer costs a full
 * copy in the linking layer (overlayfs copy-up, moby#48140).
 *
 * Layout (issue 11: a layer of 2 million empty files took over 900 MB as one object, one path
 * string and two map entries per file): paths are nodes numbered in creation order, their
 * fields in typed-array columns, off the V8 heap (parent, name, first child / next sibling,
 * type, layer, an index into a table of distinct mode/uid/gid triples, size, data unit).
 * Names are interned once each in a byte arena; one open-addressing hash table maps
 * (parent, name) to a node, which is the whole path index; a directory's children are a
 * chain through the nodes. Directories named only as parents of other paths are "implicit"
 * nodes, invisible in the result. Only files with data have a data unit. The result's
 * `files` is a read-only Map view that builds a MergedFile for each path it hands out
 * (see MergedFiles).
 */
import { InternalError, LimitExceededError } from '../../errors.js';
import { limit } from '../../limits.js';
import type { Anomaly } from './walk.js';
import type { EntryType, LayerEntry, LayerSummary, MergedFile, WastedSummary, Whiteout } from './types.js';

export interface MergedTotals {
  /** Bytes of file data stored by all layers (each unit once). */
  writtenBytes: number;
  /** Bytes of file data visible in the final filesystem (each inode once). */
  visibleBytes: number;
  /** Visible paths (files, dirs, links, ...). */
  paths: number;
}

export interface MergedTreeResult {
  files: MergedFiles;
  layers: LayerSummary[];
  wasted: WastedSummary;
  totals: MergedTotals;
  anomalies: Anomaly[];
  anomalyCount: number;
}

/** Only the first anomalies are kept (a hostile layer could have millions). */
const MAX_ANOMALIES = 200;

/** Node kinds in the type column: 0 removed, 1 implicit directory, then the entry types. */
const DEAD = 0;
const IMPLICIT = 1;
const TYPES: EntryType[] = ['other', 'other', 'file', 'dir', 'symlink', 'hardlink', 'char', 'block', 'fifo', 'other'];
const TYPE_CODE: Record<EntryType, number> = { file: 2, dir: 3, symlink: 4, hardlink: 5, char: 6, block: 7, fifo: 8, other: 9 };
const FILE = 2;
const DIR = 3;
const HARDLINK = 5;
const ROOT = 0;
const NONE = -1;
const BIG_SIZE = 0xffffffff;
const EMPTY = -1;
const TOMB = -2;
/** Name arena chunks: 1 MiB each. */
const CHUNK_BITS = 20;
const CHUNK = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK - 1;
const MAX_NAME = 0xffff;
/** Node column pages: 64 Ki entries. */
const PAGE_BITS = 16;
const PAGE = 1 << PAGE_BITS;
const PAGE_MASK = PAGE - 1;

function grow<T extends Int32Array | Uint32Array | Uint16Array | Uint8Array | Float64Array>(a: T, need: number): T {
  if (need <= a.length) return a;
  const next = new (a.constructor as new (n: number) => T)(Math.max(need, Math.ceil(a.length * 1.5)));
  next.set(a);
  return next;
}

/**
 * A column of numbers in pages of 64 Ki entries: growing adds a page and never copies, so no
 * outgrown array waits for the garbage collector (with millions of paths those made the peak).
 */
class Paged {
  private readonly pages: Array<Int32Array | Uint32Array | Uint16Array | Uint8Array> = [];
  constructor(private readonly make: new (n: number) => Int32Array | Uint32Array | Uint16Array | Uint8Array) {}
  addPage(): void {
    this.pages.push(new this.make(PAGE));
  }
  get(id: number): number {
    return this.pages[id >>> PAGE_BITS]![id & PAGE_MASK]!;
  }
  set(id: number, v: number): void {
    this.pages[id >>> PAGE_BITS]![id & PAGE_MASK] = v;
  }
}

/** Column storage for nodes and units (kept apart from the tree logic). */
class Columns {
  count = 0;
  parent = new Paged(Int32Array);
  /** The node's name: an interned name in `arena` (see commitName). */
  nameOff = new Paged(Uint32Array);
  /** Children of a directory node: a chain firstChild -> nextSibling (removed nodes are skipped and unchained lazily). */
  firstChild = new Paged(Int32Array);
  nextSibling = new Paged(Int32Array);
  type = new Paged(Uint8Array);
  layer = new Paged(Uint16Array);
  /** Index into the (mode, uid, gid) table: a few distinct triples serve every path. */
  meta = new Paged(Uint32Array);
  /** Size in bytes; BIG_SIZE means "see bigSize" (files of 4 GiB and more). */
  size32 = new Paged(Uint32Array);
  unit = new Paged(Int32Array);
  /** Set by finish(): from then on `unit` holds a node's charged unit only. */
  finished = false;
  /** Symlink and hardlink targets. */
  readonly linkname = new Map<number, string>();
  readonly bigSize = new Map<number, number>();
  readonly metaMode: number[] = [];
  readonly metaUid: number[] = [];
  readonly metaGid: number[] = [];
  private readonly metaIndex = new Map<number, Map<number, number>>();
  private lastMeta = -1;
  /** Every node's name, back to back. */
  private readonly arena: Buffer[] = [Buffer.allocUnsafe(CHUNK)];
  /** Where the next name goes: chunk index << CHUNK_BITS | offset (names never span chunks, so the arena never moves). */
  arenaEnd = 0;
  /**
   * Open-addressing hash table (linear probing) of every linked node by (parent, name): the
   * path index. Slots hold node ids, EMPTY or TOMB; keys live in the columns.
   */
  table = new Int32Array(2048).fill(EMPTY);
  tableLive = 0;
  tableUsed = 0;

  // units
  units = 0;
  unitSize = new Float64Array(256);
  unitRefs = new Int32Array(256);
  unitLayer = new Uint16Array(256);
  unitModified = new Uint8Array(256);

  add(parent: number, nameOff: number, type: number): number {
    const id = this.count++;
    if ((id & PAGE_MASK) === 0) {
      for (const col of [this.parent, this.nameOff, this.firstChild, this.nextSibling, this.type, this.layer, this.meta, this.size32, this.unit]) col.addPage();
    }
    this.parent.set(id, parent);
    this.nameOff.set(id, nameOff);
    this.firstChild.set(id, NONE);
    this.nextSibling.set(id, NONE);
    this.type.set(id, type);
    this.layer.set(id, 0);
    this.meta.set(id, 0);
    this.size32.set(id, 0);
    this.unit.set(id, NONE);
    return id;
  }

  addUnit(layer: number, size: number, refs: number, modified: boolean): number {
    const u = this.units++;
    if (u >= this.unitSize.length) {
      this.unitSize = grow(this.unitSize, u + 1);
      this.unitRefs = grow(this.unitRefs, u + 1);
      this.unitLayer = grow(this.unitLayer, u + 1);
      this.unitModified = grow(this.unitModified, u + 1);
    }
    this.unitSize[u] = size;
    this.unitRefs[u] = refs;
    this.unitLayer[u] = layer;
    this.unitModified[u] = modified ? 1 : 0;
    return u;
  }

  setMeta(id: number, mode: number, uid: number, gid: number): void {
    const last = this.lastMeta;
    if (last >= 0 && this.metaMode[last] === mode && this.metaUid[last] === uid && this.metaGid[last] === gid) {
      this.meta.set(id, last);
      return;
    }
    // Keyed by gid, then uid and mode in one safe integer when they fit (always, in real tars).
    const key = uid < 2 ** 32 && mode < 2 ** 21 ? uid * 2 ** 21 + mode : -1 - this.metaMode.length;
    let byGid = this.metaIndex.get(gid);
    if (byGid === undefined) {
      byGid = new Map();
      this.metaIndex.set(gid, byGid);
    }
    let m = byGid.get(key);
    if (m === undefined) {
      m = this.metaMode.length;
      this.metaMode.push(mode);
      this.metaUid.push(uid);
      this.metaGid.push(gid);
      byGid.set(key, m);
    }
    this.lastMeta = m;
    this.meta.set(id, m);
  }

  setSize(id: number, size: number): void {
    if (size < BIG_SIZE) {
      this.size32.set(id, size);
    } else {
      this.size32.set(id, BIG_SIZE);
      this.bigSize.set(id, size);
    }
  }

  sizeOf(id: number): number {
    const s = this.size32.get(id);
    return s === BIG_SIZE ? (this.bigSize.get(id) ?? 0) : s;
  }

  visible(id: number): boolean {
    const t = this.type.get(id);
    return t !== DEAD && t !== IMPLICIT;
  }

  nameOf(id: number): string {
    const off = this.nameOff.get(id);
    const a = this.arena[off >>> CHUNK_BITS]!;
    const o = off & CHUNK_MASK;
    return a.toString('utf8', o, o + (a[o - 2]! | (a[o - 1]! << 8)));
  }

  private lastParent = NONE;
  private lastParentPath = '';

  /** The node's path (iteration goes by id, so consecutive siblings reuse their parent's path). */
  pathOf(id: number): string {
    const parent = this.parent.get(id);
    if (parent === ROOT) return this.nameOf(id);
    if (parent !== this.lastParent) {
      let p = this.nameOf(parent);
      for (let n = this.parent.get(parent); n !== ROOT; n = this.parent.get(n)) p = `${this.nameOf(n)}/${p}`;
      this.lastParent = parent;
      this.lastParentPath = p;
    }
    return `${this.lastParentPath}/${this.nameOf(id)}`;
  }

  // ---- names and the path index

  /** Distinct names, each once in the arena as [length: 2 bytes LE][UTF-8 bytes]; slots hold offsets of the bytes. */
  private names = new Int32Array(1024).fill(EMPTY);
  private nameCount = 0;

  /**
   * Write `name` past the arena's end without keeping it (findName/commitName use it); returns
   * its byte length, or -1 for a name over 65,535 bytes (the walk refuses names over
   * tar.pathLength long before: such a name is in no tree).
   */
  stage(name: string): number {
    if (name.length * 3 > MAX_NAME && Buffer.byteLength(name) > MAX_NAME) return -1;
    let local = this.arenaEnd & CHUNK_MASK;
    if (local + 2 + name.length * 3 > CHUNK) {
      // Next chunk (the rest of this one stays unused): old chunks are never copied.
      this.arena.push(Buffer.allocUnsafe(CHUNK));
      this.arenaEnd = (this.arena.length - 1) * CHUNK;
      local = 0;
    }
    return this.arena[this.arena.length - 1]!.write(name, local + 2, 'utf8');
  }

  private nameHash(a: Buffer, o: number, len: number): number {
    let h = 0x811c9dc5 ^ len;
    for (let i = o; i < o + len; i++) h = Math.imul(h ^ a[i]!, 0x01000193);
    return (h ^ (h >>> 15)) >>> 0;
  }

  /** The slot of table `t` holding the name of `len` bytes at global offset `off`, or the empty slot where it goes. */
  private nameSlot(t: Int32Array, off: number, len: number): number {
    const a = this.arena[off >>> CHUNK_BITS]!;
    const at = off & CHUNK_MASK;
    const mask = t.length - 1;
    outer: for (let i = this.nameHash(a, at, len) & mask; ; i = (i + 1) & mask) {
      const g = t[i]!;
      if (g === EMPTY) return i;
      const b = this.arena[g >>> CHUNK_BITS]!;
      const o = g & CHUNK_MASK;
      if ((b[o - 2]! | (b[o - 1]! << 8)) !== len) continue;
      for (let j = 0; j < len; j++) if (b[o + j] !== a[at + j]) continue outer;
      return i;
    }
  }

  private lengthAt(off: number): number {
    const a = this.arena[off >>> CHUNK_BITS]!;
    const o = off & CHUNK_MASK;
    return a[o - 2]! | (a[o - 1]! << 8);
  }

  /** The interned offset of the staged name of `len` bytes, or NONE. */
  findName(len: number): number {
    if (len < 0) return NONE;
    const o = this.names[this.nameSlot(this.names, this.arenaEnd + 2, len)]!;
    return o === EMPTY ? NONE : o;
  }

  /** Keep the staged name (not yet interned) and return its offset. */
  commitName(len: number): number {
    if (len < 0) throw new LimitExceededError('tar.pathLength', limit('tar.pathLength'), 'a path component over 65,535 bytes');
    const a = this.arena[this.arena.length - 1]!;
    const local = this.arenaEnd & CHUNK_MASK;
    a[local] = len & 0xff;
    a[local + 1] = len >>> 8;
    const off = this.arenaEnd + 2;
    this.arenaEnd = off + len;
    if ((this.nameCount + 1) * 2 > this.names.length) {
      const next = new Int32Array(this.names.length * 2).fill(EMPTY);
      for (const o of this.names) if (o !== EMPTY) next[this.nameSlot(next, o, this.lengthAt(o))] = o;
      this.names = next;
    }
    this.names[this.nameSlot(this.names, off, len)] = off;
    this.nameCount++;
    return off;
  }

  private hash(parent: number, nameOff: number): number {
    const h = Math.imul(parent ^ 0x5bd1e995, 0x9e3779b1) ^ Math.imul(nameOff, 0x85ebca77);
    return (h ^ (h >>> 15)) >>> 0;
  }

  /** The linked node with interned name `nameOff` under `parent`, or NONE. */
  lookup(parent: number, nameOff: number): number {
    const t = this.table;
    const mask = t.length - 1;
    for (let i = this.hash(parent, nameOff) & mask; ; i = (i + 1) & mask) {
      const id = t[i]!;
      if (id === EMPTY) return NONE;
      if (id !== TOMB && this.parent.get(id) === parent && this.nameOff.get(id) === nameOff) return id;
    }
  }

  /** Add `id` to the path index and to its parent's children. */
  link(id: number): void {
    if ((this.tableUsed + 1) * 4 > this.table.length * 3) this.rehash();
    this.place(this.table, id);
    this.tableLive++;
    this.tableUsed++;
    const parent = this.parent.get(id);
    this.nextSibling.set(id, this.firstChild.get(parent));
    this.firstChild.set(parent, id);
  }

  private place(t: Int32Array, id: number): void {
    const mask = t.length - 1;
    let i = this.hash(this.parent.get(id), this.nameOff.get(id)) & mask;
    while (t[i] !== EMPTY && t[i] !== TOMB) i = (i + 1) & mask;
    t[i] = id;
  }

  /** Take `id` out of the path index (its parent's chain drops it lazily, see children()). */
  unindex(id: number): void {
    const t = this.table;
    const mask = t.length - 1;
    for (let i = this.hash(this.parent.get(id), this.nameOff.get(id)) & mask; ; i = (i + 1) & mask) {
      const slot = t[i]!;
      if (slot === EMPTY) return;
      if (slot === id) {
        t[i] = TOMB;
        this.tableLive--;
        return;
      }
    }
  }

  private rehash(): void {
    const size = Math.max(2048, 2 ** Math.ceil(Math.log2((this.tableLive + 1) * 2))); // load at most 1/2 after, 3/4 before
    const next = new Int32Array(size).fill(EMPTY);
    for (const id of this.table) if (id >= 0) this.place(next, id);
    this.table = next;
    this.tableUsed = this.tableLive;
  }

  /** The live children of directory node `dir` (its chain is cleaned of removed nodes on the way). */
  children(dir: number): number[] {
    const out: number[] = [];
    let prev = NONE;
    for (let k = this.firstChild.get(dir); k !== NONE; ) {
      const next = this.nextSibling.get(k);
      if (this.type.get(k) === DEAD || this.parent.get(k) !== dir) {
        if (prev === NONE) this.firstChild.set(dir, next);
        else this.nextSibling.set(prev, next);
      } else {
        out.push(k);
        prev = k;
      }
      k = next;
    }
    return out;
  }

  file(id: number, path: string): MergedFile {
    const m = this.meta.get(id);
    const f: MergedFile = {
      path,
      type: TYPES[this.type.get(id)]!,
      size: this.sizeOf(id),
      mode: this.metaMode[m]!,
      uid: this.metaUid[m]!,
      gid: this.metaGid[m]!,
      layer: this.layer.get(id),
      charged: this.finished && this.unit.get(id) !== NONE ? this.unitSize[this.unit.get(id)]! : 0,
    };
    const link = this.linkname.get(id);
    if (link !== undefined) f.linkname = link;
    return f;
  }
}

/**
 * The final filesystem as a read-only Map from path to MergedFile, in creation order. Each
 * lookup or iteration step builds a fresh MergedFile from the columns (a few hundred bytes
 * that live as long as the caller keeps them): keep what you need, not the whole map's worth.
 */
export class MergedFiles implements ReadonlyMap<string, MergedFile> {
  constructor(
    private readonly c: Columns,
    private readonly lookup: (path: string) => number,
    readonly size: number,
  ) {}

  get(path: string): MergedFile | undefined {
    const id = this.lookup(path);
    return id === NONE || !this.c.visible(id) ? undefined : this.c.file(id, path);
  }

  has(path: string): boolean {
    const id = this.lookup(path);
    return id !== NONE && this.c.visible(id);
  }

  *entries(): MapIterator<[string, MergedFile]> {
    const c = this.c;
    for (let id = 1; id < c.count; id++) {
      if (!c.visible(id)) continue;
      const path = c.pathOf(id);
      yield [path, c.file(id, path)];
    }
  }

  *keys(): MapIterator<string> {
    const c = this.c;
    for (let id = 1; id < c.count; id++) if (c.visible(id)) yield c.pathOf(id);
  }

  *values(): MapIterator<MergedFile> {
    const c = this.c;
    for (let id = 1; id < c.count; id++) if (c.visible(id)) yield c.file(id, c.pathOf(id));
  }

  [Symbol.iterator](): MapIterator<[string, MergedFile]> {
    return this.entries();
  }

  forEach(fn: (value: MergedFile, key: string, map: ReadonlyMap<string, MergedFile>) => void, thisArg?: unknown): void {
    for (const [k, v] of this.entries()) fn.call(thisArg, v, k, this);
  }

  get [Symbol.toStringTag](): string {
    return 'MergedFiles';
  }
}

export class MergedTree {
  private readonly c = new Columns();
  private readonly summaries: LayerSummary[] = [];
  private readonly anomalies: Anomaly[] = [];
  private anomalyCount = 0;
  private current: LayerSummary | undefined;
  private visibleCount = 0;
  private written = 0;
  private lastDir = '';
  private lastDirId = NONE;

  constructor() {
    this.c.add(ROOT, this.c.commitName(this.c.stage('')), IMPLICIT); // the root directory, node 0
  }

  beginLayer(index: number): void {
    this.current = { index, added: 0, modified: 0, deleted: 0, deletedBytes: 0, files: 0 };
    this.summaries[index] = this.current;
  }

  private layer(index: number): LayerSummary {
    const s = this.summaries[index];
    if (s === undefined) throw new InternalError(`MergedTree: layer ${index} was not begun`);
    return s;
  }

  addAnomaly(a: Anomaly): void {
    this.anomalyCount++;
    if (this.anomalies.length < MAX_ANOMALIES) this.anomalies.push(a);
  }

  /** The linked node called `name` under `dir`, or NONE; the staged name stays uncommitted. */
  private child(dir: number, name: string): number {
    const off = this.c.findName(this.c.stage(name));
    return off === NONE ? NONE : this.c.lookup(dir, off);
  }

  /** The node at `path` (visible, implicit or NONE); never creates. */
  private find(path: string): number {
    if (path === '') return ROOT;
    let node = ROOT;
    let start = 0;
    for (;;) {
      const slash = path.indexOf('/', start);
      node = this.child(node, slash < 0 ? path.slice(start) : path.slice(start, slash));
      if (node === NONE || slash < 0) return node;
      start = slash + 1;
    }
  }

  /** A new node under `parent` with the interned name `nameOff`. */
  private create(parent: number, nameOff: number, type: number): number {
    const id = this.c.add(parent, nameOff, type);
    this.c.link(id);
    return id;
  }

  /** The directory node for `dir`, creating implicit nodes for missing components. */
  private ensureDir(dir: string): number {
    if (dir === '') return ROOT;
    const c = this.c;
    let node = ROOT;
    let start = 0;
    while (start <= dir.length) {
      let slash = dir.indexOf('/', start);
      if (slash < 0) slash = dir.length;
      const len = c.stage(dir.slice(start, slash));
      const off = c.findName(len);
      const found = off === NONE ? NONE : c.lookup(node, off);
      node = found !== NONE ? found : this.create(node, off === NONE ? c.commitName(len) : off, IMPLICIT);
      start = slash + 1;
    }
    return node;
  }

  private release(id: number): void {
    const u = this.c.unit.get(id);
    if (u !== NONE) this.c.unitRefs[u]!--;
  }

  /** Take `id` out of the path index and mark it removed (its children are the caller's). */
  private unlink(id: number): void {
    const c = this.c;
    c.unindex(id);
    if (c.visible(id)) this.visibleCount--;
    c.type.set(id, DEAD);
    c.unit.set(id, NONE);
    if (c.linkname.size > 0) c.linkname.delete(id);
    if (c.bigSize.size > 0) c.bigSize.delete(id);
  }

  /**
   * Remove the node `id` and everything under it that came from layers below `layer`
   * (a whiteout never hides entries of its own layer). Returns [paths, bytes] removed.
   */
  private removeBelow(id: number, layer: number, removeSelf: boolean): [number, number] {
    const c = this.c;
    let count = 0;
    let bytes = 0;
    for (const child of c.children(id)) {
      const [n, b] = this.removeBelow(child, layer, true);
      count += n;
      bytes += b;
    }
    if (!removeSelf) return [count, bytes];
    if (c.visible(id) && c.layer.get(id) < layer) {
      this.release(id);
      count++;
      bytes += c.sizeOf(id);
      c.type.set(id, IMPLICIT); // may still hold children of this layer
      this.visibleCount--;
      if (c.linkname.size > 0) c.linkname.delete(id);
      c.unit.set(id, NONE);
    }
    // Drop the node when nothing is left at or under it.
    if (c.type.get(id) === IMPLICIT && id !== ROOT && c.children(id).length === 0) this.unlink(id);
    return [count, bytes];
  }

  applyWhiteout(w: Whiteout): void {
    const s = this.layer(w.layer);
    const id = this.find(w.path);
    if (id === NONE) return;
    const [count, bytes] = this.removeBelow(id, w.layer, !w.opaque);
    s.deleted += count;
    s.deletedBytes += bytes;
  }

  applyEntry(e: LayerEntry): void {
    const c = this.c;
    const s = this.layer(e.layer);
    s.files++;
    const slash = e.path.lastIndexOf('/');
    // Tar entries come grouped by directory: the last directory's node is usually the one.
    let parent: number;
    if (slash < 0) {
      parent = ROOT;
    } else if (this.lastDirId !== NONE && c.type.get(this.lastDirId) !== DEAD && this.lastDir.length === slash && e.path.startsWith(this.lastDir)) {
      parent = this.lastDirId;
    } else {
      this.lastDir = e.path.slice(0, slash);
      parent = this.lastDirId = this.ensureDir(this.lastDir);
    }
    const len = c.stage(slash < 0 ? e.path : e.path.slice(slash + 1));
    const nameOff = c.findName(len);
    const existing = nameOff === NONE ? NONE : c.lookup(parent, nameOff);
    const type = TYPE_CODE[e.type];
    const shown = existing !== NONE && c.visible(existing);
    const fromBelow = shown && c.layer.get(existing) < e.layer;
    if (shown) {
      if (c.type.get(existing) === DIR && type === DIR) {
        // Same directory re-emitted (metadata change): children stay.
        c.setMeta(existing, e.mode, e.uid, e.gid);
        c.layer.set(existing, e.layer);
        return;
      }
      this.release(existing);
      const u = c.unit.get(existing);
      if (!fromBelow && u !== NONE && c.unitRefs[u] === 0 && c.unitLayer[u] === e.layer) {
        // A duplicate path in one layer (against the spec, but produced): last one wins,
        // and the overwritten copy never reaches a disk.
        if (c.unitModified[u] === 1) s.modified -= c.sizeOf(existing);
        else s.added -= c.sizeOf(existing);
        this.written -= c.unitSize[u]!;
        c.unitSize[u] = 0;
      }
      if (c.type.get(existing) === DIR) this.removeBelow(existing, e.layer, false); // a file replaces a dir tree
    }
    // A new node (creation order is what "first surviving path" means for hardlinks); it takes
    // over whatever children the old node at this path still has.
    let id: number;
    if (existing !== NONE) {
      const kids = c.children(existing);
      this.unlink(existing);
      id = this.create(parent, nameOff, type);
      for (const k of kids) c.parent.set(k, id);
      c.firstChild.set(id, c.firstChild.get(existing));
      c.firstChild.set(existing, NONE);
    } else {
      id = this.create(parent, nameOff === NONE ? c.commitName(len) : nameOff, type);
    }
    this.visibleCount++;
    c.layer.set(id, e.layer);
    c.setMeta(id, e.mode, e.uid, e.gid);
    c.setSize(id, e.size);
    if (e.linkname !== undefined) c.linkname.set(id, e.linkname);
    if (type === FILE) {
      if (e.size > 0) {
        c.unit.set(id, c.addUnit(e.layer, e.size, 1, fromBelow));
        this.written += e.size;
      }
      if (fromBelow) s.modified += e.size;
      else s.added += e.size;
    } else if (type === HARDLINK && e.linkname !== undefined) {
      const target = this.find(e.linkname);
      const tu = target === NONE || !c.visible(target) ? NONE : c.unit.get(target);
      if (tu === NONE) {
        // A link to an empty file shares no data; anything else is dangling.
        if (target === NONE || c.type.get(target) !== FILE) {
          this.addAnomaly({ layer: e.layer, kind: 'dangling-hardlink', raw: e.linkname, path: e.path });
        }
      } else if (c.layer.get(target) === e.layer || c.unitLayer[tu] === e.layer) {
        c.unit.set(id, tu);
        c.unitRefs[tu]!++;
      } else {
        // moby#48140: linking to a lower-layer file copies it up into this layer; the
        // target path now resolves to that copy too, and the lower copy is hidden.
        const size = c.unitSize[tu]!;
        const copy = c.addUnit(e.layer, size, 2, true);
        this.written += size;
        this.release(target);
        c.unit.set(target, copy);
        c.unit.set(id, copy);
        s.modified += size;
      }
    }
  }

  /**
   * Finish: charge each visible unit to its first surviving path (in creation order); compute
   * waste. The tree is spent afterwards: its columns become the result's files.
   */
  /**
   * The tree so far, for lookups between layers (`charged` is 0 until finish): what a reader of
   * the final tree can already ask once a layer is merged.
   */
  view(): ReadonlyMap<string, MergedFile> {
    return new MergedFiles(this.c, (path) => this.find(path), this.visibleCount);
  }

  finish(): MergedTreeResult {
    const c = this.c;
    let visible = 0;
    for (let id = 1; id < c.count; id++) {
      if (!c.visible(id)) continue;
      const u = c.unit.get(id);
      if (u === NONE) continue;
      if (c.unitRefs[u]! <= 0) {
        c.unit.set(id, NONE); // from here on `unit` names the unit a path is charged for
        continue;
      }
      c.unitRefs[u] = 0; // charged once: later paths sharing the unit cost nothing
      visible += c.unitSize[u]!;
    }
    c.finished = true;
    // Units are spent: drop their bookkeeping (unitSize stays: it is what `charged` reads).
    c.unitRefs = new Int32Array(0);
    c.unitLayer = new Uint16Array(0);
    c.unitModified = new Uint8Array(0);
    const written = this.written;
    return {
      files: new MergedFiles(c, (path) => this.find(path), this.visibleCount),
      layers: this.summaries,
      wasted: { bytes: written - visible, efficiency: written === 0 ? 1 : visible / written },
      totals: { writtenBytes: written, visibleBytes: visible, paths: this.visibleCount },
      anomalies: this.anomalies,
      anomalyCount: this.anomalyCount,
    };
  }
}
