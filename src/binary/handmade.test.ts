/** Hand-made byte inputs for the layouts and build-info forms Go 1.19 cannot produce here. */
import { describe, expect, it } from 'vitest';
import {
  buildElf,
  buildPclntab,
  framed,
  inlineBuildInfo,
  pointerFormatElf,
} from '../../test/fixtures/go/elf-builder.js';
import { GoslimError } from '../errors.js';
import { analyzeBinary, codeByPackage, elfBuildInfoSource } from './analyze.js';
import { decodeBuildInfoAt, readBuildInfo } from './buildinfo.js';
import { readElf } from './elf.js';
import { parsePclntab } from './pclntab.js';

const MODINFO = 'path\texample.com/old\nmod\texample.com/old\tv1.2.3\th1:main=\ndep\tgolang.org/x/text\tv0.3.7\th1:dep=\n';

describe('build info: pointer format (Go < 1.18)', () => {
  for (const [cls, le, machine, arch] of [
    [64, true, 62, 'amd64'],
    [64, false, 22, 's390x'],
    [32, true, 3, '386'],
    [32, false, 8, 'mips'],
  ] as const) {
    it(`${cls}-bit ${le ? 'little' : 'big'}-endian (${arch})`, () => {
      const elf = pointerFormatElf(cls, le, 'go1.16.15', MODINFO, machine);
      const r = analyzeBinary(elf);
      expect(r.arch).toBe(arch);
      expect(r.go?.buildInfo).toBe('pointer');
      expect(r.go?.version).toBe('go1.16.15');
      expect(r.go?.path).toBe('example.com/old');
      expect(r.go?.main).toEqual({ path: 'example.com/old', version: 'v1.2.3', sum: 'h1:main=' });
      expect(r.go?.deps).toEqual([{ path: 'golang.org/x/text', version: 'v0.3.7', sum: 'h1:dep=', replace: null }]);
      expect(r.go?.settings).toEqual({});
      expect(r.go?.recovered).toBe(false);
    });
  }
  it('rejects a pointer size other than 4 or 8 and unmapped pointers', () => {
    const bytes = pointerFormatElf(64, true, 'go1.16', MODINFO);
    const hdr = Buffer.from(bytes).indexOf(Buffer.from('\xff Go buildinf:', 'latin1'));
    const bad = Uint8Array.from(bytes);
    bad[hdr + 14] = 3;
    expect(() => analyzeBinary(bad)).toThrow(expect.objectContaining({ code: 'E_MALFORMED' }));
    const unmapped = Uint8Array.from(bytes);
    unmapped[hdr + 16 + 3] = 0x7f; // version pointer now far outside every PT_LOAD
    expect(() => analyzeBinary(unmapped)).toThrow(expect.objectContaining({ code: 'E_MALFORMED' }));
  });
});

describe('build info: inline format (Go >= 1.18)', () => {
  for (const [cls, le] of [[64, true], [32, false]] as const) {
    it(`${cls}-bit ${le ? 'LE' : 'BE'}, header found only at a 16-byte-aligned offset`, () => {
      const blob = inlineBuildInfo('go1.22.1 X:nocoverageredesign', `${MODINFO}build\t-trimpath=true\nbuild\tGOARCH=amd64\n`, cls === 64 ? 8 : 4, !le);
      // A decoy magic at a misaligned offset must be skipped.
      const data = new Uint8Array(32 + blob.length);
      data.set(blob.slice(0, 16), 3);
      data.set(blob, 32);
      const elf = buildElf({ cls, le, sections: [{ name: '.go.buildinfo', flags: 3, addr: 0x600000, data }] });
      const r = analyzeBinary(elf);
      expect(r.go?.version).toBe('go1.22.1 X:nocoverageredesign');
      expect(r.go?.settings).toEqual({ '-trimpath': 'true', GOARCH: 'amd64' });
      expect(r.go?.buildInfo).toBe('inline');
    });
  }
  it('treats modinfo without valid framing as absent (non-module build)', () => {
    const blob = inlineBuildInfo('go1.23.1', '');
    const r = analyzeBinary(buildElf({ cls: 64, le: true, sections: [{ name: '.go.buildinfo', flags: 3, data: blob }] }));
    expect(r.go).toMatchObject({ version: 'go1.23.1', path: null, main: null, deps: [], settings: {} });
  });
  it('bounds varint lengths by the section', () => {
    const blob = Uint8Array.from(inlineBuildInfo('go1.20', MODINFO));
    blob[32] = 0x7f; // version length 127, longer than what follows
    const bytes = buildElf({ cls: 64, le: true, sections: [{ name: '.go.buildinfo', flags: 3, data: blob.slice(0, 48) }] });
    expect(() => analyzeBinary(bytes)).toThrow(expect.objectContaining({ code: 'E_MALFORMED' }));
  });
});

