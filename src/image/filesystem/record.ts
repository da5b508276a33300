/**
 * A layer walk as data: the entries, whiteouts and anomalies one walk of a layer produced, in
 * order, plus its byte counts. mergeLayers records it while it walks a layer and can replay it
 * instead of reading the layer again (the per-layer analysis cache, src/analysis/layer-cache.ts):
 * the merged tree sees the same events in the same order either way, so whiteouts, overwrites
 * and wasted bytes come out the same whether a layer was read or replayed.
 *
 * Compact on purpose (a cached layer is read back on every inspect): one character per event
 * and per entry type, numbers in flat arrays, the (mode, uid, gid) triples in a small table.
 */
import { LimitExceededError, MalformedInputError } from '../../errors.js';
import { limit } from '../../limits.js';
import type { Anomaly, AnomalyKind, LayerVisitor, WalkStats } from './walk.js';
import type { EntryType, LayerEntry, Whiteout } from './types.js';

export interface LayerRecord {
  /** One character per event, in walk order: `e` entry, `w` whiteout, `o` opaque directory, `a` anomaly. */
  events: string;
  /** Paths of entries and whiteouts, in event order (anomalies carry their own). */
  paths: string[];
  /** One character per entry (see TYPE_CHARS). */
  types: string;
  /** Per entry: bytes of file data. */
  sizes: number[];
  /** Per entry: index into `metas`. */
  meta: number[];
  /** Distinct [mode, uid, gid] triples. */
  metas: Array<[number, number, number]>;
  /** [entry ordinal, link target] for symlinks and hardlinks. */
  links: Array<[number, string]>;
  /** [kind, raw, path] per anomaly event. */
  anomalies: Array<[AnomalyKind, string, string]>;
  /** The walk's counts (WalkStats without `stopped`: a recorded walk always reaches the end). */
  entries: number;
  tarBytes: number;
  fileBytes: number;
}

const TYPE_CHARS: Record<EntryType, string> = { file: 'f', dir: 'd', symlink: 'l', hardlink: 'h', char: 'c', block: 'b', fifo: 'p', other: 'o' };
const CHAR_TYPES = new Map<string, EntryType>(Object.entries(TYPE_CHARS).map(([t, c]) => [c, t as EntryType]));
const ANOMALY_KINDS: ReadonlySet<string> = new Set<AnomalyKind>(['absolute', 'parent-escape', 'symlink-escape', 'invalid-whiteout', 'dangling-hardlink', 'hardlink-escape']);

/**
 * Records one layer's walk. Past `maxEvents` events it stops keeping them (`overflowed`): a
 * hostile or huge layer is walked as always but not recorded (so not cached).
 */
export class LayerRecorder {
  private rec: LayerRecord | undefined = emptyRecord();
  private readonly metaIndex = new Map<string, number>();
  private count = 0;
  private entryCount = 0;

  constructor(private readonly maxEvents = limit('cache.layerEvents')) {}

  get overflowed(): boolean {
    return this.rec === undefined;
  }

  private event(c: string): LayerRecord | undefined {
    if (this.rec === undefined) return undefined;
    if (++this.count > this.maxEvents) {
      this.rec = undefined;
      return undefined;
    }
    this.rec.events += c;
    return this.rec;
  }

  entry(e: LayerEntry): void {
    const r = this.event('e');
    if (r === undefined) return;
    r.paths.push(e.path);
    r.types += TYPE_CHARS[e.type];
    r.sizes.push(e.size);
    const k = `${e.mode},${e.uid},${e.gid}`;
    let m = this.metaIndex.get(k);
    if (m === undefined) {
      m = r.metas.length;
      r.metas.push([e.mode, e.uid, e.gid]);
      this.metaIndex.set(k, m);
    }
    r.meta.push(m);
    if (e.linkname !== undefined) r.links.push([this.entryCount, e.linkname]);
    this.entryCount++;
  }

  whiteout(w: Whiteout): void {
    this.event(w.opaque ? 'o' : 'w')?.paths.push(w.path);
  }

  anomaly(a: Anomaly): void {
    this.event('a')?.anomalies.push([a.kind, a.raw, a.path]);
  }

  /** The record, with the walk's counts; undefined when it overflowed or the walk stopped early. */
  finish(stats: WalkStats): LayerRecord | undefined {
    const r = this.rec;
    this.rec = undefined;
    if (r === undefined || stats.stopped) return undefined;
    r.entries = stats.entries;
    r.tarBytes = stats.tarBytes;
    r.fileBytes = stats.fileBytes;
    return r;
  }
}

function emptyRecord(): LayerRecord {
  return { events: '', paths: [], types: '', sizes: [], meta: [], metas: [], links: [], anomalies: [], entries: 0, tarBytes: 0, fileBytes: 0 };
}

