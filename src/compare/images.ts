/**
 * Two image reports -> one comparison (issue 14). Pure: takes two already-computed `inspect`
 * reports (read now or loaded from saved `--json`), returns data; the renderers and the CLI do
 * the rest.
 */
import { costOf, type CostModel } from '../analysis/cost.js';
import type { InspectReport } from '../analysis/inspect.js';
import type { GoBinary, Lever, PackedBinary } from '../analysis/types.js';
import { packerName } from '../binary/packer.js';
import { formatBytes } from '../util/units.js';
import type { VerifyReport } from '../verify/types.js';
import type { CauseId } from '../vocabulary/causes.js';
import type { LeverId } from '../vocabulary/levers.js';
import { changes, headlineOf, ratioOf, sizePair, sortChanges } from './headline.js';
import {
  COMPARE_SCHEMA_VERSION,
  type CostComparison,
  type GoBinaryChange,
  type ImageComparison,
  type LayerChange,
  type PackageChange,
  type PackedChange,
  type Side,
  type StartVerdict,
} from './types.js';

/** What compare reads of an inspect report; `startup` and `packedBinaries` are absent from reports saved before they existed. */
export type InspectInput = Omit<InspectReport, 'startup' | 'packedBinaries'> & { startup?: VerifyReport; packedBinaries?: InspectReport['packedBinaries'] };

export interface CompareImagesOptions {
  cost: CostModel;
  costDefaults: CostComparison['defaults'];
}

function applies(l: Lever): boolean {
  return l.bytes > 0 || l.verdict !== undefined;
}

