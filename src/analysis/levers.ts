/**
 * Levers: what to change, ranked by the bytes it removes. Pure.
 *
 * Each byte of the final filesystem is claimed by at most one lever, in the order a user would
 * apply them (multi-stage, then static-base, then cgo-off, then strip-symbols/trimpath, then the
 * small ones). So the levers' bytes add up instead of overlapping, and "saves X" for a later lever
 * means "X more, after the earlier ones". The list is then sorted biggest first.
 */
import type { MergedFile } from '../image/filesystem/types.js';
import { formatBytes } from '../util/units.js';
import { buildOnlyPackages } from './build-packages.js';
import { isAppLocation, type Attribution, type FileCause } from './causes.js';
import type { CauseId, GoBinary, Lever, LeverId, PackageDb } from './types.js';
import { leverDoc, type LeverCondition } from '../vocabulary/levers.js';

/** A lever's fix, lose and keep: its text from the vocabulary (analysis computes bytes and titles only). */
function text(id: LeverId): Pick<Lever, 'fix' | 'lose' | 'keep'> {
  const d = leverDoc(id);
  return { fix: d.fix, lose: d.lose, keep: d.keep };
}

export interface LeverInput {
  files: readonly MergedFile[];
  attribution: Attribution;
  db: PackageDb;
  /** Go binaries of the image (package-owned ones are ignored: you cannot rebuild them here). */
  goBinaries: readonly GoBinary[];
}

export interface LeverResult {
  levers: Lever[];
  /** The order-of-magnitude message: what to fix first, and how small the rest is. */
  headline: string;
  /** Per-file lever claims (path -> lever), for reports that list files per lever. */
  claims: Map<string, LeverId>;
}

const BUILD_CAUSES: ReadonlySet<CauseId> = new Set(['go-toolchain', 'go-module-cache', 'go-build-cache', 'go-source']);
const DISTRO_CAUSES: ReadonlySet<CauseId> = new Set(['shell', 'package-manager', 'os-packages', 'docs']);

const mb = formatBytes;