describe('build info: recovery when the header is missing', () => {
  it('finds the framed modinfo and a go1.N version in .rodata, and says so', () => {
    const ro = Uint8Array.from([...Buffer.from('xxruntime stuffgo1.26.5main.main'), ...framed(`${MODINFO}build\t-trimpath=true\n`), 1, 2, 3]);
    const bytes = buildElf({ cls: 64, le: true, sections: [{ name: '.rodata', flags: 2, data: ro }] });
    const src = elfBuildInfoSource(readElf(bytes));
    const bi = readBuildInfo(src);
    expect(bi).toMatchObject({ recovered: true, format: 'recovered', version: 'go1.26.5' });
    const r = analyzeBinary(bytes);
    expect(r.go?.recovered).toBe(true);
    expect(r.go?.main?.path).toBe('example.com/old');
    expect(r.go?.settings['-trimpath']).toBe('true');
  });
  it('a pclntab without any build info still yields a Go report, with the version from .rodata', () => {
    const pcln = buildPclntab('1.20', [{ name: 'main.main', size: 64 }], ['main.go']);
    const bytes = buildElf({
      cls: 64,
      le: true,
      sections: [
        { name: '.rodata', flags: 2, data: Buffer.from('abcgo1.21.3def') },
        { name: '.gopclntab', flags: 2, data: pcln },
      ],
    });
    const r = analyzeBinary(bytes);
    expect(r.go).toMatchObject({ version: 'go1.21.3', recovered: true, buildInfo: 'none', main: null, deps: [] });
    expect(codeByPackage(r)).toEqual([{ name: 'main', size: 64 }]);
  });

  it('returns go: null for an ELF with neither build info nor pclntab', () => {
    const bytes = buildElf({ cls: 64, le: true, sections: [{ name: '.text', flags: 6, data: new Uint8Array(32) }] });
    expect(analyzeBinary(bytes).go).toBeNull();
    expect(() => analyzeBinary(bytes, { requireGo: true })).toThrow(expect.objectContaining({ code: 'E_NOT_GO_BINARY' }));
  });
  it('decodeBuildInfoAt refuses a header cut short', () => {
    const bytes = buildElf({ cls: 64, le: true, sections: [{ name: '.go.buildinfo', flags: 3, data: inlineBuildInfo('go1.20', MODINFO).slice(0, 33) }] });
    const src = elfBuildInfoSource(readElf(bytes));
    const r = src.ranges[0]!;
    expect(() => decodeBuildInfoAt(src, r.offset, r.offset + r.size)).toThrow(GoslimError);
  });
});

describe('pclntab layouts', () => {
  const funcs = [
    { name: 'runtime.text', size: 0 },
    { name: 'runtime.main', size: 100 },
    { name: 'main.main', size: 60 },
    { name: 'net/http.(*Server).Serve', size: 200 },
    { name: 'slices.SortFunc[go.shape.string]', size: 40 },
    { name: 'gopkg.in/yaml%2ev3.Unmarshal', size: 24 },
    { name: 'type..eq.[...]internal/cpu.option', size: 16 },
    { name: 'x_cgo_init', size: 8 },
  ];
  const files = ['/home/ci/src/app/main.go', 'net/http/server.go', '<autogenerated>'];
  for (const layout of ['1.2', '1.16', '1.18', '1.20'] as const) {
    for (const [le, ptrSize] of [[true, 8], [false, 4]] as const) {
      it(`${layout} ${le ? 'LE' : 'BE'} ptr${ptrSize}`, () => {
        const tab = parsePclntab(buildPclntab(layout, funcs, files, { le, ptrSize }));
        expect(tab.version).toBe(layout);
        expect(tab.littleEndian).toBe(le);
        expect(tab.ptrSize).toBe(ptrSize);
        expect(tab.functions.map((f) => [f.name, f.size])).toEqual(funcs.map((f) => [f.name, f.size]));
        expect(tab.codeSize).toBe(448);
        expect(tab.files).toEqual(files);
      });
    }
  }
  it('Go 1.26: textStart 0 does not matter for sizes', () => {
    const tab = parsePclntab(buildPclntab('1.20', funcs, files, { textStart: 0 }));
    expect(tab.textStart).toBe(0);
    expect(tab.codeSize).toBe(448);
  });
  it('attributes packages through a whole ELF, by section and by scanning when section headers lie', () => {
    const pcln = buildPclntab('1.20', funcs, files);
    const bytes = buildElf({
      cls: 64,
      le: true,
      sections: [
        { name: '.text', flags: 6, addr: 0x401000, data: new Uint8Array(448) },
        { name: '.gopclntab', flags: 2, addr: 0x500000, data: pcln },
      ],
      segments: [{ type: 1, flags: 4, section: '.gopclntab' }],
    });
    const r = analyzeBinary(bytes);
    expect(codeByPackage(r)).toEqual([
      { name: 'net/http', size: 200 },
      { name: 'runtime', size: 100 },
      { name: 'main', size: 60 },
      { name: 'slices', size: 40 },
      { name: 'gopkg.in/yaml.v3', size: 24 },
      { name: '<compiler-generated>', size: 16 },
      { name: '<cgo C code>', size: 8 },
    ]);
    expect(r.code).toEqual({ text: 448, attributed: 448, unattributed: 0 });
    expect(r.trimpath).toMatchObject({ leakedPaths: 1, files: 3, examples: ['/home/ci/src/app/main.go'] });
    expect(r.cgo.runtimeCgo).toBe(true);
    // Rename the section so only the PT_LOAD scan can find the table.
    const renamed = Buffer.from(bytes);
    const at = renamed.indexOf('.gopclntab');
    renamed.write('.xoxoxoxox', at, 'latin1');
    expect(codeByPackage(analyzeBinary(renamed)).length).toBe(7);
  });
  it('refuses unknown magic, bad header and non-increasing entries with E_MALFORMED', () => {
    const good = buildPclntab('1.18', funcs, files);
    const badMagic = Uint8Array.from(good);
    badMagic[0] = 0x00;
    expect(() => parsePclntab(badMagic)).toThrow(expect.objectContaining({ code: 'E_MALFORMED' }));
    const badPtr = Uint8Array.from(good);
    badPtr[7] = 5;
    expect(() => parsePclntab(badPtr)).toThrow(expect.objectContaining({ code: 'E_MALFORMED' }));
    const hugeN = Uint8Array.from(good);
    hugeN.set([0xff, 0xff, 0xff, 0x0f], 8);
    expect(() => parsePclntab(hugeN)).toThrow(expect.objectContaining({ code: 'E_MALFORMED' }));
  });
});

