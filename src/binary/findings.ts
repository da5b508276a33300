/**
 * Lever findings for one binary, phrased with this binary's own numbers. In a
 * lone binary only `strip-symbols`, `trimpath` and `cgo-off` can apply; the
 * image-level levers (`multi-stage`, `static-base`) belong to the inspector.
 */
import { formatBytes } from '../util/units.js';
import type { BinaryReport, Finding, Lever } from './types.js';

type Facts = Pick<BinaryReport, 'strip' | 'trimpath' | 'linking' | 'needed' | 'interpreter' | 'cgo' | 'go' | 'sections'> & {
  cgoBytes: number;
};

function finding(lever: Lever, bytes: number, estimated: boolean, f: Omit<Finding, 'id' | 'lever' | 'bytes' | 'estimated' | 'explain'>): Finding {
  return { id: `binary/${lever}`, lever, bytes, estimated, ...f, explain: `goslim explain ${lever}` };
}

export function binaryFindings(r: Facts): Finding[] {
  const out: Finding[] = [];
  const pcln = r.go?.pclntab?.size ?? 0;
  const pclnText = pcln > 0 ? `the pc-line table (.gopclntab, ${formatBytes(pcln)}) stays` : 'the pc-line table (.gopclntab) stays';

  if (r.strip.total > 0) {
    out.push(
      finding('strip-symbols', r.strip.total, false, {
        title: `-s -w would remove ${formatBytes(r.strip.total)} (symbol table ${formatBytes(r.strip.symtab)}, DWARF ${formatBytes(r.strip.dwarf)})`,
        fix: 'go build -ldflags="-s -w" (since Go 1.22 -s alone also drops DWARF)',
        lose: 'Source-level debugging with dlv or gdb (DWARF), and symbol names for nm, perf and other external tools.',
        keep: `Panics and runtime stack traces keep function names, files and line numbers because ${pclnText}; pprof profiles still symbolize.`,
      }),
    );
  }

  if (r.trimpath.leakedPaths > 0) {
    const ex = r.trimpath.examples[0] ?? '';
    out.push(
      finding('trimpath', r.trimpath.estimatedBytes, true, {
        title: `${r.trimpath.leakedPaths} of ${r.trimpath.files} source file names are absolute build paths (e.g. ${ex}); -trimpath shortens them by about ${formatBytes(r.trimpath.estimatedBytes)}`,
        fix: 'go build -trimpath',
        lose: 'Absolute paths in stack traces (they become module-relative, e.g. net/http/server.go); debuggers need a path substitution to find sources.',
        keep: 'File names and line numbers in stack traces; the build becomes independent of the build machine directory layout (reproducible builds), and user names and CI workspace paths stop leaking.',
      }),
    );
  }

  if (r.linking === 'dynamic' && r.needed.length > 0 && r.cgo.used) {
    out.push(
      finding('cgo-off', r.cgoBytes, true, {
        title: `Dynamically linked through cgo (needs ${r.needed.join(', ')} and ${r.interpreter ?? 'a dynamic loader'}): it will not start on scratch or distroless/static`,
        fix: 'CGO_ENABLED=0 go build ... (add -tags netgo,osusergo on old toolchains)',
        lose: 'C code called through cgo; if the program really needs a C library, keep cgo and use a base image that ships that libc (e.g. distroless/base).',
        keep: `net and os/user switch to their pure-Go implementations (DNS from /etc/resolv.conf and /etc/hosts); the binary becomes static and runs on any base, including scratch. About ${formatBytes(r.cgoBytes)} of cgo glue and dynamic-linking tables go away.`,
      }),
    );
  }
  return out.sort((a, b) => b.bytes - a.bytes);
}
