/**
 * The fleet summary, computed from the scan's JSON Lines records only: `goslim scan` and
 * `goslim merge` call the same function, so N shards merged give the summary of one run. Every
 * figure is a sum, a count or a top-N list under a total order (ties by reference, digest or
 * diff_id, compared by code unit, not locale), so the order the records arrive in does not change
 * a byte of it.
 *
 * Memory: the reports are never held; per distinct image (manifest digest) one small entry, per
 * distinct layer (diff_id) one, per reference its string (to count duplicates). Figures in bytes
 * count each distinct image once (two tags of one digest are one image in the registry).
 */
import { budgetCrossings, type Budgets } from '../analysis/budgets.js';
import type { BudgetId } from '../vocabulary/budgets.js';
import type { InspectReport } from '../analysis/inspect.js';
import { willNotStart } from '../report/verify-text.js';
import type { VerifyReport } from '../verify/types.js';
import { isLeverId, LEVER_IDS, type LeverId } from '../vocabulary/levers.js';
import { readLines } from './lines.js';
import { parseRecord, recordRef, type ImageRecord, type ScanRecord } from './records.js';

export interface FleetImage {
  /** The smallest reference (by code unit) naming this image. */
  ref: string;
  digest: string;
  size: number;
  compressedSize: number;
  /** References naming this image. */
  references: number;
}

export interface FleetSummary {
  /** Rows in each list (the counts are always complete). */
  top: number;
  references: {
    /** Distinct references with a record. */
    total: number;
    inspected: number;
    errors: number;
    /** Records for a reference already counted (ignored). */
    duplicates: number;
  };
  /** Distinct images (manifest digests) inspected. */
  images: number;
  /** Over distinct images: now, and after every lever (inspect's estimate). */
  bytes: { size: number; compressedSize: number; estimateSize: number; estimateCompressedSize: number };
  notStarting: { count: number; images: Array<{ ref: string; digest: string; check: string; message: string }> };
  goToolchain: { count: number; bytes: number; images: Array<{ ref: string; digest: string; bytes: number }> };
  /** Every lever: the images it applies to and the bytes it removes across them; by bytes, then id. */
  levers: Array<{ id: LeverId; images: number; bytes: number }>;
  largest: FleetImage[];
  /** Layers in two or more distinct images: most shared first, then larger, then by diff_id. */
  sharedLayers: Array<{ diffId: string; digest: string; size: number; compressedSize: number; images: number }>;
  errors: { byCode: Array<{ code: string; count: number }>; records: Array<{ ref: string; code: string; message: string }> };
  /** Only when budgets were given: images over one, by reference. */
  /** `budgets`: the ids crossed (`goslim explain budget:<id>`), `reasons` one line each. */
  budgets?: { failed: number; images: Array<{ ref: string; digest: string; budgets: BudgetId[]; reasons: string[] }> };
}

interface ImageEntry {
  ref: string;
  references: number;
  size: number;
  compressedSize: number;
  estimateSize: number;
  estimateCompressedSize: number;
  notStarting?: { check: string; message: string };
  toolchain: number;
  levers: Array<[LeverId, number]>;
  budget?: { budgets: BudgetId[]; reasons: string[] };
}

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Keeps the `n` smallest items under `cmp`, bounded (insertion into a short sorted array). */
class TopN<T> {
  readonly items: T[] = [];
  constructor(
    private readonly n: number,
    private readonly cmp: (a: T, b: T) => number,
  ) {}
  add(item: T): void {
    if (this.n === 0) return;
    if (this.items.length === this.n && this.cmp(item, this.items[this.n - 1]!) >= 0) return;
    let i = this.items.length;
    while (i > 0 && this.cmp(item, this.items[i - 1]!) < 0) i--;
    this.items.splice(i, 0, item);
    if (this.items.length > this.n) this.items.pop();
  }
}

export interface SummaryOptions {
  /** Rows per list (default 10). */
  top?: number;
  budgets?: Budgets;
}

export class FleetSummarizer {
  private readonly top: number;
  private readonly refs = new Set<string>();
  private readonly images = new Map<string, ImageEntry>();
  private readonly layers = new Map<string, { digest: string; size: number; compressedSize: number; images: number }>();
  private readonly errorCodes = new Map<string, number>();
  private readonly errorRows: TopN<{ ref: string; code: string; message: string }>;
  private inspected = 0;
  private errors = 0;
  private duplicates = 0;

  constructor(private readonly options: SummaryOptions = {}) {
    this.top = options.top ?? 10;
    this.errorRows = new TopN(this.top, (a, b) => byText(a.ref, b.ref));
  }

  add(record: ScanRecord): void {
    const ref = recordRef(record);
    if (this.refs.has(ref)) {
      this.duplicates++;
      return;
    }
    this.refs.add(ref);
    if (record.kind === 'error') {
      this.errors++;
      this.errorCodes.set(record.code, (this.errorCodes.get(record.code) ?? 0) + 1);
      this.errorRows.add({ ref, code: record.code, message: record.message });
      return;
    }
    this.inspected++;
    const digest = record.image.digest;
    const seen = this.images.get(digest);
    if (seen !== undefined) {
      seen.references++;
      if (ref < seen.ref) seen.ref = ref;
      return;
    }
    this.images.set(digest, this.entryOf(record, ref));
    for (const l of record.layers) {
      const e = this.layers.get(l.diffId);
      if (e !== undefined) e.images++;
      else this.layers.set(l.diffId, { digest: l.digest, size: l.size, compressedSize: l.compressedSize, images: 1 });
    }
  }

