/**
 * The merged (union) filesystem of an image, fed layer by layer with entries and
 * whiteouts. Pure: no I/O. Memory is proportional to the number of paths.
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
 */
import { parentPath } from './path.js';
import type { Anomaly } from './walk.js';
import type { LayerEntry, LayerSummary, MergedFile, WastedSummary, Whiteout } from './types.js';

interface Unit {
  layer: number;
  size: number;
  refs: number;
  /** The entry that wrote this unit counted its bytes as `modified` (else `added`). */
  countedModified: boolean;
}

/**
 * A path of the tree. The result hands these same objects out as MergedFile (no copy): the
 * unit is cleared by finish(). Map order is creation order (a replaced path is deleted and
 * re-inserted), which is what "first surviving path" means for hardlinks.
 */
interface Node extends MergedFile {
  unit: Unit | undefined;
}

export interface MergedTotals {
  /** Bytes of file data stored by all layers (each unit once). */
  writtenBytes: number;
  /** Bytes of file data visible in the final filesystem (each inode once). */
  visibleBytes: number;
  /** Visible paths (files, dirs, links, ...). */
  paths: number;
}

export interface MergedTreeResult {
  files: Map<string, MergedFile>;
  layers: LayerSummary[];
  wasted: WastedSummary;
  totals: MergedTotals;
  anomalies: Anomaly[];
  anomalyCount: number;
}

/** Only the first anomalies are kept (a hostile layer could have millions). */
const MAX_ANOMALIES = 200;

export class MergedTree {
  private readonly files = new Map<string, Node>();
  /** dir path ("" = root) -> full paths of its direct children (explicit or implicit). */
  private readonly children = new Map<string, Set<string>>();
  private readonly summaries: LayerSummary[] = [];
  private readonly units: Unit[] = [];
  private readonly anomalies: Anomaly[] = [];
  private anomalyCount = 0;
  private current: LayerSummary | undefined;

  beginLayer(index: number): void {
    this.current = { index, added: 0, modified: 0, deleted: 0, deletedBytes: 0, files: 0 };
    this.summaries[index] = this.current;
  }

  private layer(index: number): LayerSummary {
    const s = this.summaries[index];
    if (s === undefined) throw new Error(`MergedTree: layer ${index} was not begun`);
    return s;
  }

  addAnomaly(a: Anomaly): void {
    this.anomalyCount++;
    if (this.anomalies.length < MAX_ANOMALIES) this.anomalies.push(a);
  }

  private link(path: string): void {
    let p = path;
    while (p !== '') {
      const parent = parentPath(p);
      let set = this.children.get(parent);
      if (set === undefined) {
        set = new Set();
        this.children.set(parent, set);
      }
      if (set.has(p)) return;
      set.add(p);
      p = parent;
    }
  }

  private release(node: Node): void {
    if (node.unit !== undefined) node.unit.refs--;
  }

  /**
   * Remove `path` and everything under it that came from layers below `layer`
   * (a whiteout never hides entries of its own layer). Returns [paths, bytes] removed.
   */
  private removeBelow(path: string, layer: number, removeSelf: boolean): [number, number] {
    let count = 0;
    let bytes = 0;
    const kids = this.children.get(path);
    if (kids !== undefined) {
      for (const child of [...kids]) {
        const [c, b] = this.removeBelow(child, layer, true);
        count += c;
        bytes += b;
      }
    }
    if (!removeSelf) return [count, bytes];
    const node = this.files.get(path);
    if (node !== undefined && node.layer < layer) {
      this.release(node);
      this.files.delete(path);
      count++;
      bytes += node.size;
    }
    // Drop the path from the index when nothing is left at or under it.
    if (!this.files.has(path) && (this.children.get(path)?.size ?? 0) === 0) {
      this.children.delete(path);
      this.children.get(parentPath(path))?.delete(path);
    }
    return [count, bytes];
  }

  applyWhiteout(w: Whiteout): void {
    const s = this.layer(w.layer);
    const [count, bytes] = this.removeBelow(w.path, w.layer, !w.opaque);
    s.deleted += count;
    s.deletedBytes += bytes;
  }

  applyEntry(e: LayerEntry): void {
    const s = this.layer(e.layer);
    s.files++;
    const existing = this.files.get(e.path);
    const fromBelow = existing !== undefined && existing.layer < e.layer;
    if (existing !== undefined) {
      if (existing.type === 'dir' && e.type === 'dir') {
        // Same directory re-emitted (metadata change): children stay.
        existing.mode = e.mode;
        existing.uid = e.uid;
        existing.gid = e.gid;
        existing.layer = e.layer;
        return;
      }
      this.release(existing);
      if (!fromBelow) {
        // A duplicate path in one layer (against the spec, but produced): last one wins,
        // and the overwritten copy never reaches a disk.
        if (existing.unit !== undefined && existing.unit.refs === 0 && existing.unit.layer === e.layer) {
          existing.unit.size = 0;
          if (existing.unit.countedModified) s.modified -= existing.size;
          else s.added -= existing.size;
        }
      }
      this.files.delete(e.path);
      if (existing.type === 'dir') this.removeBelow(e.path, e.layer, false); // a file replaces a dir tree
    }
    // Explicit construction (not spread): one object shape for every node, and cheaper.
    const node: Node = { path: e.path, type: e.type, size: e.size, mode: e.mode, uid: e.uid, gid: e.gid, layer: e.layer, charged: 0, unit: undefined };
    if (e.linkname !== undefined) node.linkname = e.linkname;
    if (e.type === 'file') {
      node.unit = { layer: e.layer, size: e.size, refs: 1, countedModified: fromBelow };
      this.units.push(node.unit);
      if (fromBelow) s.modified += e.size;
      else s.added += e.size;
    } else if (e.type === 'hardlink' && e.linkname !== undefined) {
      const target = this.files.get(e.linkname);
      if (target?.unit === undefined) {
        this.addAnomaly({ layer: e.layer, kind: 'dangling-hardlink', raw: e.linkname, path: e.path });
      } else if (target.layer === e.layer || target.unit.layer === e.layer) {
        node.unit = target.unit;
        node.unit.refs++;
      } else {
        // moby#48140: linking to a lower-layer file copies it up into this layer; the
        // target path now resolves to that copy too, and the lower copy is hidden.
        const copy: Unit = { layer: e.layer, size: target.unit.size, refs: 2, countedModified: true };
        this.units.push(copy);
        this.release(target);
        target.unit = copy;
        node.unit = copy;
        s.modified += copy.size;
      }
    }
    this.files.set(e.path, node);
    this.link(e.path);
  }

  /**
   * Finish: charge each visible unit to its first surviving path (in creation order); compute
   * waste. The tree is spent afterwards: its nodes become the result's files.
   */
  finish(): MergedTreeResult {
    let visible = 0;
    for (const node of this.files.values()) {
      node.charged = 0;
      const unit = node.unit;
      node.unit = undefined;
      if (unit === undefined || unit.refs <= 0) continue;
      unit.refs = 0; // charged once: later paths sharing the unit cost nothing
      node.charged = unit.size;
      visible += unit.size;
    }
    let written = 0;
    for (const u of this.units) written += u.size;
    const files: Map<string, MergedFile> = this.files;
    return {
      files,
      layers: this.summaries,
      wasted: { bytes: written - visible, efficiency: written === 0 ? 1 : visible / written },
      totals: { writtenBytes: written, visibleBytes: visible, paths: this.files.size },
      anomalies: this.anomalies,
      anomalyCount: this.anomalyCount,
    };
  }
}
