/**
 * The analyzer against real Go binaries built at test time (Debian's Go), checked
 * against the real tools: `go version -m` (build info), `readelf -hSlWd` (sections,
 * linking), and the real size difference between -s -w and unstripped builds.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { beforeAll, expect, it } from 'vitest';
import { buildFixture, buildFixtures, HELLO, MATRIX } from '../../test/fixtures/go/build-fixtures.js';
import { goVersionM, readelf } from '../../test/fixtures/go/oracles.js';
import { analyzeBinary, codeByPackage, elfExecutable, findPclntab } from './analyze.js';
import { dwarfSectionData } from './dwarf-data.js';
import { dwarfUnits } from './dwarf-units.js';
import { readElf } from './elf.js';
import { rewriteLineTableNames } from './dwarf-line.js';
import { isAbsolutePath, localReplaces, trimpathRewriter } from './trimpath.js';
import { packageOf } from './packages.js';
import type { BinaryReport } from './types.js';
import { describeWithTools } from '../../test/helpers/tools.js';

const bins = new Map<string, string>();
const reports = new Map<string, BinaryReport>();
const report = (name: string): BinaryReport => {
  let r = reports.get(name);
  if (!r) {
    const p = bins.get(name);
    if (!p) throw new Error(`fixture ${name} not built`);
    r = analyzeBinary(readFileSync(p), { path: p });
    reports.set(name, r);
  }
  return r;
};
const size = (name: string): number => statSync(bins.get(name) as string).size;

/** End of the last PT_LOAD segment's file extent, read from an ELF64 little-endian file's program headers. */
function loadEnd(path: string): number {
  const b = readFileSync(path);
  const phoff = Number(b.readBigUInt64LE(0x20));
  const size = b.readUInt16LE(0x36);
  let end = 0;
  for (let i = 0, n = b.readUInt16LE(0x38); i < n; i++) {
    const o = phoff + i * size;
    if (b.readUInt32LE(o) === 1) end = Math.max(end, Number(b.readBigUInt64LE(o + 8) + b.readBigUInt64LE(o + 32)));
  }
  return end;
}

