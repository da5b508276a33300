/**
 * Lever findings for one binary, phrased with this binary's own numbers. In a
 * lone binary only `strip-symbols`, `trimpath` and `cgo-off` can apply; the
 * image-level levers (`multi-stage`, `static-base`) belong to the inspector.
 */
import { formatBytes } from '../util/units.js';
import { leverDoc, type LeverId } from '../vocabulary/levers.js';
import type { BinaryReport, BinaryFinding } from './types.js';

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
        `${r.trimpath.leakedPaths} of ${r.trimpath.files} source file names are absolute build paths (e.g. ${ex}); -trimpath shortens them by about ${formatBytes(r.trimpath.estimatedBytes)}`,
      ),
    );
  }

  if (r.linking === 'dynamic' && r.needed.length > 0 && r.cgo.used) {
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
