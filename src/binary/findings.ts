/**
 * Lever findings for one binary, phrased with this binary's own numbers. In a
 * lone binary only `strip-symbols`, `trimpath` and `cgo-off` can apply; the
 * image-level levers (`multi-stage`, `static-base`) belong to the inspector.
 */
import { formatBytes } from '../util/units.js';
import { leverDoc, type LeverId } from '../vocabulary/levers.js';
import type { BinaryReport, BinaryFinding, BinaryHint, PackedInfo } from './types.js';
import { hintDoc, type HintId } from '../vocabulary/hints.js';
import { packerName } from './packer.js';

type Facts = Pick<BinaryReport, 'strip' | 'trimpath' | 'linking' | 'needed' | 'interpreter' | 'cgo' | 'go' | 'sections'> & {
  cgoBytes: number;
};

/** A finding: this binary's numbers in the title; fix, lose and keep are the lever's (one copy, src/vocabulary). */
function finding(lever: LeverId, bytes: number, estimated: boolean, title: string): BinaryFinding {
  const doc = leverDoc(lever);
  return { id: `binary/${lever}`, lever, bytes, estimated, title, fix: doc.fix, lose: doc.lose, keep: doc.keep, explain: `goslim explain ${lever}` };
}

export function binaryFindings(r: Facts): BinaryFinding[] {
  const out: BinaryFinding[] = [];
  const pcln = r.go?.pclntab?.size ?? 0;

  if (r.strip.total > 0) {
    out.push(
      finding(
        'strip-symbols',
        r.strip.total,
        false,
        `-s -w would remove ${formatBytes(r.strip.total)} (symbol table ${formatBytes(r.strip.symtab)}, DWARF ${formatBytes(r.strip.dwarf)})${pcln > 0 ? `; the pc-line table (.gopclntab, ${formatBytes(pcln)}) stays` : ''}`,
      ),
    );
  }

  if (r.trimpath.leakedPaths > 0) {
    const ex = r.trimpath.examples[0] ?? '';
    out.push(
      finding(
        'trimpath',
        r.trimpath.estimatedBytes,
        true,
        `${r.trimpath.leakedPaths} of ${r.trimpath.files} source file names are absolute build paths (e.g. ${ex}); -trimpath shortens them by about ${formatBytes(r.trimpath.estimatedBytes)}${
          r.trimpath.parts.dwarfLine ? ` (${formatBytes(r.trimpath.parts.pclntab)} in the file table, ${formatBytes(r.trimpath.parts.dwarfLine + r.trimpath.parts.gdbScripts)} in the DWARF, which -s -w removes anyway)` : ''
        }`,
      ),
    );
  }

  if (r.linking === 'dynamic' && r.needed.length > 0 && r.cgo.used) {
    const beyond = r.needed.filter((n) => !LIBC_PARTS.test(n));
    if (beyond.length > 0) {
      // The C libraries are the program's own: turning cgo off would lose them (the cgo-libraries hint says what to do).
      out.push(
        finding(
          'cgo-off',
          r.cgoBytes,
          true,
          `Dynamically linked through cgo and needs C libraries beyond libc (${beyond.join(', ')}): CGO_ENABLED=0 is not the fix here (see goslim explain cgo-libraries); it cannot start on scratch or distroless/static`,
        ),
      );
      return out.sort((a, b) => b.bytes - a.bytes);
    }
    out.push(
      finding(
        'cgo-off',
        r.cgoBytes,
        true,
        `Dynamically linked through cgo (needs ${r.needed.join(', ')} and ${r.interpreter ?? 'a dynamic loader'}): it will not start on scratch or distroless/static; CGO_ENABLED=0 removes about ${formatBytes(r.cgoBytes)} of cgo glue and dynamic-linking tables`,
      ),
    );
  }
  return out.sort((a, b) => b.bytes - a.bytes);
}

/** C libraries that are part of the C library itself (glibc's split libraries, musl, the loader). */
const LIBC_PARTS = /^(libc\.so\.\d+|libc\.musl-.*|libpthread\.so\.\d+|libdl\.so\.\d+|libm\.so\.\d+|librt\.so\.\d+|libresolv\.so\.\d+|libutil\.so\.\d+|libanl\.so\.\d+|ld-linux.*|ld-musl.*|libgcc_s\.so\.\d+)$/;

/** Share of the file the largest dependency module must reach for the heavy-dependencies hint. */
const HEAVY_SHARE = 0.01;

/** Share of the file above which a group of embedded files "dominates" enough to name first. */
const EMBED_SHARE = 0.05;

/**
 * The exe-compression hint's title for one packed file, with its numbers (`goslim binary`, and
 * `goslim inspect` for each packed executable of an image); the why is the hint's topic.
 */
export function packedTitle(size: number, p: PackedInfo): string {
  return `packed with ${packerName(p)} (${p.method}, level ${p.level}, ${p.format}): ${formatBytes(size)} on disk, ${formatBytes(p.unpackedSize)} decompressed into private memory at every start of every replica; its contents (Go build info, packages) are hidden from goslim: unpack a copy with \`upx -d\` to analyze it`;
}