  private entryOf(r: ImageRecord, ref: string): ImageEntry {
    const entry: ImageEntry = {
      ref,
      references: 1,
      size: r.image.size,
      compressedSize: r.image.compressedSize,
      estimateSize: r.estimate.size,
      estimateCompressedSize: r.estimate.compressedSize,
      toolchain: r.causes.find((c) => c.id === 'go-toolchain')?.bytes ?? 0,
      levers: r.levers.filter((l) => isLeverId(l.id) && (l.bytes > 0 || l.verdict !== undefined)).map((l) => [l.id, l.bytes]),
    };
    if (willNotStart(r.startup as VerifyReport)) {
      const failed = r.startup.checks.find((c) => c.status === 'fail');
      entry.notStarting = { check: failed?.id ?? 'unknown', message: failed?.message ?? '' };
    }
    if (this.options.budgets !== undefined) {
      const crossed = budgetCrossings(r as unknown as InspectReport, this.options.budgets);
      if (crossed.length > 0) entry.budget = { budgets: [...new Set(crossed.map((c) => c.budget))], reasons: crossed.map((c) => c.message) };
    }
    return entry;
  }

  summary(): FleetSummary {
    const top = this.top;
    const bytes = { size: 0, compressedSize: 0, estimateSize: 0, estimateCompressedSize: 0 };
    const levers = new Map<LeverId, { images: number; bytes: number }>(LEVER_IDS.map((id) => [id, { images: 0, bytes: 0 }]));
    const notStarting = new TopN<FleetSummary['notStarting']['images'][number]>(top, (a, b) => byText(a.ref, b.ref));
    const toolchain = new TopN<FleetSummary['goToolchain']['images'][number]>(top, (a, b) => b.bytes - a.bytes || byText(a.ref, b.ref));
    const largest = new TopN<FleetImage>(top, (a, b) => b.size - a.size || byText(a.ref, b.ref));
    const budget = new TopN<{ ref: string; digest: string; budgets: BudgetId[]; reasons: string[] }>(top, (a, b) => byText(a.ref, b.ref));
    let notStartingCount = 0;
    let toolchainCount = 0;
    let toolchainBytes = 0;
    let budgetFailed = 0;
    for (const [digest, e] of this.images) {
      bytes.size += e.size;
      bytes.compressedSize += e.compressedSize;
      bytes.estimateSize += e.estimateSize;
      bytes.estimateCompressedSize += e.estimateCompressedSize;
      for (const [id, b] of e.levers) {
        const l = levers.get(id)!;
        l.images++;
        l.bytes += b;
      }
      if (e.notStarting !== undefined) {
        notStartingCount++;
        notStarting.add({ ref: e.ref, digest, ...e.notStarting });
      }
      if (e.toolchain > 0) {
        toolchainCount++;
        toolchainBytes += e.toolchain;
        toolchain.add({ ref: e.ref, digest, bytes: e.toolchain });
      }
      if (e.budget !== undefined) {
        budgetFailed++;
        budget.add({ ref: e.ref, digest, ...e.budget });
      }
      largest.add({ ref: e.ref, digest, size: e.size, compressedSize: e.compressedSize, references: e.references });
    }
    const shared = new TopN<FleetSummary['sharedLayers'][number]>(top, (a, b) => b.images - a.images || b.size - a.size || byText(a.diffId, b.diffId));
    for (const [diffId, l] of this.layers) if (l.images >= 2) shared.add({ diffId, ...l });
    const out: FleetSummary = {
      top,
      references: { total: this.refs.size, inspected: this.inspected, errors: this.errors, duplicates: this.duplicates },
      images: this.images.size,
      bytes,
      notStarting: { count: notStartingCount, images: notStarting.items },
      goToolchain: { count: toolchainCount, bytes: toolchainBytes, images: toolchain.items },
      levers: [...levers].map(([id, l]) => ({ id, ...l })).sort((a, b) => b.bytes - a.bytes || byText(a.id, b.id)),
      largest: largest.items,
      sharedLayers: shared.items,
      errors: {
        byCode: [...this.errorCodes].map(([code, count]) => ({ code, count })).sort((a, b) => b.count - a.count || byText(a.code, b.code)),
        records: this.errorRows.items,
      },
    };
    if (this.options.budgets !== undefined) out.budgets = { failed: budgetFailed, images: budget.items };
    return out;
  }
}

export interface RecordFileStats {
  /** Lines without their newline at the end of a file (a write cut short), not counted. */
  partialLines: number;
}

/** Every complete record of the files, in order (a last line without its newline is skipped and counted). */
export async function* readRecords(paths: readonly string[], stats: RecordFileStats = { partialLines: 0 }): AsyncGenerator<ScanRecord> {
  for (const path of paths) {
    for await (const line of readLines(path)) {
      if (!line.complete) {
        stats.partialLines++;
        continue;
      }
      if (line.text.trim() === '') continue;
      yield parseRecord(line.text, `${path}:${line.number}`);
    }
  }
}

/** The fleet summary of JSON Lines files (one scan's output, or every shard's). */
export async function summarizeFiles(paths: readonly string[], options: SummaryOptions = {}): Promise<{ summary: FleetSummary } & RecordFileStats> {
  const s = new FleetSummarizer(options);
  const stats: RecordFileStats = { partialLines: 0 };
  for await (const r of readRecords(paths, stats)) s.add(r);
  return { summary: s.summary(), ...stats };
}