export function rankLevers(input: LeverInput): LeverResult {
  const { files, attribution, db } = input;
  // The regular files with their causes, each looked up once: every step below goes over them,
  // and skips the ones an earlier step claimed (claimed[i]).
  const regular: MergedFile[] = [];
  const causes: FileCause[] = [];
  for (const f of files) {
    if (f.type !== 'file' && f.type !== 'hardlink') continue;
    const fc = attribution.fileCauses.get(f.path);
    if (fc === undefined) continue;
    regular.push(f);
    causes.push(fc);
  }
  const claimed = new Uint8Array(regular.length);
  const claims = new Map<string, LeverId>();
  const bytes = new Map<LeverId, number>();
  const parts = new Map<LeverId, Map<string, number>>();
  const claim = (i: number, id: LeverId, part: string): void => {
    const f = regular[i]!;
    claimed[i] = 1;
    claims.set(f.path, id);
    bytes.set(id, (bytes.get(id) ?? 0) + f.charged);
    const m = parts.get(id) ?? new Map<string, number>();
    m.set(part, (m.get(part) ?? 0) + f.charged);
    parts.set(id, m);
  };

  const ownGo = input.goBinaries.filter((b) => b.package === undefined);
  const dynamicGo = ownGo.filter((b) => b.linking === 'dynamic');
  const buildOnly = buildOnlyPackages(db);
  const causeBytes = (id: CauseId) => attribution.causes.find((c) => c.id === id)?.bytes ?? 0;
  const singleStage = [...BUILD_CAUSES].some((c) => causeBytes(c) > 0) || causes.some((fc) => buildOnly.has(fc.package ?? ''));

  // 1. multi-stage: everything that exists only to build.
  for (let i = 0; i < regular.length; i++) {
    const fc = causes[i]!;
    if (BUILD_CAUSES.has(fc.cause)) claim(i, 'multi-stage', fc.cause);
    else if (fc.package !== undefined && buildOnly.has(fc.package)) claim(i, 'multi-stage', 'build packages');
    else if (fc.cause === 'vcs' && singleStage) claim(i, 'multi-stage', 'vcs');
  }

  // 2. static-base: the distro userland the service does not use. libc stays with cgo-off while a
  //    dynamic Go binary needs it (a static base cannot be adopted before CGO is off).
  const isDistro = regular.some((f, i) => {
    if (claimed[i] === 1) return false;
    const c = causes[i]!.cause;
    return c === 'shell' || c === 'os-packages' || (c === 'libc' && dynamicGo.length === 0) || (c === 'package-manager' && /^(usr\/)?(s?bin)\/(apt|apt-get|dpkg|apk)$/.test(f.path));
  });
  if (isDistro) {
    for (let i = 0; i < regular.length; i++) {
      if (claimed[i] === 1) continue;
      const c = causes[i]!.cause;
      if (DISTRO_CAUSES.has(c)) claim(i, 'static-base', c);
      else if (c === 'libc' && dynamicGo.length === 0) claim(i, 'static-base', c);
      else if (c === 'other' && !isAppLocation(regular[i]!.path)) claim(i, 'static-base', 'unowned system files');
    }
  }

  // 3. cgo-off: the libc a dynamic Go binary drags in.
  if (dynamicGo.length > 0) {
    for (let i = 0; i < regular.length; i++) if (claimed[i] === 0 && causes[i]!.cause === 'libc') claim(i, 'cgo-off', 'libc');
  }

  // 4. strip-symbols and trimpath: inside the Go binaries.
  const stripBytes = ownGo.reduce((s, b) => s + b.strip.total, 0);
  if (stripBytes > 0) bytes.set('strip-symbols', stripBytes);

  // 5. small ones: whatever the big levers did not already take.
  for (let i = 0; i < regular.length; i++) {
    if (claimed[i] === 1) continue;
    const c = causes[i]!.cause;
    const path = regular[i]!.path;
    if (c === 'vcs') claim(i, 'vcs-metadata', 'vcs');
    else if (c === 'package-manager' && (path.startsWith('var/lib/apt/lists/') || path.startsWith('var/cache/apt/') || path.startsWith('var/cache/apk/')))
      claim(i, 'apt-lists', 'package indexes and caches');
  }

  const levers: Lever[] = [];
  const get = (id: LeverId) => bytes.get(id) ?? 0;
  const part = (id: LeverId, p: string) => parts.get(id)?.get(p) ?? 0;

  if (get('multi-stage') > 0) {
    const tc = part('multi-stage', 'go-toolchain');
    const breakdown = [
      ['Go toolchain', tc],
      ['build packages (compilers, headers, git)', part('multi-stage', 'build packages')],
      ['module cache', part('multi-stage', 'go-module-cache')],
      ['build cache', part('multi-stage', 'go-build-cache')],
      ['Go source', part('multi-stage', 'go-source')],
      ['VCS metadata', part('multi-stage', 'vcs')],
    ]
      .filter(([, n]) => (n as number) > 0)
      .map(([what, n]) => `${what} ${mb(n as number)}`)
      .join(', ');
    levers.push({
      id: 'multi-stage',
      bytes: get('multi-stage'),
      title: `The build environment ships in the image: ${mb(get('multi-stage'))} (${breakdown})`,
      ...text('multi-stage'),
    });
  }
  if (get('static-base') > 0) {
    const byCause = ['os-packages', 'shell', 'package-manager', 'libc', 'docs', 'unowned system files']
      .filter((p) => part('static-base', p) > 0)
      .map((p) => `${p} ${mb(part('static-base', p))}`)
      .join(', ');
    levers.push({
      id: 'static-base',
      bytes: get('static-base'),
      title: `A distro runtime base the service does not use: ${mb(get('static-base'))} (${byCause})`,
      ...text('static-base'),
    });
  }
  if (dynamicGo.length > 0) {
    // Plus the analyzer's estimate of the cgo glue and dynamic-linking tables inside the binaries.
    bytes.set('cgo-off', get('cgo-off') + dynamicGo.reduce((s, b) => s + (b.cgoBytes ?? 0), 0));
    const broken = dynamicGo.filter((b) => !b.willStart);
    const lever: Lever = {
      id: 'cgo-off',
      bytes: get('cgo-off'),
      title:
        broken.length > 0
          ? `${broken.map((b) => `/${b.path}`).join(', ')} will not start: dynamically linked, and the image has no ${broken[0]?.interpreter ?? 'loader'}`
          : `Dynamically linked Go binary needs libc: ${mb(get('cgo-off'))} (libc and loader ${mb(part('cgo-off', 'libc'))}, cgo glue in the binary, estimated)`,
      ...text('cgo-off'),
    };
    if (broken.length > 0) lever.verdict = 'will not start';
    levers.push(lever);
  }
  if (stripBytes > 0) {
    const symtab = ownGo.reduce((s, b) => s + b.strip.symtab, 0);
    const dwarf = ownGo.reduce((s, b) => s + b.strip.dwarf, 0);
    levers.push({
      id: 'strip-symbols',
      bytes: stripBytes,
      title: `Unstripped Go binaries: -s -w would remove ${mb(stripBytes)} (symbol table ${mb(symtab)}, DWARF ${mb(dwarf)})`,
      ...text('strip-symbols'),
    });
  }
  const leaky = ownGo.filter((b) => b.trimpath.leakedPaths > 0);
  if (leaky.length > 0) {
    const n = leaky.reduce((s, b) => s + b.trimpath.leakedPaths, 0);
    const ex = leaky.flatMap((b) => b.trimpath.examples).slice(0, 2);
    levers.push({
      id: 'trimpath',
      // The analyzer's estimate of the pclntab path bytes -trimpath shortens (a few kB).
      bytes: leaky.reduce((s, b) => s + (b.trimpath.estimatedBytes ?? 0), 0),
      title: `${n} absolute build paths in the binaries (e.g. ${ex.join(', ')})`,
      ...text('trimpath'),
    });
  }
  if (get('vcs-metadata') > 0) {
    levers.push({
      id: 'vcs-metadata',
      bytes: get('vcs-metadata'),
      title: `VCS metadata copied into the image: ${mb(get('vcs-metadata'))}`,
      ...text('vcs-metadata'),
    });
  }
  if (get('apt-lists') > 0) {
    levers.push({
      id: 'apt-lists',
      bytes: get('apt-lists'),
      title: `Package indexes and caches left behind: ${mb(get('apt-lists'))}`,
      ...text('apt-lists'),
    });
  }

  // Order between levers: data in the vocabulary, conditions evaluated on this image.
  const holds: Record<LeverCondition, boolean> = { 'dynamic-go-binary': dynamicGo.length > 0 };
  for (const l of levers) {
    const needs = (leverDoc(l.id).needs ?? []).filter((n) => holds[n.when] && levers.some((o) => o.id === n.lever));
    if (needs.length > 0) l.needs = needs.map((n) => ({ lever: n.lever, why: n.why }));
  }
  // A lever that fixes an image that will not start comes first whatever its bytes (issue 14), then biggest first.
  levers.sort((a, b) => (b.verdict ? 1 : 0) - (a.verdict ? 1 : 0) || b.bytes - a.bytes);
  return { levers, headline: headlineFor(levers), claims };
}

/** "fix this first: 610 MB of Go toolchain; stripping saves 9 MB". */
export function headlineFor(levers: readonly Lever[]): string {
  const broken = levers.find((l) => l.verdict === 'will not start');
  const prefix = broken ? `broken: ${broken.title}. ` : '';
  const first = levers.find((l) => l.bytes > 0);
  if (!first) return `${prefix}nothing big to remove: the image is already close to its floor.`;
  const what =
    first.id === 'multi-stage'
      ? `${mb(first.bytes)} of Go toolchain, caches and build packages (multi-stage)`
      : first.id === 'static-base'
        ? `${mb(first.bytes)} of distro userland (static base)`
        : first.id === 'strip-symbols'
          ? `${mb(first.bytes)} of symbols and DWARF (strip)`
          : `${mb(first.bytes)} (${first.id})`;
  const rest = levers
    .filter((l) => l !== first && l.bytes > 0)
    .map((l) => `${l.id === 'strip-symbols' ? 'stripping' : l.id} saves ${mb(l.bytes)}`);
  return `${prefix}fix this first: ${what}${rest.length > 0 ? `; ${rest.join('; ')}` : ''}`;
}
