/**
 * Two Go binary reports -> one comparison (issue 14; go-size-analyzer's `--diff` is the anchor):
 * size per section, per module and per package, the build settings that changed, stripped or
 * not, and the lever behind each change. Pure.
 */
import type { BinaryReport } from '../binary/types.js';
import type { LeverId } from '../vocabulary/levers.js';
import { changes, headlineOf, ratioOf, sizePair } from './headline.js';
import { COMPARE_SCHEMA_VERSION, type BinaryComparison, type SectionChange, type SettingChange, type Side } from './types.js';

/** What compare reads of a binary report (a saved one is checked against this shape). */
export type BinaryInput = Pick<BinaryReport, 'path' | 'size' | 'go' | 'sections' | 'strip' | 'trimpath' | 'cgo' | 'findings' | 'linking'> & {
  packages: Array<{ name: string; size: number }>;
  /** The analyzer's module roll-up (whole-file attribution); reports saved before it have none, and compare rolls packages up itself. */
  modules?: Array<{ path: string; size: number }>;
};

function isStripSection(name: string): boolean {
  return name === '.symtab' || name === '.strtab' || name.startsWith('.debug_') || name.startsWith('.zdebug_') || name === '__debug_line' || /^__z?debug_/.test(name);
}

/** Sections that exist for dynamic linking (what CGO_ENABLED=0 removes from a Linux build). */
function isDynamicSection(name: string): boolean {
  return /^\.(interp|dynamic|dynsym|dynstr|rela?\.|got|plt|gnu\.version|gnu\.hash|hash|note\.ABI-tag|init_array|fini_array)/.test(name);
}

/** Every lever a binary comparison can name (each has an `explain` topic: src/explain/coverage.test.ts). */
export const BINARY_COMPARE_LEVERS: readonly LeverId[] = ['strip-symbols', 'trimpath', 'cgo-off'];

/** The setting a lever is set by: `-ldflags` for strip-symbols, `-trimpath`, `CGO_ENABLED`. */
function settingLever(key: string, a: string | null, b: string | null): LeverId | undefined {
  if (key === '-trimpath') return 'trimpath';
  if (key === 'CGO_ENABLED') return 'cgo-off';
  if (key === '-ldflags') {
    const flags = (v: string | null): boolean => v !== null && /(^|\s)-[sw](\s|$)/.test(v);
    if (flags(a) !== flags(b)) return 'strip-symbols';
  }
  return undefined;
}

/** Module of a package: the longest module path it is under; `main` is the main module; no dot in the first element is `std`. */
export function moduleOf(pkg: string, modules: readonly string[], main: string | null): string {
  if (pkg === 'main' || pkg.startsWith('main.')) return main ?? 'main';
  let best = '';
  for (const m of modules) if ((pkg === m || pkg.startsWith(`${m}/`)) && m.length > best.length) best = m;
  if (best !== '') return best;
  const first = pkg.split('/')[0] ?? pkg;
  return first.includes('.') ? '(other)' : 'std';
}

/** Module sizes: the analyzer's roll-up when both sides have one (the same buckets), else packages rolled up here. */
function modulesOf(r: BinaryInput, analyzer: boolean): Array<[string, number]> {
  if (analyzer && r.modules !== undefined) return r.modules.map((m) => [m.path, m.size]);
  const main = r.go?.main?.path ?? null;
  const mods = [...(main ? [main] : []), ...(r.go?.deps ?? []).map((d) => d.path)];
  return r.packages.map((p) => [moduleOf(p.name, mods, main), p.size]);
}

function applying(r: BinaryInput): LeverId[] {
  return [...new Set(r.findings.filter((f) => f.bytes > 0).map((f) => f.lever))];
}

export function compareBinaries(a: BinaryInput, b: BinaryInput, sides: { a: Side; b: Side }): BinaryComparison {
  const size = sizePair(a.size, b.size);
  const sa = a.go?.settings ?? {};
  const sb = b.go?.settings ?? {};
  const settings: SettingChange[] = [];
  for (const key of [...new Set([...Object.keys(sa), ...Object.keys(sb)])].sort()) {
    const va = sa[key] ?? null;
    const vb = sb[key] ?? null;
    if (va === vb) continue;
    const lever = settingLever(key, va, vb);
    settings.push(lever ? { key, a: va, b: vb, lever } : { key, a: va, b: vb });
  }
  const goVersion = { a: a.go?.version ?? null, b: b.go?.version ?? null };
  const stripped = { a: a.strip.total === 0, b: b.strip.total === 0 };

  // The levers behind the change: from the settings, and from what the files themselves say
  // (a binary stripped after the build, e.g. by `strip`, has the same settings).
  const levers = new Set<LeverId>(settings.flatMap((s) => (s.lever ? [s.lever] : [])));
  if (stripped.a !== stripped.b) levers.add('strip-symbols');
  if ((a.trimpath.leakedPaths === 0) !== (b.trimpath.leakedPaths === 0)) levers.add('trimpath');
  if (a.cgo.used !== b.cgo.used || (a.linking === 'dynamic') !== (b.linking === 'dynamic')) levers.add('cgo-off');

  const sections: SectionChange[] = changes(
    a.sections.map((s): [string, number] => [s.name, s.size]),
    b.sections.map((s): [string, number] => [s.name, s.size]),
  ).map((c) => {
    const lever: LeverId | undefined = isStripSection(c.key) && levers.has('strip-symbols')
      ? 'strip-symbols'
      : isDynamicSection(c.key) && levers.has('cgo-off')
        ? 'cgo-off'
        : undefined;
    return lever && c.delta !== 0 ? { ...c, lever } : c;
  });

  const sectionDelta = (id: LeverId): number => sections.filter((s) => s.lever === id).reduce((t, s) => t + s.delta, 0);
  const leverRows: BinaryComparison['levers'] = [];
  const onlyOne = levers.size === 1 && goVersion.a === goVersion.b;
  for (const id of levers) {
    if (onlyOne) {
      leverRows.push({ id, delta: size.delta, why: 'the only lever that changed between the two builds: the whole size difference' });
    } else if (id === 'strip-symbols' || id === 'cgo-off') {
      leverRows.push({ id, delta: sectionDelta(id), why: id === 'strip-symbols' ? 'the symbol table and DWARF sections' : 'the dynamic-linking sections' });
    } else {
      leverRows.push({ id, delta: 0, why: 'changed together with other levers; its bytes are not told apart (see sections and packages)' });
    }
  }
  const fa = applying(a);
  const fb = applying(b);
  return {
    schemaVersion: COMPARE_SCHEMA_VERSION,
    kind: 'compare',
    subject: 'binary',
    a: { ...sides.a, path: a.path },
    b: { ...sides.b, path: b.path },
    headline: headlineOf(size),
    ratio: ratioOf(size),
    size,
    stripped,
    goVersion,
    settings,
    sections,
    modules: changes(modulesOf(a, b.modules !== undefined), modulesOf(b, a.modules !== undefined)),
    packages: changes(a.packages.map((p): [string, number] => [p.name, p.size]), b.packages.map((p): [string, number] => [p.name, p.size])),
    levers: leverRows,
    findings: { applied: fa.filter((id) => !fb.includes(id)), remaining: fb, new: fb.filter((id) => !fa.includes(id)) },
  };
}