function normaliseInstruction(s: string | null): string | null {
  if (s === null) return null;
  return s.replace(/^\/bin\/sh -c #\(nop\)\s*/, '').replace(/\s+/g, ' ').trim();
}

/** Pair layers: the same diff_id first (in order), then the same instruction among the rest. */
export function matchLayers(a: InspectInput['layers'], b: InspectInput['layers']): LayerChange[] {
  const pairOf = new Map<number, { ai: number; by: 'diff-id' | 'instruction' }>();
  const usedA = new Set<number>();
  for (let bi = 0; bi < b.length; bi++) {
    const ai = a.findIndex((l, i) => !usedA.has(i) && l.diffId === b[bi]!.diffId);
    if (ai >= 0) {
      usedA.add(ai);
      pairOf.set(bi, { ai, by: 'diff-id' });
    }
  }
  for (let bi = 0; bi < b.length; bi++) {
    if (pairOf.has(bi)) continue;
    const want = normaliseInstruction(b[bi]!.createdBy);
    if (want === null || want === '') continue;
    const ai = a.findIndex((l, i) => !usedA.has(i) && normaliseInstruction(l.createdBy) === want);
    if (ai >= 0) {
      usedA.add(ai);
      pairOf.set(bi, { ai, by: 'instruction' });
    }
  }
  const side = (l: InspectInput['layers'][number]): NonNullable<LayerChange['a']> => ({ index: l.number, size: l.size, compressedSize: l.compressedSize });
  const rows: LayerChange[] = b.map((lb, bi) => {
    const p = pairOf.get(bi);
    const la = p ? a[p.ai]! : undefined;
    return {
      a: la ? side(la) : null,
      b: side(lb),
      createdBy: lb.createdBy,
      matchedBy: p?.by ?? null,
      delta: lb.size - (la?.size ?? 0),
    };
  });
  a.forEach((la, ai) => {
    if (!usedA.has(ai)) rows.push({ a: side(la), b: null, createdBy: la.createdBy, matchedBy: null, delta: -la.size });
  });
  return rows;
}

/** The levers whose figures changed on one binary between a and b. */
function binaryLevers(a: GoBinary | undefined, b: GoBinary | undefined): { levers: LeverId[]; notes: string[] } {
  const levers: LeverId[] = [];
  const notes: string[] = [];
  if (!a || !b) return { levers, notes };
  if (a.strip.total > 0 && b.strip.total === 0) {
    levers.push('strip-symbols');
    notes.push('stripped (-s -w)');
  } else if (a.strip.total === 0 && b.strip.total > 0) {
    levers.push('strip-symbols');
    notes.push('no longer stripped');
  }
  if (a.trimpath.leakedPaths > 0 && b.trimpath.leakedPaths === 0) {
    levers.push('trimpath');
    notes.push('built with -trimpath');
  } else if (a.trimpath.leakedPaths === 0 && b.trimpath.leakedPaths > 0) {
    levers.push('trimpath');
    notes.push('leaks build paths again');
  }
  const dyn = (x: GoBinary): boolean => x.linking === 'dynamic';
  if (dyn(a) !== dyn(b) || (a.cgoBytes !== undefined) !== (b.cgoBytes !== undefined)) {
    levers.push('cgo-off');
    notes.push(`linking ${a.linking} -> ${b.linking}`);
  }
  if (a.go?.version !== b.go?.version) notes.push(`Go ${a.go?.version ?? '?'} -> ${b.go?.version ?? '?'}`);
  if (a.willStart !== b.willStart) notes.push(b.willStart ? 'now starts' : `will not start: ${b.problem ?? 'loader missing'}`);
  return { levers, notes };
}

/** A packed row's packer for one-line reports: `UPX 4.23`, or `UPX 3.96 -> UPX 4.23` when it changed. */
export function packerLabel(p: PackedChange): string {
  if (p.packer.a === null || p.packer.a === p.packer.b) return p.packer.b ?? '';
  return p.packer.b === null ? p.packer.a : `${p.packer.a} -> ${p.packer.b}`;
}

type PackedSide = ReadonlyArray<Pick<PackedBinary, 'path' | 'size' | 'packed'>>;

/** Packed executables by path: added, removed, changed, with what packed each side's. */
export function comparePackedBinaries(a: PackedSide, b: PackedSide): PackedChange[] {
  const byA = new Map(a.map((p) => [p.path, p]));
  const byB = new Map(b.map((p) => [p.path, p]));
  const rows = changes(
    a.map((p): [string, number] => [p.path, p.size]),
    b.map((p): [string, number] => [p.path, p.size]),
  ).map((c): PackedChange => {
    const pa = byA.get(c.key);
    const pb = byB.get(c.key);
    return { ...c, packer: { a: pa ? packerName(pa.packed) : null, b: pb ? packerName(pb.packed) : null } };
  });
  return sortChanges(rows);
}

/**
 * Go binaries paired by path, then a binary gone from A with one new in B built from the same
 * main package (`/usr/local/bin/app` -> `/app`): its row key is `A path -> B path`. A binary whose
 * path is a packed executable on the other side (`packed`) keeps its own row, noted as packed.
 */
export function compareGoBinaries(a: GoBinary[], b: GoBinary[], packed: { a: PackedSide; b: PackedSide } = { a: [], b: [] }): GoBinaryChange[] {
  const binA = new Map(a.map((g) => [g.path, g]));
  const binB = new Map(b.map((g) => [g.path, g]));
  const rows: GoBinaryChange[] = changes(
    a.map((g): [string, number] => [g.path, g.size]),
    b.map((g): [string, number] => [g.path, g.size]),
  ).map((c) => ({ ...c, ...binaryLevers(binA.get(c.key), binB.get(c.key)) }));
  // A Go binary that is a packed executable on the other side did not come or go: it was packed
  // (or unpacked), and goslim cannot see into the packed one.
  // Compared as absolute paths: a saved report's Go binaries may lack the leading slash.
  const abs = (path: string): string => (path.startsWith('/') ? path : `/${path}`);
  const packedA = new Map(packed.a.map((p) => [abs(p.path), p]));
  const packedB = new Map(packed.b.map((p) => [abs(p.path), p]));
  for (const r of rows) {
    const inB = r.status === 'removed' ? packedB.get(abs(r.key)) : undefined;
    const inA = r.status === 'added' ? packedA.get(abs(r.key)) : undefined;
    if (inB) r.notes.push(`packed with ${packerName(inB.packed)} in B (${formatBytes(inB.size)}): its contents are hidden there`);
    if (inA) r.notes.push(`was packed with ${packerName(inA.packed)} in A (${formatBytes(inA.size)})`);
  }
  const gone = rows.filter((r) => r.status === 'removed' && !packedB.has(abs(r.key)));
  const added = rows.filter((r) => r.status === 'added' && !packedA.has(abs(r.key)));
  const mainOf = (g: GoBinary | undefined): string | undefined => g?.go?.path;
  for (const r of gone) {
    const main = mainOf(binA.get(r.key));
    if (main === undefined) continue;
    const same = added.filter((x) => mainOf(binB.get(x.key)) === main);
    if (same.length !== 1 || gone.filter((g) => mainOf(binA.get(g.key)) === main).length !== 1) continue;
    const other = same[0]!;
    const ga = binA.get(r.key)!;
    const gb = binB.get(other.key)!;
    rows.splice(rows.indexOf(other), 1);
    rows.splice(rows.indexOf(r), 1, {
      key: `${r.key} -> ${other.key}`,
      a: ga.size,
      b: gb.size,
      delta: gb.size - ga.size,
      status: gb.size === ga.size ? 'same' : 'changed',
      ...binaryLevers(ga, gb),
    });
  }
  return sortChanges(rows);
}

function startVerdict(r: InspectInput): StartVerdict {
  if (!r.startup) {
    return { verdict: null, failures: [], note: 'this report has no start-up checks (saved by an older goslim); `goslim verify` on the image answers' };
  }
  return { verdict: r.startup.verdict, failures: r.startup.checks.filter((c) => c.status === 'fail').map((c) => `${c.id}: ${c.message}`) };
}

export function compareImages(a: InspectInput, b: InspectInput, sides: { a: Side; b: Side }, options: CompareImagesOptions): ImageComparison {
  const size = sizePair(a.image.size, b.image.size);
  const packages: PackageChange[] = changes(
    a.packages.map((p): [string, number] => [p.name, p.bytes]),
    b.packages.map((p): [string, number] => [p.name, p.bytes]),
  );
  const packed = { a: a.packedBinaries ?? [], b: b.packedBinaries ?? [] };
  const goBinaries = compareGoBinaries(a.goBinaries, b.goBinaries, packed);
  const packedBinaries = comparePackedBinaries(packed.a, packed.b);

  const leversA = new Map(a.levers.filter(applies).map((l) => [l.id, l]));
  const leversB = new Map(b.levers.filter(applies).map((l) => [l.id, l]));
  const applied = [...leversA.values()].filter((l) => !leversB.has(l.id)).map((l) => ({ id: l.id, bytes: l.bytes }));
  const remaining = [...leversB.values()].map((l) => ({ id: l.id, bytes: l.bytes, bytesA: leversA.get(l.id)?.bytes ?? null }));
  const fresh = [...leversB.keys()].filter((id) => !leversA.has(id));

  return {
    schemaVersion: COMPARE_SCHEMA_VERSION,
    kind: 'compare',
    subject: 'image',
    a: { ...sides.a, ref: a.image.ref, digest: a.image.digest, platform: a.image.platform },
    b: { ...sides.b, ref: b.image.ref, digest: b.image.digest, platform: b.image.platform },
    headline: headlineOf(size),
    ratio: ratioOf(size),
    size,
    compressedSize: sizePair(a.image.compressedSize, b.image.compressedSize),
    files: sizePair(a.image.files, b.image.files),
    causes: changes(a.causes.map((c): [CauseId, number] => [c.id, c.bytes]), b.causes.map((c): [CauseId, number] => [c.id, c.bytes])),
    layers: matchLayers(a.layers, b.layers),
    packages,
    goBinaries,
    packedBinaries,
    levers: { applied, remaining, new: fresh },
    startup: { a: startVerdict(a), b: startVerdict(b) },
    cost: { model: options.cost, defaults: options.costDefaults, a: costOf(a.image, options.cost), b: costOf(b.image, options.cost) },
  };
}