describe('ELF linking verdicts', () => {
  it('static-pie: PT_DYNAMIC, no interpreter, ET_DYN', () => {
    const dyn = new Uint8Array(32); // DT_FLAGS_1 = PIE, then DT_NULL
    Buffer.from(dyn.buffer).writeBigUInt64LE(0x6ffffffbn, 0);
    Buffer.from(dyn.buffer).writeBigUInt64LE(0x08000000n, 8);
    const bytes = buildElf({
      cls: 64,
      le: true,
      type: 3,
      sections: [{ name: '.dynamic', type: 6, flags: 3, addr: 0x3000, data: dyn }],
      segments: [{ type: 2, flags: 6, section: '.dynamic' }],
    });
    const elf = readElf(bytes);
    expect(elf.linking).toBe('static-pie');
    expect(elf.type).toBe('dyn');
    expect(elf.flags1).toBe(0x08000000);
  });
  it('dynamic: DT_NEEDED, RPATH and RUNPATH through DT_STRTAB mapped by PT_LOAD', () => {
    const strs = Buffer.from('\0libc.so.6\0/opt/lib:/x\0$ORIGIN\0', 'latin1');
    const dyn = Buffer.alloc(16 * 6);
    const ent: Array<[bigint, bigint]> = [[1n, 1n], [15n, 11n], [29n, 23n], [5n, 0x2000n], [10n, BigInt(strs.length)], [0n, 0n]];
    ent.forEach(([t, v], i) => {
      dyn.writeBigUInt64LE(t, i * 16);
      dyn.writeBigUInt64LE(v, i * 16 + 8);
    });
    const bytes = buildElf({
      cls: 64,
      le: true,
      sections: [
        { name: '.interp', flags: 2, addr: 0x1000, data: Buffer.from('/lib64/ld-linux-x86-64.so.2\0') },
        { name: '.dynstr', type: 3, flags: 2, addr: 0x2000, data: strs },
        { name: '.dynamic', type: 6, flags: 3, addr: 0x3000, data: dyn },
      ],
      segments: [
        { type: 3, flags: 4, section: '.interp' },
        { type: 1, flags: 4, section: '.dynstr' },
        { type: 2, flags: 6, section: '.dynamic' },
      ],
    });
    const elf = readElf(bytes);
    expect(elf).toMatchObject({ linking: 'dynamic', interpreter: '/lib64/ld-linux-x86-64.so.2', needed: ['libc.so.6'], rpath: ['/opt/lib', '/x'], runpath: ['$ORIGIN'] });
    // A C program (not Go): linking facts, but no cgo verdict and no findings.
    const r = analyzeBinary(bytes);
    expect(r).toMatchObject({ go: null, findings: [], cgo: { used: false, externalLinking: false, libraries: ['libc.so.6'] } });
  });
});