/** Feed a recorded walk to a visitor as the walk would have (entries, whiteouts, anomalies in order). */
export function replayLayer(r: LayerRecord, layer: number, visitor: Pick<LayerVisitor, 'entry' | 'whiteout' | 'anomaly'>): WalkStats {
  let p = 0;
  let e = 0;
  let a = 0;
  let l = 0;
  const links = r.links;
  for (let i = 0; i < r.events.length; i++) {
    const c = r.events.charCodeAt(i);
    if (c === 101 /* e */) {
      const m = r.metas[r.meta[e]!]!;
      const entry: LayerEntry = {
        path: r.paths[p++]!,
        type: CHAR_TYPES.get(r.types[e]!)!,
        size: r.sizes[e]!,
        mode: m[0],
        uid: m[1],
        gid: m[2],
        layer,
      };
      if (l < links.length && links[l]![0] === e) entry.linkname = links[l++]![1];
      e++;
      visitor.entry?.(entry);
    } else if (c === 97 /* a */) {
      const [kind, raw, path] = r.anomalies[a++]!;
      visitor.anomaly?.({ layer, kind, raw, path });
    } else {
      visitor.whiteout?.({ layer, path: r.paths[p++]!, opaque: c === 111 /* o */ });
    }
  }
  return { entries: r.entries, tarBytes: r.tarBytes, fileBytes: r.fileBytes, stopped: false };
}

function bad(doc: string, what: string): MalformedInputError {
  return new MalformedInputError(`${doc}: ${what}`, { details: { document: doc, field: what } });
}

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

/**
 * Check a record read back from outside (a cache file) against its shape: every array of the
 * right type and length for its events, every index in range, counts within the limits. A record
 * that passes replays without a lookup failing; E_MALFORMED otherwise.
 */
export function checkLayerRecord(v: unknown, doc: string): LayerRecord {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(doc, 'record is not an object');
  const r = v as Record<string, unknown>;
  const { events, paths, types, sizes, meta, metas, links, anomalies } = r;
  if (typeof events !== 'string' || typeof types !== 'string') throw bad(doc, 'events/types are not strings');
  if (events.length > limit('cache.layerEvents')) {
    const max = limit('cache.layerEvents');
    throw new LimitExceededError('cache.layerEvents', max, `${doc}: more than ${max} events`, { actual: events.length });
  }
  if (!Array.isArray(paths) || !Array.isArray(sizes) || !Array.isArray(meta) || !Array.isArray(metas) || !Array.isArray(links) || !Array.isArray(anomalies)) {
    throw bad(doc, 'a column is not an array');
  }
  if (!isCount(r.entries) || !isCount(r.tarBytes) || !isCount(r.fileBytes)) throw bad(doc, 'counts are not byte counts');
  let ne = 0;
  let np = 0;
  let na = 0;
  for (let i = 0; i < events.length; i++) {
    const c = events[i];
    if (c === 'e') {
      ne++;
      np++;
    } else if (c === 'w' || c === 'o') np++;
    else if (c === 'a') na++;
    else throw bad(doc, `unknown event ${JSON.stringify(c)}`);
  }
  if (types.length !== ne || sizes.length !== ne || meta.length !== ne || paths.length !== np || anomalies.length !== na) {
    throw bad(doc, 'columns disagree with the events');
  }
  const maxPath = limit('tar.pathLength');
  for (const p of paths) if (typeof p !== 'string' || p.length > maxPath) throw bad(doc, 'a path is not a string of at most tar.pathLength');
  for (let i = 0; i < types.length; i++) if (!CHAR_TYPES.has(types[i]!)) throw bad(doc, 'unknown entry type');
  for (const s of sizes) if (!isCount(s)) throw bad(doc, 'a size is not a byte count');
  for (const m of metas) if (!Array.isArray(m) || m.length !== 3 || !m.every(isCount)) throw bad(doc, 'a mode/uid/gid triple is malformed');
  for (const m of meta) if (!isCount(m) || m >= metas.length) throw bad(doc, 'a meta index is out of range');
  let last = -1;
  for (const k of links) {
    if (!Array.isArray(k) || k.length !== 2 || !isCount(k[0]) || k[0] <= last || k[0] >= ne || typeof k[1] !== 'string' || k[1].length > maxPath) {
      throw bad(doc, 'a link is malformed or out of order');
    }
    last = k[0];
  }
  for (const a of anomalies) {
    if (!Array.isArray(a) || a.length !== 3 || !ANOMALY_KINDS.has(a[0] as string) || typeof a[1] !== 'string' || typeof a[2] !== 'string') {
      throw bad(doc, 'an anomaly is malformed');
    }
  }
  return r as unknown as LayerRecord;
}
