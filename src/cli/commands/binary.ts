import type { Command } from 'commander';
import { resolve } from 'node:path';
import { analyzeBinary, packerName, type BinaryReport } from '../../binary/index.js';
import { InternalError, UsageError } from '../../errors.js';
import { openRegularFileRanges } from '../../util/regular-file.js';
import { formatBytes, formatPercent } from '../../util/units.js';
import type { CliIO, ExitCode } from '../context.js';
import { formatJsonDocument } from '../../report/document.js';
import { PLAIN, type Style } from '../../report/style.js';
import { addOutputOptions, wantedFormats, writeReport, type OutputCliOptions, type OutputFormat, type Renderer, type Renderers } from '../output.js';
import type { ActionRunner, CommandModule } from './types.js';

interface BinaryOptions extends OutputCliOptions {
  requireGo?: boolean;
  top?: string;
  by?: string;
}

export const BY_VIEWS = ['module', 'package', 'section', 'file'] as const;
export type ByView = (typeof BY_VIEWS)[number];

/** The whole-file table: every byte by module, package, section or source file (issue 15). */
function renderBy(r: BinaryReport, by: ByView, top: number, out: string[]): void {
  const a = r.attribution;
  const pct = (n: number): string => formatPercent(n / r.size);
  out.push(
    `${pad('bytes', 10)}${formatBytes(a.attributed)} of ${formatBytes(a.total)} attributed, ${formatBytes(a.unattributed)} (${pct(a.unattributed)}) unattributed; ` +
      `${formatBytes(a.estimated)} (${pct(a.estimated)}) estimated from code references; method: ${a.method}`,
  );
  const rows: Array<[number, string]> = [];
  if (by === 'module') {
    out.push(`${pad('by module', 11)}${r.modules.length} (packages rolled up by build info; --by package|section|file)`);
    const mainPackages = r.modules.find((m) => m.path === r.go?.main?.path)?.packages.length ?? 0;
    for (const m of r.modules) {
      const site = m.via?.length === 1 && mainPackages > 1 ? `; pulled in only through ${m.via[0]}` : '';
      rows.push([m.size, `${m.path}${m.version ? ` ${m.version}` : ''}  (${m.packages.length} package${m.packages.length === 1 ? '' : 's'}${site})`]);
    }
    for (const t of overheadBySum(r)) rows.push([t.size, `[${t.name}]`]);
  } else if (by === 'package') {
    out.push(`${pad('by package', 11)}${r.packages.length} (every section: code, pc-line table, data, symbols)`);
    for (const p of r.packages) {
      const parts = Object.entries(p.sections).slice(0, 3).map(([k, n]) => `${k} ${formatBytes(n)}`).join(', ');
      rows.push([p.size, `${p.name}  (${parts})`]);
    }
    for (const t of overheadBySum(r)) rows.push([t.size, `[${t.name}]`]);
  } else if (by === 'section') {
    out.push(`${pad('by section', 11)}${a.sections.length} (attributed / unattributed)`);
    for (const s of [...a.sections].sort((x, y) => y.size - x.size)) {
      rows.push([s.size, `${s.name}  (${formatBytes(s.attributed)} attributed${s.unattributed > 0 ? `, ${formatBytes(s.unattributed)} not` : ''})`]);
    }
  } else {
    const total = r.files.reduce((x, f) => x + f.size, 0);
    out.push(`${pad('by file', 11)}${r.files.length} source files, ${formatBytes(total)} of machine code (from the pclntab's pcfile tables)`);
    for (const f of r.files) rows.push([f.size, f.name]);
  }
  rows.sort((x, y) => y[0] - x[0]);
  for (const [n, label] of rows.slice(0, top)) out.push(`            ${pad(formatBytes(n), 9)} ${pad(pct(n), 7)} ${label}`);
  if (rows.length > top) out.push(`            ... ${rows.length - top} more (--top N, or --json for all)`);
}

/** Overhead tiles summed by name (a tile can span several sections, e.g. DWARF). */
function overheadBySum(r: BinaryReport): Array<{ name: string; size: number }> {
  const m = new Map<string, number>();
  for (const t of r.attribution.overhead) m.set(t.name, (m.get(t.name) ?? 0) + t.size);
  return [...m].map(([name, size]) => ({ name, size }));
}

/**
 * Analyze a regular file (not a FIFO or /dev/zero), at most binary.fileSize: read range by range,
 * so a large Go binary is never held whole (src/binary/source.ts).
 */