type HintFacts = Pick<BinaryReport, 'size' | 'packages' | 'modules' | 'embedded' | 'needed' | 'cgo' | 'go' | 'packed'>;

function hint(id: HintId, bytes: number, size: number, title: string, items: BinaryHint['items']): BinaryHint {
  const d = hintDoc(id);
  return { id: `binary/${id}`, hint: id, bytes, share: size > 0 ? bytes / size : 0, title, fix: d.fix, lose: d.lose, keep: d.keep, explain: `goslim explain ${id}`, items };
}

/**
 * Hints beyond the four levers, with this binary's numbers (issue 15). Hints are never applied by
 * `fix`: each one is a decision about code or deployment.
 */
export function binaryHints(r: HintFacts): BinaryHint[] {
  const out: BinaryHint[] = [];
  if (r.packed !== null) {
    out.push(hint('exe-compression', r.size, r.size, packedTitle(r.size, r.packed), [{ name: 'unpacked program', bytes: r.packed.unpackedSize }]));
  }
  if (r.go === null) return out;
  const pct = (n: number): string => `${((100 * n) / r.size).toFixed(1)} %`;

  if (r.embedded.length > 0) {
    const total = r.embedded.reduce((a, f) => a + f.size, 0);
    const top = r.embedded.slice(0, 3).map((f) => `${f.name} ${formatBytes(f.size)}`).join(', ');
    out.push(
      hint('embedded-assets', total, r.size, `${r.embedded.length} embedded files, ${formatBytes(total)} (${pct(total)} of the binary${total / r.size >= EMBED_SHARE ? ', a large share' : ''}): ${top}${r.embedded.length > 3 ? ', ...' : ''}; serve them from a volume or embed them compressed`, r.embedded.map((f) => ({ name: f.name, bytes: f.size }))),
    );
  }

  const debug = r.packages.filter((p) => p.name === 'net/http/pprof' || p.name === 'expvar');
  if (debug.length > 0) {
    const bytes = debug.reduce((a, p) => a + p.size, 0);
    const extra = r.packages.filter((p) => p.name === 'runtime/pprof' || p.name === 'internal/profile');
    const items = [...debug, ...extra].map((p) => ({ name: p.name, bytes: p.size, ...(extra.includes(p) ? { note: 'linked for net/http/pprof; also goes if nothing else imports it' } : {}) }));
    out.push(
      hint('debug-endpoints', bytes, r.size, `${debug.map((p) => `${p.name} (${formatBytes(p.size)})`).join(' and ')} linked in${extra.length ? `, with ${extra.map((p) => `${p.name} ${formatBytes(p.size)}`).join(', ')}` : ''}: guard the import with a build tag`, items),
    );
  }

  const deps = r.modules.filter((m) => !m.path.startsWith('<') && m.path !== 'std' && m.path !== 'runtime' && m.path !== 'cgo/C' && m.path !== 'cmd' && m.path !== r.go?.main?.path);
  // Only worth a look when the largest dependency is a visible share of the binary.
  if (deps.length > 0 && (deps[0]?.size ?? 0) / r.size >= HEAVY_SHARE) {
    const top = deps.slice(0, 5);
    const bytes = top.reduce((a, m) => a + m.size, 0);
    // Import sites (modules[].via, src/binary/sites.ts): a module reached from one main-module package only.
    // With a one-package main module (kubectl: only `main`) that is every module, and says nothing.
    const mainPackages = r.modules.find((m) => m.path === r.go?.main?.path)?.packages.length ?? 0;
    const single = mainPackages > 1 ? deps.filter((m) => m.via?.length === 1).slice(0, 5) : [];
    const sites = single.length > 0
      ? `; pulled in only through one package of the main module: ${single.map((m) => `${m.path} ${formatBytes(m.size)} through ${m.via![0]}`).join(', ')}`
      : '';
    const note = (m: (typeof deps)[number]): string =>
      `${m.packages.length} packages${m.via === undefined || mainPackages < 2 ? '' : m.via.length === 1 ? `; pulled in only through ${m.via[0]}` : m.via.length === 0 ? '; import site not visible in the code' : `; pulled in through ${m.via.length} packages of the main module`}`;
    out.push(
      hint(
        'heavy-dependencies',
        bytes,
        r.size,
        `largest dependencies: ${top.map((m) => `${m.path} ${formatBytes(m.size)} (${pct(m.size)})`).join(', ')}${sites}`,
        top.map((m) => ({ name: `${m.path}${m.version ? ` ${m.version}` : ''}`, bytes: m.size, note: note(m), ...(m.via ? { via: m.via } : {}) })),
      ),
    );
  }

  const beyond = r.needed.filter((n) => !LIBC_PARTS.test(n));
  if (beyond.length > 0) {
    out.push(
      hint('cgo-libraries', 0, r.size, `needs C libraries beyond libc (${beyond.join(', ')}): CGO_ENABLED=0 is not the fix; use a base with glibc and these libraries (distroless cc/base plus them)`, beyond.map((n) => ({ name: n, bytes: 0 }))),
    );
  }
  return out;
}