describeWithTools(['go'], 'real Go binaries', () => {
  beforeAll(async () => {
    for (const [k, v] of await buildFixtures(MATRIX)) bins.set(k, v);
  }, 900_000);

  it.each(MATRIX.map((s) => s.name))('%s: build info equals `go version -m`', async (name) => {
    const r = report(name);
    const o = await goVersionM(bins.get(name) as string);
    expect(r.go?.version).toBe(o.version);
    expect(r.go?.path).toBe(o.path);
    expect([r.go?.main?.path, r.go?.main?.version, r.go?.main?.sum ?? '']).toEqual([o.mod[0], o.mod[1], o.mod[2] ?? '']);
    expect(r.go?.deps.map((d) => [d.path, d.version, d.sum, d.replace ? [d.replace.path, d.replace.version, d.replace.sum] : null])).toEqual(
      o.deps.map((d) => [d.fields[0], d.fields[1], d.fields[2] ?? '', d.replace ? [d.replace[0], d.replace[1], d.replace[2] ?? ''] : null]),
    );
    expect(r.go?.settings).toEqual(o.settings);
    expect(r.go?.recovered).toBe(false);
  });

  it.each(MATRIX.map((s) => s.name))('%s: sections and linking equal readelf', async (name) => {
    const r = report(name);
    const o = await readelf(bins.get(name) as string);
    expect(r.sections).toEqual(o.sections.map((s) => ({ name: s.name, size: s.size, compressed: s.compressed })));
    expect(r.interpreter).toBe(o.interpreter);
    expect(r.needed).toEqual(o.needed);
    expect(r.type).toBe(o.type.toLowerCase());
    const verdict = o.interpreter ? 'dynamic' : o.hasDynamic ? 'static-pie' : 'static';
    expect(r.linking).toBe(verdict);
    // The strip figure is the on-disk sum of the sections -s -w removes, plus the alignment padding
    // between them when they are the file's tail (then it is everything from the first one to the end).
    const removed = o.sections.filter((s) => /^\.(symtab|strtab)$|^\.z?debug_/.test(s.name));
    const onDisk = removed.reduce((a, s) => a + s.size, 0);
    expect(r.strip.symtab + r.strip.dwarf).toBe(onDisk);
    expect(r.strip.total).toBe(onDisk + r.strip.alignment);
    expect(r.strip.alignment).toBeLessThan(8 * Math.max(1, removed.length));
    expect(r.layout.sections + r.layout.headersAndPadding).toBe(r.size);
  });

  it.each([
    ['hello.default', 'hello.sw'],
    ['server.default', 'server.sw'],
  ])('strip figure of %s matches the real -s -w build %s', (full, stripped) => {
    const r = report(full);
    const real = size(full) - size(stripped);
    // The loaded segments can move by whole pages: the stripped build's .shstrtab is shorter and its
    // build info one setting (-ldflags) longer, and whether that crosses a segment's page boundary
    // depends on the checkout's path (no -trimpath). So the error is whole pages and nothing else
    // (the alignment padding before .symtab is counted), and the whole pages are exactly the change
    // in the loaded extent, read from the program headers.
    const error = real - r.strip.total;
    const pages = Math.round(error / 4096) || 0;
    expect(error).toBe(pages * 4096);
    expect(pages).toBe(Math.round((loadEnd(bins.get(full) as string) - loadEnd(bins.get(stripped) as string)) / 4096) || 0);
    expect(Math.abs(pages)).toBeLessThanOrEqual(1);
    expect(report(stripped).strip).toEqual({ symtab: 0, dwarf: 0, alignment: 0, total: 0 });
    expect(report(stripped).findings.find((f) => f.lever === 'strip-symbols')).toBeUndefined();
    expect(r.findings.find((f) => f.lever === 'strip-symbols')?.bytes).toBe(r.strip.total);
    console.log(`${full}: strip predicted ${r.strip.total}, real ${real}, error ${real - r.strip.total} bytes`);
  });

  it('-s alone gives the same file as -s -w on Go 1.19 ELF, -w alone keeps the symbol table', () => {
    expect(size('hello.s')).toBe(size('hello.sw'));
    expect(report('hello.w').strip.dwarf).toBe(0);
    expect(report('hello.w').strip.symtab).toBe(report('hello.default').strip.symtab);
  });

  it('trimpath: leaked paths counted from the file table; -trimpath builds leak none', () => {
    for (const n of ['hello.default', 'server.default', 'hello.386', 'hello.s390x']) {
      const t = report(n).trimpath;
      expect(t.leakedPaths).toBeGreaterThan(100);
      expect(t.examples.length).toBe(5);
      for (const e of t.examples) expect(e.startsWith('/')).toBe(true);
      expect(report(n).findings.some((f) => f.lever === 'trimpath')).toBe(true);
    }
    for (const n of ['hello.trimpath', 'hello.all', 'server.trimpath', 'server.all']) {
      expect(report(n).trimpath.leakedPaths).toBe(0);
      expect(report(n).trimpath.files).toBeGreaterThan(100);
      expect(report(n).findings.some((f) => f.lever === 'trimpath')).toBe(false);
    }
    // Estimated savings vs the real .gopclntab shrink between the default and -trimpath builds.
    for (const [full, trimmed] of [['hello.default', 'hello.trimpath'], ['server.default', 'server.trimpath']] as const) {
      const pcl = (n: string): number => report(n).sections.find((s) => s.name === '.gopclntab')?.size ?? 0;
      const real = pcl(full) - pcl(trimmed);
      const est = report(full).trimpath.estimatedBytes;
      console.log(`${full}: trimpath file-table estimate ${report(full).trimpath.parts.pclntab} (total ${est}), real .gopclntab shrink ${real}`);
      expect(Math.abs(report(full).trimpath.parts.pclntab - real) / real).toBeLessThan(0.01);
    }
  });

  it('DWARF by package: each compile unit (a package) and its line program, as readelf reads them', () => {
    for (const n of ['hello.default', 'server.default']) {
      const path = bins.get(n)!;
      // readelf's compile units: offset, length and DW_AT_name of each top-level DIE.
      const dump = execFileSync('readelf', ['--debug-dump=info', '--dwarf-depth=1', '-W', path], { encoding: 'utf8', maxBuffer: 256 << 20 });
      const oracle: Array<{ name: string; infoSize: number }> = [];
      for (const m of dump.matchAll(/Compilation Unit @ offset [0-9a-fx]+:\n\s+Length:\s+0x([0-9a-f]+)[^]*?DW_AT_name\s+: \(string\) (\S+)/g)) {
        oracle.push({ name: m[2]!, infoSize: parseInt(m[1]!, 16) + 4 });
      }
      expect(oracle.length).toBeGreaterThan(20);
      const b = readFileSync(path);
      const exe = elfExecutable(readElf(b));
      const data = (name: string) => {
        const s = exe.sections.find((x) => x.name === name)!;
        return dwarfSectionData(b.subarray(s.offset, s.offset + s.fileSize), s);
      };
      const units = dwarfUnits(data('.debug_info')!, data('.debug_abbrev')!, data('.debug_line'), undefined, true)!;
      expect(units.map((u) => ({ name: u.name, infoSize: u.infoSize }))).toEqual(oracle);
      // every line program is claimed by exactly one unit: their sizes add up to the whole section
      expect(units.reduce((a, u) => a + u.lineSize, 0)).toBe(data('.debug_line')!.length);
      // in the report: the two sections are attributed to packages, all but the compression header and rounding
      const r = report(n);
      for (const sec of ['.debug_info', '.debug_line']) {
        const stored = r.sections.find((s) => s.name === sec)!.size;
        const toPackages = r.packages.reduce((a, p) => a + (p.sections[sec] ?? 0), 0);
        expect(toPackages).toBeLessThanOrEqual(stored);
        expect(stored - toPackages).toBeLessThan(24 + units.length);
      }
      const rt = r.packages.find((p) => p.name === 'runtime')!;
      expect(rt.sections['.debug_info']).toBeGreaterThan(0);
    }
  });

  it('trimpath with DWARF kept: every place the paths live (file table, DWARF line tables, gdb script)', () => {
    const sectionOf = (n: string, name: string): Buffer => {
      const b = readFileSync(bins.get(n)!);
      const s = readElf(b).sections.find((x) => x.name === name)!;
      const raw = b.subarray(s.offset, s.offset + s.fileSize);
      return s.compressed ? inflateSync(raw.subarray(24)) : raw;
    };
    const shrink = (full: string, trimmed: string, name: string): number =>
      (report(full).sections.find((s) => s.name === name)?.size ?? 0) - (report(trimmed).sections.find((s) => s.name === name)?.size ?? 0);
    for (const [full, trimmed] of [['hello.default', 'hello.trimpath'], ['server.default', 'server.trimpath']] as const) {
      const t = report(full).trimpath;
      // The rewrite is exact: the default build's line tables, rewritten, are the -trimpath build's byte for byte.
      const found = findPclntab(readElf(readFileSync(bins.get(full)!)))!;
      const leaked = found.table.files.filter(isAbsolutePath);
      const rewritten = rewriteLineTableNames(sectionOf(full, '.debug_line'), true, trimpathRewriter(leaked, report(full).go!.main!.path, report(full).go!.path, localReplaces(report(full).go!.deps)), isAbsolutePath)!;
      expect(rewritten.data.equals(sectionOf(trimmed, '.debug_line'))).toBe(true);
      // The gdb script path: exact.
      expect(t.parts.gdbScripts).toBe(shrink(full, trimmed, '.debug_gdb_scripts'));
      // The compressed line table: Go compresses with its own deflate, so the saving is an estimate (docs/binary.md).
      const line = shrink(full, trimmed, '.debug_line');
      console.log(`${full}: DWARF line estimate ${t.parts.dwarfLine}, real compressed .debug_line shrink ${line}; total ${t.estimatedBytes} vs ${shrink(full, trimmed, '.gopclntab') + line + t.parts.gdbScripts}`);
      expect(t.parts.dwarfLine).not.toBeNull();
      expect(Math.abs(t.parts.dwarfLine! - line) / line).toBeLessThan(0.2);
      const real = shrink(full, trimmed, '.gopclntab') + line + shrink(full, trimmed, '.debug_gdb_scripts');
      expect(Math.abs(t.estimatedBytes - real) / real).toBeLessThan(0.05);
    }
    // Stripped (-s -w): no DWARF, nothing estimated there.
    expect(report('hello.sw').trimpath.parts.dwarfLine ?? 0).toBe(0);
  });

  it('packages: Go code per package sums to .text for internal linking; external linking leaves C code', () => {
    for (const n of ['hello.default', 'server.cgo0', 'hello.arm64', 'hello.mips']) {
      const r = report(n);
      expect(r.code.attributed).toBe(r.code.text);
      expect(codeByPackage(r).reduce((a, p) => a + p.size, 0)).toBe(r.code.attributed);
      expect(codeByPackage(r)[0]?.name).toBe('runtime');
    }
    const hello = codeByPackage(report('hello.default')).map((p) => p.name);
    // greetlib.Greeting is inlined into main.main, so its package owns no function of its own.
    expect(hello).toEqual(expect.arrayContaining(['main', 'fmt', 'runtime']));
    const server = codeByPackage(report('server.cgo0')).map((p) => p.name);
    expect(server.slice(0, 5)).toEqual(expect.arrayContaining(['runtime', 'net/http', 'crypto/tls']));
    const ext = report('server.external');
    expect(ext.code.unattributed).toBeGreaterThan(0);
    expect(ext.code.text).toBeGreaterThan(ext.code.attributed);
  });

  it('the run-length package tally equals a naive per-function aggregation', () => {
    for (const n of ['server.default', 'hello.external', 'hello.s390x']) {
      const bytes = readFileSync(bins.get(n) as string);
      const found = findPclntab(readElf(bytes));
      const naive = new Map<string, number>();
      for (const f of found?.table.functions ?? []) naive.set(packageOf(f.name), (naive.get(packageOf(f.name)) ?? 0) + f.size);
      for (const [k, v] of naive) if (v === 0) naive.delete(k); // a package whose only functions are empty has no .text bytes
      const got = new Map(codeByPackage(report(n)).map((p) => [p.name, p.size]));
      expect(got).toEqual(naive);
    }
  });

  it('linking and cgo verdicts', () => {
    expect(report('hello.default')).toMatchObject({ linking: 'static', interpreter: null, needed: [] });
    expect(report('hello.default').go?.settings.CGO_ENABLED).toBe('1'); // flag on, nothing used it
    expect(report('hello.default').cgo.used).toBe(false);
    const pie = report('hello.pie');
    // PIE: an interpreter with no needed libraries is not "needs libc".
    expect(pie).toMatchObject({ type: 'dyn', linking: 'dynamic', needed: [] });
    expect(pie.interpreter).toMatch(/ld-linux/);
    expect(pie.findings.some((f) => f.lever === 'cgo-off')).toBe(false);
    const server = report('server.default');
    expect(server).toMatchObject({ linking: 'dynamic', needed: ['libc.so.6'] });
    expect(server.cgo).toMatchObject({ used: true, runtimeCgo: true, libraries: ['libc.so.6'] });
    const cgoOff = server.findings.find((f) => f.lever === 'cgo-off');
    expect(cgoOff?.bytes).toBeGreaterThan(0);
    expect(cgoOff?.title).toContain('libc.so.6');
    expect(report('server.cgo0')).toMatchObject({ linking: 'static', cgo: { used: false } });
    expect(report('server.external').cgo).toMatchObject({ used: true, externalLinking: true });
    expect(report('hello.external').cgo.externalLinking).toBe(true);
    expect(report('server.pie').cgo.externalLinking).toBe(false);
    // The real CGO_ENABLED=0 saving, beside our estimate (reported, not asserted: the estimate is a floor).
    const real = size('server.default') - size('server.cgo0');
    console.log(`server: cgo-off estimate ${cgoOff?.bytes}, real CGO_ENABLED=0 difference ${real}`);
  });

  it.each(['hello.sw', 'server.default', 'hello.mips', 'hello.386'])(
    '%s without section headers (e_shoff = 0): build info from the RW PT_LOAD, pclntab by scanning',
    (name) => {
      const b = Buffer.from(readFileSync(bins.get(name) as string));
      const le = b[5] === 1;
      if (b[4] === 2) {
        if (le) b.writeBigUInt64LE(0n, 40);
        else b.writeBigUInt64BE(0n, 40);
        b.fill(0, 60, 64); // e_shnum, e_shstrndx
      } else {
        b.fill(0, 32, 36); // e_shoff
        b.fill(0, 48, 52);
      }
      const r = analyzeBinary(b);
      const full = report(name);
      expect(r.sections).toEqual([]);
      expect(r.go?.version).toBe(full.go?.version);
      expect(r.go?.settings).toEqual(full.go?.settings);
      expect(codeByPackage(r)).toEqual(codeByPackage(full));
      expect(r.trimpath.leakedPaths).toBe(full.trimpath.leakedPaths);
      expect(r.linking).toBe(full.linking);
      expect(r.needed).toEqual(full.needed);
    },
  );

  it('static-pie: a real external-linked -static-pie build (no PT_INTERP, PT_DYNAMIC, ET_DYN)', async (ctx) => {
    let file: string;
    try {
      file = await buildFixture(HELLO('static-pie', ['-buildmode=pie', '-ldflags=-linkmode=external -extldflags=-static-pie'], { CGO_ENABLED: '1' }));
    } catch (err) {
      // Needs gcc and a static libc (libc6-dev); without them there is nothing to check.
      console.warn(`static-pie fixture not built: ${(err as Error).message.split('\n')[0]}`);
      ctx.skip();
      return;
    }
    const r = analyzeBinary(readFileSync(file));
    const o = await readelf(file);
    expect(o.interpreter).toBeNull();
    expect(o.hasDynamic).toBe(true);
    expect(r).toMatchObject({ linking: 'static-pie', type: 'dyn', interpreter: null, needed: [] });
    expect(r.findings.some((f) => f.lever === 'cgo-off')).toBe(false);
  });

  it.each([
    ['hello.386', '386', 32, 'little'],
    ['hello.arm', 'arm', 32, 'little'],
    ['hello.arm64', 'arm64', 64, 'little'],
    ['hello.s390x', 's390x', 64, 'big'],
    ['hello.mips', 'mips', 32, 'big'],
  ] as const)('cross build %s: arch %s, %d-bit, %s-endian', (name, arch, cls, endian) => {
    const r = report(name);
    expect(r).toMatchObject({ arch, class: cls, endian, linking: 'static' });
    expect(r.go?.settings.GOARCH).toBe(arch);
    expect(r.go?.pclntab?.version).toBe('1.18');
  });
});