function analyzeFile(path: string, display: string, requireGo: boolean): BinaryReport {
  const file = openRegularFileRanges(path, { limitKey: 'binary.fileSize', what: 'executable', display });
  try {
    return analyzeBinary(file, { path: display, requireGo });
  } finally {
    file.close();
  }
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

export function renderBinaryText(r: BinaryReport, top: number, by: ByView = 'module', style: Style = PLAIN): string {
  const out: string[] = [];
  const line = (k: string, v: string): void => void out.push(`${style.bold(pad(k, 10))}${v}`);
  out.push(`${r.path ?? '(bytes)'}: ${formatBytes(r.size)} (${r.size} bytes), ${r.format.toUpperCase()} ${r.class}-bit ${r.endian}-endian ${r.machine} (${r.arch}), ${r.type}`);
  if (r.format === 'macho') line('linking', `dynamic via ${r.interpreter ?? 'dyld'} (every Mach-O executable is), libraries: ${r.needed.join(', ') || 'none'}`);
  else if (r.format === 'pe') line('linking', 'dynamic via the Windows loader (every PE executable is; static is an ELF question)');
  else if (r.linking === 'static') line('linking', 'static (no interpreter, no shared libraries)');
  else if (r.linking === 'static-pie') line('linking', 'static-pie (self-relocating, no interpreter, no shared libraries)');
  else if (r.needed.length === 0) line('linking', `dynamic: needs only the loader ${r.interpreter ?? '?'} (PIE), no shared libraries`);
  else line('linking', `dynamic: interpreter ${r.interpreter ?? '(none)'}, needs ${r.needed.join(', ')}`);
  for (const v of r.versions.needed) {
    line(' versions', `${v.name}: newest ${v.newest} (needs ${v.versions.join(', ')})`);
  }
  if (r.versions.defined.length > 0) {
    const d = r.versions.defined;
    line('defines', `${d.length} symbol versions (${d.length > 6 ? `${d.slice(0, 3).join(', ')} … ${d.slice(-2).join(', ')}` : d.join(', ')})`);
  }
  if (r.go) {
    const g = r.go;
    line('go', `${g.version ?? 'version unknown'}${g.path ? `  ${g.path}` : ''}${g.recovered ? '  (recovered heuristically: build-info header missing)' : ''}`);
    if (g.main) line('  module', `${g.main.path} ${g.main.version}${g.main.sum ? ` ${g.main.sum}` : ''}`);
    if (g.deps.length > 0) {
      line('  deps', `${g.deps.length}`);
      for (const d of g.deps.slice(0, top)) {
        out.push(`            ${d.path} ${d.version}${d.replace ? ` => ${d.replace.path} ${d.replace.version}` : ''}`);
      }
      if (g.deps.length > top) out.push(`            ... ${g.deps.length - top} more (--json for all)`);
    }
    const settings = Object.entries(g.settings);
    if (settings.length > 0) line('  build', settings.map(([k, v]) => `${k}=${/\s/.test(v) ? JSON.stringify(v) : v}`).join(' '));
  } else if (r.packed !== null) {
    line('go', `not visible: packed with ${packerName(r.packed)}, ${formatBytes(r.packed.unpackedSize)} unpacked (see hints; \`upx -d\` a copy to analyze it)`);
  } else {
    line('go', 'not a Go executable (no build info, no pclntab)');
  }
  line('cgo', r.cgo.used ? `yes${r.cgo.runtimeCgo ? ' (runtime/cgo)' : ''}${r.cgo.externalLinking ? ' (external linker)' : ''}${r.cgo.libraries.length ? `, C libraries: ${r.cgo.libraries.join(', ')}` : ''}` : 'no');
  line('strip', r.strip.total > 0
    ? `-s -w removes ${formatBytes(r.strip.total)} = ${formatPercent(r.strip.total / r.size)} (symbol table ${formatBytes(r.strip.symtab)}, DWARF ${formatBytes(r.strip.dwarf)})`
    : 'already stripped (no .symtab, .strtab or DWARF)');
  line('trimpath', r.trimpath.files === 0
    ? 'no file table'
    : r.trimpath.leakedPaths === 0
      ? `no absolute paths (${r.trimpath.files} file names)`
      : `${r.trimpath.leakedPaths} of ${r.trimpath.files} file names are absolute build paths, e.g. ${r.trimpath.examples.slice(0, 2).join(', ')}`);
  if (r.packages.length > 0) {
    line('code', `.text ${formatBytes(r.code.text)}: Go ${formatBytes(r.code.attributed)} in ${r.packages.length} packages, other ${formatBytes(r.code.unattributed)} (C/crt code outside the pclntab)`);
    for (const p of r.packages.slice(0, top)) out.push(`            ${pad(formatBytes(p.size), 9)} ${p.name}`);
    if (r.packages.length > top) out.push(`            ... ${r.packages.length - top} more (--json for all)`);
  }
  line('sections', `${r.sections.length}; ${formatBytes(r.layout.sections)} in sections, ${formatBytes(r.layout.headersAndPadding)} headers/padding`);
  if (by !== 'section') {
    for (const s of [...r.sections].sort((a, b) => b.size - a.size).slice(0, top)) {
      if (s.size > 0) out.push(`            ${pad(formatBytes(s.size), 9)} ${s.name}${s.compressed ? ' (compressed)' : ''}`);
    }
  }
  if (r.go) renderBy(r, by, top, out);
  if (r.embedded.length > 0) {
    line('embedded', `${r.embedded.length} files, ${formatBytes(r.embedded.reduce((x, f) => x + f.size, 0))} (embed.FS)`);
    for (const f of r.embedded.slice(0, top)) out.push(`            ${pad(formatBytes(f.size), 9)} ${f.name}`);
  }
  if (r.hints.length > 0) {
    line('hints', `${r.hints.length} (beyond the four levers; decisions, never applied automatically)`);
    for (const h of r.hints) {
      out.push(`  [${h.hint}] ${h.bytes > 0 ? `${formatBytes(h.bytes)}  ` : ''}${h.title}`);
      out.push(`      fix:  ${h.fix}`);
      out.push(`      more: ${h.explain}`);
    }
  }
  if (r.findings.length === 0) {
    line('findings', r.packed !== null ? 'none visible: the packed program hides its sections (see hints)' : 'none: nothing left to remove at the binary level');
  } else {
    line('findings', `${r.findings.length}`);
    for (const f of r.findings) {
      out.push(`  [${style.warn(f.lever)}] ${f.estimated ? '~' : ''}${formatBytes(f.bytes)}  ${f.title}`);
      out.push(`      fix:  ${f.fix}`);
      out.push(`      lose: ${f.lose}`);
      out.push(`      keep: ${f.keep}`);
      out.push(`      more: ${f.explain}`);
    }
  }
  return `${out.join('\n')}\n`;
}

/**
 * The renderers of markdown, html and SARIF, loaded only when a run asks for them: their modules
 * (the HTML pages, the Dockerfile parser SARIF locates findings with) cost more start-up than the
 * analysis of a small binary (docs/binary.md, "Speed and memory").
 */
export interface LoadedRenderers {
  markdown?: Renderer<BinaryReport>;
  html?: Renderer<BinaryReport>;
  sarif?: Renderer<BinaryReport>;
}

export async function loadBinaryRenderers(formats: readonly OutputFormat[], top: number): Promise<LoadedRenderers> {
  const out: LoadedRenderers = {};
  if (formats.includes('markdown')) {
    const { renderBinaryMarkdown } = await import('../../report/report-markdown.js');
    out.markdown = (r) => renderBinaryMarkdown(r, { top });
  }
  if (formats.includes('html')) {
    const { renderBinaryHtml } = await import('../../report/html/index.js');
    out.html = (r) => renderBinaryHtml(r);
  }
  if (formats.includes('sarif')) {
    const { formatImageSarif } = await import('../../report/image-sarif.js');
    out.sarif = (r, ctx) =>
      formatImageSarif(
        {
          image: { ref: r.path ?? '(bytes)', platform: `${r.format} ${r.arch}` },
          subject: 'executable',
          checks: [],
          levers: r.findings.map((f) => ({ id: f.lever, bytes: f.bytes, title: f.title, fix: f.fix, lose: f.lose, keep: f.keep })),
        },
        { toolVersion: ctx.toolVersion },
      );
  }
  return out;
}

/** binary's renderer table (src/cli/output.ts); markdown, html and sarif from loadBinaryRenderers. */
export function binaryRenderers(top: number, by: ByView = 'module', loaded: LoadedRenderers = {}): Renderers<BinaryReport> {
  const notLoaded = (format: string): Renderer<BinaryReport> => loaded[format as keyof LoadedRenderers] ?? (() => {
    throw new InternalError(`binary: the ${format} renderer was not loaded`);
  });
  return {
    text: (r, ctx) => renderBinaryText(r, top, by, ctx.style),
    json: (r) => formatJsonDocument('binary', r),
    markdown: notLoaded('markdown'),
    html: notLoaded('html'),
    sarif: notLoaded('sarif'),
  };
}

export const command: CommandModule = {
  register(program: Command, run: ActionRunner): void {
    addOutputOptions(program
      .command('binary')
      .description('Analyze a Go executable: linking, build info, sections, strip and trimpath figures, code per package')
      .argument('<file>', 'executable to analyze (ELF; Mach-O and PE: sections, build info, pclntab)'), binaryRenderers(12))
      .option('--require-go', 'fail with E_NOT_GO_BINARY when the file is not a Go executable')
      .option('--top <n>', 'rows of packages, deps and sections in the text output', '12')
      .option('--by <view>', `whole-file table in the text output: ${BY_VIEWS.join('|')}`, 'module')
      .action(async (file: string, opts: BinaryOptions) => {
        await run(async (io: CliIO): Promise<ExitCode> => {
          const top = Number(opts.top);
          if (!Number.isInteger(top) || top < 0) throw new UsageError(`--top must be a non-negative integer, got "${opts.top}"`);
          const by = (opts.by ?? 'module') as ByView;
          if (!(BY_VIEWS as readonly string[]).includes(by)) throw new UsageError(`--by must be one of ${BY_VIEWS.join(', ')}, got "${opts.by}"`);
          const path = resolve(io.cwd, file);
          // V8's young generation is held at its starting size for this run (src/cli/young-generation.ts).
          const report = analyzeFile(path, file, Boolean(opts.requireGo));
          const loaded = await loadBinaryRenderers(wantedFormats(opts), top);
          await writeReport(io, opts, binaryRenderers(top, by, loaded), report);
          return 0;
        });
      });
  },
};
