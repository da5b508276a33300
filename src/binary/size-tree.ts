/**
 * Where an executable's bytes are, as a tree for a treemap (issue 13): sections; .text split into
 * module -> package (Go function sizes from the pclntab, grouped by the longest module path of the
 * build info that prefixes the package), the rest of .text as C/crt/assembly; the sections
 * `-s -w` removes grouped; the absolute build paths `-trimpath` removes carved out of .gopclntab
 * (an estimate); headers and padding. The leaves add up to the file size. Pure.
 */
import type { BinaryReport } from './types.js';

/** Colour keys of the leaves. */
export type SizeKey = 'main' | 'dep' | 'std' | 'other-go' | 'c' | 'strip' | 'trimpath' | 'section' | 'headers';

/** A treemap node: name, bytes (leaves), colour key (see SIZE_KEYS), children, note. */
export interface SizeNode<K extends string = SizeKey> {
  n: string;
  b?: number;
  k?: K;
  d?: Array<SizeNode<K>>;
  t?: string;
}

function isStripSection(name: string): boolean {
  return name === '.symtab' || name === '.strtab' || name.startsWith('.debug_') || name.startsWith('.zdebug_') || name.startsWith('__debug_') || name.startsWith('__zdebug_');
}

function isTextSection(name: string): boolean {
  return name === '.text' || name === '__text';
}

function isPclntab(name: string): boolean {
  return name === '.gopclntab' || name === '__gopclntab';
}

/** The module a package belongs to: the longest module path that is the package path or its prefix. */
function moduleOf(pkg: string, modules: string[]): string | undefined {
  let best: string | undefined;
  for (const m of modules) {
    if ((pkg === m || pkg.startsWith(`${m}/`)) && (best === undefined || m.length > best.length)) best = m;
  }
  return best;
}

function isStdPackage(pkg: string): boolean {
  const first = pkg.split('/')[0] ?? '';
  return !first.includes('.') || pkg.startsWith('vendor/golang.org/');
}

/** Sum of a node's leaves. */
export function sizeTreeBytes(n: SizeNode<string>): number {
  if (n.d === undefined) return n.b ?? 0;
  let s = 0;
  for (const c of n.d) s += sizeTreeBytes(c);
  return s;
}

function codeNode(r: BinaryReport, textName: string, textSize: number): SizeNode {
  // A package's .text bytes (the whole-file attribution also gives its data and pclntab bytes; this tile is .text).
  const textOf = (p: BinaryReport['packages'][number]): number => (p.sections !== undefined ? (p.sections[textName] ?? 0) : p.size);
  const pkgs = r.packages.map((p) => ({ name: p.name, size: textOf(p) })).filter((p) => p.size > 0);
  if (pkgs.length === 0) return { n: 'code (.text)', b: textSize, k: 'c', t: 'no pclntab: code not split by package' };
  const mainPath = r.go?.main?.path;
  const deps = (r.go?.deps ?? []).map((d) => d.path);
  const modules = [...(mainPath !== undefined && mainPath !== '' ? [mainPath] : []), ...deps];
  // The binary analysis's own package -> module roll-up, when it made one.
  const moduleOfPkg = new Map<string, string>();
  for (const m of r.modules ?? []) for (const p of m.packages) moduleOfPkg.set(p, m.path);
  const groups = new Map<string, { key: SizeKey; pkgs: SizeNode[] }>();
  const add = (group: string, key: SizeKey, node: SizeNode): void => {
    const g = groups.get(group) ?? { key, pkgs: [] };
    g.pkgs.push(node);
    groups.set(group, g);
  };
  let attributed = 0;
  for (const p of pkgs) {
    attributed += p.size;
    const rolled = moduleOfPkg.get(p.name);
    const m = rolled !== undefined && modules.includes(rolled) ? rolled : moduleOf(p.name, modules);
    if (m !== undefined) add(m, m === mainPath ? 'main' : 'dep', { n: p.name, b: p.size, k: m === mainPath ? 'main' : 'dep' });
    else if (p.name === 'main' && mainPath !== undefined) add(mainPath, 'main', { n: 'main', b: p.size, k: 'main' });
    else if (isStdPackage(p.name)) add('std (Go standard library)', 'std', { n: p.name, b: p.size, k: 'std' });
    else add('other Go code', 'other-go', { n: p.name, b: p.size, k: 'other-go' });
  }
  const children: SizeNode[] = [...groups].map(([name, g]) => ({ n: name, k: g.key, d: g.pkgs, t: g.key === 'dep' || g.key === 'main' ? 'module' : '' }));
  const rest = textSize - attributed;
  if (rest > 0) children.push({ n: 'C, crt and assembly (not in the pclntab)', b: rest, k: 'c' });
  return { n: 'code (.text)', k: 'section', d: children, t: 'Go code per module and package (pclntab function sizes)' };
}

export function sizeTree(r: BinaryReport): SizeNode {
  const children: SizeNode[] = [];
  const strip: SizeNode[] = [];
  for (const s of r.sections) {
    if (s.size <= 0) continue;
    if (isStripSection(s.name)) strip.push({ n: s.name, b: s.size, k: 'strip', t: s.compressed ? 'compressed' : '' });
    else if (isTextSection(s.name)) children.push(codeNode(r, s.name, s.size));
    else if (isPclntab(s.name) && r.trimpath.parts.pclntab > 0 && r.trimpath.parts.pclntab < s.size) {
      children.push({
        n: s.name,
        k: 'section',
        d: [
          { n: 'absolute build paths (-trimpath removes, estimate)', b: r.trimpath.parts.pclntab, k: 'trimpath' },
          { n: `${s.name} (rest)`, b: s.size - r.trimpath.parts.pclntab, k: 'section' },
        ],
      });
    } else children.push({ n: s.name, b: s.size, k: 'section', t: s.compressed ? 'compressed' : '' });
  }
  if (strip.length > 0) children.push({ n: 'symbols and DWARF (-s -w removes)', k: 'strip', d: strip });
  if (r.layout.headersAndPadding > 0) children.push({ n: 'headers and padding', b: r.layout.headersAndPadding, k: 'headers' });
  return { n: r.path ?? '(bytes)', d: children };
}
